/**
 * Wake-ups for queues that may have gained visible messages, so nobody busy-polls: long polls
 * (ReceiveMessage with WaitTimeSeconds) and Nimbus's own pollers subscribe per queue.
 *
 * A queue gains visible messages by a send, a visibility change, a redrive into it, or time
 * passing (a delay or an in-flight visibility timeout ending). The first three `poke` the queue;
 * for the last, one timer per watched queue is armed at the next `visible_at` (the ElasticMQ
 * model, rather than moto's polling every second). Listeners run in a microtask after the change
 * committed, never inside a database transaction.
 */
import type { Clock } from '../core/clock.js';

/** Returns true when it found the queue empty, so later listeners need not look (long polls). */
export type QueueListener = () => boolean | void;

interface Watched {
  listeners: Set<QueueListener>;
  timerAt: number | null;
  cancelTimer: (() => void) | null;
  pending: boolean;
}

export class Notifier {
  private readonly queues = new Map<number, Watched>();
  private closed = false;

  constructor(
    private readonly clock: Clock,
    /** When the next invisible message of a queue becomes visible; null if none. */
    private readonly nextVisibleAt: (queueId: number) => number | null,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Calls `fn` whenever the queue may have gained visible messages, until the returned function is called. */
  watch(queueId: number, fn: QueueListener): () => void {
    let w = this.queues.get(queueId);
    if (!w) {
      w = { listeners: new Set(), timerAt: null, cancelTimer: null, pending: false };
      this.queues.set(queueId, w);
    }
    w.listeners.add(fn);
    this.rearm(queueId);
    return () => {
      const cur = this.queues.get(queueId);
      if (!cur) return;
      cur.listeners.delete(fn);
      if (cur.listeners.size === 0) {
        cur.cancelTimer?.();
        this.queues.delete(queueId);
      }
    };
  }

  /** The queue may have visible messages now. */
  poke(queueId: number): void {
    const w = this.queues.get(queueId);
    if (!w || w.pending || this.closed) return;
    w.pending = true;
    queueMicrotask(() => {
      w.pending = false;
      this.fire(queueId);
    });
  }

  /** Something became invisible or delayed: make sure the timer is set for when it comes back. */
  rearm(queueId: number): void {
    const w = this.queues.get(queueId);
    if (!w || this.closed) return;
    const at = this.nextVisibleAt(queueId);
    if (at === null || (w.timerAt !== null && w.timerAt <= at)) return;
    w.cancelTimer?.();
    w.timerAt = at;
    w.cancelTimer = this.clock.setTimer(Math.max(0, at - this.clock.now()), () => {
      w.timerAt = null;
      w.cancelTimer = null;
      this.fire(queueId);
    });
  }

  private fire(queueId: number): void {
    const w = this.queues.get(queueId);
    if (!w || this.closed) return;
    for (const fn of [...w.listeners]) {
      try {
        if (fn() === true) break;
      } catch (err) {
        this.onError(err);
      }
    }
    if (this.queues.has(queueId)) this.rearm(queueId);
  }

  /** Drops every timer; listeners are ended by their owners (the service aborts its long polls). */
  close(): void {
    this.closed = true;
    for (const w of this.queues.values()) w.cancelTimer?.();
    this.queues.clear();
  }
}
