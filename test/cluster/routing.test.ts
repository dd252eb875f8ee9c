/**
 * Sync routing between three `nimbus serve --cluster` nodes sharing a PostgreSQL and an etcd the
 * test starts: a function version runs on one home node whichever node the call arrives at
 * (Invoke, InvokeWithResponseStream), homes spread over the nodes, a function's reserved
 * concurrency holds across the cluster, the hop path refuses requests that are not signed with the
 * cluster's hop key, and after kill -9 of a home node the next call through a surviving node runs
 * elsewhere at once (connection refused: nothing ran, so the next node is tried).
 *
 * Functions are created once (the store is shared in PostgreSQL), so their configuration cannot
 * name a node: the function finds the node that runs it among its ancestor processes (process
 * isolation shares the process table) and replies with that node's --data-dir.
 */

/** Handler code: the --data-dir of the nearest ancestor process that has one (the node). */
const FIND_NODE = `const fs = require('node:fs');
function nodeDir() {
  let pid = process.ppid;
  for (let i = 0; i < 16 && pid > 1; i++) {
    const argv = fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\\0');
    const k = argv.indexOf('--data-dir');
    if (k >= 0) return argv[k + 1];
    const stat = fs.readFileSync('/proc/' + pid + '/stat', 'utf8');
    pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  return 'unknown';
}
`;
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CreateFunctionCommand, InvokeCommand, InvokeWithResponseStreamCommand, PutFunctionConcurrencyCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { clusterBackends, clusterNodeEnv, newMasterKey, skipWithoutCluster, waitForMembers } from '../helpers/cluster.js';
import { makeZip, ROLE, sdkClient } from '../helpers/nimbus.js';
import { serve, type ServedNimbus } from '../helpers/serve.js';

const skip = skipWithoutCluster();
const NAMES = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'];

/** Which node a data directory belongs to, set once the nodes are up. */
let nodeOf: (dataDir: string) => string = (d) => d;
const where = (p: Uint8Array | undefined): string => nodeOf((JSON.parse(Buffer.from(p ?? []).toString('utf8')) as { node: string }).node);

