/**
 * The invocations of one function waiting for one of its busy sandboxes (hand-off, handoff.ts),
 * first come first served, each until its own deadline. One timer per function, armed for the
 * earliest deadline, not one per waiter: a waiter served in time costs no timer work.
 */
import type { Clock } from '../core/clock.js';

/** What the queue needs of a waiter (the pool's Waiter, types.ts). */
export interface Deadlined {
  /** Clock ms after which it spills. */
  deadline: number;
}

export class Waiters<Waiter extends Deadlined> {
  private readonly queue: Waiter[] = [];
  private cancelTimer: (() => void) | null = null;
  private timerAt = Infinity;

  /** `spill` runs each waiter whose deadline passed, after it left the queue. */
  constructor(
    private readonly clock: Clock,
    private readonly spill: (w: Waiter) => void,
  ) {}

  get length(): number {
    return this.queue.length;
  }

  add(w: Waiter): void {
    this.queue.push(w);
    if (w.deadline < this.timerAt) this.arm(w.deadline);
  }

  /** The longest-waiting invocation, out of the queue. */
  take(): Waiter | undefined {
    return this.queue.shift();
  }

  /** Empties the queue (every waiter is the caller's to run now). */
  drain(): Waiter[] {
    return this.queue.splice(0);
  }

  /** Stops the timer (the pool is closing, or the queue was drained for good). */
  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.timerAt = Infinity;
  }

  private arm(at: number): void {
    this.cancelTimer?.();
    this.timerAt = at;
    this.cancelTimer = this.clock.setTimer(Math.max(0, at - this.clock.now()), () => this.expire());
  }

  private expire(): void {
    this.cancelTimer = null;
    this.timerAt = Infinity;
    const now = this.clock.now();
    let next = Infinity;
    const due: Waiter[] = [];
    for (let i = 0; i < this.queue.length; ) {
      const w = this.queue[i]!;
      if (w.deadline <= now) {
        this.queue.splice(i, 1);
        due.push(w);
      } else {
        next = Math.min(next, w.deadline);
        i++;
      }
    }
    if (next !== Infinity) this.arm(next);
    for (const w of due) this.spill(w);
  }
}
