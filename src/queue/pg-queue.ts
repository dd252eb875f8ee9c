/**
 * The durable async queue on PostgreSQL, shared by every node of a cluster (docs/cluster.md).
 *
 * - `enqueue` returns once its transaction committed (synchronous_commit on: the WAL is flushed),
 *   so the gateway's 202 follows a durable commit, as with SQLite's FULL connection.
 * - `claim` leases due events with `FOR UPDATE SKIP LOCKED`: competing nodes take different rows
 *   without waiting on each other. A lease names its node (`lease_owner`), the node's fencing epoch
 *   (`lease_epoch`, its etcd lease id in a cluster) and an expiry (`lease_until`, the visibility
 *   timeout): an event whose lease ran out is due again.
 * - `settle` is fenced: it writes a result only while the row is still leased to this node under
 *   the same epoch, in the same transaction. A node that was paused past its lease, whose events
 *   were handed to another node, cannot record results (or hand on destinations) for them.
 */
import pg from 'pg';
import type { Scope } from '../core/model.js';
import { migrate } from '../pg/migrate.js';
import { createPool, transaction } from '../pg/pool.js';
import { QUEUE_MIGRATIONS } from './pg-schema.js';
import type {
  AsyncEvent,
  Condition,
  EventFilter,
  EventQueue,
  EventStatus,
  InvokeConfig,
  InvokeConfigStore,
  NewEvent,
  Schedule,
  ScheduleStore,
  Settlement,
  StoredMessage,
} from './types.js';

export interface PgQueueOptions {
  /** postgres://user@host:port/db */
  url: string;
  /** This node's id: leases name it. One fixed id on a single node. */
  owner?: string;
  /** The fencing epoch leases carry and acks must match (a cluster node's etcd lease id). */
  epoch?: () => string;
  /** How long a claim holds an event before it is due again (the visibility timeout). */
  leaseMs?: number;
  /** A PostgreSQL schema to keep the tables in (tests use one per case); created if missing. */
  schema?: string;
  /** Connections in the pool. */
  poolSize?: number;
  /** False while this node must not claim (it is fenced: no live etcd lease). */
  canClaim?: () => boolean;
  /**
   * Warm-preferring claims (src/cluster/claim.ts): the functions (`accountId/region/name`) this
   * node has warm sandboxes for, whose events it takes first, and how long other events wait
   * before it takes them (so that a node warm for them claims them first). Absent: oldest first.
   */
  prefer?: () => ClaimPreference | undefined;
}

/** See PgQueueOptions.prefer. */
export interface ClaimPreference {
  warm: readonly string[];
  stealAfterMs: number;
}

/** Longer than the longest function timeout (900 s) with a margin: a live node's lease never runs out mid-attempt. */
const DEFAULT_LEASE_MS = 960_000;

interface EventRow {
  id: string;
  account_id: string;
  region: string;
  function_name: string;
  qualifier: string | null;
  payload: Buffer;
  source: string;
  enqueued_at: string;
  status: EventStatus;
  attempts: number;
  function_errors: number;
  throttles: number;
  not_before: string;
  last_error: string | null;
  condition: Condition | null;
  finished_at: string | null;
  tenant_id: string | null;
  seq: string;
}

const num = (v: string | number): number => Number(v);
const optNum = (v: string | number | null): number | undefined => (v === null ? undefined : Number(v));

const fromEvent = (r: EventRow): AsyncEvent => ({
  id: r.id,
  accountId: r.account_id,
  region: r.region,
  functionName: r.function_name,
  qualifier: r.qualifier ?? undefined,
  payload: r.payload,
  source: r.source,
  enqueuedAt: num(r.enqueued_at),
  status: r.status,
  attempts: r.attempts,
  functionErrors: r.function_errors,
  throttles: r.throttles,
  notBefore: num(r.not_before),
  lastError: r.last_error ?? undefined,
  condition: r.condition ?? undefined,
  finishedAt: optNum(r.finished_at),
  tenantId: r.tenant_id ?? undefined,
});

interface MessageRow {
  id: string;
  account_id: string;
  region: string;
  queue: string;
  body: string;
  attributes: string;
  sent_at: string;
}

const fromMessage = (r: MessageRow): StoredMessage => ({
  id: num(r.id),
  accountId: r.account_id,
  region: r.region,
  queue: r.queue,
  body: r.body,
  attributes: JSON.parse(r.attributes) as Record<string, string>,
  sentAt: num(r.sent_at),
});

