/** Reserved concurrency per function, in SQLite: one row per function that has a reservation. */
import type Database from 'better-sqlite3';
import type { ReservedConcurrency } from './records.js';
import type { ConcurrencyStore } from './types.js';
import type { Scope } from '../core/model.js';

export const CONCURRENCY_SCHEMA = `
CREATE TABLE IF NOT EXISTS function_concurrency (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  reserved INTEGER NOT NULL,
  PRIMARY KEY (account_id, region, name),
  FOREIGN KEY (account_id, region, name) REFERENCES functions (account_id, region, name) ON DELETE CASCADE
);
`;

export class SqliteConcurrencyStore implements ConcurrencyStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      get: db.prepare('SELECT reserved FROM function_concurrency WHERE account_id = ? AND region = ? AND name = ?'),
      put: db.prepare('INSERT OR REPLACE INTO function_concurrency (account_id, region, name, reserved) VALUES (?, ?, ?, ?)'),
      del: db.prepare('DELETE FROM function_concurrency WHERE account_id = ? AND region = ? AND name = ?'),
      all: db.prepare('SELECT account_id, region, name, reserved FROM function_concurrency WHERE account_id = ?'),
    };
  }

  async get(scope: Scope, name: string): Promise<number | undefined> {
    const r = this.stmts.get.get(scope.accountId, scope.region, name) as { reserved: number } | undefined;
    return r?.reserved;
  }

  async set(scope: Scope, name: string, reserved: number | undefined): Promise<void> {
    if (reserved === undefined) this.stmts.del.run(scope.accountId, scope.region, name);
    else this.stmts.put.run(scope.accountId, scope.region, name, reserved);
  }

  async all(accountId: string): Promise<ReservedConcurrency[]> {
    return (this.stmts.all.all(accountId) as { account_id: string; region: string; name: string; reserved: number }[]).map((r) => ({
      accountId: r.account_id,
      region: r.region,
      name: r.name,
      reserved: r.reserved,
    }));
  }
}
