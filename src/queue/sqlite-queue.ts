/**
 * The embedded queue: SQLite in WAL mode, in its own file next to the store's.
 *
 * Two connections to the one file. Accepting events (and every configuration write) goes through
 * a `synchronous=FULL` connection: its commit fsyncs the WAL, so a transaction that returned is on
 * disk, which is what lets the gateway answer 202 right after `enqueue` returns. Bookkeeping of
 * delivery (claiming events, recording attempt results) goes through a `synchronous=NORMAL`
 * connection: those commits survive a process crash (they are in the OS's page cache) and are
 * made durable by the next fsync of the WAL, which is append-only, so they can never overtake an
 * acknowledged event. Losing one to a power cut only means an event runs again - at-least-once is
 * the contract - and it saves two fsyncs per event.
 */
import Database from 'better-sqlite3';
import { privateDatabase } from '../core/private-files.js';
import type { Scope } from '../core/model.js';
import { QUEUE_SCHEMA } from './schema.js';
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

interface EventRow {
  id: string;
  account_id: string;
  region: string;
  function_name: string;
  qualifier: string | null;
  payload: Buffer;
  source: string;
  enqueued_at: number;
  status: EventStatus;
  attempts: number;
  function_errors: number;
  throttles: number;
  not_before: number;
  last_error: string | null;
  condition: Condition | null;
  finished_at: number | null;
  tenant_id: string | null;
}

const fromEvent = (r: EventRow): AsyncEvent => ({
  id: r.id,
  accountId: r.account_id,
  region: r.region,
  functionName: r.function_name,
  qualifier: r.qualifier ?? undefined,
  payload: r.payload,
  source: r.source,
  enqueuedAt: r.enqueued_at,
  status: r.status,
  attempts: r.attempts,
  functionErrors: r.function_errors,
  throttles: r.throttles,
  notBefore: r.not_before,
  lastError: r.last_error ?? undefined,
  condition: r.condition ?? undefined,
  finishedAt: r.finished_at ?? undefined,
  tenantId: r.tenant_id ?? undefined,
});

interface MessageRow {
  id: number;
  account_id: string;
  region: string;
  queue: string;
  body: string;
  attributes: string;
  sent_at: number;
}

const fromMessages = (rows: MessageRow[]): StoredMessage[] =>
  rows.map((r) => ({
    id: r.id,
    accountId: r.account_id,
    region: r.region,
    queue: r.queue,
    body: r.body,
    attributes: JSON.parse(r.attributes) as Record<string, string>,
    sentAt: r.sent_at,
  }));

interface ScheduleRow {
  account_id: string;
  region: string;
  name: string;
  expression: string;
  function_name: string;
  qualifier: string | null;
  input: string | null;
  enabled: number;
  created_at: number;
  next_at: number;
  last_run_at: number | null;
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
  enabled: r.enabled === 1,
  createdAt: r.created_at,
  nextAt: r.next_at,
  lastRunAt: r.last_run_at ?? undefined,
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
  last_modified: number;
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
  lastModified: r.last_modified,
});

export class SqliteQueue implements EventQueue, InvokeConfigStore, ScheduleStore {
  private readonly db: Database.Database;
  /** The delivery-bookkeeping connection (synchronous=NORMAL); see the file comment. */
  private readonly lazy: Database.Database;
  private readonly s;
  private readonly l;