describe('cluster: sync routing between nodes', { skip }, () => {
  const backends = clusterBackends();

  it('runs each version on its home node through any node, holds reserved concurrency cluster-wide, refuses forged hops, and reroutes at once after kill -9', async (t) => {
    // Every node of a cluster has the same keyring.
    const env = clusterNodeEnv(backends, { NIMBUS_MASTER_KEY: newMasterKey() });
    const ids = ['n1', 'n2', 'n3'];
    const nodes: ServedNimbus[] = await Promise.all(ids.map((id) => serve(t, { env: env(id) })));
    const urls = nodes.map((n) => n.url);
    nodeOf = (dir) => ids[nodes.findIndex((n) => n.dataDir === dir)] ?? `unknown: ${dir}`;
    await waitForMembers(urls, 3);
    const clients: LambdaClient[] = urls.map((u) => sdkClient(u));
    t.after(() => clients.forEach((c) => c.destroy()));

    const zip = await makeZip({
      'index.js': `${FIND_NODE}exports.handler = async (e) => { if (e.sleepMs) await new Promise((r) => setTimeout(r, e.sleepMs)); return { node: nodeDir() }; };`,
    });
    const streamZip = await makeZip({
      'index.js': `${FIND_NODE}exports.handler = awslambda.streamifyResponse(async (e, stream) => { stream.write('ran on '); stream.write(nodeDir()); stream.end(); });`,
    });
    const c0 = clients[0]!;
    for (const name of [...NAMES, 'limited']) {
      await c0.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zip }, Timeout: 30 }));
    }
    await c0.send(new CreateFunctionCommand({ FunctionName: 'streamer', Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: streamZip } }));
    await c0.send(new PutFunctionConcurrencyCommand({ FunctionName: 'limited', ReservedConcurrentExecutions: 1 }));

    // One home per version, whichever node is asked.
    const home = new Map<string, string>();
    for (const name of NAMES) {
      const ran = [];
      for (const c of clients) {
        const r = await c.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{}') }));
        assert.equal(r.FunctionError, undefined);
        ran.push(where(r.Payload));
      }
      assert.equal(new Set(ran).size, 1, `${name} ran on ${ran.join(', ')}`);
      home.set(name, ran[0]!);
    }
    assert.ok(new Set(home.values()).size >= 2, `homes spread over the nodes: ${[...home].join(' ')}`);

    // A streamed response crosses the hop too.
    let streamHome: string | undefined;
    for (const c of clients) {
      const r = await c.send(new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', Payload: Buffer.from('{}') }));
      let text = '';
      for await (const ev of r.EventStream!) {
        if (ev.PayloadChunk?.Payload) text += Buffer.from(ev.PayloadChunk.Payload).toString('utf8');
        if (ev.InvokeComplete) assert.equal(ev.InvokeComplete.ErrorCode, undefined);
      }
      assert.match(text, /^ran on /);
      const ran = nodeOf(text.slice('ran on '.length));
      assert.match(ran, /^n[123]$/);
      streamHome ??= ran;
      assert.equal(ran, streamHome, 'the same home for every gateway');
    }

    // Reserved concurrency 1 holds across the cluster: three overlapping calls through three nodes, one runs.
    const outcomes = await Promise.all(
      clients.map(async (c) => {
        try {
          await c.send(new InvokeCommand({ FunctionName: 'limited', Payload: Buffer.from('{"sleepMs":10000}') }));
          return 'ok';
        } catch (e) {
          return (e as { name: string }).name;
        }
      }),
    );
    assert.deepEqual(outcomes.sort(), ['TooManyRequestsException', 'TooManyRequestsException', 'ok']);

    // The hop path takes only invocations signed with the cluster's key; a hop header on the API means nothing.
    const forged = await fetch(`${urls[0]}/nimbus/v1/internal/invoke`, {
      method: 'POST',
      headers: { 'x-nimbus-hop': 'n2', 'x-nimbus-hop-auth': `${Date.now()}.${'00'.repeat(32)}`, 'x-nimbus-invoke': Buffer.from(JSON.stringify({ accountId: '000000000000', region: 'us-east-1', name: 'alpha', version: '$LATEST', tailLogs: false })).toString('base64url') },
      body: '{}',
    });
    assert.equal(forged.status, 403);
    assert.equal(forged.headers.get('x-amzn-errortype'), 'AccessDeniedException');
    const alphaHome = home.get('alpha')!;
    const viaOther = urls[ids.findIndex((id) => id !== alphaHome)]!;
    const spoofed = await fetch(`${viaOther}/2015-03-31/functions/alpha/invocations`, { method: 'POST', headers: { 'x-nimbus-hop': 'n9' }, body: '{}' });
    assert.equal(spoofed.status, 200);
    assert.equal(nodeOf(((await spoofed.json()) as { node: string }).node), alphaHome, 'routed as usual');

    // kill -9 the home of `alpha`: the next call through a survivor runs on another node, at once
    // (before etcd's lease for the dead node has expired).
    const dead = ids.indexOf(alphaHome);
    nodes[dead]!.child.kill('SIGKILL');
    await nodes[dead]!.exited;
    const survivor = clients[(dead + 1) % 3]!;
    const r = await survivor.send(new InvokeCommand({ FunctionName: 'alpha', Payload: Buffer.from('{}') }));
    assert.equal(r.FunctionError, undefined);
    assert.notEqual(where(r.Payload), alphaHome);
    // And the failover was the walk past a refused connection, not a membership change.
    const stats = (await (await fetch(`${urls[(dead + 1) % 3]}/nimbus/v1/cluster`)).json()) as { router: { failovers: number } };
    assert.ok(stats.router.failovers >= 1, JSON.stringify(stats.router));
  });
});
