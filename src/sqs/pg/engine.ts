/**
 * The SQS engine of a cluster: queues and messages in PostgreSQL, shared by every node, behind
 * the same `SqsBackend` as one node's SQLite engine. A message sent through one node is received
 * through any other with SQS's semantics (messages.ts); long polls on every node wake on other
 * nodes' sends by LISTEN/NOTIFY and on timeouts by timers (wakeups.ts).
 *
 * Durability: a send resolves after its COMMIT (synchronous_commit on: the WAL is flushed), as
 * the SQLite engine's FULL connection. Kept per node, as on SQLite: ReceiveRequestAttemptId
 * records (a retried FIFO receive that reaches another node gets a fresh receive).
 */
import { randomUUID } from 'node:crypto';
import { arnOf } from '../admin.js';
import { effectiveAttributes } from '../attributes.js';
import type { Page, SqsBackend } from '../backend.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { queueDoesNotExist, serviceUnavailable } from '../errors.js';
import { MAX_RECEIVE_MESSAGES } from '../limits.js';
import { checkOutgoing } from '../outgoing.js';
import type { InspectedMessage, MessageAttributes, OutgoingMessage, QueueOverview, QueueRecord, ReceivedMessage, ReceiveOptions, Scope, SentMessage } from '../types.js';
import { parseQueueArn, parseQueueUrl } from '../url.js';
import { SqsPg, type SqsPgOptions } from './db.js';
import { PgMessages } from './messages.js';
import { PgQueues } from './queues.js';
import { CHANNEL, Wakeups } from './wakeups.js';

export interface PgSqsOptions extends SqsPgOptions {
  clock?: Clock;
  log?: (line: string) => void;
  /** How often a watched queue is looked at for what other nodes made visible again (ms). */
  pollMs?: number;
}

/** Retention and deduplication records are swept this often (by every node; the deletes are idempotent). */
const SWEEP_INTERVAL_MS = 60_000;
/** Other nodes' sends wake at once (NOTIFY); their in-flight messages timing out are seen within this. */
export const DEFAULT_POLL_MS = 1000;

