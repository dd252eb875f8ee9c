/**
 * cluster: 1, 2, 3 and 4 Nimbus nodes in the one-box lab (deploy/lab), each capped at the same CPU
 * quota, under the same per-node concurrency of the witness function, which sleeps 20 ms (I/O bound, so slots
 * and not the 2 shared cores limit it, as scale-out.md §5.6 advises for one box). Reports
 * throughput against N x one node (target >= 0.8). Warm-hit ratio, cold starts after a join and
 * the routing hop's p50 come from the nodes' cluster statistics, so they need cluster mode
 * (`serve --cluster`); until the checkout has it this section says so and measures nothing.
 */
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labConfig } from '../../deploy/lab/cli.js';
import { FUNCTION_NAME } from '../../deploy/lab/function.js';
import { accountingProcs, cpuMs, throttling } from '../../deploy/lab/cpu.js';
import { addNode, clusterModeAvailable, down, inNsFetch, ns, nodeAddr, upInfra } from '../../deploy/lab/lab.js';
import { deployFunction, waitHealthy } from '../../deploy/lab/run.js';
import { parseJsonl } from '../../src/cluster/checker.js';
import { home, members } from '../../src/cluster/routing.js';
import http from 'node:http';
import { hopHook } from '../../src/cluster/hop-endpoint.js';
import { PeerClient } from '../../src/cluster/peer-client.js';
import { Gateway } from '../../src/api/http/server.js';
import type { FunctionVersion } from '../../src/core/model.js';
import { fmt, type Section } from '../lib/report.js';

const DESCRIPTION = 'Cluster scaling in the one-box lab: 1-4 nodes, each capped at the same CPU quota, same per-node concurrency.';

function unavailable(why: string): Section {
  return {
    scenario: 'cluster',
    description: DESCRIPTION,
    table: { header: ['nodes', 'result'], rows: [['1-4', 'not run']] },
    notes: [`cluster mode not available: ${why}`],
  };
}

/** Functions the load spreads over (lab-witness, lab-witness-1, ...): enough for homes to spread and for a join to move ~1/N of them. */
const FUNCTIONS = 16;

interface NodeStats {
  hopP50Ms?: number;
  node?: string;
  router?: { local: number; forwarded: number; failovers: number; throttleWalks: number; placed?: Placements; cold?: Placements };
  functions: { function: string; invocations: number; coldStarts: number }[];
}

/** sync-router.ts's Placement counts: where calls ran against their key's rendezvous order. */
type Placements = Record<'home' | 'spread' | 'spill' | 'walk', number>;

/** Router placement counts summed over nodes, less `before`'s. */
function placements(after: NodeStats[], before: NodeStats[], which: 'placed' | 'cold'): Placements {
  const sum = (s: NodeStats[]): Placements => {
    const out: Placements = { home: 0, spread: 0, spill: 0, walk: 0 };
    for (const n of s) for (const k of Object.keys(out) as (keyof Placements)[]) out[k] += n.router?.[which]?.[k] ?? 0;
    return out;
  };
  const a = sum(after);
  const b = sum(before);
  return { home: a.home - b.home, spread: a.spread - b.spread, spill: a.spill - b.spill, walk: a.walk - b.walk };
}

const showPlacements = (p: Placements): string => `home ${p.home}, spread ${p.spread}, spill ${p.spill}, walk ${p.walk}`;

/** Per node, per function: cold starts. */
function coldByNode(s: NodeStats[]): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  s.forEach((n, i) => out.set(n.node ?? `n${i + 1}`, new Map(n.functions.map((f) => [f.function, f.coldStarts]))));
  return out;
}

/** The version key routing hashes (core/model.ts versionKey) of a lab function, from its ARN. */
async function keyOf(c: ReturnType<typeof labConfig>, name: string): Promise<string> {
  const r = await inNsFetch(c, 'client', `${nodeUrl(c, 1)}/2015-03-31/functions/${name}`);
  const arn = (JSON.parse(r.body) as { Configuration: { FunctionArn: string } }).Configuration.FunctionArn;
  const [, , , region, account] = arn.split(':');
  return `${account}/${region}/${name}/$LATEST`;
}