interface ScheduleRow {
  account_id: string;
  region: string;
  name: string;
  expression: string;
  function_name: string;
  qualifier: string | null;
  input: string | null;
  enabled: boolean;
  created_at: string;
  next_at: string;
  last_run_at: string | null;
  missed: number;
  rule_arn: string | null;
  target_input: string | null;
}

const fromSchedule = (r: ScheduleRow): Schedule => ({
  accountId: r.account_id,
  region: r.region,
  name: r.name,
  expression: r.expression,
  functionName: r.function_name,
  qualifier: r.qualifier ?? undefined,
  input: r.input ?? undefined,
  enabled: r.enabled,
  createdAt: num(r.created_at),
  nextAt: num(r.next_at),
  lastRunAt: optNum(r.last_run_at),
  missed: r.missed,
  ...(r.rule_arn !== null ? { ruleArn: r.rule_arn } : {}),
  ...(r.target_input !== null ? { targetInput: r.target_input } : {}),
});

interface ConfigRow {
  account_id: string;
  region: string;
  function_name: string;
  qualifier: string;
  max_retry: number | null;
  max_age: number | null;
  on_success: string | null;
  on_failure: string | null;
  last_modified: string;
}

const fromConfig = (r: ConfigRow): InvokeConfig => ({
  accountId: r.account_id,
  region: r.region,
  functionName: r.function_name,
  qualifier: r.qualifier,
  maximumRetryAttempts: r.max_retry ?? undefined,
  maximumEventAgeInSeconds: r.max_age ?? undefined,
  onSuccess: r.on_success ?? undefined,
  onFailure: r.on_failure ?? undefined,
  lastModified: num(r.last_modified),
});

const INSERT_EVENT = `INSERT INTO events (id, account_id, region, function_name, qualifier, payload, source, enqueued_at, status, not_before, tenant_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'queued', $8, $9) ON CONFLICT (id) DO NOTHING`;
const eventArgs = (e: NewEvent): unknown[] => [e.id, e.accountId, e.region, e.functionName, e.qualifier ?? null, e.payload, e.source, e.enqueuedAt, e.tenantId ?? null];
const INSERT_MESSAGE = 'INSERT INTO messages (account_id, region, queue, body, attributes, sent_at) VALUES ($1, $2, $3, $4, $5, $6)';

export class PgQueue implements EventQueue, InvokeConfigStore, ScheduleStore {
  private readonly pool: pg.Pool;
  private readonly owner: string;
  private readonly epoch: () => string;
  private readonly leaseMs: number;
  private readonly canClaim: () => boolean;
  private readonly prefer: (() => ClaimPreference | undefined) | undefined;
  /** Migrations run once, before the first query (the constructor cannot wait). */
  private readonly ready: Promise<void>;

  constructor(opts: PgQueueOptions) {
    const pool = createPool({ url: opts.url, max: opts.poolSize ?? 8, schema: opts.schema });
    this.pool = pool;
    this.owner = opts.owner ?? 'local';
    this.epoch = opts.epoch ?? ((): string => '0');
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.canClaim = opts.canClaim ?? ((): boolean => true);
    this.prefer = opts.prefer;
    const schema = opts.schema;
    this.ready = (async (): Promise<void> => {
      await migrate(pool, 'queue', QUEUE_MIGRATIONS, schema);
    })();
    // Awaited by every method; a failure here is reported there.
    this.ready.catch(() => undefined);
  }

  /** Resolves once the schema is in place (or rejects with why it is not). */
  async open(): Promise<void> {
    await this.ready;
  }

  private async q<R extends pg.QueryResultRow>(sql: string, args: unknown[] = []): Promise<pg.QueryResult<R>> {
    await this.ready;
    return this.pool.query<R>(sql, args);
  }

  /** Runs `f` in one transaction on one connection. */
  private async tx<T>(f: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    await this.ready;
    return transaction(this.pool, f);
  }

  async enqueue(events: readonly NewEvent[]): Promise<void> {
    if (events.length === 0) return;
    // pg would turn anything into text: a payload that is not bytes fails the batch, as in SQLite.
    for (const e of events) if (!Buffer.isBuffer(e.payload)) throw new TypeError(`event ${e.id}: the payload is not bytes`);
    await this.tx(async (c) => {
      for (const e of events) await c.query(INSERT_EVENT, eventArgs(e));
    });
  }

