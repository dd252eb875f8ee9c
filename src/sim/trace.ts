/**
 * The trace abstraction the simulator replays: a set of apps, each with a stream of
 * invocations in time order. Synthetic traces and the Azure 2019 loader both produce one.
 * Streams are generated lazily so a long trace of busy apps never sits in memory.
 */

/** Milliseconds per day. */
export const DAY_MS = 86_400_000;

/** One app: the unit a warm sandbox belongs to. */
export interface TraceApp {
  /** Stable id, unique in the trace. */
  readonly id: string;
  /** Memory of one sandbox, MB. */
  readonly memoryMb: number;
  /** Cold-start (init) latency, ms. */
  readonly coldStartMs: number;
  /**
   * How long before its planned time the pool starts a pre-warm (only with `prewarmInit`);
   * default `coldStartMs`. `nimbus replay` sets it from the measured start times as the pool
   * does (policy/plan.ts, prewarmLead).
   */
  readonly prewarmLeadMs?: number;
  /**
   * Measured init times, ms (only with `prewarmInit`): the app's pre-warms take these in turn
   * instead of `coldStartMs`, so that the share of pre-warms that finish after their planned
   * time is the measured one. `nimbus replay` sets them from the live run.
   */
  readonly initSamplesMs?: readonly number[];
  /** Number of functions in the app. */
  readonly functions: number;
  /** Trigger of the app's busiest function (for per-class breakdowns). */
  readonly trigger: string;
}

/** A cursor over one app's invocations, in non-decreasing time order. */
export interface ArrivalStream {
  /** Advance to the next invocation; false once the trace has no more. */
  next(): boolean;
  /** Arrival time of the current invocation, ms since the trace start. */
  readonly t: number;
  /** Its execution time, ms (cold-start time excluded, as in the Azure trace). */
  readonly durationMs: number;
}

/** A replayable trace: `open(i)` returns a fresh stream for app `i`, identical every time. */
export interface Trace {
  readonly name: string;
  readonly apps: readonly TraceApp[];
  /** Length in whole days; all arrivals fall in [0, days * DAY_MS). */
  readonly days: number;
  open(appIndex: number): ArrivalStream;
}

/** A source of one function's arrivals: `next()` returns the next time (ms) or Infinity. */
export interface FunctionSource {
  next(): number;
  /** Execution time (ms) for the arrival just returned. */
  duration(): number;
}

/** Merges an app's function sources into one time-ordered stream, ending at `endMs`. */
export class MergedStream implements ArrivalStream {
  t = 0;
  durationMs = 0;
  private readonly heads: Float64Array;

  constructor(private readonly sources: readonly FunctionSource[], private readonly endMs: number) {
    this.heads = new Float64Array(sources.length);
    for (let i = 0; i < sources.length; i++) this.heads[i] = sources[i]?.next() ?? Infinity;
  }

  next(): boolean {
    // Apps have few functions (54% have one), so a linear scan beats a heap here.
    let best = -1;
    let bestT = Infinity;
    for (let i = 0; i < this.heads.length; i++) {
      const h = this.heads[i] ?? Infinity;
      if (h < bestT) {
        bestT = h;
        best = i;
      }
    }
    if (best < 0 || bestT >= this.endMs) return false;
    const src = this.sources[best];
    if (!src) return false;
    this.t = bestT;
    this.durationMs = src.duration();
    this.heads[best] = src.next();
    return true;
  }
}

/** A trace held as explicit arrays, for tests and small hand-made scenarios. */
export function arrayTrace(
  apps: ReadonlyArray<TraceApp & { arrivals: ReadonlyArray<readonly [t: number, durationMs: number]> }>,
  days: number,
  name = 'array',
): Trace {
  for (const a of apps) {
    for (let i = 1; i < a.arrivals.length; i++) {
      if ((a.arrivals[i]?.[0] ?? 0) < (a.arrivals[i - 1]?.[0] ?? 0)) throw new RangeError(`arrivals of ${a.id} are not sorted`);
    }
  }
  return {
    name,
    apps,
    days,
    open(i: number): ArrivalStream {
      const list = apps[i]?.arrivals ?? [];
      let k = -1;
      const s = {
        t: 0,
        durationMs: 0,
        next(): boolean {
          k++;
          const e = list[k];
          if (!e) return false;
          s.t = e[0];
          s.durationMs = e[1];
          return true;
        },
      };
      return s;
    },
  };
}
