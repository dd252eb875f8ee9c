/**
 * The log table's writes (append a batch, prune a function by its retention) on one SQLite
 * connection: the log writer's worker thread runs them (log-writer.ts), and the store's own log
 * connection runs them should that thread be lost.
 */
import type Database from 'better-sqlite3';
import type { LogEntry, LogRetention } from './types.js';

/** A prune's target: the function whose entries go. */
export interface PruneTarget {
  accountId: string;
  region: string;
  functionName: string;
}

export class LogWrites {
  private readonly insert: Database.Statement;
  private readonly totals: Database.Statement;
  private readonly pruneOldest: Database.Statement;
  private readonly pruneOld: Database.Statement;
  private readonly pruneBytes: Database.Statement;
  private readonly appendTx: (entries: readonly LogEntry[]) => void;
  private readonly pruneTx: (t: PruneTarget, r: LogRetention) => void;

  constructor(db: Database.Database) {
    this.insert = db.prepare(`INSERT INTO logs (account_id, region, function_name, version, request_id, ts, text, bytes)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.totals = db.prepare('SELECT COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS bytes FROM logs WHERE account_id = @a AND region = @r AND function_name = @f');
    this.pruneOldest = db.prepare(`DELETE FROM logs WHERE account_id = @a AND region = @r AND function_name = @f AND id <=
      (SELECT id FROM logs WHERE account_id = @a AND region = @r AND function_name = @f ORDER BY id ASC LIMIT 1 OFFSET @drop - 1)`);
    this.pruneOld = db.prepare(`DELETE FROM logs WHERE account_id = @a AND region = @r AND function_name = @f AND id <=
      COALESCE((SELECT MAX(id) FROM logs WHERE account_id = @a AND region = @r AND function_name = @f AND ts < @minTs), 0)`);
    this.pruneBytes = db.prepare(`DELETE FROM logs WHERE account_id = @a AND region = @r AND function_name = @f AND id <=
      COALESCE((SELECT id FROM (SELECT id, SUM(bytes) OVER (ORDER BY id DESC ROWS UNBOUNDED PRECEDING) AS total
        FROM logs WHERE account_id = @a AND region = @r AND function_name = @f) WHERE total > @maxBytes ORDER BY id DESC LIMIT 1), 0)`);
    this.appendTx = db.transaction((entries: readonly LogEntry[]) => {
      for (const e of entries) {
        this.insert.run(e.accountId, e.region, e.functionName, e.version, e.requestId, e.timestamp, e.text, Buffer.byteLength(e.text));
      }
    });
    this.pruneTx = db.transaction((t: PruneTarget, retention: LogRetention) => {
      const at = { a: t.accountId, r: t.region, f: t.functionName };
      // Each delete scans the function's whole window (the bytes one with a window function: tens
      // of ms for 10,000 entries). One pass over the covering index (about 1 ms) tells which of
      // them can delete anything; only those run (docs/performance.md).
      const totals = this.totals.get(at) as { n: number; bytes: number };
      // The surplus is deleted from the oldest end: the walk is as long as the surplus, not the window.
      if (totals.n > retention.keep) this.pruneOldest.run({ ...at, drop: totals.n - retention.keep });
      // No age limit is 0: `ts < 0` matches nothing.
      if (retention.minTimestamp > 0) this.pruneOld.run({ ...at, minTs: retention.minTimestamp });
      // Measured before the count rule deleted anything: an overestimate, so nothing due is skipped.
      if (totals.bytes > retention.maxBytes) this.pruneBytes.run({ ...at, maxBytes: retention.maxBytes });
    });
  }

  append(entries: readonly LogEntry[]): void {
    this.appendTx(entries);
  }

  prune(t: PruneTarget, retention: LogRetention): void {
    this.pruneTx(t, retention);
  }
}
