/**
 * Function logs in PostgreSQL. Logs are observability, not acknowledged state: they have their
 * own small pool whose commits skip the WAL flush (`synchronous_commit = off`, crash-safe, may lose
 * the last commits), as the SQLite store's log connection uses synchronous=NORMAL.
 *
 * Readers follow a function's logs by id (`readLogs` after the last id seen). A sequence hands out
 * ids before commit, so two nodes appending at once could commit ids out of order and a follower
 * would skip the lower one for good. Each append therefore takes a transaction-scoped advisory lock
 * before its ids are drawn: ids commit in the order they are handed out. The lock is held for one
 * unflushed commit, and an append is one statement (one round trip).
 */
import type { Scope } from '../../core/model.js';
import type { LogEntry, LogRetention, StoredLogEntry } from '../types.js';
import type { PgDb } from './db.js';
import { fromLogRow, type LogRow } from '../rows/logs.js';

/** The advisory lock ordering log appends ("NimLog"); any fixed number distinct from migrate's. */
const APPEND_LOCK = 0x4e696d4c6f67;

const KEY = 'account_id = $1 AND region = $2 AND function_name = $3';

export class PgLogs {
  constructor(private readonly db: PgDb) {}

  async append(entries: readonly LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const col = <T>(f: (e: LogEntry) => T): T[] => entries.map(f);
    // The lock (a volatile CTE, evaluated once) is taken before the first row draws its id;
    // WITH ORDINALITY keeps the batch's order in the ids.
    await this.db.q(
      `WITH l AS (SELECT pg_advisory_xact_lock($9))
       INSERT INTO logs (account_id, region, function_name, version, request_id, ts, text, bytes)
       SELECT a, r, f, v, q, t, x, b FROM l, unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::bigint[])
         WITH ORDINALITY AS e(a, r, f, v, q, t, x, b, n) ORDER BY n`,
      [
        col((e) => e.accountId), col((e) => e.region), col((e) => e.functionName), col((e) => e.version),
        col((e) => e.requestId), col((e) => e.timestamp), col((e) => e.text), col((e) => Buffer.byteLength(e.text)), APPEND_LOCK,
      ],
    );
  }

  async read(scope: Scope, functionName: string, afterId: number, limit: number): Promise<StoredLogEntry[]> {
    const rows = await this.db.rows<LogRow>(`SELECT * FROM logs WHERE ${KEY} AND id > $4 ORDER BY id LIMIT $5`, [scope.accountId, scope.region, functionName, afterId, limit]);
    return rows.map(fromLogRow);
  }

  async readLast(scope: Scope, functionName: string, limit: number): Promise<StoredLogEntry[]> {
    const rows = await this.db.rows<LogRow>(`SELECT * FROM logs WHERE ${KEY} ORDER BY id DESC LIMIT $4`, [scope.accountId, scope.region, functionName, limit]);
    return rows.map(fromLogRow).reverse();
  }

  async prune(scope: Scope, functionName: string, retention: LogRetention): Promise<void> {
    const at = [scope.accountId, scope.region, functionName];
    await this.db.tx(async (c) => {
      // All but the newest `keep`.
      await c.query(`DELETE FROM logs WHERE ${KEY} AND id <= (SELECT id FROM logs WHERE ${KEY} ORDER BY id DESC LIMIT 1 OFFSET $4)`, [...at, retention.keep]);
      // Everything up to the newest entry older than minTimestamp.
      await c.query(`DELETE FROM logs WHERE ${KEY} AND id <= COALESCE((SELECT MAX(id) FROM logs WHERE ${KEY} AND ts < $4), 0)`, [...at, retention.minTimestamp]);
      // The oldest entries past maxBytes of text, counted from the newest.
      await c.query(
        `DELETE FROM logs WHERE ${KEY} AND id <= COALESCE((SELECT id FROM (SELECT id, SUM(bytes) OVER (ORDER BY id DESC ROWS UNBOUNDED PRECEDING) AS total
           FROM logs WHERE ${KEY}) t WHERE total > $4 ORDER BY id DESC LIMIT 1), 0)`,
        [...at, Math.min(retention.maxBytes, Number.MAX_SAFE_INTEGER)],
      );
    });
  }

  async tailStart(scope: Scope, functionName: string, n: number): Promise<number> {
    const r = await this.db.one<{ id: number }>(`SELECT id FROM logs WHERE ${KEY} ORDER BY id DESC LIMIT 1 OFFSET $4`, [scope.accountId, scope.region, functionName, n]);
    return r?.id ?? 0;
  }

  /** Store.logStartAt: from the logs_retention index (id and ts), no text read. */
  async startAt(scope: Scope, functionName: string, timestamp: number): Promise<number> {
    const r = await this.db.one<{ id: number }>(
      `SELECT COALESCE(MIN(id) - 1, (SELECT COALESCE(MAX(id), 0) FROM logs WHERE ${KEY}))::bigint AS id FROM logs WHERE ${KEY} AND ts >= $4`,
      [scope.accountId, scope.region, functionName, timestamp],
    );
    return Number(r?.id ?? 0);
  }

  async lastId(scope: Scope, functionName: string): Promise<number> {
    const r = await this.db.one<{ id: number }>(`SELECT COALESCE(MAX(id), 0) AS id FROM logs WHERE ${KEY}`, [scope.accountId, scope.region, functionName]);
    return r?.id ?? 0;
  }
}
