/**
 * warm-invoke: synchronous Invoke throughput and latency of a trivial Node handler, warm, at 32
 * connections (throughput) and at 1 connection (added latency at low load), for Nimbus, the
 * in-process ceiling and serverless-offline, one after the other in the same run.
 */
import type { LoadResult } from '../lib/load.js';
import { measureWarm, type WarmMeasured } from '../lib/warm.js';
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

type Measured = WarmMeasured & { idle: LoadResult };

const measure = async (start: () => Promise<Target>, o: WarmInvokeOptions, name?: string): Promise<Measured> =>
  (await measureWarm(start, { ...o, oneConnection: true }, name)) as Measured;

/** Issue #18's targets. */
const TARGET_CEILING = 0.5;
const TARGET_PEER = 15;
const TARGET_P50_MS = 0.15;
const TARGET_P99_MS = 1;
const met = (ok: boolean): string => (ok ? 'met' : 'NOT met');

export async function warmInvoke(o: WarmInvokeOptions): Promise<Section> {
  const ceiling = await measure(startCeiling, o);
  // 32 sandboxes of 1769 MB are 55 GiB of MemorySize: more than the default capacity (3/4 of
  // RAM), though each uses ~40 MB. The capacity is raised (stem cells included) so that every connection has its
  // sandbox, as Lambda would give 32 concurrent executions.
  const capacity = ['--memory-capacity', String(32 * 1769 + 8192)];
  const sizes: { label: string; memoryMb: number; args: string[] }[] = [
    { label: 'nimbus 1769 MB', memoryMb: 1769, args: capacity },
    { label: 'nimbus 128 MB', memoryMb: 128, args: [] },
    { label: 'nimbus 128 MB --cpu-model lambda', memoryMb: 128, args: ['--cpu-model', 'lambda'] },
  ];
  const nimbus: Measured[] = [];
  for (const s of sizes) nimbus.push(await measure(() => startNimbus({ memoryMb: s.memoryMb, args: s.args }), o, s.label));
  const peers = o.peers ? [await measure(startServerlessOffline, o)] : [];
  const rows = [ceiling, ...nimbus, ...peers].map((m) => [
    m.name,
    fmt(m.busy.rps),
    fmt(m.busy.rps / ceiling.busy.rps, 2),
    peers[0] ? `${fmt(m.busy.rps / peers[0].busy.rps, 1)}x` : '-',
    fmt(m.busy.p50Ms, 2),
    fmt(m.busy.p99Ms, 2),
    fmt(m.idle.p50Ms, 3),
    fmt(m.idle.p99Ms, 3),
    String(m.busy.errors + m.idle.errors),
    fmt(m.load, 1),
  ]);
  const notes: string[] = [];
  for (const m of nimbus) {
    const r = m.busy.rps / ceiling.busy.rps;
    const add50 = m.idle.p50Ms - ceiling.idle.p50Ms;
    const add99 = m.idle.p99Ms - ceiling.idle.p99Ms;
    notes.push(
      `${m.name}: ${fmt(r, 2)} x the in-process ceiling (target >= ${TARGET_CEILING}: ${met(r >= TARGET_CEILING)})` +
        (peers[0] ? `, ${fmt(m.busy.rps / peers[0].busy.rps, 1)} x ${peers[0].name} (target >= ${TARGET_PEER}: ${met(m.busy.rps / peers[0].busy.rps >= TARGET_PEER)})` : '') +
        `; added latency at 1 connection p50 +${fmt(add50, 3)} ms (target <= ${TARGET_P50_MS}: ${met(add50 <= TARGET_P50_MS)}), p99 +${fmt(add99, 3)} ms (target <= ${TARGET_P99_MS}: ${met(add99 <= TARGET_P99_MS)})`,
    );
  }
  notes.push('The `--cpu-model lambda` row is for comparison: the targets apply to the default CPU model. load = the 1-minute load average as the measured run began (wrk, the server and the runtimes share the 2 cores).');
  return {
    scenario: 'warm-invoke',
    description: `Warm synchronous Invoke of a trivial Node.js handler (Nimbus: default isolation and CPU model unless the row says otherwise); ${o.connections} connections for ${o.durationS} s, then 1 connection; load by ${ceiling.busy.tool}.`,
    table: { header: ['target', 'req/s', 'x ceiling', 'x peer', 'p50 ms', 'p99 ms', 'p50 ms @1', 'p99 ms @1', 'errors', 'load'], rows },
    notes,
  };
}
