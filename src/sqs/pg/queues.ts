/**
 * Queue administration on PostgreSQL: the rules of admin.ts (idempotent CreateQueue, the 60-second
 * name block after DeleteQueue and between purges, attribute validation, tags, dead-letter
 * sources) over rows every node shares. Checks that depend on a row re-read it in the statement
 * that changes it, so two nodes racing get one winner.
 */
import { effectiveAttributes, firstDifference, mergeAttributes, normalizeAttributes, wantsFifo } from '../attributes.js';
import { arnOf, decodeToken, encodeToken, queueAttributes, redriveTarget, wantsAnyAttribute } from '../admin.js';
import type { Page } from '../backend.js';
import type { Clock } from '../../core/clock.js';
import { invalidParameterValue, purgeQueueInProgress, queueDeletedRecently, queueDoesNotExist, queueNameExists } from '../errors.js';
import { DELETED_QUEUE_COOLDOWN_MS, PURGE_INTERVAL_MS } from '../limits.js';
import type { QueueRecord, Scope } from '../types.js';
import { parseQueueArn, queueArn } from '../url.js';
import { checkQueueName } from '../validate.js';
import { num, optNum, type SqsPg } from './db.js';
import type { PgMessages } from './messages.js';

interface QueueRow {
  id: number;
  account_id: string;
  region: string;
  name: string;
  fifo: boolean;
  attributes: string;
  tags: string;
  created_at: string;
  modified_at: string;
  purged_at: string | null;
}

const fromRow = (r: QueueRow): QueueRecord => ({
  id: r.id,
  accountId: r.account_id,
  region: r.region,
  name: r.name,
  fifo: r.fifo,
  attributes: JSON.parse(r.attributes) as Record<string, string>,
  tags: JSON.parse(r.tags) as Record<string, string>,
  createdAt: num(r.created_at),
  modifiedAt: num(r.modified_at),
  purgedAt: optNum(r.purged_at),
});

export class PgQueues {
  constructor(
    private readonly db: SqsPg,
    private readonly messages: PgMessages,
    private readonly clock: Clock,
  ) {}

  async find(scope: Scope, name: string): Promise<QueueRecord | null> {
    const r = await this.db.q<QueueRow>('SELECT * FROM sqs_queues WHERE account_id = $1 AND region = $2 AND name = $3', [scope.accountId, scope.region, name]);
    return r.rows[0] ? fromRow(r.rows[0]) : null;
  }

  async get(scope: Scope, name: string): Promise<QueueRecord> {
    const q = await this.find(scope, name);
    if (!q) throw queueDoesNotExist();
    return q;
  }

  async byArn(arn: string): Promise<QueueRecord | null> {
    const ref = parseQueueArn(arn);
    return ref ? await this.find({ accountId: ref.accountId, region: ref.region }, ref.name) : null;
  }

  async byId(id: number): Promise<QueueRecord | null> {
    const r = await this.db.q<QueueRow>('SELECT * FROM sqs_queues WHERE id = $1', [id]);
    return r.rows[0] ? fromRow(r.rows[0]) : null;
  }

  /** The DLQ a RedrivePolicy names, read ahead: attribute validation looks it up synchronously. */
  private async dlqLookup(scope: Scope, attributes: Record<string, string>): Promise<(arn: string) => QueueRecord | null> {
    let target: string | undefined;
    try {
      const raw = attributes['RedrivePolicy'];
      if (raw) target = (JSON.parse(raw) as { deadLetterTargetArn?: unknown }).deadLetterTargetArn as string | undefined;
    } catch {
      // normalizeAttributes reports the malformed policy.
    }
    const ref = typeof target === 'string' ? parseQueueArn(target) : null;
    // A DLQ must live in the same account and region as its source (SQS developer guide).
    const dlq = ref && ref.accountId === scope.accountId && ref.region === scope.region ? await this.find(scope, ref.name) : null;
    return (arn) => (arn === target ? dlq : null);
  }

