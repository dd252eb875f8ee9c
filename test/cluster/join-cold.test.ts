/**
 * What a node joining costs in cold starts, counted (never timed): three `--cluster` nodes on a
 * PostgreSQL and an etcd the test starts, twelve functions all warm, then a fourth node joins.
 * Rendezvous hashing moves only the keys the new node now wins; the routing must not make any
 * other function cold (issue #19: "after a node joins, at most 1/N + 5% of functions see a cold
 * start"). The moved set is computed with the routers' own hash (src/cluster/routing.ts `home`).
 *
 * Each pass is one burst: every function called at once through one gateway, each call sleeping
 * long enough for all of them to overlap, so the load bound is in play (a burst is where a bound
 * computed from few in-flight calls dealt calls out over every node, cold). With stable membership
 * a pass after the warm-up has no cold start at all; after the join, the only cold starts are on
 * functions whose home moved, at most one each, and those functions then run on the new node.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { home, members } from '../../src/cluster/routing.js';
import { skipWithoutCluster, startTestCluster } from '../helpers/cluster.js';
import { makeZip, ROLE, sdkClient } from '../helpers/nimbus.js';

const skip = skipWithoutCluster();
const NAMES = Array.from({ length: 12 }, (_, i) => `join-${i}`);
/** Long enough for a burst's calls to overlap on a loaded machine. */
const SLEEP_MS = 600;

interface NodeStats {
  node: string;
  functions: { function: string; invocations: number; coldStarts: number }[];
  router?: { cold: Record<string, number>; placed: Record<string, number> };
}

async function stats(urls: readonly string[]): Promise<NodeStats[]> {
  return Promise.all(urls.map(async (u) => (await (await fetch(`${u}/nimbus/v1/cluster`)).json()) as NodeStats));
}

/** Per node, per function: [invocations, cold starts]. */
function counts(s: NodeStats[]): Map<string, Map<string, [number, number]>> {
  return new Map(s.map((n) => [n.node, new Map(n.functions.map((f) => [f.function, [f.invocations, f.coldStarts] as [number, number]]))]));
}

/** Cold starts per function between two snapshots, summed over nodes, and which nodes ran each. */
function delta(before: NodeStats[], after: NodeStats[]): { cold: Map<string, number>; ranOn: Map<string, Set<string>> } {
  const b = counts(before);
  const cold = new Map<string, number>();
  const ranOn = new Map<string, Set<string>>();
  for (const [node, fns] of counts(after)) {
    for (const [fn, [inv, c]] of fns) {
      const [inv0, c0] = b.get(node)?.get(fn) ?? [0, 0];
      if (c > c0) cold.set(fn, (cold.get(fn) ?? 0) + c - c0);
      if (inv > inv0) ranOn.set(fn, (ranOn.get(fn) ?? new Set()).add(node));
    }
  }
  return { cold, ranOn };
}

/** Every function called at once through `client`; all must succeed. */
async function burst(client: LambdaClient): Promise<void> {
  await Promise.all(
    NAMES.map(async (name) => {
      const r = await client.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify({ ms: SLEEP_MS })) }));
      assert.equal(r.FunctionError, undefined, `${name}: ${Buffer.from(r.Payload ?? []).toString('utf8')}`);
    }),
  );
}

describe('cluster: a join makes cold only the functions whose home moved', { skip }, () => {
  it('3 nodes, 12 functions warm: a pass is all warm; after a 4th node joins only moved functions start a sandbox, once each, on the new node', async (t) => {
    const c = await startTestCluster(t, 3);
    const clients = c.urls.map((u) => sdkClient(u));
    t.after(() => clients.forEach((x) => x.destroy()));
    const zip = await makeZip({ 'index.js': 'exports.handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms || 0)); return { ok: true }; };' });
    const keys = new Map<string, string>();
    for (const name of NAMES) {
      const r = await clients[0]!.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zip }, Timeout: 30 }));
      const [, , , region, account] = r.FunctionArn!.split(':');
      keys.set(name, `${account}/${region}/${name}/$LATEST`);
    }
    const three = members(['n1', 'n2', 'n3']);
    const four = members(['n1', 'n2', 'n3', 'n4']);
    // The premise: no node is home to more functions than the router's load floor, so a burst
    // needs no spill-over, and some (not all) homes move to n4.
    const perNode = (m: ReturnType<typeof members>): Map<string, number> => {
      const out = new Map<string, number>();
      for (const k of keys.values()) out.set(home(k, m)!, (out.get(home(k, m)!) ?? 0) + 1);
      return out;
    };
    assert.ok(Math.max(...perNode(three).values()) <= 8 && Math.max(...perNode(four).values()) <= 8, JSON.stringify([...perNode(three), ...perNode(four)]));
    const moved = new Set(NAMES.filter((n) => home(keys.get(n)!, three) !== home(keys.get(n)!, four)));
    assert.ok(moved.size > 0 && moved.size < NAMES.length, `moved: ${[...moved].join(', ')}`);

    // Warm-up: a burst through each gateway, until a whole round of three is warm (at most 4 rounds).
    let round: { cold: Map<string, number>; ranOn: Map<string, Set<string>> } | undefined;
    for (let i = 0; i < 4; i++) {
      const s0 = await stats(c.urls);
      for (const client of clients) await burst(client);
      round = delta(s0, await stats(c.urls));
      if (round.cold.size === 0) break;
    }
    assert.deepEqual([...round!.cold], [], 'stable membership: a round of bursts through every node starts no sandbox');

    // A fourth node joins; every node sees it before the next call.
    await c.add();
    const client4 = sdkClient(c.urls[3]!);
    t.after(() => client4.destroy());
    const before = await stats(c.urls);
    for (const client of [...clients, client4, ...clients, client4]) await burst(client);
    const after = await stats(c.urls);
    const { cold, ranOn } = delta(before, after);
    const router = after.map((n) => `${n.node} cold ${JSON.stringify(n.router?.cold)}`).join('; ');
    const unexpected = [...cold.keys()].filter((f) => !moved.has(f));
    assert.deepEqual(unexpected, [], `cold although their home did not move (moved: ${[...moved].join(', ')}); ${router}`);
    for (const [f, n] of cold) assert.equal(n, 1, `${f} started ${n} sandboxes; ${router}`);
    // The moved functions did move: they ran on n4, and nothing else did.
    for (const f of moved) assert.ok(ranOn.get(f)?.has('n4'), `${f} never ran on n4: ${[...(ranOn.get(f) ?? [])].join(', ')}`);
    for (const [f, on] of ranOn) if (!moved.has(f)) assert.ok(!on.has('n4'), `${f} (home not moved) ran on n4`);
  });
});
