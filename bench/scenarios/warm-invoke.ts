/**
 * warm-invoke: synchronous Invoke throughput and latency of a trivial Node handler, warm, at 32
 * connections (throughput) and at 1 connection (added latency at low load), for Nimbus, the
 * in-process ceiling and serverless-offline, one after the other in the same run.
 */
import { load, type LoadResult } from '../lib/load.js';
import { fmt, type Section } from '../lib/report.js';
import { startCeiling } from '../targets/ceiling.js';
import { startNimbus } from '../targets/nimbus.js';
import { startServerlessOffline } from '../targets/serverless-offline.js';
import type { Target } from '../targets/types.js';

export interface WarmInvokeOptions {
  durationS: number;
  connections: number;
  peers: boolean;
}

interface Measured {
  name: string;
  busy: LoadResult;
  idle: LoadResult;
}

async function measure(start: () => Promise<Target>, o: WarmInvokeOptions): Promise<Measured> {
  const t = await start();
  try {
    const base = { url: t.invokeUrl, method: 'POST' as const, body: '{"n":1}', ...(t.headers ? { headers: t.headers } : {}) };
    // Warm-up, the same for every target: start every sandbox the load needs (32 cold starts)
    // and let the JIT settle. Each of Nimbus's 32 runtimes sees only 1/32 of the calls, and
    // measured at 32 connections a runtime's CPU per call halves between its first few hundred
    // calls and its first few thousand, so the warm-up is 1.5x the measured run.
    await load({ ...base, connections: o.connections, durationS: Math.max(5, Math.round(o.durationS * 1.5)) });
    const busy = await load({ ...base, connections: o.connections, durationS: o.durationS });
    const idle = await load({ ...base, connections: 1, durationS: Math.max(3, Math.round(o.durationS / 2)) });
    return { name: t.name, busy, idle };
  } finally {
    await t.stop();
  }
}

export async function warmInvoke(o: WarmInvokeOptions): Promise<Section> {
  const ceiling = await measure(startCeiling, o);
  // 512 MB: a share of 0.29 vCPU per sandbox (Lambda's 1769 MB = 1 vCPU rule), and 32 of them
  // (one per connection) fit the default memory capacity of a 24 GiB machine.
  const nimbus = await measure(() => startNimbus({ memoryMb: 512 }), o);
  const peers = o.peers ? [await measure(startServerlessOffline, o)] : [];
  const rows = [ceiling, nimbus, ...peers].map((m) => [
    m.name,
    fmt(m.busy.rps),
    fmt(m.busy.p50Ms, 2),
    fmt(m.busy.p99Ms, 2),
    fmt(m.idle.p50Ms, 3),
    fmt(m.idle.p99Ms, 3),
    String(m.busy.errors + m.idle.errors),
  ]);
  const notes = [
    `Nimbus throughput = ${fmt((100 * nimbus.busy.rps) / ceiling.busy.rps, 1)}% of the in-process ceiling (target for the warm-pool issue: >= 50%)`,
    `Nimbus added latency at 1 connection: p50 +${fmt(nimbus.idle.p50Ms - ceiling.idle.p50Ms, 3)} ms, p99 +${fmt(nimbus.idle.p99Ms - ceiling.idle.p99Ms, 3)} ms (targets: <= 0.3 ms, <= 2 ms)`,
  ];
  for (const p of peers) notes.push(`Nimbus / ${p.name} throughput = ${fmt(nimbus.busy.rps / p.busy.rps, 1)}x (target: >= 15x)`);
  return {
    scenario: 'warm-invoke',
    description: `Warm synchronous Invoke of a trivial Node.js handler (Nimbus: 512 MB, default isolation); ${o.connections} connections for ${o.durationS} s, then 1 connection; load by ${nimbus.busy.tool}.`,
    table: { header: ['target', 'req/s', 'p50 ms', 'p99 ms', 'p50 ms @1', 'p99 ms @1', 'errors'], rows },
    notes,
  };
}