const nodeUrl = (c: ReturnType<typeof labConfig>, k: number): string => `http://${nodeAddr(c, k)}:9000`;
const fnName = (i: number): string => (i === 0 ? FUNCTION_NAME : `${FUNCTION_NAME}-${i}`);

async function stats(c: ReturnType<typeof labConfig>, n: number): Promise<NodeStats[]> {
  const out: NodeStats[] = [];
  for (let k = 1; k <= n; k++) {
    const r = await inNsFetch(c, 'client', `${nodeUrl(c, k)}/nimbus/v1/cluster`);
    out.push(r.status === 200 ? (JSON.parse(r.body) as NodeStats) : { functions: [] });
  }
  return out;
}

/** Invocations and cold starts per function, summed over the nodes. */
function perFunction(s: NodeStats[]): Map<string, { inv: number; cold: number }> {
  const m = new Map<string, { inv: number; cold: number }>();
  for (const node of s) {
    for (const f of node.functions) {
      const e = m.get(f.function) ?? { inv: 0, cold: 0 };
      e.inv += f.invocations;
      e.cold += f.coldStarts;
      m.set(f.function, e);
    }
  }
  return m;
}

async function waitMembers(c: ReturnType<typeof labConfig>, n: number): Promise<void> {
  const until = Date.now() + 30_000;
  for (let k = 1; k <= n; k++) {
    while (Date.now() < until) {
      const r = await inNsFetch(c, 'client', `${nodeUrl(c, k)}/nimbus/v1/cluster`);
      if (r.status === 200 && (JSON.parse(r.body) as { live: unknown[] }).live.length === n) break;
      await new Promise((res) => setTimeout(res, 300));
    }
  }
}

/** Every function on node k (function records are per node until the PostgreSQL store lands; 409 is fine). */
async function deployAll(c: ReturnType<typeof labConfig>, k: number): Promise<void> {
  // Four at a time, each tried three times: a CPU-capped node on a loaded machine can be slow to answer.
  const one = async (i: number): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await deployFunction(c, k, fnName(i));
      } catch (e) {
        if (attempt >= 3) throw e;
      }
    }
  };
  for (let i = 0; i < FUNCTIONS; i += 4) await Promise.all([i, i + 1, i + 2, i + 3].filter((x) => x < FUNCTIONS).map(one));
}

function runLoad(c: ReturnType<typeof labConfig>, out: string, seconds: number, concurrency: number, urls: string[]): void {
  const script = new URL('../../deploy/lab/client.js', import.meta.url).pathname;
  // The load generator's CPU is accounted on its own (deploy/lab/cpu.ts): it shares the machine's cores with the nodes.
  const acct = accountingProcs(c, 'client');
  const run = `${acct ? `echo $$ > ${acct} && ` : ''}exec ip netns exec "$@"`;
  spawnSync('sh', ['-c', run, 'sh', ns(c, 'client'), process.execPath, script, 'load', out, String(seconds), String(concurrency), '0', ...urls], {
    stdio: 'inherit',
    env: { ...process.env, LAB_FUNCTIONS: String(FUNCTIONS), LAB_NO_WITNESS: '1' },
  });
}

/** CPU used so far by nodes 1..n, PostgreSQL + etcd and the load generator, ms (deploy/lab/cpu.ts); undefined without accounting. */
interface CpuSnapshot {
  at: number;
  nodes: number[];
  infra: number;
  client: number;
  periods: number;
  throttled: number;
}

function cpuSnapshot(c: ReturnType<typeof labConfig>, n: number): CpuSnapshot | undefined {
  const nodes: number[] = [];
  let periods = 0;
  let throttled = 0;
  for (let k = 1; k <= n; k++) {
    const v = cpuMs(c, `n${k}`);
    if (v === undefined) return undefined;
    nodes.push(v);
    const t = throttling(c, k);
    periods += t?.periods ?? 0;
    throttled += t?.throttled ?? 0;
  }
  return { at: performance.now(), nodes, infra: cpuMs(c, 'infra') ?? 0, client: cpuMs(c, 'client') ?? 0, periods, throttled };
}

