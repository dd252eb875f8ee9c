/**
 * An app's recent sandbox start times, so that the pool can begin a pre-warm early enough for the
 * sandbox to be ready when the keep-alive policy asked for it (policy/plan.ts, prewarmLead: the
 * 80th percentile of the last five starts).
 *
 * The median was tried first (replay, docs/policy.md): start times on a busy machine spread
 * widely, half the pre-warms then finished after their planned time, and a policy whose warm
 * window opens just before the next call (the learned one's tight windows) lost those calls to
 * cold starts. The cost of a generous lead is idle memory while a pre-warm that started early
 * waits; one slow start is forgotten after five more.
 */
import { prewarmLead } from '../policy/plan.js';

const KEPT = 5;

export class StartTimes {
  private readonly recent: number[] = [];

  add(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) return;
    this.recent.push(ms);
    if (this.recent.length > KEPT) this.recent.shift();
  }

  /** How long before its planned time a pre-warm should start; undefined before the first start. */
  lead(): number | undefined {
    return prewarmLead(this.recent);
  }
}