  async create(scope: Scope, name: string, attributes: Record<string, string>, tags: Record<string, string>): Promise<QueueRecord> {
    const fifo = wantsFifo(attributes);
    checkQueueName(name, fifo);
    const arn = queueArn(scope.region, scope.accountId, name);
    const normalized = normalizeAttributes(attributes, fifo, arn, await this.dlqLookup(scope, attributes));
    const existing = await this.find(scope, name);
    const check = (q: QueueRecord): QueueRecord => {
      const differs = q.fifo !== fifo ? 'FifoQueue' : firstDifference(q, normalized);
      if (differs) throw queueNameExists(differs);
      return q;
    };
    if (existing) return check(existing);
    const now = this.clock.now();
    const t = await this.db.q<{ t: string }>('SELECT deleted_at AS t FROM sqs_tombstones WHERE account_id = $1 AND region = $2 AND name = $3', [scope.accountId, scope.region, name]);
    const deletedAt = t.rows[0] ? num(t.rows[0].t) : null;
    if (deletedAt !== null && now - deletedAt < DELETED_QUEUE_COOLDOWN_MS) throw queueDeletedRecently();
    const stored = mergeAttributes({}, normalized);
    if (fifo) stored['FifoQueue'] = 'true';
    const r = await this.db.q<QueueRow>(
      `INSERT INTO sqs_queues (account_id, region, name, fifo, attributes, tags, created_at, modified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
       ON CONFLICT (account_id, region, name) DO NOTHING RETURNING *`,
      [scope.accountId, scope.region, name, fifo, JSON.stringify(stored), JSON.stringify(tags), now],
    );
    if (r.rows[0]) return fromRow(r.rows[0]);
    // Another node created it meanwhile: idempotent if equal, as above.
    return check(await this.get(scope, name));
  }

  async delete(q: QueueRecord): Promise<void> {
    const now = this.clock.now();
    await this.db.tx(async (c) => {
      await c.query('DELETE FROM sqs_queues WHERE id = $1', [q.id]);
      await c.query(
        `INSERT INTO sqs_tombstones (account_id, region, name, deleted_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (account_id, region, name) DO UPDATE SET deleted_at = EXCLUDED.deleted_at`,
        [q.accountId, q.region, q.name, now],
      );
    });
  }

  async list(scope: Scope, prefix: string, maxResults: number | undefined, nextToken: string | undefined, limit: number): Promise<Page> {
    let after = '';
    if (nextToken !== undefined) {
      const decoded = decodeToken(nextToken);
      if (decoded === null) throw invalidParameterValue('Invalid NextToken value.');
      after = decoded;
    }
    const want = maxResults ?? limit;
    // Byte order (COLLATE "C"), as SQLite compares names.
    const r = await this.db.q<{ name: string }>(
      `SELECT name FROM sqs_queues WHERE account_id = $1 AND region = $2 AND starts_with(name, $3) AND name COLLATE "C" > $4
       ORDER BY name COLLATE "C" LIMIT $5`,
      [scope.accountId, scope.region, prefix, after, want + 1],
    );
    const page = r.rows.slice(0, want).map((x) => x.name);
    // NextToken only when MaxResults was given (ListQueues API reference).
    const last = page[page.length - 1];
    return maxResults !== undefined && r.rows.length > want && last !== undefined ? { names: page, nextToken: encodeToken(last) } : { names: page };
  }

  async all(scope: Scope): Promise<QueueRecord[]> {
    const r = await this.db.q<QueueRow>('SELECT * FROM sqs_queues WHERE account_id = $1 AND region = $2 ORDER BY name COLLATE "C"', [scope.accountId, scope.region]);
    return r.rows.map(fromRow);
  }

  /** Every queue of every account (housekeeping). */
  async every(): Promise<QueueRecord[]> {
    return (await this.db.q<QueueRow>('SELECT * FROM sqs_queues ORDER BY id')).rows.map(fromRow);
  }

