/**
 * Wake-ups for long polls and subscribers when the queues live in PostgreSQL and other nodes
 * change them.
 *
 * - This node's own changes wake at once (`poke`), as notifier.ts does for SQLite.
 * - Other nodes' sends (and visibility changes to 0, redrives, discards) arrive by
 *   LISTEN/NOTIFY on the `nimbus_sqs` channel; each payload names the sending node, so a node
 *   ignores its own echo.
 * - Time: a watched queue has one timer, at the earliest of when this node knows something of
 *   it becomes visible (its own receives, delays, visibility changes) and a poll interval, which
 *   covers what other nodes made invisible (their in-flight messages timing out). A timer looks
 *   whether anything is visible before waking anyone.
 */
import pg from 'pg';
import type { Clock } from '../../core/clock.js';

export const CHANNEL = 'nimbus_sqs';

type Listener = () => void;

interface Watched {
  listeners: Set<Listener>;
  timerAt: number | null;
  cancelTimer: (() => void) | null;
  pending: boolean;
}

export interface WakeupOptions {
  clock: Clock;
  url: string;
  /** This node's token in NOTIFY payloads. */
  node: string;
  pollMs: number;
  /** Whether the queue has a visible message now. */
  anyVisible: (queueId: number, now: number) => Promise<boolean>;
  log: (line: string) => void;
}

export class Wakeups {
  private readonly queues = new Map<number, Watched>();
  /** When this node last learned that something of a queue becomes visible. */
  private readonly hints = new Map<number, number>();
  private readonly generations = new Map<number, number>();
  private client: pg.Client | null = null;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly o: WakeupOptions) {}

  /** Starts listening for other nodes' notifications (resolves once LISTEN is in place). */
  async listen(): Promise<void> {
    if (this.closed) return;
    const c = new pg.Client({ connectionString: this.o.url });
    c.on('error', (e) => {
      this.o.log(`sqs: the LISTEN connection failed (${e.message}); reconnecting`);
      this.reconnect(c);
    });
    c.on('end', () => this.reconnect(c));
    c.on('notification', (n) => {
      const [node, id] = (n.payload ?? '').split(':');
      if (node === this.o.node) return;
      // Another node changed the queue: wake this node's waiters on it.
      this.poke(Number(id));
    });
    await c.connect();
    await c.query(`LISTEN ${CHANNEL}`);
    this.client = c;
  }

  private reconnect(c: pg.Client): void {
    if (this.closed || this.client !== c) return;
    this.client = null;
    c.end().catch(() => undefined);
    this.retry = setTimeout(() => {
      this.listen().catch((e: unknown) => {
        this.o.log(`sqs: LISTEN reconnect failed: ${(e as Error).message}`);
        this.reconnect(c);
      });
      // Anything missed meanwhile is found by the poll timers.
      for (const id of this.queues.keys()) this.poke(id);
    }, 1000);
    this.retry.unref();
  }

  /** This node's token in NOTIFY payloads. */
  get node(): string {
    return this.o.node;
  }

  /** The payload other nodes get for a change of `queueId`. */
  payload(queueId: number): string {
    return `${this.o.node}:${queueId}`;
  }

  watch(queueId: number, fn: Listener): () => void {
    let w = this.queues.get(queueId);
    if (!w) {
      w = { listeners: new Set(), timerAt: null, cancelTimer: null, pending: false };
      this.queues.set(queueId, w);
    }
    w.listeners.add(fn);
    this.arm(queueId);
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

  /** How many times the queue was poked so far: a long poll compares it across its first look. */
  generation(queueId: number): number {
    return this.generations.get(queueId) ?? 0;
  }

  /** The queue may have visible messages now. */
  poke(queueId: number): void {
    this.generations.set(queueId, this.generation(queueId) + 1);
    const w = this.queues.get(queueId);
    if (!w || w.pending || this.closed) return;
    w.pending = true;
    queueMicrotask(() => {
      w.pending = false;
      this.fire(queueId);
    });
  }

  /** Something of the queue becomes visible at `at` (a delay, a visibility timeout). */
  hint(queueId: number, at: number): void {
    const cur = this.hints.get(queueId);
    const now = this.o.clock.now();
    if (cur === undefined || cur <= now || at < cur) this.hints.set(queueId, at);
    this.arm(queueId);
  }

  private arm(queueId: number): void {
    const w = this.queues.get(queueId);
    if (!w || this.closed) return;
    const now = this.o.clock.now();
    const hint = this.hints.get(queueId);
    const at = Math.min(hint !== undefined && hint > now ? hint : Infinity, now + this.o.pollMs);
    if (w.timerAt !== null && w.timerAt <= at) return;
    w.cancelTimer?.();
    w.timerAt = at;
    w.cancelTimer = this.o.clock.setTimer(Math.max(0, at - now), () => {
      w.timerAt = null;
      w.cancelTimer = null;
      void this.tick(queueId);
    });
  }

  private async tick(queueId: number): Promise<void> {
    if (this.closed || !this.queues.has(queueId)) return;
    try {
      for (;;) {
        const at = this.o.clock.now();
        if (await this.o.anyVisible(queueId, at)) {
          this.fire(queueId);
          break;
        }
        // Look again if a time this node knows of passed while it looked.
        const hint = this.hints.get(queueId);
        if (hint === undefined || hint <= at || hint > this.o.clock.now() || this.closed) break;
      }
    } catch (e) {
      this.o.log(`sqs: wake-up check failed: ${(e as Error).message}`);
    }
    this.arm(queueId);
  }

  private fire(queueId: number): void {
    const w = this.queues.get(queueId);
    if (!w || this.closed) return;
    for (const fn of [...w.listeners]) {
      try {
        fn();
      } catch (err) {
        this.o.log(`sqs: wake-up listener failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      }
    }
    this.arm(queueId);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    for (const w of this.queues.values()) w.cancelTimer?.();
    this.queues.clear();
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }
}
