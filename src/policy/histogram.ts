/**
 * A range-limited idle-time histogram, the per-app statistic of the "Serverless in the Wild"
 * hybrid policy (Shahrad et al., USENIX ATC 2020): fixed-width bins (1 minute by default) over
 * a range (4 hours), a counter for idle times beyond the range (out of bounds, OOB), and a
 * short ring of the most recent OOB idle times for the long-gap forecast.
 *
 * The learned policy reads the same statistic, so both see identical features.
 */
/** Scratch space for medians (typed-array sort is numeric and allocation-free). */
const MEDIAN_SCRATCH = new Float64Array(64);

export class IdleTimeHistogram {
  /** Bin counts; `Uint32Array` keeps the production budget of 4 bytes per bin (960 B for 240). */
  readonly bins: Uint32Array;
  /** Idle times that fell inside the range. */
  inRange = 0;
  /** Idle times beyond the range. */
  oob = 0;
  /** Sum of squared bin counts, kept incrementally so the CV costs O(1). */
  private sumSq = 0;
  /** The most recent OOB idle times (ms), a ring of `recentOob.length`. */
  readonly recentOob: Float64Array;
  private oobCursor = 0;

  constructor(readonly binMs = 60_000, readonly nBins = 240, oobMemory = 8) {
    if (oobMemory > MEDIAN_SCRATCH.length) throw new RangeError('oobMemory too large');
    this.bins = new Uint32Array(nBins);
    this.recentOob = new Float64Array(oobMemory);
  }

  /** The histogram's range in ms (idle times >= this are out of bounds). */
  get rangeMs(): number {
    return this.binMs * this.nBins;
  }

  /** All idle times recorded. */
  get count(): number {
    return this.inRange + this.oob;
  }

  /** Record one idle time (ms; negative values count as 0). */
  add(idleMs: number): void {
    const bin = Math.floor(Math.max(0, idleMs) / this.binMs);
    if (bin < this.nBins) {
      const c = this.bins[bin] ?? 0;
      this.bins[bin] = c + 1;
      this.sumSq += 2 * c + 1;
      this.inRange++;
    } else {
      this.oob++;
      this.recentOob[this.oobCursor % this.recentOob.length] = idleMs;
      this.oobCursor++;
    }
  }

  /** Share of all idle times that were out of bounds (0 when nothing was recorded). */
  oobFraction(): number {
    const n = this.count;
    return n === 0 ? 0 : this.oob / n;
  }

  /**
   * Coefficient of variation of the bin counts (sample standard deviation over the mean, as in
   * dslab and OpenDC). One sharp spike gives sqrt(nBins) (15.5 for 240 bins), a flat histogram 0;
   * an empty one 0 as well, which reads as "not representative".
   */
  binCv(): number {
    const n = this.inRange;
    if (n === 0) return 0;
    const mean = n / this.nBins;
    const variance = Math.max(0, (this.sumSq - n * mean) / (this.nBins - 1));
    return Math.sqrt(variance) / mean;
  }

  /**
   * The bin holding the `p` quantile of the in-range idle times: the first bin whose prefix
   * share reaches `p` (dslab's `get_percentile`). Returns the last bin when empty.
   */
  percentileBin(p: number): number {
    const n = this.inRange;
    let prefix = 0;
    for (let i = 0; i < this.nBins; i++) {
      prefix += this.bins[i] ?? 0;
      if (n > 0 && prefix / n >= p) return i;
    }
    return this.nBins - 1;
  }

  /**
   * Several percentile bins in one pass: `ps` ascending, results in `out` (same rule as
   * `percentileBin`). The learned policy needs six per decision.
   */
  percentileBins(ps: readonly number[], out: Float64Array): void {
    const n = this.inRange;
    let k = 0;
    let prefix = 0;
    for (let i = 0; i < this.nBins && k < ps.length; i++) {
      prefix += this.bins[i] ?? 0;
      while (k < ps.length && n > 0 && prefix / n >= (ps[k] ?? 1)) out[k++] = i;
    }
    while (k < ps.length) out[k++] = this.nBins - 1;
  }

  /** Median of the recent OOB idle times (ms), or NaN when none was seen. */
  recentOobMedian(): number {
    const k = Math.min(this.oobCursor, this.recentOob.length);
    if (k === 0) return NaN;
    const xs = MEDIAN_SCRATCH.subarray(0, k);
    xs.set(this.recentOob.subarray(0, k));
    xs.sort();
    const mid = k >> 1;
    return k % 2 === 1 ? (xs[mid] ?? NaN) : ((xs[mid - 1] ?? 0) + (xs[mid] ?? 0)) / 2;
  }

  /** Bytes held (typed arrays plus six numbers). */
  byteSize(): number {
    return this.bins.byteLength + this.recentOob.byteLength + 6 * 8;
  }

  /** A plain-JSON form for snapshots. */
  toJSON(): HistogramJson {
    return {
      bins: Array.from(this.bins),
      oob: this.oob,
      recentOob: Array.from(this.recentOob),
      oobCursor: this.oobCursor,
    };
  }

  /** Rebuild from `toJSON()` output (same bin layout). */
  static fromJSON(j: HistogramJson, binMs = 60_000): IdleTimeHistogram {
    const h = new IdleTimeHistogram(binMs, j.bins.length, j.recentOob.length);
    for (let i = 0; i < j.bins.length; i++) {
      const c = j.bins[i] ?? 0;
      h.bins[i] = c;
      h.inRange += c;
      h.sumSq += c * c;
    }
    h.oob = j.oob;
    h.recentOob.set(j.recentOob);
    h.oobCursor = j.oobCursor;
    return h;
  }
}

/** Serialised histogram. */
export interface HistogramJson {
  bins: number[];
  oob: number;
  recentOob: number[];
  oobCursor: number;
}
