/**
 * warm-invoke-sigv4: what SigV4 verification costs a warm Invoke. The same Nimbus and function,
 * once in local mode with unsigned requests and once with `--auth keys` and every invocation
 * signed with a real access key (the JS SDK's header set: host, x-amz-date,
 * x-amz-content-sha256, content-type), alternated three times so that drift on a shared machine hits
 * both alike. The target: signed throughput >= 95% of unsigned.
 */
import { load, type LoadResult } from '../lib/load.js';
import { fmt, type Section } from '../lib/report.js';
import { INVOKE_BODY, startNimbus } from '../targets/nimbus.js';
import { verifyCost } from '../lib/verify-cost.js';
import { availableParallelism } from 'node:os';

export interface WarmInvokeSigV4Options {
  durationS: number;
  connections: number;
}

async function measure(signed: boolean, o: WarmInvokeSigV4Options): Promise<{ busy: LoadResult; idle: LoadResult }> {
  const t = await startNimbus({ memoryMb: 512, signed });
  try {
    const base = { url: t.invokeUrl, method: 'POST' as const, body: INVOKE_BODY, ...(t.headers ? { headers: t.headers } : {}) };
    await load({ ...base, connections: o.connections, durationS: Math.max(5, Math.round(o.durationS * 1.5)) });
    const busy = await load({ ...base, connections: o.connections, durationS: o.durationS });
    const idle = await load({ ...base, connections: 1, durationS: Math.max(3, Math.round(o.durationS / 2)) });
    return { busy, idle };
  } finally {
    await t.stop();
  }
}

export async function warmInvokeSigV4(o: WarmInvokeSigV4Options): Promise<Section> {
  const cost = await verifyCost();
  const runs: { signed: boolean; busy: LoadResult; idle: LoadResult }[] = [];
  for (const signed of [false, true, false, true, false, true]) runs.push({ signed, ...(await measure(signed, o)) });
  const mean = (signed: boolean, f: (r: (typeof runs)[number]) => number): number => {
    const xs = runs.filter((r) => r.signed === signed).map(f);
    return xs.reduce((a, b) => a + b, 0) / xs.length;
  };
  const rows = runs.map((r, i) => [
    `${r.signed ? 'signed (--auth keys)' : 'unsigned (local)'} #${Math.floor(i / 2) + 1}`,
    fmt(r.busy.rps),
    fmt(r.busy.p50Ms, 2),
    fmt(r.busy.p99Ms, 2),
    fmt(r.idle.p50Ms, 3),
    fmt(r.idle.p99Ms, 3),
    String(r.busy.errors + r.idle.errors),
  ]);
  const ratio = mean(true, (r) => r.busy.rps) / mean(false, (r) => r.busy.rps);
  const unsignedRps = mean(false, (r) => r.busy.rps);
  // The CPU verification takes at the unsigned throughput, as a share of the machine: what signing can cost at most.
  const share = ((cost.signedUs - cost.unsignedUs) * unsignedRps) / (availableParallelism() * 1e6);
  return {
    scenario: 'warm-invoke-sigv4',
    description: `Warm synchronous Invoke, unsigned in local mode vs SigV4-signed with --auth keys, alternated; ${o.connections} connections for ${o.durationS} s, then 1 connection.`,
    table: { header: ['target', 'req/s', 'p50 ms', 'p99 ms', 'p50 ms @1', 'p99 ms @1', 'errors'], rows },
    notes: [
      `SigV4 verification in process: ${fmt(cost.signedUs, 1)} us per signed Invoke vs ${fmt(cost.unsignedUs, 1)} us unsigned (local mode); at ${fmt(unsignedRps)} req/s on ${availableParallelism()} cores that is ${fmt(100 * share, 2)}% of the CPU (target: SigV4 adds <= 5%)`,
      `signed / unsigned throughput end to end = ${fmt(100 * ratio, 1)}% (noisy on a shared machine: compare the in-process figure)`,
      `added latency at 1 connection: p50 ${fmt(mean(true, (r) => r.idle.p50Ms) - mean(false, (r) => r.idle.p50Ms), 3)} ms`,
    ],
  };
}
