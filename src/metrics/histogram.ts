/** A cumulative histogram with fixed bucket bounds, as Prometheus exposes them. */
export class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length).fill(0);
  }

  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.bounds.length; i++) if (v <= this.bounds[i]!) this.counts[i]!++;
  }

  /** An estimate of quantile q (0..1) from the buckets: the upper bound of the bucket it falls in. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = q * this.count;
    for (let i = 0; i < this.bounds.length; i++) if (this.counts[i]! >= rank) return this.bounds[i]!;
    return Infinity;
  }
}

/** Milliseconds, from sub-millisecond warm calls to the 15-minute maximum. */
export const DURATION_BUCKETS_MS = [0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 900000];