export class PgSqsBackend implements SqsBackend {
  readonly clock: Clock;
  private readonly db: SqsPg;
  private readonly queues: PgQueues;
  private readonly messages: PgMessages;
  private readonly wakeups: Wakeups;
  private readonly log: (line: string) => void;
  private readonly waiters = new Set<() => void>();
  private cancelSweep: (() => void) | null = null;
  /** Plain sends of this event-loop turn, written together (enqueueGrouped). */
  private pendingSends: { values: unknown[][]; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private closed = false;

  private constructor(opts: PgSqsOptions) {
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? (() => undefined);
    this.db = new SqsPg(opts);
    this.messages = new PgMessages(this.db);
    this.queues = new PgQueues(this.db, this.messages, this.clock);
    this.wakeups = new Wakeups({
      clock: this.clock,
      url: opts.url,
      node: randomUUID(),
      pollMs: opts.pollMs ?? DEFAULT_POLL_MS,
      anyVisible: async (id, now) => await this.messages.anyVisible(id, now),
      log: this.log,
    });
  }

  /** Opens the pool, applies the migrations and starts listening for other nodes' changes. */
  static async open(opts: PgSqsOptions): Promise<PgSqsBackend> {
    const b = new PgSqsBackend(opts);
    try {
      await b.db.open();
      await b.wakeups.listen();
    } catch (e) {
      await b.close();
      throw e;
    }
    b.scheduleSweep();
    return b;
  }

  get isClosed(): boolean {
    return this.closed;
  }
  get waitingReceives(): number {
    return this.waiters.size;
  }

  async queue(scope: Scope, ref: string): Promise<QueueRecord> {
    this.assertOpen();
    if (ref.startsWith('arn:')) {
      const q = parseQueueArn(ref) ? await this.queues.byArn(ref) : null;
      if (!q) throw queueDoesNotExist();
      return q;
    }
    const parsed = parseQueueUrl(ref, scope);
    if (!parsed) throw queueDoesNotExist();
    return await this.queues.get({ accountId: parsed.accountId, region: scope.region }, parsed.name);
  }
  async getQueue(scope: Scope, name: string): Promise<QueueRecord> {
    this.assertOpen();
    return await this.queues.get(scope, name);
  }
  async createQueue(scope: Scope, name: string, attributes: Record<string, string>, tags: Record<string, string>): Promise<QueueRecord> {
    this.assertOpen();
    return await this.queues.create(scope, name, attributes, tags);
  }
  async listQueues(scope: Scope, prefix: string, maxResults: number | undefined, nextToken: string | undefined, limit: number): Promise<Page> {
    this.assertOpen();
    return await this.queues.list(scope, prefix, maxResults, nextToken, limit);
  }
  async attributes(q: QueueRecord, names: readonly string[]): Promise<Record<string, string>> {
    this.assertOpen();
    return await this.queues.attributes(q, names);
  }
  async setAttributes(q: QueueRecord, attributes: Record<string, string>): Promise<void> {
    this.assertOpen();
    await this.queues.setAttributes(q, attributes);
  }
  async purge(q: QueueRecord): Promise<void> {
    this.assertOpen();
    await this.queues.purge(q);
  }
  async tag(q: QueueRecord, tags: Record<string, string>): Promise<void> {
    this.assertOpen();
    await this.queues.tag(q, tags);
  }
  async untag(q: QueueRecord, keys: readonly string[]): Promise<void> {
    this.assertOpen();
    await this.queues.untag(q, keys);
  }
  async deadLetterSources(q: QueueRecord, maxResults: number | undefined, nextToken: string | undefined): Promise<Page> {
    this.assertOpen();
    return await this.queues.deadLetterSources(q, maxResults, nextToken);
  }
  async deleteQueue(q: QueueRecord): Promise<void> {
    this.assertOpen();
    await this.queues.delete(q);
    // Long polls on it find it gone and return empty.
    await this.changed(q.id);
  }

  async send(q: QueueRecord, batch: readonly OutgoingMessage[], inBatch = batch.length > 1): Promise<SentMessage[]> {
    this.assertOpen();
    for (const m of batch) checkOutgoing(q, m, inBatch);
    return await this.enqueueGrouped(q, batch);
  }

  /**
   * As on SQLite (group-commit.ts), plain sends that arrive in one event-loop turn share one
   * INSERT and one commit, which also NOTIFYs the other nodes; if that fails (a queue was
   * deleted meanwhile), each send is retried alone so only its own fails. FIFO sends and sends
   * with idempotency keys run one transaction each.
   */
  async enqueueGrouped(q: QueueRecord, batch: readonly OutgoingMessage[]): Promise<SentMessage[]> {
    this.assertOpen();
    if (batch.length === 0) return [];
    const now = this.clock.now();
    if (q.fifo || batch.some((m) => m.idempotencyKey !== undefined)) {
      const { results, visibleNow, earliest } = await this.messages.send(q, batch, q.accountId, now);
      if (visibleNow) await this.changed(q.id);
      else this.wakeups.hint(q.id, earliest);
      return results;
    }
    const plain = this.messages.plainRows(q, batch, q.accountId, now);
    await new Promise<void>((resolve, reject) => {
      this.pendingSends.push({ values: plain.values, resolve, reject });
      if (this.pendingSends.length === 1) setImmediate(() => void this.flushSends());
    });
    if (plain.visibleNow) this.wakeups.poke(q.id);
    else this.wakeups.hint(q.id, plain.earliest);
    return plain.results;
  }

  private async flushSends(): Promise<void> {
    const units = this.pendingSends;
    this.pendingSends = [];
    const notify = { channel: CHANNEL, node: this.wakeups.node, now: this.clock.now() };
    try {
      await this.messages.insertPlain(units.map((u) => u.values), notify);
      for (const u of units) u.resolve();
      return;
    } catch (e) {
      if (units.length === 1) {
        units[0]!.reject(e);
        return;
      }
    }
    for (const u of units) {
      try {
        await this.messages.insertPlain([u.values], notify);
        u.resolve();
      } catch (e) {
        u.reject(e);
      }
    }
  }

  async receive(q: QueueRecord, opts: ReceiveOptions = {}): Promise<ReceivedMessage[]> {
    this.assertOpen();
    const pick = { max: Math.min(Math.max(opts.max ?? 1, 1), MAX_RECEIVE_MESSAGES), ...(opts.visibilityTimeout !== undefined ? { visibilityTimeout: opts.visibilityTimeout } : {}), ...(opts.receiveRequestAttemptId !== undefined ? { receiveRequestAttemptId: opts.receiveRequestAttemptId } : {}) };
    const generation = this.wakeups.generation(q.id);
    let first: ReceivedMessage[];
    try {
      first = await this.pick(q, pick);
    } catch (err) {
      // The service closed while this first look ran: a receive ends empty at close, as a
      // waiting long poll does, instead of failing on the closed pool.
      if (this.closed && (opts.waitMs ?? 0) > 0) return [];
      throw err;
    }
    const waitMs = opts.waitMs ?? 0;
    if (first.length > 0 || waitMs <= 0 || opts.signal?.aborted || this.closed) return first;
    return await new Promise<ReceivedMessage[]>((resolve, reject) => {
      let done = false;
      let picking = false;
      let again = false;
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
      const attempt = async (): Promise<void> => {
        picking = true;
        try {
          do {
            again = false;
            // The queue may have changed (attributes) or gone (DeleteQueue) while we waited.
            const cur = await this.queues.byId(q.id);
            const got = cur && !this.closed ? await this.pick(cur, pick) : [];
            if (done) {
              // The poll ended while this receive ran: what it took goes back at once.
              await this.release(q, got);
              return;
            }
            if (got.length > 0 || !cur) {
              end();
              resolve(got);
              return;
            }
          } while (again && !done);
        } catch (err) {
          if (!done) {
            end();
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        } finally {
          picking = false;
        }
      };
      this.waiters.add(onClose);
      opts.signal?.addEventListener('abort', onClose, { once: true });
      cancelTimer = this.clock.setTimer(waitMs, onClose);
      unwatch = this.wakeups.watch(q.id, () => {
        if (done) return;
        if (picking) again = true;
        else void attempt();
      });
      // A change that landed while the first look ran would otherwise wait for the next one.
      if (this.wakeups.generation(q.id) !== generation) void attempt();
    });
  }

  private async pick(q: QueueRecord, opts: { max: number; visibilityTimeout?: number; receiveRequestAttemptId?: string }): Promise<ReceivedMessage[]> {
    const { messages, redrivenTo, visibleAgainAt } = await this.messages.pick(q, opts, this.clock.now(), async (arn) => await this.queues.byArn(arn));
    for (const id of redrivenTo) await this.changed(id);
    if (messages.length > 0) this.wakeups.hint(q.id, visibleAgainAt);
    return messages;
  }

  private async release(q: QueueRecord, got: readonly ReceivedMessage[]): Promise<void> {
    for (const m of got) await this.messages.changeVisibility(q, m.receiptHandle, 0, this.clock.now()).catch(() => undefined);
    if (got.length > 0) await this.changed(q.id);
  }

  async deleteMessage(q: QueueRecord, receiptHandle: string): Promise<void> {
    this.assertOpen();
    await this.messages.delete(q, receiptHandle, this.clock.now());
  }

  async changeVisibility(q: QueueRecord, receiptHandle: string, seconds: number): Promise<void> {
    this.assertOpen();
    const at = await this.messages.changeVisibility(q, receiptHandle, seconds, this.clock.now());
    if (seconds === 0) await this.changed(q.id);
    else this.wakeups.hint(q.id, at);
  }

  subscribe(q: QueueRecord, fn: () => void): () => void {
    this.assertOpen();
    return this.wakeups.watch(q.id, fn);
  }

  async overview(scope: Scope): Promise<QueueOverview[]> {
    this.assertOpen();
    const now = this.clock.now();
    const out: QueueOverview[] = [];
    for (const q of await this.queues.all(scope)) out.push(await this.withCounts(q, now));
    return out;
  }
  async backlog(q: QueueRecord): Promise<QueueOverview> {
    this.assertOpen();
    return await this.withCounts(q, this.clock.now());
  }
  private async withCounts(q: QueueRecord, now: number): Promise<QueueOverview> {
    const retention = Number(effectiveAttributes(q)['MessageRetentionPeriod']);
    const c = await this.messages.counts(q.id, now, now - retention * 1000);
    return { queue: q, arn: arnOf(q), visible: c.visible, inFlight: c.notVisible, delayed: c.delayed, oldestVisibleSentAt: c.oldestVisibleSentAt ?? undefined };
  }

  async inspect(q: QueueRecord, afterSeq: number, limit: number): Promise<InspectedMessage[]> {
    this.assertOpen();
    const now = this.clock.now();
    const retention = Number(effectiveAttributes(q)['MessageRetentionPeriod']);
    return (await this.messages.peek(q.id, afterSeq, now - retention * 1000, limit)).map((r) => ({
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

  async discard(q: QueueRecord, seqs: readonly number[]): Promise<number> {
    this.assertOpen();
    const n = await this.messages.deleteSeqs(q.id, seqs);
    // A FIFO group blocked by a discarded in-flight message may be free now.
    if (n > 0) await this.changed(q.id);
    return n;
  }

  arn(q: QueueRecord): string {
    return arnOf(q);
  }
  defaultWaitSeconds(q: QueueRecord): number {
    return Number(effectiveAttributes(q)['ReceiveMessageWaitTimeSeconds'] ?? 0);
  }
  endLongPolls(): void {
    for (const w of [...this.waiters]) w();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of [...this.waiters]) w();
    this.cancelSweep?.();
    await this.wakeups.close();
    await this.db.close();
  }

  /** Wakes this node's waiters on the queue now, and other nodes' by NOTIFY. */
  private async changed(queueId: number): Promise<void> {
    this.wakeups.poke(queueId);
    try {
      await this.db.q('SELECT pg_notify($1, $2)', [CHANNEL, this.wakeups.payload(queueId)]);
    } catch (e) {
      // The change is committed; other nodes find it by their poll timers.
      this.log(`sqs: NOTIFY failed: ${(e as Error).message}`);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw serviceUnavailable();
  }

  private scheduleSweep(): void {
    this.cancelSweep = this.clock.setTimer(SWEEP_INTERVAL_MS, () => {
      if (this.closed) return;
      this.sweep()
        .catch((err: unknown) => this.log(`sqs: housekeeping failed: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => {
          if (!this.closed) this.scheduleSweep();
        });
    });
  }

  /** Drops messages past retention, expired deduplication records and old tombstones. */
  async sweep(): Promise<void> {
    const now = this.clock.now();
    for (const q of await this.queues.every()) {
      await this.messages.expire(q.id, now - Number(effectiveAttributes(q)['MessageRetentionPeriod']) * 1000);
    }
    await this.messages.pruneDedup(now);
    await this.queues.prune(now);
  }
}
