import type { IdleDecision, InvocationFacts, KeepAlivePolicy } from './types.js';

/** What the oracle may see of the future: the simulator's look-ahead over the trace. */
export interface FutureView {
  /** The first arrival of `app` at or after `now` (ms), or `Infinity` when there is none. */
  nextArrival(app: string, now: number): number;
}

/**
 * Slack on the pre-warmed window: the simulator treats warm windows as half-open
 * `[from, until)`, so a zero-length window would miss an arrival that lands exactly on it.
 */
const SLACK_MS = 1;

/**
 * The offline oracle: it reads the trace's future, so it cannot run live. It unloads every
 * sandbox at once and pre-warms it exactly when the next call lands, which is the per-gap
 * optimum when starting a sandbox ahead of time is free (ski-rental with perfect
 * foresight): no cold start after the first and no wasted memory. Under a fixed capacity it
 * evicts the sandbox whose next call is furthest away, weighted by size (Belady's rule with a
 * size factor, itself only a heuristic when sizes differ). A scale for the other policies,
 * not a contender.
 */
export class Oracle implements KeepAlivePolicy {
  readonly name = 'oracle';
  private readonly memoryMb = new Map<string, number>();

  constructor(private readonly future: FutureView) {}

  onInvocation(app: string, _now: number, facts: InvocationFacts): void {
    this.memoryMb.set(app, facts.memoryMb);
  }

  onIdle(app: string, now: number): IdleDecision {
    const next = this.future.nextArrival(app, now);
    if (!Number.isFinite(next)) return { keepAliveMs: 0 };
    return { keepAliveMs: 0, prewarmMs: Math.max(0, next - now), prewarmKeepAliveMs: SLACK_MS };
  }

  evictionPriority(app: string, now: number): number {
    const next = this.future.nextArrival(app, now);
    return Number.isFinite(next) ? -(next - now) * (this.memoryMb.get(app) ?? 1) : -Number.MAX_VALUE;
  }

  forget(app: string): void {
    this.memoryMb.delete(app);
  }

  snapshot(): unknown {
    return null;
  }

  restore(): void {}
}
