import type { AppStats } from './app-stats.js';
import type { Derived } from './derived.js';

const MIN = 60_000;
const DAY = 86_400_000;

/** Length of the feature vector the Q-network reads. */
export const N_FEATURES = 14;

/** Number of discrete states of the tabular agent (see `stateIndex`). */
export const N_STATES = 3 * 3 * 3 * 4 * 4;

/** log10(1 + minutes), scaled so a day is ~1. */
function logMinutes(ms: number): number {
  return Number.isFinite(ms) && ms > 0 ? Math.log10(1 + ms / MIN) / 3.2 : 0;
}

/**
 * The app's state as seen by the agent: the hybrid's histogram statistics (count, OOB share,
 * bin CV, percentiles), the spread of recent raw idle times (timers are tight), the cost ratio
 * `rho` (how many cold starts an hour of idle memory is worth for this app), and time of day.
 */
export function fillFeatures(s: AppStats, d: Derived, rho: number, now: number, out: Float32Array): void {
  const has = Number.isFinite(d.p50);
  const n = s.recentN;
  const tod = (2 * Math.PI * (now % DAY)) / DAY;
  out[0] = Math.log10(1 + d.count) / 4;
  out[1] = d.oobFraction;
  out[2] = Math.min(d.cv, 16) / 16;
  out[3] = has ? logMinutes(d.p50 + d.binMs / 2) : 1;
  out[4] = has ? logMinutes(d.p5) : 1;
  out[5] = has ? logMinutes(d.p99 + d.binMs) : 1;
  out[6] = n ? logMinutes(s.recentLo) : 1;
  out[7] = n ? logMinutes(s.recentHi) : 1;
  out[8] = n && s.recentLo > 0 ? Math.min(3, Math.log10(s.recentHi / s.recentLo)) / 3 : 1;
  out[9] = Math.max(-1, Math.min(1, Math.log10(Math.max(rho, 1e-9)) / 3));
  out[10] = logMinutes(d.oobMedian);
  out[11] = Math.sin(tod);
  out[12] = Math.cos(tod);
  out[13] = d.count >= 5 ? 1 : 0;
}

/**
 * The tabular agent's discrete state: sample count (3) x pattern (OOB-dominated, flat, peaked:
 * 3) x regularity of recent gaps (3) x typical gap (4) x cost ratio rho (4) = 432 states.
 */
export function stateIndex(s: AppStats, d: Derived, rho: number): number {
  const n = d.count;
  const count = n < 3 ? 0 : n < 20 ? 1 : 2;
  const pattern = d.oobFraction >= 0.5 ? 0 : d.cv < 2 ? 1 : 2;
  const lo = s.recentLo;
  const hi = s.recentHi;
  const spread = s.recentN < 2 || lo <= 0 ? 2 : hi / lo <= 1.15 ? 0 : hi / lo <= 4 ? 1 : 2;
  const typical = s.recentMean;
  const gap = typical < 2 * MIN ? 0 : typical < 30 * MIN ? 1 : typical < 4 * 60 * MIN ? 2 : 3;
  const r = Math.log10(Math.max(rho, 1e-9));
  const cost = r < -1 ? 0 : r < 0 ? 1 : r < 1 ? 2 : 3;
  return (((count * 3 + pattern) * 3 + spread) * 4 + gap) * 4 + cost;
}
