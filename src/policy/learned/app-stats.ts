import { IdleTimeHistogram } from '../histogram.js';

/** Recent raw idle times kept per app, for windows finer than the 1-minute bins. */
export const RECENT = 8;

/**
 * Everything the learned policy keeps for one app, in typed arrays so the per-app budget is
 * exact: the hybrid's idle-time histogram (960 B), the last few raw idle times, the app's own
 * action values, and the state seen at the last decision (evaluated once the gap closes).
 */
export class AppStats {
  hist = new IdleTimeHistogram();
  /** Last RECENT idle times, ms (a ring). */
  readonly recent = new Float32Array(RECENT);
  recentCount = 0;
  /** The app's own running action values (Q over its own gaps), and how many gaps fed them. */
  readonly q: Float32Array;
  qUpdates = 0;
  /**
   * At the last decision: every action's window (from, until pairs), the features, the table
   * state and the cost ratio, kept so the update scores exactly what could have been chosen.
   */
  readonly windows: Float32Array;
  readonly features: Float32Array;
  stateIndex = -1;
  rho = 0;
  /** The Q-network's last output for this app, reused while the state bucket is unchanged. */
  readonly qNet: Float32Array;
  qNetState = -1;
  qNetAge = 0;
  /** Recent idle times summary, refreshed by `summarise()`. */
  recentLo = Infinity;
  recentHi = 0;
  recentMean = Infinity;
  recentN = 0;
  /** When the app went idle (NaN while busy or before the first call). */
  idleSince = NaN;
  /** False until the first call: the first call has no idle time before it. */
  seen = false;
  firstSeen = NaN;
  invocations = 0;
  /** When this app last added a sample to the Q-network's replay buffer. */
  lastSample = -Infinity;
  memoryMb = 128;
  initMs = 1000;

  constructor(nActions: number, nFeatures: number) {
    this.q = new Float32Array(nActions);
    this.windows = new Float32Array(2 * nActions);
    this.qNet = new Float32Array(nActions);
    this.features = new Float32Array(nFeatures);
  }

  /** Records an idle time in the histogram and the recent ring. */
  addIdle(ms: number): void {
    this.hist.add(ms);
    this.recent[this.recentCount % RECENT] = ms;
    this.recentCount++;
  }

  /** Refreshes the min / max / mean of the recent idle times. */
  summarise(): void {
    const n = Math.min(this.recentCount, RECENT);
    let lo = Infinity;
    let hi = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const x = this.recent[i] ?? 0;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
      sum += x;
    }
    this.recentLo = lo;
    this.recentHi = hi;
    this.recentMean = n > 0 ? sum / n : Infinity;
    this.recentN = n;
  }

  /** Invocations per day, from what was seen so far (at least a 6-hour window, to damp starts). */
  ratePerDay(now: number): number {
    if (!this.seen) return 0;
    const spanDays = Math.max(now - this.firstSeen, 6 * 3_600_000) / 86_400_000;
    return this.invocations / spanDays;
  }

  /** Exact bytes held for this app. */
  byteSize(): number {
    const arrays = this.recent.byteLength + this.q.byteLength + this.qNet.byteLength + this.windows.byteLength + this.features.byteLength;
    return this.hist.byteSize() + arrays + 18 * 8;
  }
}