  async claim(now: number, limit: number): Promise<AsyncEvent[]> {
    if (limit <= 0 || !this.canClaim()) return [];
    const prefer = this.prefer?.();
    let rows: EventRow[];
    if (!prefer) rows = await this.claimWhere(now, limit, now, undefined);
    else {
      // Tier 1: events of functions warm here, whatever their age. Tier 2 (stealing): the rest,
      // once they have waited long enough for a node warm for them to take them first.
      rows = prefer.warm.length ? await this.claimWhere(now, limit, now, prefer.warm) : [];
      if (rows.length < limit) rows = rows.concat(await this.claimWhere(now, limit - rows.length, now - prefer.stealAfterMs, undefined));
    }
    return rows.sort((a, b) => num(a.not_before) - num(b.not_before) || num(a.seq) - num(b.seq)).map(fromEvent);
  }

  /**
   * Leases up to `limit` due events: waiting ones due by `dueBy`, and running ones whose lease ran
   * out by `now` (their node died or stalled); with `functions`, only events of those functions.
   */
  private async claimWhere(now: number, limit: number, dueBy: number, functions: readonly string[] | undefined): Promise<EventRow[]> {
    const only = functions ? `AND (account_id || '/' || region || '/' || function_name) = ANY($7::text[])` : '';
    const r = await this.q<EventRow>(
      `UPDATE events e SET status = 'running', attempts = e.attempts + 1, lease_owner = $1, lease_epoch = $2, lease_until = $3
       FROM (SELECT id FROM events
             WHERE ((status IN ('queued', 'retrying') AND not_before <= $6) OR (status = 'running' AND lease_until < $4)) ${only}
             ORDER BY not_before, seq LIMIT $5 FOR UPDATE SKIP LOCKED) due
       WHERE e.id = due.id RETURNING e.*`,
      [this.owner, this.epoch(), now + this.leaseMs, now, limit, dueBy, ...(functions ? [functions] : [])],
    );
    return r.rows;
  }

  /** Settles what this node still holds; a settlement whose lease was lost is dropped, with its hand-ons. */
  async settle(settlements: readonly Settlement[]): Promise<void> {
    if (settlements.length === 0) return;
    await this.tx(async (c) => {
      for (const s of settlements) {
        const r = await c.query(
          `UPDATE events SET status = $2, attempts = $3, function_errors = $4, throttles = $5, not_before = $6, last_error = $7,
             condition = $8, finished_at = $9, lease_owner = NULL, lease_epoch = NULL, lease_until = NULL
           WHERE id = $1 AND status = 'running' AND lease_owner = $10 AND lease_epoch = $11`,
          [s.id, s.status, s.attempts, s.functionErrors, s.throttles, s.notBefore, s.lastError ?? null, s.condition ?? null, s.finishedAt ?? null, this.owner, this.epoch()],
        );
        if (r.rowCount !== 1) continue;
        for (const e of s.events) await c.query(INSERT_EVENT, eventArgs(e));
        for (const m of s.messages) await c.query(INSERT_MESSAGE, [m.accountId, m.region, m.queue, m.body, JSON.stringify(m.attributes), m.sentAt]);
      }
    });
  }

  /** This node's running events go back in line (its restart; other nodes' leases are theirs). */
  async requeueRunning(now: number): Promise<number> {
    return this.release(this.owner, now);
  }

  /** A dead node's running events go back in line now, instead of when their leases run out (the reaper). */
  async release(owner: string, now: number): Promise<number> {
    const r = await this.q(
      `UPDATE events SET status = 'retrying', not_before = LEAST(not_before, $2), lease_owner = NULL, lease_epoch = NULL, lease_until = NULL
       WHERE status = 'running' AND lease_owner = $1`,
      [owner, now],
    );
    return r.rowCount ?? 0;
  }

  /** The reaper's sweep: running events of every node not in `live` go back in line. */
  async releaseExcept(live: readonly string[], now: number): Promise<number> {
    const r = await this.q(
      `UPDATE events SET status = 'retrying', not_before = LEAST(not_before, $2), lease_owner = NULL, lease_epoch = NULL, lease_until = NULL
       WHERE status = 'running' AND NOT (lease_owner = ANY($1::text[]))`,
      [live, now],
    );
    return r.rowCount ?? 0;
  }

  async nextDueAt(): Promise<number | undefined> {
    // Expired leases are not counted: nodes poll (cluster/), and a lease outlives any live attempt.
    const r = await this.q<{ t: string | null }>(`SELECT MIN(not_before) AS t FROM events WHERE status IN ('queued', 'retrying')`);
    return optNum(r.rows[0]?.t ?? null);
  }

