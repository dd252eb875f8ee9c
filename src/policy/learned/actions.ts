import type { IdleDecision } from '../types.js';
import type { AppStats } from './app-stats.js';
import type { Derived } from './derived.js';

/** A warm interval [fromMs, untilMs) measured from the start of an idle gap. */
export interface Window {
  fromMs: number;
  untilMs: number;
}

const MIN = 60_000;
const HOUR = 3_600_000;

/**
 * The discrete actions: each maps an app's statistics to a warm window for the coming gap.
 * They span the keep-alive ladder (unload now .. 4 h), the hybrid's histogram windows, and
 * windows around recent raw idle times that are finer than one-minute bins (timers), so the
 * agent can pick, per kind of app, the shape that is cheapest in hindsight.
 */
export const ACTION_NAMES = [
  'unload',
  'keep:2m',
  'keep:10m',
  'keep:30m',
  'keep:2h',
  'keep:4h',
  'keep:p99',
  'hist:p5-p99',
  'hist:p5-p90',
  'hist:p25-p75',
  'oob:0.85-1.15',
  'recent:0.97-1.03',
  'recent:0.9-1.1',
  'recent:0.8-1.5',
] as const;

export const N_ACTIONS = ACTION_NAMES.length;

/** Fills `out` (2 per action: from, until) with every action's window for app `s`. */
export function actionWindows(s: AppStats, d: Derived, out: Float32Array | Float64Array): void {
  const bin = d.binMs;
  const lo = s.recentN > 0 ? s.recentLo : NaN;
  const hi = s.recentN > 0 ? s.recentHi : NaN;
  const set = (a: number, from: number, until: number): void => {
    const ok = Number.isFinite(from) && Number.isFinite(until) && until > from;
    out[2 * a] = ok ? Math.max(0, from) : 0;
    out[2 * a + 1] = ok ? until : 0;
  };
  set(0, 0, 0);
  set(1, 0, 2 * MIN);
  set(2, 0, 10 * MIN);
  set(3, 0, 30 * MIN);
  set(4, 0, 2 * HOUR);
  set(5, 0, 4 * HOUR);
  // Upper percentiles use the bin's upper edge, as the hybrid does for its tail.
  set(6, 0, 1.1 * (d.p99 + bin));
  set(7, 0.9 * d.p5, 1.1 * (d.p99 + bin));
  set(8, 0.9 * d.p5, 1.1 * (d.p90 + bin));
  set(9, 0.9 * d.p25, 1.1 * (d.p75 + bin));
  set(10, 0.85 * d.oobMedian, 1.15 * d.oobMedian);
  set(11, 0.97 * lo, 1.03 * hi);
  set(12, 0.9 * lo, 1.1 * hi);
  set(13, 0.8 * lo, 1.5 * hi);
}

/**
 * Outcome of a window for a gap of `gapMs`, in hindsight: the next call is warm when it lands
 * inside [from, until); the wasted time is how long the sandbox sat loaded and idle.
 */
export function outcome(fromMs: number, untilMs: number, gapMs: number): { cold: boolean; wasteMs: number } {
  if (untilMs <= fromMs || gapMs < fromMs) return { cold: true, wasteMs: 0 };
  if (gapMs < untilMs) return { cold: false, wasteMs: gapMs - fromMs };
  return { cold: true, wasteMs: untilMs - fromMs };
}

/** The pool-facing decision for a window. */
export function windowDecision(fromMs: number, untilMs: number): IdleDecision {
  if (untilMs <= fromMs) return { keepAliveMs: 0 };
  if (fromMs <= 0) return { keepAliveMs: untilMs };
  return { keepAliveMs: 0, prewarmMs: fromMs, prewarmKeepAliveMs: untilMs - fromMs };
}
