/**
 * What the simulator predicts for the slice a live replay played, and how far apart the two are.
 * The simulator replays the slice twice: as the trace has it, and as the live run made the calls
 * (send times and request-to-answer spans, so a cold start's init is included: the sandbox is
 * busy, not idle, while it initialises, and at a time scale of 240 a 100 ms init is 24 trace
 * seconds; and a call that waited for its app's previous one is sent when that one ended).
 */
import { parsePolicy } from '../../policy/parse.js';
import { replay } from '../../sim/simulator.js';
import type { Trace } from '../../sim/trace.js';
import type { LiveResult } from './drive.js';

export interface SimFigures {
  coldStarts: number;
  /** Idle memory, GB-seconds (trace time). */
  idleGbS: number;
  prewarms: number;
}

const sum = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] ?? 0;
  return s;
};

export function simulate(trace: Trace, policy: string, capacityMb = Infinity): SimFigures {
  const [c] = replay({ trace, policies: [parsePolicy(policy)], capacityMb, measureFromDay: 0 });
  return { coldStarts: sum(c!.coldStarts), idleGbS: sum(c!.wasteMbMs) / 1024 / 1000, prewarms: c!.prewarms };
}

export function liveFigures(r: LiveResult): SimFigures {
  return { coldStarts: sum(r.coldStarts), idleGbS: sum(r.idleMbMs) / 1024 / 1000, prewarms: NaN };
}

/** |sim - live| / live (0 when both are 0). */
export function disagreement(sim: number, live: number): number {
  if (live === 0) return sim === 0 ? 0 : Infinity;
  return Math.abs(sim - live) / live;
}
