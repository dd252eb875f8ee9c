/**
 * The slice of a trace that `nimbus replay` plays against a live Nimbus: its first `endMs`, at most
 * `maxInvocations` calls (whole apps are dropped, busiest first, until it fits), durations capped,
 * memory sizes made valid Lambda MemorySize values. The simulator replays exactly this slice.
 */
import { arrayTrace, type Trace, type TraceApp } from '../../sim/trace.js';

export interface WindowOptions {
  endMs: number;
  maxInvocations: number;
  /** Longest execution kept, trace ms (a longer one is cut to this). */
  maxDurationMs: number;
}

export type WindowApp = TraceApp & { arrivals: [t: number, durationMs: number][] };

/** Lambda's MemorySize range, whole MB. */
export const lambdaMemory = (mb: number): number => Math.min(10_240, Math.max(128, Math.round(mb)));

export function windowTrace(trace: Trace, o: WindowOptions): Trace & { readonly apps: readonly WindowApp[] } {
  const apps: WindowApp[] = [];
  for (let i = 0; i < trace.apps.length; i++) {
    const s = trace.open(i);
    const arrivals: [number, number][] = [];
    while (s.next() && s.t < o.endMs) {
      arrivals.push([s.t, Math.min(o.maxDurationMs, s.durationMs)]);
      // An app that alone would exceed the budget is dropped below; stop reading it early.
      if (arrivals.length > o.maxInvocations) break;
    }
    if (arrivals.length === 0) continue;
    const a = trace.apps[i]!;
    apps.push({ id: a.id, memoryMb: lambdaMemory(a.memoryMb), coldStartMs: a.coldStartMs, functions: a.functions, trigger: a.trigger, arrivals });
  }
  // Quietest apps first: the budget keeps as many apps as it can.
  apps.sort((a, b) => a.arrivals.length - b.arrivals.length);
  // `days` may be a fraction: the simulator closes its books at days x 24 h, the window's end.
  const kept: WindowApp[] = [];
  let total = 0;
  for (const a of apps) {
    if (total + a.arrivals.length > o.maxInvocations) break;
    kept.push(a);
    total += a.arrivals.length;
  }
  const t = arrayTrace(kept, o.endMs / 86_400_000, `${trace.name} (first ${Math.round(o.endMs / 60_000)} min)`);
  return { ...t, apps: kept };
}

/**
 * The calls a live run actually made: when each was sent and how long it held its sandbox (both
 * trace ms), in place of the trace's arrival and execution times; and, when given, each app's
 * measured init time (trace ms) as its cold-start time (what a pre-warm takes before it serves)
 * and how early the pool starts its pre-warms (`leadMs`, trace ms).
 */
export function asMeasured(
  apps: readonly WindowApp[],
  sentAt: readonly (readonly number[])[],
  spans: readonly (readonly number[])[],
  days: number,
  initMs?: readonly (number | undefined)[],
  leadMs?: readonly (number | undefined)[],
  initSamplesMs?: readonly (readonly number[])[],
): Trace {
  return arrayTrace(
    apps.map((a, i) => ({
      ...a,
      coldStartMs: initMs?.[i] ?? a.coldStartMs,
      ...(leadMs?.[i] === undefined ? {} : { prewarmLeadMs: leadMs[i] }),
      ...(initSamplesMs?.[i]?.length ? { initSamplesMs: initSamplesMs[i] } : {}),
      arrivals: a.arrivals.map(([t, d], k) => [sentAt[i]?.[k] ?? t, spans[i]?.[k] ?? d] as [number, number]).sort((x, y) => x[0] - y[0]),
    })),
    days,
    'measured',
  );
}