/** What a measured run cost in CPU: per successful invocation, by whom, and as a share of the machine. */
interface CpuCost {
  nodeMsPerInv: number;
  infraMsPerInv: number;
  clientMsPerInv: number;
  /** Share of the node quota periods in which a node ran out of quota. */
  throttledShare: number;
  /** All of it (nodes, infra, client) over the run's wall time and the machine's cores. */
  machineShare: number;
}

function cpuCost(a: CpuSnapshot | undefined, b: CpuSnapshot | undefined, ok: number): CpuCost | undefined {
  if (!a || !b || ok === 0) return undefined;
  const nodes = b.nodes.reduce((x, v, i) => x + v - a.nodes[i]!, 0);
  const infra = b.infra - a.infra;
  const client = b.client - a.client;
  return {
    nodeMsPerInv: nodes / ok,
    infraMsPerInv: infra / ok,
    clientMsPerInv: client / ok,
    throttledShare: b.periods > a.periods ? (b.throttled - a.throttled) / (b.periods - a.periods) : 0,
    machineShare: (nodes + infra + client) / ((b.at - a.at) * availableParallelism()),
  };
}

/**
 * Waits until the nodes have done their start-up work before any load: a node that has just
 * started exports runtime trees for its stem cells and probes runtimes, seconds of CPU (4 s
 * uncapped for the Python stem cell's interpreter tree, deploy/lab notes), which under a 0.5 CPU cap
 * would otherwise fall into the warm-up and the measured window and be counted as the cost of
 * invocations. Quiet: every node under a tenth of its cap over one second (at most 120 s).
 * Returns each node's CPU up to then, ms (undefined without accounting).
 */
async function waitQuiet(c: ReturnType<typeof labConfig>, n: number): Promise<number[] | undefined> {
  let prev = cpuSnapshot(c, n);
  if (!prev) return undefined;
  const until = Date.now() + 120_000;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 1000));
    const cur = cpuSnapshot(c, n)!;
    const quiet = cur.nodes.every((v, i) => v - prev!.nodes[i]! < ((cur.at - prev!.at) * c.cpus) / 10);
    prev = cur;
    if (quiet) break;
  }
  return prev.nodes;
}

const median = (xs: number[]): number | undefined => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : undefined;
};

/**
 * The hop's own cost, outside the lab's CPU caps: a gateway (the real Gateway with the real hop
 * endpoint) whose invocation does nothing, called through the real PeerClient over loopback
 * keep-alive, next to a plain keep-alive HTTP round trip to the same kind of server (the floor).
 */
export async function hopLoopback(calls = 2000): Promise<{ hopP50: number; hopP99: number; plainP50: number; hopCpuUs: number; plainCpuUs: number }> {
  const key = Buffer.alloc(32, 1);
  const fn = { accountId: '000000000000', region: 'us-east-1', name: 'f', version: '$LATEST', timeout: 3 } as FunctionVersion;
  const gateway = new Gateway();
  gateway.hook(
    'before',
    hopHook({
      key: () => key,
      resolve: () => Promise.resolve(fn),
      invoke: (req) => Promise.resolve({ requestId: 'r', payload: req.payload, functionError: undefined, errorType: undefined, executedVersion: '$LATEST', logResult: undefined }),
      report: () => ({ load: 0, idle: 1 }),
      streamLimitBytes: 1 << 20,
    }),
  );
  const port = await gateway.listen(0, '127.0.0.1');
  const plain = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{"ok":true}'));
  });
  await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
  const plainPort = (plain.address() as { port: number }).port;
  const client = new PeerClient({ self: 'bench', key });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const payload = Buffer.from('{"id":"x","ms":0}');
  const meta = { accountId: fn.accountId, region: fn.region, name: 'f', version: '$LATEST', tailLogs: false };
  const hop: number[] = [];
  const flat: number[] = [];
  // CPU of this process (both ends of each call run here), per call: the hop's and a plain round trip's.
  let hopCpuUs = 0;
  let plainCpuUs = 0;
  const cpu = (): number => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  try {
    for (let i = 0; i < calls; i++) {
      const c0 = cpu();
      const t0 = performance.now();
      await client.invoke('peer', `http://127.0.0.1:${port}`, meta, payload, 5000);
      hop.push(performance.now() - t0);
      const c1 = cpu();
      hopCpuUs += c1 - c0;
      const t1 = performance.now();
      await new Promise<void>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port: plainPort, method: 'POST', path: '/', agent }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', reject);
        req.end(payload);
      });
      flat.push(performance.now() - t1);
      plainCpuUs += cpu() - c1;
    }
  } finally {
    client.close();
    agent.destroy();
    await gateway.close(0);
    gateway.destroy();
    plain.close();
  }
  const q = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * p)]!;
  return { hopP50: q(hop, 0.5), hopP99: q(hop, 0.99), plainP50: q(flat, 0.5), hopCpuUs: hopCpuUs / calls, plainCpuUs: plainCpuUs / calls };
}

