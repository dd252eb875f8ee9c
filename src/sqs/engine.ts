/**
 * The queue service without a wire protocol: what the HTTP operations call, and what the rest of
 * Nimbus (event-source mappings, async-invocation destinations and dead-letter queues) calls
 * directly. It owns the database, the wake-ups and the housekeeping timer.
 */
import { Acks } from './ack.js';
import { arnOf, QueueAdmin } from './admin.js';
import { effectiveAttributes } from './attributes.js';
import { systemClock as realClock, type Clock } from '../core/clock.js';
import { queueDoesNotExist, serviceUnavailable, SqsError } from './errors.js';
import { GroupCommit } from './group-commit.js';
import { MAX_RECEIVE_MESSAGES } from './limits.js';
import { Notifier } from './notifier.js';
import { checkOutgoing } from './outgoing.js';
import { Receiver } from './receive.js';
import { Sender } from './send.js';
import { SqsDb } from './store/db.js';
import { MessageStore } from './store/messages.js';
import { QueueStore } from './store/queues.js';
import type { InspectedMessage, MessageAttributes, OutgoingMessage, QueueOverview, QueueRecord, ReceivedMessage, ReceiveOptions, Scope, SentMessage } from './types.js';
import { parseQueueArn, parseQueueUrl } from './url.js';

export interface EngineOptions {
  /** The SQLite file (created 0600). */
  file: string;
  clock?: Clock;
  log?: (line: string) => void;
}

/** Retention and deduplication records are swept this often. */
const SWEEP_INTERVAL_MS = 60_000;

export class SqsEngine {
  readonly admin: QueueAdmin;
  readonly clock: Clock;
  private readonly db: SqsDb;
  private readonly queues: QueueStore;
  private readonly messages: MessageStore;
  private readonly sender: Sender;
  private readonly receiver: Receiver;
  private readonly acks: Acks;
  private readonly notifier: Notifier;
  private readonly groupCommit: GroupCommit;
  private readonly log: (line: string) => void;
  /** Ends every pending long poll (close). */
  private readonly waiters = new Set<() => void>();
  private cancelSweep: (() => void) | null = null;
  private closed = false;

