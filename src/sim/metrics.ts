import type { RawCounters } from './policy-run.js';
import type { TraceApp } from './trace.js';

/** One policy's results over the measured days: the numbers `nimbus sim` prints and writes. */
export interface PolicyResult {
  name: string;
  /** Apps with at least one measured invocation (the population the percentiles range over). */
  apps: number;
  invocations: number;
  coldStarts: number;
  /** 75th percentile across apps of the per-app cold-start %, the SitW headline metric. */
  coldStartPercentP75: number;
  coldStartPercentP50: number;
  coldStartPercentMean: number;
  /** Cold starts over all invocations, %. */
  coldStartPercentOverall: number;
  /** Loaded-but-idle memory time, GB x s. */
  wastedMemoryGbSec: number;
  /** Wasted memory relative to fixed 10-minute keep-alive on the same trace (= 1.0). */
  wastedMemoryRatio: number;
  /** Sum of the cold-start latencies paid, s. */
  coldStartSeconds: number;
  /** Fixed-capacity regime: idle sandboxes evicted, and cold starts that found memory full of busy ones. */
  evictions: number;
  overflows: number;
  /** Pre-warms started, and those an invocation used before they expired. */
  prewarms: number;
  prewarmHits: number;
  /** Decision cost (sampled onIdle wall time), microseconds; NaN when not timed. */
  decisionMicrosP50: number;
  decisionMicrosP99: number;
  /** Bytes of policy state per app, when the policy reports it. */
  stateBytesPerApp?: number;
  /** Bytes of state shared by all apps (tables, networks), when reported. */
  stateBytesShared?: number;
}

/** Linear-interpolation quantile (R type 7, numpy's default) of an unsorted list. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const a = s[lo] ?? NaN;
  const b = s[Math.min(lo + 1, s.length - 1)] ?? NaN;
  return a + (h - lo) * (b - a);
}

/** Summarises one policy's counters; `baselineWasteMbMs` is fixed 10-minute's total. */
export function summarise(
  name: string,
  apps: readonly TraceApp[],
  c: RawCounters,
  baselineWasteMbMs: number,
  state?: { shared: number; perApp: number },
): PolicyResult {
  const pct: number[] = [];
  let inv = 0;
  let cold = 0;
  let waste = 0;
  for (let i = 0; i < apps.length; i++) {
    const n = c.invocations[i] ?? 0;
    const k = c.coldStarts[i] ?? 0;
    waste += c.wasteMbMs[i] ?? 0;
    if (n > 0) {
      pct.push((100 * k) / n);
      inv += n;
      cold += k;
    }
  }
  const r: PolicyResult = {
    name,
    apps: pct.length,
    invocations: inv,
    coldStarts: cold,
    coldStartPercentP75: quantile(pct, 0.75),
    coldStartPercentP50: quantile(pct, 0.5),
    coldStartPercentMean: pct.length ? pct.reduce((a, b) => a + b, 0) / pct.length : NaN,
    coldStartPercentOverall: inv ? (100 * cold) / inv : NaN,
    wastedMemoryGbSec: waste / 1024 / 1000,
    wastedMemoryRatio: baselineWasteMbMs > 0 ? waste / baselineWasteMbMs : NaN,
    coldStartSeconds: c.coldStartMs / 1000,
    evictions: c.evictions,
    overflows: c.overflows,
    prewarms: c.prewarms,
    prewarmHits: c.prewarmHits,
    decisionMicrosP50: quantile(c.decisionMicros, 0.5),
    decisionMicrosP99: quantile(c.decisionMicros, 0.99),
  };
  if (state) {
    r.stateBytesPerApp = state.perApp;
    r.stateBytesShared = state.shared;
  }
  return r;
}

/** Total wasted MB x ms in a set of counters. */
export function totalWaste(c: RawCounters): number {
  let w = 0;
  for (const x of c.wasteMbMs) w += x;
  return w;
}