/**
 * `plain`: run the same measurement on independent single nodes (the client spreads the load),
 * which checks the lab's per-node CPU caps and the load path before cluster mode exists.
 */
export async function clusterBench(o: { durationS: number; perNode: number; plain: boolean }): Promise<Section> {
  const c = labConfig({ ...process.env, NIMBUS_LAB_PREFIX: 'nbench', NIMBUS_LAB_SUBNET: '10.199.0', NIMBUS_LAB_DIR: `/tmp/nimbus-lab-bench-${process.pid}` });
  if (!o.plain && !clusterModeAvailable(c.root)) return unavailable('this checkout\'s `nimbus serve` has no --cluster flag yet (issue #19 items 1-5)');
  if (process.getuid?.() !== 0) return unavailable('the lab needs root (network namespaces, cgroups)');
  const rows: string[][] = [];
  const notes: string[] = [];
  let one = 0;
  for (const n of [1, 2, 3, 4]) {
    upInfra(c, { plain: o.plain });
    try {
      for (let k = 1; k <= n; k++) addNode(c, k);
      for (let k = 1; k <= n; k++) await waitHealthy(c, k);
      for (let k = 1; k <= n; k++) await deployAll(c, k);
      if (!o.plain) await waitMembers(c, n);
      const startup = await waitQuiet(c, n);
      if (startup) notes.push(`${n} node(s): start-up CPU per node before the load (waited for): ${startup.map((v) => fmt(v / 1000, 1)).join(', ')} s`);
      const urls = Array.from({ length: n }, (_, i) => nodeUrl(c, i + 1));
      // Warm-up (not counted), then the measured run with stable membership. The warm-up lasts until
      // the sandbox population has settled (a chunk with at most one cold start per node, at most 10
      // chunks): each cold start costs ~0.1 s of CPU, tens of warm invocations' worth under the cap,
      // and a run that begins while they are still being added measures the ramp, not the steady state.
      // The ramp's own figures are in the notes.
      const chunkS = Math.max(3, Math.round(o.durationS / 3));
      const ramp0 = cpuSnapshot(c, n);
      const rampStats0 = await stats(c, n);
      let rampOk = 0;
      let chunks = 0;
      for (let prev = rampStats0; chunks < 10; ) {
        const file = join(c.dir, `warmup-${chunks}.jsonl`);
        runLoad(c, file, chunkS, o.perNode * n, urls);
        chunks++;
        rampOk += parseJsonl<{ outcome: string }>(readFileSync(file, 'utf8')).filter((r) => r.outcome === 'ok').length;
        const cur = await stats(c, n);
        const colds = [...perFunction(cur)].reduce((x, [f, e]) => x + e.cold - (perFunction(prev).get(f)?.cold ?? 0), 0);
        prev = cur;
        if (colds <= n) break;
      }
      const rampCost = cpuCost(ramp0, cpuSnapshot(c, n), rampOk);
      const rampStats1 = await stats(c, n);
      const rampCold = [...perFunction(rampStats1)].reduce((x, [f, e]) => x + e.cold - (perFunction(rampStats0).get(f)?.cold ?? 0), 0);
      notes.push(
        `${n} node(s), warm-up (the ramp from an empty pool, ${chunks} x ${chunkS} s): ${fmt(rampOk / (chunks * chunkS))} invocations/s, ${rampCold} cold starts` +
          (rampCost ? `, node CPU ${fmt(rampCost.nodeMsPerInv, 2)} ms/inv, quota periods throttled ${fmt(100 * rampCost.throttledShare, 0)}%` : ''),
      );
      const before = await stats(c, n);
      const out = join(c.dir, 'requests.jsonl');
      const cpu0 = cpuSnapshot(c, n);
      runLoad(c, out, o.durationS, o.perNode * n, urls);
      const cpu1 = cpuSnapshot(c, n);
      const after = await stats(c, n);
      const recs = parseJsonl<{ outcome: string }>(readFileSync(out, 'utf8'));
      const okCount = recs.filter((r) => r.outcome === 'ok').length;
      const ok = okCount / o.durationS;
      const cost = cpuCost(cpu0, cpu1, okCount);
      if (n === 1) one = ok;
      const b = perFunction(before);
      let inv = 0;
      let cold = 0;
      for (const [f, e] of perFunction(after)) {
        inv += e.inv - (b.get(f)?.inv ?? 0);
        cold += e.cold - (b.get(f)?.cold ?? 0);
      }
      if (!o.plain && n > 1) {
        notes.push(`${n} nodes, stable: cold starts by placement ${showPlacements(placements(after, before, 'cold'))} (calls: ${showPlacements(placements(after, before, 'placed'))})`);
      }
      const hop = median(after.map((s) => s.hopP50Ms ?? NaN));
      const fwd = after.reduce((x, s) => x + (s.router?.forwarded ?? 0), 0);
      const local = after.reduce((x, s) => x + (s.router?.local ?? 0), 0);
      let join3 = '';
      if (n === 3 && !o.plain) {
        // A fourth node joins: which functions see a cold start in the next few seconds of the same load?
        const joinS = Math.max(3, Math.round(o.durationS / 3));
        // The baseline: the same window of the same load without a join. Concurrency peaks still add a
        // sandbox now and then on a function's own home, and those count below like the join's.
        const base0 = perFunction(await stats(c, 3));
        runLoad(c, join(c.dir, 'prejoin.jsonl'), joinS, o.perNode * n, urls);
        const base1 = perFunction(await stats(c, 3));
        const baseCold = [...base1].filter(([f, e]) => e.cold > (base0.get(f)?.cold ?? 0)).map(([f]) => f);
        notes.push(`join baseline: in ${joinS} s of the same load on 3 nodes without a join, ${baseCold.length} of ${FUNCTIONS} functions had a cold start${baseCold.length ? ` (${baseCold.join(', ')})` : ''}`);
        const preStats = await stats(c, 3);
        const pre = perFunction(preStats);
        addNode(c, 4);
        await waitHealthy(c, 4);
        await deployAll(c, 4);
        await waitMembers(c, 4);
        runLoad(c, join(c.dir, 'join.jsonl'), joinS, o.perNode * n, urls);
        const postStats = await stats(c, 4);
        const post = perFunction(postStats);
        // Whose rendezvous home moved to the new node (the same hash the routers use).
        const before3 = members(['n1', 'n2', 'n3']);
        const after4 = members(['n1', 'n2', 'n3', 'n4']);
        const moved = new Set<string>();
        for (let i = 0; i < FUNCTIONS; i++) {
          const key = await keyOf(c, fnName(i));
          if (home(key, before3) !== home(key, after4)) moved.add(fnName(i));
        }
        const preNode = coldByNode(preStats);
        const postNode = coldByNode(postStats);
        let coldFns = 0;
        const unexpected: string[] = [];
        for (const [f, e] of post) {
          if (e.cold <= (pre.get(f)?.cold ?? 0)) continue;
          coldFns++;
          if (moved.has(f)) continue;
          const where = [...postNode].filter(([n, m]) => (m.get(f) ?? 0) > (preNode.get(n)?.get(f) ?? 0)).map(([n]) => n);
          unexpected.push(`${f} on ${where.join('+')}`);
        }
        join3 = `${fmt((100 * coldFns) / FUNCTIONS, 1)}% (${coldFns}/${FUNCTIONS})`;
        notes.push(
          `join 3 -> 4 nodes: ${coldFns} of ${FUNCTIONS} functions had a cold start in the ${Math.max(3, Math.round(o.durationS / 3))} s after the join (target <= 1/4 + 5% = 30%); ` +
            `${moved.size} functions' rendezvous home moved to n4; cold although their home did not move: ${unexpected.length ? unexpected.join(', ') : 'none'}; ` +
            `cold starts by placement in that window: ${showPlacements(placements(postStats, preStats, 'cold'))} (calls: ${showPlacements(placements(postStats, preStats, 'placed'))})`,
        );
      }
      rows.push([
        String(n),
        fmt(ok),
        fmt(ok / (n * one), 2),
        String(recs.length - recs.filter((r) => r.outcome === 'ok').length),
        inv > 0 ? `${fmt(100 * (1 - cold / inv), 1)}%` : '-',
        hop === undefined ? '-' : fmt(hop, 2),
        fwd + local > 0 ? `${fmt((100 * fwd) / (fwd + local), 0)}%` : '-',
        join3 || '-',
        cost ? fmt(cost.nodeMsPerInv, 2) : '-',
        cost ? fmt(cost.infraMsPerInv, 3) : '-',
        cost ? fmt(cost.clientMsPerInv, 2) : '-',
        cost ? `${fmt(100 * cost.throttledShare, 0)}%` : '-',
        cost ? `${fmt(100 * cost.machineShare, 0)}%` : '-',
      ]);
    } finally {
      down(c);
    }
  }
  const h = await hopLoopback();
  notes.push(
    `the hop alone (real Gateway + hop endpoint + PeerClient, a no-op invocation, loopback keep-alive, no CPU cap): p50 ${fmt(h.hopP50, 3)} ms, p99 ${fmt(h.hopP99, 3)} ms; a plain keep-alive HTTP round trip on the same machine: p50 ${fmt(h.plainP50, 3)} ms; CPU per call, both ends in one process: hop ${fmt(h.hopCpuUs, 0)} us, plain round trip ${fmt(h.plainCpuUs, 0)} us`,
  );
  return {
    scenario: 'cluster',
    description: o.plain ? `${DESCRIPTION} PLAIN: independent single nodes, the client spreads the load (not cluster mode).` : DESCRIPTION,
    table: { header: ['nodes', 'invocations/s', 'x (N x one node)', 'not ok', 'warm hits (stable)', 'hop p50 ms', 'forwarded', 'cold after join', 'node CPU ms/inv', 'PG+etcd CPU ms/inv', 'load gen CPU ms/inv', 'quota periods throttled', 'machine CPU used'], rows },
    notes: [
      'target: >= 0.8 x N x one node for N = 2..4; warm hits >= 95%; hop p50 <= 2 ms; cold after a join <= 1/N + 5%',
      `${FUNCTIONS} functions (the lab's witness function, sleeping 20 ms), ${o.perNode} concurrent callers per node, spread round-robin over the nodes`,
      'warm hits: 1 - cold starts / invocations over the measured run, summed over the nodes (after a warm-up run)',
      `CPU (cgroup cpuacct, deploy/lab/cpu.ts): node = every node and its sandboxes, PG+etcd = the infra namespace's PostgreSQL and etcd, load gen = the client; all per successful invocation of the measured run; quota periods throttled = share of the nodes' 100 ms CFS periods in which the quota (${c.cpus} CPU) ran out; machine CPU used = all of it over wall time x ${availableParallelism()} cores`,
      'hop p50: the median over nodes of each gateway\'s median hop cost (round trip less the time the peer spent on the request)',
      ...notes,
    ],
  };
}