  async get(scope: Scope, id: string): Promise<AsyncEvent | undefined> {
    const r = await this.q<EventRow>('SELECT * FROM events WHERE account_id = $1 AND region = $2 AND id = $3', [scope.accountId, scope.region, id]);
    return r.rows[0] && fromEvent(r.rows[0]);
  }

  async list(scope: Scope, f: EventFilter): Promise<AsyncEvent[]> {
    const where = ['account_id = $1', 'region = $2'];
    const args: unknown[] = [scope.accountId, scope.region];
    const add = (sql: string, v: unknown): void => {
      args.push(v);
      where.push(`${sql} $${args.length}`);
    };
    if (f.functionName !== undefined) add('function_name =', f.functionName);
    if (f.status !== undefined) add('status =', f.status);
    if (f.since !== undefined) add('enqueued_at >=', f.since);
    const order = f.since !== undefined ? 'enqueued_at, seq' : 'enqueued_at DESC, seq DESC';
    args.push(f.limit);
    const r = await this.q<EventRow>(`SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT $${args.length}`, args);
    return r.rows.map(fromEvent);
  }

  async counts(scope: Scope, functionName?: string): Promise<Record<EventStatus, number>> {
    const out: Record<EventStatus, number> = { queued: 0, running: 0, retrying: 0, succeeded: 0, failed: 0 };
    const r = await this.q<{ status: EventStatus; n: string }>(
      `SELECT status, COUNT(*) AS n FROM events WHERE account_id = $1 AND region = $2${functionName === undefined ? '' : ' AND function_name = $3'} GROUP BY status`,
      functionName === undefined ? [scope.accountId, scope.region] : [scope.accountId, scope.region, functionName],
    );
    for (const row of r.rows) out[row.status] = num(row.n);
    return out;
  }

  async prune(before: number): Promise<number> {
    return (await this.q('DELETE FROM events WHERE finished_at IS NOT NULL AND finished_at < $1', [before])).rowCount ?? 0;
  }

  async queues(scope: Scope): Promise<{ name: string; messages: number }[]> {
    const r = await this.q<{ name: string; messages: string }>(
      'SELECT queue AS name, COUNT(*) AS messages FROM messages WHERE account_id = $1 AND region = $2 GROUP BY queue ORDER BY queue',
      [scope.accountId, scope.region],
    );
    return r.rows.map((x) => ({ name: x.name, messages: num(x.messages) }));
  }

  async readMessages(scope: Scope, queue: string, afterId: number, limit: number): Promise<StoredMessage[]> {
    const r = await this.q<MessageRow>(
      'SELECT * FROM messages WHERE account_id = $1 AND region = $2 AND queue = $3 AND id > $4 ORDER BY id LIMIT $5',
      [scope.accountId, scope.region, queue, afterId, limit],
    );
    return r.rows.map(fromMessage);
  }

  async pendingMessages(limit: number): Promise<StoredMessage[]> {
    return (await this.q<MessageRow>('SELECT * FROM messages ORDER BY id LIMIT $1', [limit])).rows.map(fromMessage);
  }

  async deleteMessages(scope: Scope, queue: string, ids: readonly number[]): Promise<number> {
    if (ids.length === 0) return 0;
    const r = await this.q('DELETE FROM messages WHERE account_id = $1 AND region = $2 AND queue = $3 AND id = ANY($4::bigint[])', [
      scope.accountId,
      scope.region,
      queue,
      ids,
    ]);
    return r.rowCount ?? 0;
  }

  async getConfig(scope: Scope, functionName: string, qualifier: string): Promise<InvokeConfig | undefined> {
    const r = await this.q<ConfigRow>('SELECT * FROM invoke_configs WHERE account_id = $1 AND region = $2 AND function_name = $3 AND qualifier = $4', [
      scope.accountId,
      scope.region,
      functionName,
      qualifier,
    ]);
    return r.rows[0] && fromConfig(r.rows[0]);
  }

  async putConfig(c: InvokeConfig): Promise<void> {
    await this.q(
      `INSERT INTO invoke_configs (account_id, region, function_name, qualifier, max_retry, max_age, on_success, on_failure, last_modified)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (account_id, region, function_name, qualifier) DO UPDATE SET max_retry = EXCLUDED.max_retry, max_age = EXCLUDED.max_age,
         on_success = EXCLUDED.on_success, on_failure = EXCLUDED.on_failure, last_modified = EXCLUDED.last_modified`,
      [c.accountId, c.region, c.functionName, c.qualifier, c.maximumRetryAttempts ?? null, c.maximumEventAgeInSeconds ?? null, c.onSuccess ?? null, c.onFailure ?? null, c.lastModified],
    );
  }