  constructor(file: string) {
    privateDatabase(file);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // FULL: the WAL is fsynced at every commit, so a commit that returned survives power loss.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(QUEUE_SCHEMA);
    // Columns added since the first release: a data directory from before gains them.
    const columns = new Set((this.db.pragma('table_info(schedules)') as { name: string }[]).map((c) => c.name));
    for (const c of ['rule_arn', 'target_input']) if (!columns.has(c)) this.db.exec(`ALTER TABLE schedules ADD COLUMN ${c} TEXT`);
    const eventColumns = new Set((this.db.pragma('table_info(events)') as { name: string }[]).map((c) => c.name));
    if (!eventColumns.has('tenant_id')) this.db.exec('ALTER TABLE events ADD COLUMN tenant_id TEXT');
    this.lazy = new Database(file);
    this.lazy.pragma('synchronous = NORMAL');
    this.lazy.pragma('busy_timeout = 5000');
    const lazy = this.lazy;
    this.l = {
      due: lazy.prepare(`SELECT * FROM events WHERE status IN ('queued', 'retrying') AND not_before <= ? ORDER BY not_before, rowid LIMIT ?`),
      markRunning: lazy.prepare(`UPDATE events SET status = 'running', attempts = attempts + 1 WHERE id = ?`),
      settle: lazy.prepare(`UPDATE events SET status = @status, attempts = @attempts, function_errors = @functionErrors, throttles = @throttles,
        not_before = @notBefore, last_error = @lastError, condition = @condition, finished_at = @finishedAt WHERE id = @id`),
      insert: lazy.prepare(`INSERT INTO events (id, account_id, region, function_name, qualifier, payload, source, enqueued_at, status, not_before, tenant_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT (id) DO NOTHING`),
      sendMessage: lazy.prepare('INSERT INTO messages (account_id, region, queue, body, attributes, sent_at) VALUES (?, ?, ?, ?, ?, ?)'),
      prune: lazy.prepare(`DELETE FROM events WHERE finished_at IS NOT NULL AND finished_at < ?`),
    };
    const db = this.db;
    this.s = {
      insert: db.prepare(`INSERT INTO events (id, account_id, region, function_name, qualifier, payload, source, enqueued_at, status, not_before, tenant_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT (id) DO NOTHING`),
      requeue: db.prepare(`UPDATE events SET status = 'retrying', not_before = MIN(not_before, ?) WHERE status = 'running'`),
      nextDue: db.prepare(`SELECT MIN(not_before) AS t FROM events WHERE status IN ('queued', 'retrying')`),
      get: db.prepare('SELECT * FROM events WHERE account_id = ? AND region = ? AND id = ?'),
      sendMessage: db.prepare('INSERT INTO messages (account_id, region, queue, body, attributes, sent_at) VALUES (?, ?, ?, ?, ?, ?)'),
      queues: db.prepare('SELECT queue AS name, COUNT(*) AS messages FROM messages WHERE account_id = ? AND region = ? GROUP BY queue ORDER BY queue'),
      readMessages: db.prepare('SELECT * FROM messages WHERE account_id = ? AND region = ? AND queue = ? AND id > ? ORDER BY id LIMIT ?'),
      pending: db.prepare('SELECT * FROM messages ORDER BY id LIMIT ?'),
      deleteMessage: db.prepare('DELETE FROM messages WHERE account_id = ? AND region = ? AND queue = ? AND id = ?'),
      getConfig: db.prepare('SELECT * FROM invoke_configs WHERE account_id = ? AND region = ? AND function_name = ? AND qualifier = ?'),
      putConfig: db.prepare(`INSERT OR REPLACE INTO invoke_configs (account_id, region, function_name, qualifier, max_retry, max_age, on_success, on_failure, last_modified)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      deleteConfig: db.prepare('DELETE FROM invoke_configs WHERE account_id = ? AND region = ? AND function_name = ? AND qualifier = ?'),
      listConfigs: db.prepare('SELECT * FROM invoke_configs WHERE account_id = ? AND region = ? AND function_name = ? ORDER BY qualifier'),
      deleteConfigs: db.prepare('DELETE FROM invoke_configs WHERE account_id = ? AND region = ? AND function_name = ?'),
      putSchedule: db.prepare(`INSERT OR REPLACE INTO schedules (account_id, region, name, expression, function_name, qualifier, input, enabled, created_at, next_at, last_run_at, missed, rule_arn, target_input)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      getSchedule: db.prepare('SELECT * FROM schedules WHERE account_id = ? AND region = ? AND name = ?'),
      listSchedules: db.prepare('SELECT * FROM schedules WHERE account_id = ? AND region = ? ORDER BY name'),
      deleteSchedule: db.prepare('DELETE FROM schedules WHERE account_id = ? AND region = ? AND name = ?'),
      dueSchedules: db.prepare('SELECT * FROM schedules WHERE enabled = 1 AND next_at <= ? ORDER BY next_at'),
      moveSchedule: db.prepare('UPDATE schedules SET next_at = ?, last_run_at = ?, missed = missed + ? WHERE account_id = ? AND region = ? AND name = ? AND next_at = ?'),
      nextSchedule: db.prepare('SELECT MIN(next_at) AS t FROM schedules WHERE enabled = 1'),
    };
  }

  async enqueue(events: readonly NewEvent[]): Promise<void> {
    this.db.transaction(() => {
      for (const e of events) this.insert(e);
    })();
  }

  private insert(e: NewEvent): void {
    this.s.insert.run(e.id, e.accountId, e.region, e.functionName, e.qualifier ?? null, e.payload, e.source, e.enqueuedAt, e.enqueuedAt, e.tenantId ?? null);
  }

  async claim(now: number, limit: number): Promise<AsyncEvent[]> {
    if (limit <= 0) return [];
    return this.lazy.transaction(() => {
      const rows = this.l.due.all(now, limit) as EventRow[];
      for (const r of rows) this.l.markRunning.run(r.id);
      return rows.map((r) => ({ ...fromEvent(r), status: 'running' as const, attempts: r.attempts + 1 }));
    })();
  }

  async settle(settlements: readonly Settlement[]): Promise<void> {
    if (settlements.length === 0) return;
    this.lazy.transaction(() => {
      for (const s of settlements) {
        this.l.settle.run({
          id: s.id,
          status: s.status,
          attempts: s.attempts,
          functionErrors: s.functionErrors,
          throttles: s.throttles,
          notBefore: s.notBefore,
          lastError: s.lastError ?? null,
          condition: s.condition ?? null,
          finishedAt: s.finishedAt ?? null,
        });
        // Deliveries commit with the result that caused them: if this is lost, so are they,
        // and the event that produces them runs again.
        for (const e of s.events) this.l.insert.run(e.id, e.accountId, e.region, e.functionName, e.qualifier ?? null, e.payload, e.source, e.enqueuedAt, e.enqueuedAt, e.tenantId ?? null);
        for (const m of s.messages) this.l.sendMessage.run(m.accountId, m.region, m.queue, m.body, JSON.stringify(m.attributes), m.sentAt);
      }
    })();
  }

  async requeueRunning(now: number): Promise<number> {
    return this.s.requeue.run(now).changes;
  }

  async nextDueAt(): Promise<number | undefined> {
    return (this.s.nextDue.get() as { t: number | null }).t ?? undefined;
  }

  async get(scope: Scope, id: string): Promise<AsyncEvent | undefined> {
    const r = this.s.get.get(scope.accountId, scope.region, id) as EventRow | undefined;
    return r && fromEvent(r);
  }

  async list(scope: Scope, f: EventFilter): Promise<AsyncEvent[]> {
    const where = ['account_id = ?', 'region = ?'];
    const args: (string | number)[] = [scope.accountId, scope.region];
    if (f.functionName !== undefined) {
      where.push('function_name = ?');
      args.push(f.functionName);
    }
    if (f.status !== undefined) {
      where.push('status = ?');
      args.push(f.status);
    }
    if (f.since !== undefined) {
      where.push('enqueued_at >= ?');
      args.push(f.since);
    }
    const order = f.since !== undefined ? 'enqueued_at, rowid' : 'enqueued_at DESC, rowid DESC';
    const sql = `SELECT * FROM events WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ?`;
    return (this.db.prepare(sql).all(...args, f.limit) as EventRow[]).map(fromEvent);
  }

  async counts(scope: Scope, functionName?: string): Promise<Record<EventStatus, number>> {
    const out: Record<EventStatus, number> = { queued: 0, running: 0, retrying: 0, succeeded: 0, failed: 0 };
    const sql = `SELECT status, COUNT(*) AS n FROM events WHERE account_id = ? AND region = ?${functionName === undefined ? '' : ' AND function_name = ?'} GROUP BY status`;
    const args = functionName === undefined ? [scope.accountId, scope.region] : [scope.accountId, scope.region, functionName];
    for (const r of this.db.prepare(sql).all(...args) as { status: EventStatus; n: number }[]) out[r.status] = r.n;
    return out;
  }

  async prune(before: number): Promise<number> {
    return this.l.prune.run(before).changes;
  }

  async queues(scope: Scope): Promise<{ name: string; messages: number }[]> {
    return this.s.queues.all(scope.accountId, scope.region) as { name: string; messages: number }[];
  }

  async readMessages(scope: Scope, queue: string, afterId: number, limit: number): Promise<StoredMessage[]> {
    return fromMessages(this.s.readMessages.all(scope.accountId, scope.region, queue, afterId, limit) as MessageRow[]);
  }

  async pendingMessages(limit: number): Promise<StoredMessage[]> {
    return fromMessages(this.s.pending.all(limit) as MessageRow[]);
  }

  async deleteMessages(scope: Scope, queue: string, ids: readonly number[]): Promise<number> {
    return this.db.transaction(() => {
      let n = 0;
      for (const id of ids) n += this.s.deleteMessage.run(scope.accountId, scope.region, queue, id).changes;
      return n;
    })();
  }

  async getConfig(scope: Scope, functionName: string, qualifier: string): Promise<InvokeConfig | undefined> {
    const r = this.s.getConfig.get(scope.accountId, scope.region, functionName, qualifier) as ConfigRow | undefined;
    return r && fromConfig(r);
  }

  async putConfig(c: InvokeConfig): Promise<void> {
    this.s.putConfig.run(
      c.accountId,
      c.region,
      c.functionName,
      c.qualifier,
      c.maximumRetryAttempts ?? null,
      c.maximumEventAgeInSeconds ?? null,
      c.onSuccess ?? null,
      c.onFailure ?? null,
      c.lastModified,
    );
  }

  async deleteConfig(scope: Scope, functionName: string, qualifier: string): Promise<boolean> {
    return this.s.deleteConfig.run(scope.accountId, scope.region, functionName, qualifier).changes > 0;
  }

  async listConfigs(scope: Scope, functionName: string): Promise<InvokeConfig[]> {
    return (this.s.listConfigs.all(scope.accountId, scope.region, functionName) as ConfigRow[]).map(fromConfig);
  }

  async deleteConfigs(scope: Scope, functionName: string): Promise<void> {
    this.s.deleteConfigs.run(scope.accountId, scope.region, functionName);
  }

  async putSchedule(x: Schedule): Promise<void> {
    this.s.putSchedule.run(
      x.accountId,
      x.region,
      x.name,
      x.expression,
      x.functionName,
      x.qualifier ?? null,
      x.input ?? null,
      x.enabled ? 1 : 0,
      x.createdAt,
      x.nextAt,
      x.lastRunAt ?? null,
      x.missed,
      x.ruleArn ?? null,
      x.targetInput ?? null,
    );
  }

  async getSchedule(scope: Scope, name: string): Promise<Schedule | undefined> {
    const r = this.s.getSchedule.get(scope.accountId, scope.region, name) as ScheduleRow | undefined;
    return r && fromSchedule(r);
  }

  async listSchedules(scope: Scope): Promise<Schedule[]> {
    return (this.s.listSchedules.all(scope.accountId, scope.region) as ScheduleRow[]).map(fromSchedule);
  }

  async deleteSchedule(scope: Scope, name: string): Promise<boolean> {
    return this.s.deleteSchedule.run(scope.accountId, scope.region, name).changes > 0;
  }

  async dueSchedules(now: number): Promise<Schedule[]> {
    return (this.s.dueSchedules.all(now) as ScheduleRow[]).map(fromSchedule);
  }

  async fire(x: Schedule, event: NewEvent | undefined, nextAt: number, missed: number, at?: number): Promise<void> {
    this.db.transaction(() => {
      // Guarded by the old next_at: a schedule changed meanwhile is not fired twice.
      const moved = this.s.moveSchedule.run(nextAt, event?.enqueuedAt ?? at ?? Date.now(), missed, x.accountId, x.region, x.name, x.nextAt).changes;
      if (moved === 1 && event) this.insert(event);
    })();
  }

  async nextScheduleAt(): Promise<number | undefined> {
    return (this.s.nextSchedule.get() as { t: number | null }).t ?? undefined;
  }

  async close(): Promise<void> {
    if (this.lazy.open) this.lazy.close();
    if (this.db.open) this.db.close();
  }
}