  constructor(opts: EngineOptions) {
    this.clock = opts.clock ?? realClock;
    this.log = opts.log ?? (() => undefined);
    this.db = new SqsDb(opts.file);
    this.queues = new QueueStore(this.db);
    this.messages = new MessageStore(this.db);
    this.admin = new QueueAdmin(this.queues, this.messages, this.clock);
    this.sender = new Sender(this.messages, this.clock);
    this.receiver = new Receiver(this.messages, this.clock, (arn) => this.admin.byArn(arn));
    this.acks = new Acks(this.messages, this.clock);
    this.groupCommit = new GroupCommit(this.db.durable);
    this.notifier = new Notifier(this.clock, (id) => this.messages.nextVisibleAt(id, this.clock.now()), (err) =>
      this.log(`sqs: wake-up listener failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
    );
    this.scheduleSweep();
  }

  /**
   * A queue by name (in `scope`), ARN or queue URL. ARNs name their own account and region;
   * a URL's path names the account, the region is the caller's.
   */
  queue(scope: Scope, ref: string): QueueRecord {
    this.assertOpen();
    if (ref.startsWith('arn:')) {
      const q = parseQueueArn(ref) ? this.admin.byArn(ref) : null;
      if (!q) throw queueDoesNotExist();
      return q;
    }
    const parsed = parseQueueUrl(ref, scope);
    if (!parsed) throw queueDoesNotExist();
    return this.admin.get({ accountId: parsed.accountId, region: scope.region }, parsed.name);
  }

  arn(q: QueueRecord): string {
    return arnOf(q);
  }

  /** Checks and enqueues messages (all or none); durable when it returns. */
  send(q: QueueRecord, batch: readonly OutgoingMessage[], inBatch = batch.length > 1): SentMessage[] {
    this.assertOpen();
    for (const m of batch) checkOutgoing(q, m, inBatch);
    return this.enqueue(q, batch);
  }

  /** Enqueues messages already checked with `checkOutgoing`; durable when it returns. */
  enqueue(q: QueueRecord, batch: readonly OutgoingMessage[]): SentMessage[] {
    this.assertOpen();
    if (batch.length === 0) return [];
    const { results, visibleNow } = this.sender.send(q, batch, q.accountId);
    this.afterSend(q, visibleNow);
    return results;
  }

  /**
   * As `enqueue`, sharing one fsync'd commit with the other sends of this event-loop turn
   * (group-commit.ts); resolves once committed. What the HTTP operations use.
   */
  async enqueueGrouped(q: QueueRecord, batch: readonly OutgoingMessage[]): Promise<SentMessage[]> {
    this.assertOpen();
    if (batch.length === 0) return [];
    const { results, visibleNow } = await this.groupCommit.run(() => {
      // The queue may have been deleted since the request looked it up.
      if (!this.queues.byId(q.id)) throw queueDoesNotExist();
      return this.sender.send(q, batch, q.accountId);
    });
    if (!this.closed) this.afterSend(q, visibleNow);
    return results;
  }

  private afterSend(q: QueueRecord, visibleNow: boolean): void {
    if (visibleNow) this.notifier.poke(q.id);
    this.notifier.rearm(q.id);
  }

  /**
   * Receives up to `max` messages; with `waitMs`, waits (outside any transaction) until one is
   * available, the wait ends, `signal` aborts, or the engine closes - then returns what it has.
   */
  async receive(q: QueueRecord, opts: ReceiveOptions = {}): Promise<ReceivedMessage[]> {
    this.assertOpen();
    const pick = { max: Math.min(Math.max(opts.max ?? 1, 1), MAX_RECEIVE_MESSAGES), visibilityTimeout: opts.visibilityTimeout, receiveRequestAttemptId: opts.receiveRequestAttemptId };
    const first = this.pick(q, pick);
    const waitMs = opts.waitMs ?? 0;
    if (first.length > 0 || waitMs <= 0 || opts.signal?.aborted) return first;
    return new Promise<ReceivedMessage[]>((resolve, reject) => {
      let done = false;
      let unwatch = (): void => undefined;
      let cancelTimer = (): void => undefined;
      const end = (): void => {
        done = true;
        cancelTimer();
        unwatch();
        this.waiters.delete(onClose);
        opts.signal?.removeEventListener('abort', onClose);
      };
      const onClose = (): void => {
        if (done) return;
        end();
        resolve([]);
      };
      this.waiters.add(onClose);
      opts.signal?.addEventListener('abort', onClose, { once: true });
      cancelTimer = this.clock.setTimer(waitMs, onClose);
      unwatch = this.notifier.watch(q.id, () => {
        if (done) return false;
        try {
          // The queue may have changed (attributes) or gone (DeleteQueue) while we waited.
          const cur = this.admin.byId(q.id);
          const got = cur ? this.pick(cur, pick) : [];
          if (got.length === 0 && cur) return true;
          end();
          resolve(got);
          return false;
        } catch (err) {
          end();
          reject(err instanceof Error ? err : new Error(String(err)));
          return false;
        }
      });
    });
  }

  private pick(q: QueueRecord, opts: { max: number; visibilityTimeout?: number; receiveRequestAttemptId?: string }): ReceivedMessage[] {
    const { messages, redrivenTo } = this.receiver.pick(q, opts);
    for (const id of redrivenTo) this.notifier.poke(id);
    this.notifier.rearm(q.id);
    return messages;
  }

  deleteMessage(q: QueueRecord, receiptHandle: string): void {
    this.assertOpen();
    this.acks.delete(q, receiptHandle);
  }

  changeVisibility(q: QueueRecord, receiptHandle: string, seconds: number): void {
    this.assertOpen();
    if (this.acks.changeVisibility(q, receiptHandle, seconds)) this.notifier.poke(q.id);
    else this.notifier.rearm(q.id);
  }

  /** Calls `fn` when the queue may have gained visible messages; returns the unsubscribe function. */
  subscribe(q: QueueRecord, fn: () => void): () => void {
    this.assertOpen();
    return this.notifier.watch(q.id, () => {
      fn();
    });
  }

  deleteQueue(q: QueueRecord): void {
    this.assertOpen();
    this.admin.delete(q);
    // Long polls on it find it gone and return empty.
    this.notifier.poke(q.id);
  }

  /** Every queue of a scope with its message counts (Nimbus's listing; no SQS operation). */
  overview(scope: Scope): QueueOverview[] {
    this.assertOpen();
    const now = this.clock.now();
    return this.admin.allQueues(scope).map((q) => this.withCounts(q, now));
  }

  /** One queue with its counts. */
  backlog(q: QueueRecord): QueueOverview {
    this.assertOpen();
    return this.withCounts(q, this.clock.now());
  }

  private withCounts(q: QueueRecord, now: number): QueueOverview {
    const retention = Number(effectiveAttributes(q)['MessageRetentionPeriod']);
    const c = this.messages.counts(q.id, now, now - retention * 1000);
    return { queue: q, arn: arnOf(q), visible: c.visible, inFlight: c.notVisible, delayed: c.delayed, oldestVisibleSentAt: c.oldestVisibleSentAt ?? undefined };
  }

  /** Messages in send order after `afterSeq`, without receiving them (no visibility change, no receive count). */
  inspect(q: QueueRecord, afterSeq: number, limit: number): InspectedMessage[] {
    this.assertOpen();
    const now = this.clock.now();
    const retention = Number(effectiveAttributes(q)['MessageRetentionPeriod']);
    return this.messages.peek(q.id, afterSeq, now - retention * 1000, limit).map((r) => ({
      seq: r.seq,
      messageId: r.id,
      body: r.body,
      sentAt: r.sent_at,
      receiveCount: r.receive_count,
      visible: r.visible_at <= now,
      attributes: r.attributes ? (JSON.parse(r.attributes) as MessageAttributes) : {},
      ...(r.group_id !== null ? { groupId: r.group_id } : {}),
    }));
  }

  /** Deletes messages by sequence number (Nimbus's inspection API); returns how many went. */
  discard(q: QueueRecord, seqs: readonly number[]): number {
    this.assertOpen();
    const n = this.messages.deleteSeqs(q.id, seqs);
    // A FIFO group blocked by a discarded in-flight message may be free now.
    if (n > 0) this.notifier.poke(q.id);
    return n;
  }

  /** The queue's ReceiveMessageWaitTimeSeconds, the long-poll default. */
  defaultWaitSeconds(q: QueueRecord): number {
    return Number(effectiveAttributes(q)['ReceiveMessageWaitTimeSeconds'] ?? 0);
  }

  /** Long polls waiting now (observability, and for tests that must know a poll is parked). */
  get waitingReceives(): number {
    return this.waiters.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Ends the long polls waiting now (they return what they have: nothing), as a shutdown begins. */
  endLongPolls(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Ends pending long polls (they return no messages), stops timers, closes the database. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.groupCommit.flush();
    for (const w of [...this.waiters]) w();
    this.cancelSweep?.();
    this.notifier.close();
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw serviceUnavailable();
  }

  private scheduleSweep(): void {
    this.cancelSweep = this.clock.setTimer(SWEEP_INTERVAL_MS, () => {
      if (this.closed) return;
      try {
        this.sweep();
      } catch (err) {
        this.log(`sqs: housekeeping failed: ${err instanceof SqsError || err instanceof Error ? err.message : String(err)}`);
      }
      this.scheduleSweep();
    });
  }

  /** Drops messages past retention, expired deduplication records and old tombstones. */
  sweep(): void {
    const now = this.clock.now();
    for (const q of this.queues.every()) {
      this.messages.expire(q.id, now - Number(effectiveAttributes(q)['MessageRetentionPeriod']) * 1000);
    }
    this.messages.pruneDedup(now);
    this.admin.prune(now);
  }
}
