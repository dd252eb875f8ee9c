/**
 * An app's recent sandbox start times, so that the pool can begin a pre-warm early enough for the
 * sandbox to be ready when the keep-alive policy asked for it. The median of the last few starts:
 * one start stretched by a busy machine should not move every later pre-warm.
 */
const KEPT = 5;

export class StartTimes {
  private readonly recent: number[] = [];

  add(ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms)) return;
    this.recent.push(ms);
    if (this.recent.length > KEPT) this.recent.shift();
  }

  /** The median of the recent start times, undefined before the first. */
  typical(): number | undefined {
    if (this.recent.length === 0) return undefined;
    const s = [...this.recent].sort((a, b) => a - b);
    return s[(s.length - 1) >> 1];
  }
}
