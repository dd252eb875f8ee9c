/** A hand-moved clock for SQS tests: like core's ManualClock, but `advance` lets microtasks run between timers (long-poll wake-ups are delivered in microtasks). */
import type { Clock } from '../../src/core/clock.js';

export class TestClock implements Clock {
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private seq = 0;
  constructor(private t = Date.UTC(2026, 0, 1)) {}

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): () => void {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return () => {
      this.timers = this.timers.filter((x) => x.id !== id);
    };
  }

  /** Moves time forward by `ms`, firing due timers in order; then lets microtasks run. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
      await settle();
    }
    this.t = end;
    await settle();
  }

  get pending(): number {
    return this.timers.length;
  }
}

/** Lets queued microtasks and immediates run (wake-ups are delivered in microtasks). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
