import { IdleTimeHistogram, type HistogramJson } from './histogram.js';
import type { IdleDecision, InvocationFacts, KeepAlivePolicy } from './types.js';

/** Tunables of the hybrid histogram policy; defaults are the paper's (via dslab/OpenDC). */
export interface HybridOptions {
  /** Histogram range (ms): 4 h. Idle times beyond it are out of bounds. */
  rangeMs: number;
  /** Bin width (ms): 1 minute. */
  binMs: number;
  /** Below this bin-count CV the histogram is "not representative": 2.0. */
  cvThreshold: number;
  /** At or above this OOB share the long-gap forecast takes over: 0.5. */
  oobThreshold: number;
  /** Margin around the forecast: warm on [(1-m)p, (1+m)p], m = 0.15. */
  forecastMargin: number;
  /** Margin on the histogram cut-offs: pre-warm at head*(1-m), keep to tail*(1+m), m = 0.1. */
  histogramMargin: number;
  /** Head and tail percentiles: 5th and 99th. */
  headPercentile: number;
  tailPercentile: number;
  /** In-range idle times needed before the histogram is trusted (new apps get the range). */
  minSamples: number;
}

/** The paper's constants, identical in the dslab, OpenDC and FaasCache-sim reimplementations. */
export const HYBRID_DEFAULTS: HybridOptions = {
  rangeMs: 4 * 3_600_000,
  binMs: 60_000,
  cvThreshold: 2,
  oobThreshold: 0.5,
  forecastMargin: 0.15,
  histogramMargin: 0.1,
  headPercentile: 0.05,
  tailPercentile: 0.99,
  minSamples: 1,
};

interface AppState {
  hist: IdleTimeHistogram;
  /** When the app last became idle; NaN while it is busy or before its first invocation. */
  idleSince: number;
  /** False until the first invocation: that one has no idle time before it. */
  seen: boolean;
}

/**
 * The hybrid histogram policy of "Serverless in the Wild" (Shahrad et al., ATC'20), pinned to
 * the normalised spec in shared/reference/keepalive-policies.md §1.1:
 *
 * - Idle time (IT) = arrival - end of the previous execution, per app. An invocation that
 *   arrives while the app is still busy records 0 (dslab clamps negative ITs to 0).
 * - OOB share >= 0.5 and >= 2 ITs: warm on [0.85p, 1.15p] after the idle start, where p is a
 *   forecast of the next IT. The paper fits ARIMA; we use the median of the recent OOB ITs,
 *   the robust fallback the reference recommends (dslab's own ARIMA "can and will" crash).
 * - Fewer than `minSamples` in-range ITs, or bin CV < 2: no pre-warm, keep alive for the range.
 * - Else head = 5th-percentile bin start, tail = 99th-percentile bin end. head = 0: stay warm
 *   until 1.1*tail. Otherwise unload at once and be warm on [0.9*head, 1.1*tail], both
 *   measured from the end of the execution (the reference's absolute-interval reading).
 */
export class HybridHistogram implements KeepAlivePolicy {
  readonly name: string;
  readonly options: HybridOptions;
  private readonly apps = new Map<string, AppState>();

  constructor(options: Partial<HybridOptions> = {}, name = 'hybrid') {
    this.options = { ...HYBRID_DEFAULTS, ...options };
    this.name = name;
  }

  onInvocation(app: string, now: number, _facts?: InvocationFacts): void {
    const s = this.state(app);
    // While busy there is no idle gap: the overlap counts as a zero idle time.
    if (s.seen) s.hist.add(Number.isNaN(s.idleSince) ? 0 : now - s.idleSince);
    s.idleSince = NaN;
    s.seen = true;
  }

  onIdle(app: string, now: number): IdleDecision {
    const s = this.state(app);
    s.idleSince = now;
    return hybridDecision(s.hist, this.options);
  }

  forget(app: string): void {
    this.apps.delete(app);
  }

  snapshot(): unknown {
    const apps: Record<string, { hist: HistogramJson; idleSince: number | null }> = {};
    for (const [k, s] of this.apps) apps[k] = { hist: s.hist.toJSON(), idleSince: nanToNull(s.idleSince) };
    return { kind: 'hybrid', apps };
  }

  restore(state: unknown): void {
    const st = state as { kind?: string; apps?: Record<string, { hist: HistogramJson; idleSince: number | null }> };
    if (st?.kind !== 'hybrid' || !st.apps) throw new TypeError('not a hybrid snapshot');
    this.apps.clear();
    for (const [k, v] of Object.entries(st.apps)) {
      this.apps.set(k, { hist: IdleTimeHistogram.fromJSON(v.hist, this.options.binMs), idleSince: v.idleSince ?? NaN, seen: true });
    }
  }

  stateBytes(): { shared: number; perApp: number } {
    const first = this.apps.values().next();
    return { shared: 0, perApp: first.done ? 0 : first.value.hist.byteSize() + 16 };
  }

  /** The histogram kept for `app` (read-only use: tests and the learned policy's features). */
  histogram(app: string): IdleTimeHistogram | undefined {
    return this.apps.get(app)?.hist;
  }

  private state(app: string): AppState {
    let s = this.apps.get(app);
    if (!s) {
      s = { hist: new IdleTimeHistogram(this.options.binMs, Math.round(this.options.rangeMs / this.options.binMs)), idleSince: NaN, seen: false };
      this.apps.set(app, s);
    }
    return s;
  }
}

/** The hybrid policy's decision for one histogram: a pure function, tested on its own. */
export function hybridDecision(h: IdleTimeHistogram, o: HybridOptions = HYBRID_DEFAULTS): IdleDecision {
  if (h.oobFraction() >= o.oobThreshold && h.count >= 2) {
    const p = h.recentOobMedian();
    if (p > 0) {
      return { keepAliveMs: 0, prewarmMs: (1 - o.forecastMargin) * p, prewarmKeepAliveMs: 2 * o.forecastMargin * p };
    }
  }
  if (h.inRange < o.minSamples || h.binCv() < o.cvThreshold) return { keepAliveMs: o.rangeMs };
  const head = h.percentileBin(o.headPercentile) * h.binMs;
  const tail = (h.percentileBin(o.tailPercentile) + 1) * h.binMs;
  const until = (1 + o.histogramMargin) * tail;
  if (head === 0) return { keepAliveMs: until };
  const from = (1 - o.histogramMargin) * head;
  return { keepAliveMs: 0, prewarmMs: from, prewarmKeepAliveMs: until - from };
}

function nanToNull(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}