  async attributes(q: QueueRecord, names: readonly string[]): Promise<Record<string, string>> {
    if (!wantsAnyAttribute(names)) return {};
    const now = this.clock.now();
    const retention = Number(effectiveAttributes(q)['MessageRetentionPeriod']);
    return queueAttributes(q, names, await this.messages.counts(q.id, now, now - retention * 1000));
  }

  async setAttributes(q: QueueRecord, attributes: Record<string, string>): Promise<void> {
    const normalized = normalizeAttributes(attributes, q.fifo, arnOf(q), await this.dlqLookup(q, attributes), q.attributes);
    await this.locked(q, async (cur, c) => {
      await c.query('UPDATE sqs_queues SET attributes = $1, modified_at = $2 WHERE id = $3', [JSON.stringify(mergeAttributes(cur.attributes, normalized)), this.clock.now(), q.id]);
    });
  }

  async tag(q: QueueRecord, tags: Record<string, string>): Promise<void> {
    await this.locked(q, async (cur, c) => {
      const merged = { ...cur.tags, ...tags };
      // SQS allows 50 tags per queue (developer guide quotas).
      if (Object.keys(merged).length > 50) throw invalidParameterValue(`Too many tags added for queue ${q.name}.`);
      await c.query('UPDATE sqs_queues SET tags = $1 WHERE id = $2', [JSON.stringify(merged), q.id]);
    });
  }

  async untag(q: QueueRecord, keys: readonly string[]): Promise<void> {
    await this.locked(q, async (cur, c) => {
      const tags = { ...cur.tags };
      for (const k of keys) delete tags[k];
      await c.query('UPDATE sqs_queues SET tags = $1 WHERE id = $2', [JSON.stringify(tags), q.id]);
    });
  }

  /** One purge per 60 s across the cluster: the row's purged_at is checked and set in one statement. */
  async purge(q: QueueRecord): Promise<void> {
    const now = this.clock.now();
    await this.db.tx(async (c) => {
      const r = await c.query('UPDATE sqs_queues SET purged_at = $1 WHERE id = $2 AND (purged_at IS NULL OR purged_at <= $3) RETURNING id', [now, q.id, now - PURGE_INTERVAL_MS]);
      if (r.rowCount === 0) {
        const exists = await c.query('SELECT 1 FROM sqs_queues WHERE id = $1', [q.id]);
        throw exists.rowCount === 0 ? queueDoesNotExist() : purgeQueueInProgress(q.name);
      }
      await c.query('DELETE FROM sqs_messages WHERE queue_id = $1 AND sent_at <= $2', [q.id, now]);
    });
  }

  async deadLetterSources(q: QueueRecord, maxResults: number | undefined, nextToken: string | undefined): Promise<Page> {
    const arn = arnOf(q);
    let after = '';
    if (nextToken !== undefined) {
      const decoded = decodeToken(nextToken);
      if (decoded === null) throw invalidParameterValue('Invalid NextToken value.');
      after = decoded;
    }
    const sources = (await this.all(q)).filter((s) => s.name > after && redriveTarget(s) === arn).map((s) => s.name);
    const want = maxResults ?? 1000;
    const page = sources.slice(0, want);
    const last = page[page.length - 1];
    return maxResults !== undefined && sources.length > want && last !== undefined ? { names: page, nextToken: encodeToken(last) } : { names: page };
  }

  /** Housekeeping: forget old tombstones. */
  async prune(now: number): Promise<void> {
    await this.db.q('DELETE FROM sqs_tombstones WHERE deleted_at < $1', [now - DELETED_QUEUE_COOLDOWN_MS]);
  }

  /** Runs `f` with the queue's current row locked (concurrent changes of one queue take turns). */
  private async locked(q: QueueRecord, f: (cur: QueueRecord, c: import('pg').PoolClient) => Promise<void>): Promise<void> {
    await this.db.tx(async (c) => {
      const r = await c.query<QueueRow>('SELECT * FROM sqs_queues WHERE id = $1 FOR UPDATE', [q.id]);
      if (!r.rows[0]) throw queueDoesNotExist();
      await f(fromRow(r.rows[0]), c);
    });
  }
}
