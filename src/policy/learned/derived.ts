import type { AppStats } from './app-stats.js';

/** Percentiles read from the histogram at each decision, in this order. */
const PERCENTILES = [0.05, 0.25, 0.5, 0.75, 0.9, 0.99] as const;

/**
 * Statistics derived from an app's state at a decision, computed once (one pass over the
 * histogram) and shared by the action windows, the features and the table state.
 */
export class Derived {
  /** Bin lower edges (ms) for p5..p99; NaN when the histogram has no in-range idle time. */
  p5 = NaN;
  p25 = NaN;
  p50 = NaN;
  p75 = NaN;
  p90 = NaN;
  p99 = NaN;
  binMs = 60_000;
  oobMedian = NaN;
  oobFraction = 0;
  cv = 0;
  count = 0;
  private readonly bins = new Float64Array(PERCENTILES.length);

  /** Refreshes everything from `s` (also refreshes `s`'s recent-idle summary). */
  compute(s: AppStats): this {
    const h = s.hist;
    s.summarise();
    this.binMs = h.binMs;
    this.count = h.count;
    this.oobFraction = h.oobFraction();
    this.cv = h.binCv();
    this.oobMedian = h.recentOobMedian();
    if (h.inRange === 0) {
      this.p5 = this.p25 = this.p50 = this.p75 = this.p90 = this.p99 = NaN;
      return this;
    }
    h.percentileBins(PERCENTILES, this.bins);
    const b = (i: number): number => (this.bins[i] ?? 0) * h.binMs;
    this.p5 = b(0);
    this.p25 = b(1);
    this.p50 = b(2);
    this.p75 = b(3);
    this.p90 = b(4);
    this.p99 = b(5);
    return this;
  }
}
