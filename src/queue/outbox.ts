/**
 * Moving handed-on messages (destination records, dead letters) from the queue's database into
 * the queue service that owns the target queue (SQS, in its own database file).
 *
 * A message is written to the outbox in the same transaction as the event's end (settle), so it
 * exists exactly when the event ended. Two databases cannot share a transaction, so the move is
 * made idempotent instead: each message is delivered under a key derived from its outbox row,
 * the receiving service records the key in the transaction that stores the message and ignores
 * a second delivery with it, and the outbox row is deleted afterwards. A crash between the two
 * only means the move is repeated after the restart, with no second copy.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { EventQueue, StoredMessage } from './types.js';

/** Messages moved per pass; the next pass follows at once while there are more. */
const BATCH = 200;
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 60_000;

/** What became of one message. `dropped`: it can never be delivered (logged, then removed). */
export type HandOver = { kind: 'delivered' } | { kind: 'dropped'; reason: string };

export interface OutboxDeps {
  queue: EventQueue;
  clock: Clock;
  /**
   * Stores the message in its target queue, durably, before returning; a second call with the
   * same key must not store a second copy. Throws when it cannot now (retried with backoff).
   */
  deliver: (m: StoredMessage, key: string) => Promise<HandOver>;
  log?: (line: string) => void;
}

/** The key a message is delivered under: its row id alone could be reused after a power cut. */
export function handOverKey(m: StoredMessage): string {
  const digest = createHash('sha256').update(`${m.queue}\0${m.sentAt}\0${m.body}`).digest('hex').slice(0, 24);
  return `outbox:${m.id}:${digest}`;
}

export class Outbox {
  private scheduled = false;
  private stopped = false;
  private passing = false;
  private passAgain = false;
  private failures = 0;
  private cancelRetry: (() => void) | null = null;

  constructor(private readonly deps: OutboxDeps) {}

  /** Moves whatever the outbox holds (left by a previous run, or just written). */
  start(): void {
    this.stopped = false;
    this.wake();
  }

  /** New messages may be in the outbox. */
  wake(): void {
    if (this.scheduled || this.stopped || this.cancelRetry) return;
    this.scheduled = true;
    setImmediate(async () => {
      this.scheduled = false;
      await this.pass();
    });
  }

  /** One pass: moves up to BATCH messages. Returns how many were moved or dropped. */
  async pass(): Promise<number> {
    // One pass at a time (store calls are awaited): a pass asked for meanwhile runs right after.
    if (this.passing) {
      this.passAgain = true;
      return 0;
    }
    this.passing = true;
    try {
      let moved = 0;
      do {
        this.passAgain = false;
        moved += await this.passOnce();
      } while (this.passAgain && !this.stopped);
      return moved;
    } finally {
      this.passing = false;
    }
  }

  private async passOnce(): Promise<number> {
    if (this.stopped) return 0;
    let pending: StoredMessage[];
    try {
      pending = await this.deps.queue.pendingMessages(BATCH);
    } catch (e) {
      this.retryLater(`cannot read the outbox: ${(e as Error).message}`);
      return 0;
    }
    const done: StoredMessage[] = [];
    let failed: string | undefined;
    for (const m of pending) {
      try {
        const r = await this.deps.deliver(m, handOverKey(m));
        if (r.kind === 'dropped') this.deps.log?.(`queue: a message for queue ${m.queue} was dropped: ${r.reason}`);
        done.push(m);
      } catch (e) {
        failed ??= `cannot deliver to queue ${m.queue}: ${(e as Error).message}`;
      }
    }
    try {
      await this.remove(done);
    } catch (e) {
      // Delivered but still in the outbox: the next pass delivers them again under the same keys.
      failed ??= `cannot clear the outbox: ${(e as Error).message}`;
    }
    if (failed) this.retryLater(failed);
    else {
      this.failures = 0;
      if (pending.length === BATCH) this.wake();
    }
    return done.length;
  }

  /** Stops moving messages; what is left stays in the outbox for the next start. */
  stop(): void {
    this.stopped = true;
    this.cancelRetry?.();
    this.cancelRetry = null;
  }

  private async remove(done: readonly StoredMessage[]): Promise<void> {
    const groups = new Map<string, { m: StoredMessage; ids: number[] }>();
    for (const m of done) {
      const k = `${m.accountId}\0${m.region}\0${m.queue}`;
      const g = groups.get(k);
      if (g) g.ids.push(m.id);
      else groups.set(k, { m, ids: [m.id] });
    }
    for (const { m, ids } of groups.values()) await this.deps.queue.deleteMessages(m, m.queue, ids);
  }

  private retryLater(why: string): void {
    this.failures++;
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(this.failures - 1, 16));
    this.deps.log?.(`queue: ${why}; trying again in ${delay / 1000} s`);
    this.cancelRetry?.();
    this.cancelRetry = this.deps.clock.setTimer(delay, async () => {
      this.cancelRetry = null;
      await this.pass();
    });
  }
}
