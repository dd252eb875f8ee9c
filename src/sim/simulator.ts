import type { FutureView } from '../policy/oracle.js';
import type { KeepAlivePolicy } from '../policy/types.js';
import { ARRIVAL, AppCursor, DONE, IDLE } from './app-cursor.js';
import { MinHeap } from './heap.js';
import { PolicyRun, type RawCounters } from './policy-run.js';
import { DAY_MS, type Trace } from './trace.js';

/** What to replay and how. */
export interface ReplaySpec {
  trace: Trace;
  /** Fresh policy instances; all are replayed together over one pass of the trace. */
  policies: readonly KeepAlivePolicy[];
  /** Memory capacity in MB: Infinity is the unconstrained (SitW) regime. */
  capacityMb: number;
  /** Days before this one warm the policies up (train); only later days are measured (test). */
  measureFromDay: number;
  /** The look-ahead handed to the oracle, if any: attached to this replay's cursors. */
  future?: TraceFuture;
  /** A pre-warm takes the app's init time before it can serve (PolicyRun's `prewarmInit`); default off. */
  prewarmInit?: boolean;
  /** Time sampled policy decisions (the only wall-clock reading in a replay). */
  timeDecisions?: boolean;
  /** Called with the share of simulated time done, about every 64k events. */
  onProgress?: (fraction: number) => void;
}

/** The oracle's window on the trace, bound to a replay's cursors while it runs. */
export class TraceFuture implements FutureView {
  private index = new Map<string, number>();
  private cursors: readonly AppCursor[] = [];

  attach(ids: readonly string[], cursors: readonly AppCursor[]): void {
    this.index = new Map(ids.map((id, i) => [id, i]));
    this.cursors = cursors;
  }

  nextArrival(app: string, now: number): number {
    const c = this.cursors[this.index.get(app) ?? -1];
    if (!c) return Infinity;
    // A cursor parked on an unprocessed arrival holds it in `t`; otherwise it is one ahead.
    return c.kind === ARRIVAL && c.t >= now ? c.t : c.nextArrival;
  }
}

/**
 * Replays a trace through several policies in lock-step (event times do not depend on the
 * policy, see AppCursor), in global time order so that policies learning across apps never
 * see the future. Deterministic: the same trace and policies give the same counters.
 */
export function replay(spec: ReplaySpec): RawCounters[] {
  const { trace } = spec;
  const endMs = trace.days * DAY_MS;
  const measureFrom = spec.measureFromDay * DAY_MS;
  const runs = spec.policies.map((p) => new PolicyRun(p, trace.apps, spec.capacityMb, measureFrom, spec.timeDecisions ?? false, spec.prewarmInit ?? false));
  const cursors = trace.apps.map((_, i) => new AppCursor(trace.open(i), endMs));
  spec.future?.attach(trace.apps.map((a) => a.id), cursors);
  const queue = new MinHeap(Math.max(16, cursors.length));
  cursors.forEach((c, i) => {
    if (c.kind !== DONE) queue.push(c.t, i);
  });

  let events = 0;
  while (queue.size > 0) {
    const i = queue.peekValue();
    const c = cursors[i] as AppCursor;
    const t = c.t;
    for (const r of runs) r.runTimersUntil(t);
    if (c.kind === ARRIVAL) {
      for (const r of runs) r.arrival(i, t, c.durationMs, c.busy);
    } else if (c.kind === IDLE) {
      for (const r of runs) r.idle(i, t);
    }
    c.advance();
    if (c.kind === DONE) queue.pop();
    else queue.replaceTopKey(c.t);
    if ((++events & 0xffff) === 0 && spec.onProgress) spec.onProgress(Math.min(1, t / endMs));
  }
  for (const r of runs) r.finish(endMs);
  spec.onProgress?.(1);
  return runs.map((r) => r.counters);
}
