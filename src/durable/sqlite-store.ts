/**
 * The durable-execution store on SQLite (`durable.db` in the data directory): every checkpoint is
 * one transaction, written with synchronous=FULL before the function hears that it is done, so an
 * execution survives a restart of the server at any point.
 */
import Database from 'better-sqlite3';
import type { DurableStore, Execution, HistoryEvent, ListFilter, StoredOperation } from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS executions (
  arn TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  function_name TEXT NOT NULL,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  start_ms INTEGER NOT NULL,
  end_ms INTEGER,
  wake_at INTEGER,
  invoking INTEGER NOT NULL,
  doc TEXT NOT NULL,
  UNIQUE (account_id, region, function_name, name)
);
CREATE INDEX IF NOT EXISTS executions_wake ON executions (status, wake_at);
CREATE INDEX IF NOT EXISTS executions_fn ON executions (account_id, region, function_name, start_ms);
CREATE TABLE IF NOT EXISTS operations (
  arn TEXT NOT NULL,
  id TEXT NOT NULL,
  ord INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  op TEXT NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY (arn, id)
);
CREATE TABLE IF NOT EXISTS history (
  arn TEXT NOT NULL,
  event_id INTEGER NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (arn, event_id)
);
CREATE TABLE IF NOT EXISTS callbacks (
  id TEXT PRIMARY KEY,
  arn TEXT NOT NULL,
  op_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS callbacks_arn ON callbacks (arn);
`;

interface ExecRow {
  doc: string;
}
interface OpRow {
  ord: number;
  seq: number;
  op: string;
  state: string;
}

export class SqliteDurableStore implements DurableStore {
  private readonly db: Database.Database;
  private readonly s;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    const d = this.db;
    this.s = {
      insertExec: d.prepare(`INSERT OR IGNORE INTO executions (arn, account_id, region, function_name, name, status, start_ms, end_ms, wake_at, invoking, doc)
        VALUES (@arn, @accountId, @region, @functionName, @name, @status, @startMs, @endMs, @wakeAtMs, @invoking, @doc)`),
      updateExec: d.prepare(`UPDATE executions SET status = @status, end_ms = @endMs, wake_at = @wakeAtMs, invoking = @invoking, doc = @doc WHERE arn = @arn`),
      get: d.prepare('SELECT doc FROM executions WHERE arn = ?'),
      byName: d.prepare('SELECT doc FROM executions WHERE account_id = ? AND region = ? AND function_name = ? AND name = ?'),
      ops: d.prepare('SELECT ord, seq, op, state FROM operations WHERE arn = ? ORDER BY ord'),
      putOp: d.prepare(`INSERT INTO operations (arn, id, ord, seq, op, state) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (arn, id) DO UPDATE SET seq = excluded.seq, op = excluded.op, state = excluded.state`),
      lastEvent: d.prepare('SELECT MAX(event_id) AS n FROM history WHERE arn = ?'),
      putEvent: d.prepare('INSERT INTO history (arn, event_id, event) VALUES (?, ?, ?)'),
      events: d.prepare('SELECT event FROM history WHERE arn = ? ORDER BY event_id'),
      putCallback: d.prepare('INSERT OR REPLACE INTO callbacks (id, arn, op_id) VALUES (?, ?, ?)'),
      callback: d.prepare('SELECT arn, op_id FROM callbacks WHERE id = ?'),
      list: d.prepare('SELECT doc FROM executions WHERE account_id = ? AND region = ? AND function_name = ? ORDER BY start_ms, arn'),
      due: d.prepare("SELECT doc FROM executions WHERE status = 'RUNNING' AND wake_at IS NOT NULL AND wake_at <= ? ORDER BY wake_at"),
      nextWake: d.prepare("SELECT MIN(wake_at) AS t FROM executions WHERE status = 'RUNNING' AND wake_at IS NOT NULL"),
      running: d.prepare("SELECT doc FROM executions WHERE status = 'RUNNING'"),
      closed: d.prepare("SELECT arn, doc FROM executions WHERE status <> 'RUNNING' AND end_ms IS NOT NULL"),
      deleteExec: d.prepare('DELETE FROM executions WHERE arn = ?'),
      deleteOps: d.prepare('DELETE FROM operations WHERE arn = ?'),
      deleteEvents: d.prepare('DELETE FROM history WHERE arn = ?'),
      deleteCallbacks: d.prepare('DELETE FROM callbacks WHERE arn = ?'),
    };
  }

  private execParams(e: Execution): Record<string, unknown> {
    return {
      arn: e.arn,
      accountId: e.accountId,
      region: e.region,
      functionName: e.functionName,
      name: e.name,
      status: e.status,
      startMs: e.startMs,
      endMs: e.endMs ?? null,
      wakeAtMs: e.wakeAtMs ?? null,
      invoking: e.invoking ? 1 : 0,
      doc: JSON.stringify(e),
    };
  }

  private writeOps(arn: string, ops: StoredOperation[]): void {
    for (const o of ops) this.s.putOp.run(arn, o.op.Id, o.order, o.seq, JSON.stringify(o.op), JSON.stringify(o.state));
  }

  private writeEvents(arn: string, events: HistoryEvent[]): void {
    if (!events.length) return;
    let n = ((this.s.lastEvent.get(arn) as { n: number | null }).n ?? 0);
    for (const ev of events) {
      n++;
      this.s.putEvent.run(arn, n, JSON.stringify({ ...ev, EventId: n }));
    }
  }

  async create(e: Execution, ops: StoredOperation[], events: HistoryEvent[]): Promise<boolean> {
    return this.db.transaction(() => {
      if (this.s.insertExec.run(this.execParams(e)).changes === 0) return false;
      this.writeOps(e.arn, ops);
      this.writeEvents(e.arn, events);
      return true;
    })();
  }

  async get(arn: string): Promise<Execution | undefined> {
    const r = this.s.get.get(arn) as ExecRow | undefined;
    return r ? (JSON.parse(r.doc) as Execution) : undefined;
  }

  async byName(accountId: string, region: string, functionName: string, name: string): Promise<Execution | undefined> {
    const r = this.s.byName.get(accountId, region, functionName, name) as ExecRow | undefined;
    return r ? (JSON.parse(r.doc) as Execution) : undefined;
  }

  async operations(arn: string): Promise<StoredOperation[]> {
    return (this.s.ops.all(arn) as OpRow[]).map((r) => ({ op: JSON.parse(r.op) as StoredOperation['op'], state: JSON.parse(r.state) as StoredOperation['state'], seq: r.seq, order: r.ord }));
  }

  async commit(e: Execution, ops: StoredOperation[], events: HistoryEvent[], callbacks: { id: string; opId: string }[] = []): Promise<void> {
    this.db.transaction(() => {
      this.s.updateExec.run(this.execParams(e));
      this.writeOps(e.arn, ops);
      this.writeEvents(e.arn, events);
      for (const c of callbacks) this.s.putCallback.run(c.id, e.arn, c.opId);
    })();
  }

  async events(arn: string): Promise<HistoryEvent[]> {
    return (this.s.events.all(arn) as { event: string }[]).map((r) => JSON.parse(r.event) as HistoryEvent);
  }

  async callback(id: string): Promise<{ arn: string; opId: string } | undefined> {
    const r = this.s.callback.get(id) as { arn: string; op_id: string } | undefined;
    return r ? { arn: r.arn, opId: r.op_id } : undefined;
  }

  async list(f: ListFilter): Promise<Execution[]> {
    return (this.s.list.all(f.accountId, f.region, f.functionName) as ExecRow[])
      .map((r) => JSON.parse(r.doc) as Execution)
      .filter((e) =>
        (f.version === undefined || e.version === f.version) &&
        (f.name === undefined || e.name === f.name) &&
        (f.statuses === undefined || f.statuses.includes(e.status)) &&
        (f.startedAfterMs === undefined || e.startMs >= f.startedAfterMs) &&
        (f.startedBeforeMs === undefined || e.startMs <= f.startedBeforeMs));
  }

  async due(nowMs: number): Promise<Execution[]> {
    return (this.s.due.all(nowMs) as ExecRow[]).map((r) => JSON.parse(r.doc) as Execution);
  }

  async nextWake(): Promise<number | undefined> {
    return (this.s.nextWake.get() as { t: number | null }).t ?? undefined;
  }

  async running(): Promise<Execution[]> {
    return (this.s.running.all() as ExecRow[]).map((r) => JSON.parse(r.doc) as Execution);
  }

  async purge(nowMs: number): Promise<number> {
    let n = 0;
    this.db.transaction(() => {
      for (const r of this.s.closed.all() as { arn: string; doc: string }[]) {
        const e = JSON.parse(r.doc) as Execution;
        if ((e.endMs ?? nowMs) + e.retentionDays * 86_400_000 > nowMs) continue;
        this.s.deleteExec.run(r.arn);
        this.s.deleteOps.run(r.arn);
        this.s.deleteEvents.run(r.arn);
        this.s.deleteCallbacks.run(r.arn);
        n++;
      }
    })();
    return n;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