  async deleteConfig(scope: Scope, functionName: string, qualifier: string): Promise<boolean> {
    const r = await this.q('DELETE FROM invoke_configs WHERE account_id = $1 AND region = $2 AND function_name = $3 AND qualifier = $4', [
      scope.accountId,
      scope.region,
      functionName,
      qualifier,
    ]);
    return (r.rowCount ?? 0) > 0;
  }

  async listConfigs(scope: Scope, functionName: string): Promise<InvokeConfig[]> {
    const r = await this.q<ConfigRow>('SELECT * FROM invoke_configs WHERE account_id = $1 AND region = $2 AND function_name = $3 ORDER BY qualifier', [
      scope.accountId,
      scope.region,
      functionName,
    ]);
    return r.rows.map(fromConfig);
  }

  async deleteConfigs(scope: Scope, functionName: string): Promise<void> {
    await this.q('DELETE FROM invoke_configs WHERE account_id = $1 AND region = $2 AND function_name = $3', [scope.accountId, scope.region, functionName]);
  }

  async putSchedule(x: Schedule): Promise<void> {
    await this.q(
      `INSERT INTO schedules (account_id, region, name, expression, function_name, qualifier, input, enabled, created_at, next_at, last_run_at, missed, rule_arn, target_input)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
       ON CONFLICT (account_id, region, name) DO UPDATE SET expression = EXCLUDED.expression, function_name = EXCLUDED.function_name,
         qualifier = EXCLUDED.qualifier, input = EXCLUDED.input, enabled = EXCLUDED.enabled, created_at = EXCLUDED.created_at,
         next_at = EXCLUDED.next_at, last_run_at = EXCLUDED.last_run_at, missed = EXCLUDED.missed, rule_arn = EXCLUDED.rule_arn,
         target_input = EXCLUDED.target_input`,
      [
        x.accountId,
        x.region,
        x.name,
        x.expression,
        x.functionName,
        x.qualifier ?? null,
        x.input ?? null,
        x.enabled,
        x.createdAt,
        x.nextAt,
        x.lastRunAt ?? null,
        x.missed,
        x.ruleArn ?? null,
        x.targetInput ?? null,
      ],
    );
  }

  async getSchedule(scope: Scope, name: string): Promise<Schedule | undefined> {
    const r = await this.q<ScheduleRow>('SELECT * FROM schedules WHERE account_id = $1 AND region = $2 AND name = $3', [scope.accountId, scope.region, name]);
    return r.rows[0] && fromSchedule(r.rows[0]);
  }

  async listSchedules(scope: Scope): Promise<Schedule[]> {
    return (await this.q<ScheduleRow>('SELECT * FROM schedules WHERE account_id = $1 AND region = $2 ORDER BY name', [scope.accountId, scope.region])).rows.map(
      fromSchedule,
    );
  }

  async deleteSchedule(scope: Scope, name: string): Promise<boolean> {
    const r = await this.q('DELETE FROM schedules WHERE account_id = $1 AND region = $2 AND name = $3', [scope.accountId, scope.region, name]);
    return (r.rowCount ?? 0) > 0;
  }

  async dueSchedules(now: number): Promise<Schedule[]> {
    return (await this.q<ScheduleRow>('SELECT * FROM schedules WHERE enabled AND next_at <= $1 ORDER BY next_at', [now])).rows.map(fromSchedule);
  }

  async fire(x: Schedule, event: NewEvent | undefined, nextAt: number, missed: number, at?: number): Promise<void> {
    await this.tx(async (c) => {
      // Guarded by the old next_at: a slot fires once even when several nodes tick together.
      const r = await c.query(
        'UPDATE schedules SET next_at = $1, last_run_at = $2, missed = missed + $3 WHERE account_id = $4 AND region = $5 AND name = $6 AND next_at = $7',
        [nextAt, event?.enqueuedAt ?? at ?? Date.now(), missed, x.accountId, x.region, x.name, x.nextAt],
      );
      if (r.rowCount === 1 && event) await c.query(INSERT_EVENT, eventArgs(event));
    });
  }

  async nextScheduleAt(): Promise<number | undefined> {
    const r = await this.q<{ t: string | null }>('SELECT MIN(next_at) AS t FROM schedules WHERE enabled');
    return optNum(r.rows[0]?.t ?? null);
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    await this.pool.end();
  }
}
