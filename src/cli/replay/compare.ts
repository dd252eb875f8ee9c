/**
 * What the simulator predicts for the slice a live replay played, and how far apart the two are.
 * The simulator replays the slice twice: as the trace has it, and as the live run made the calls
 * (send times and request-to-answer spans, so a cold start's init is included: the sandbox is
 * busy, not idle, while it initialises, and at a time scale of 240 a 100 ms init is 24 trace
 * seconds; and a call that waited for its app's previous one is sent when that one ended).
 */
import { parsePolicy } from '../../policy/parse.js';
import { prewarmLead } from '../../policy/plan.js';
import { replay } from '../../sim/simulator.js';
import type { Trace } from '../../sim/trace.js';
import type { LiveResult } from './drive.js';

export interface SimFigures {
  coldStarts: number;
  /** Idle memory, GB-seconds (trace time). */
  idleGbS: number;
  prewarms: number;
  /** Per app, in the trace's order. */
  coldPerApp: number[];
}

const sum = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] ?? 0;
  return s;
};

/** `prewarmInit`: a pre-warm serves only once the app's init time has passed (as live). */
export function simulate(trace: Trace, policy: string, o: { capacityMb?: number; prewarmInit?: boolean } = {}): SimFigures {
  const [c] = replay({ trace, policies: [parsePolicy(policy)], capacityMb: o.capacityMb ?? Infinity, measureFromDay: 0, prewarmInit: o.prewarmInit ?? false });
  return { coldStarts: sum(c!.coldStarts), idleGbS: sum(c!.wasteMbMs) / 1024 / 1000, prewarms: c!.prewarms, coldPerApp: Array.from(c!.coldStarts) };
}

export function liveFigures(r: LiveResult): SimFigures {
  return { coldStarts: sum(r.coldStarts), idleGbS: sum(r.idleMbMs) / 1024 / 1000, prewarms: NaN, coldPerApp: r.coldStarts };
}

const median = (xs: readonly number[]): number | undefined => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] : undefined);

/**
 * Each app's init time in trace ms: the median of its measured inits (wall ms x scale), or of all
 * apps' when it has none.
 */
export function initTimes(r: LiveResult, scale: number): (number | undefined)[] {
  const all = median(r.initMs.flat());
  return r.initMs.map((xs) => {
    const m = median(xs) ?? all;
    return m === undefined ? undefined : m * scale;
  });
}

/**
 * How early the pool starts each app's pre-warms, in trace ms: the pool's rule (policy/plan.ts,
 * prewarmLead) over the app's measured inits (the pool applies it to the last five starts), or
 * over all apps' when it has none.
 */
export function leadTimes(r: LiveResult, scale: number): (number | undefined)[] {
  const all = prewarmLead(r.initMs.flat());
  return r.initMs.map((xs) => {
    const m = prewarmLead(xs) ?? all;
    return m === undefined ? undefined : m * scale;
  });
}

/**
 * Each app's measured inits in trace ms, in the order they happened (all apps' when it has none):
 * the simulator's pre-warms take them in turn, so that as many of them finish late as live.
 */
export function initSamples(r: LiveResult, scale: number): number[][] {
  const all = r.initMs.flat().map((x) => x * scale);
  return r.initMs.map((xs) => (xs.length ? xs.map((x) => x * scale) : all));
}

/** |sim - live| / live (0 when both are 0). */
export function disagreement(sim: number, live: number): number {
  if (live === 0) return sim === 0 ? 0 : Infinity;
  return Math.abs(sim - live) / live;
}
