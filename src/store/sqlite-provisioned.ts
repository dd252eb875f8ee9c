/**
 * Provisioned concurrency configs in SQLite: one row per (function, qualifier), where the
 * qualifier is a published version or an alias. Removed with the function (foreign key); the
 * control plane removes those of a deleted version or alias.
 */
import type Database from 'better-sqlite3';
import type { ProvisionedConfig } from './records.js';
import type { ProvisionedStore } from './types.js';
import type { Scope } from '../core/model.js';
import { fromRow } from './rows/provisioned.js';
import type { Row } from './rows/provisioned.js';

export const PROVISIONED_SCHEMA = `
CREATE TABLE IF NOT EXISTS provisioned_concurrency (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  requested INTEGER NOT NULL,
  last_modified INTEGER NOT NULL,
  PRIMARY KEY (account_id, region, function_name, qualifier),
  FOREIGN KEY (account_id, region, function_name) REFERENCES functions (account_id, region, name) ON DELETE CASCADE
);
`;

export class SqliteProvisionedStore implements ProvisionedStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      get: db.prepare('SELECT * FROM provisioned_concurrency WHERE account_id = ? AND region = ? AND function_name = ? AND qualifier = ?'),
      put: db.prepare(`INSERT OR REPLACE INTO provisioned_concurrency (account_id, region, function_name, qualifier, requested, last_modified)
        VALUES (?, ?, ?, ?, ?, ?)`),
      del: db.prepare('DELETE FROM provisioned_concurrency WHERE account_id = ? AND region = ? AND function_name = ? AND qualifier = ?'),
      list: db.prepare('SELECT * FROM provisioned_concurrency WHERE account_id = ? AND region = ? AND function_name = ? ORDER BY qualifier'),
      all: db.prepare('SELECT * FROM provisioned_concurrency WHERE account_id = ? ORDER BY region, function_name, qualifier'),
    };
  }

  async get(scope: Scope, functionName: string, qualifier: string): Promise<ProvisionedConfig | undefined> {
    const r = this.stmts.get.get(scope.accountId, scope.region, functionName, qualifier) as Row | undefined;
    return r && fromRow(r);
  }

  async put(c: ProvisionedConfig): Promise<void> {
    this.stmts.put.run(c.accountId, c.region, c.functionName, c.qualifier, c.requested, c.lastModified);
  }

  async delete(scope: Scope, functionName: string, qualifier: string): Promise<boolean> {
    return this.stmts.del.run(scope.accountId, scope.region, functionName, qualifier).changes > 0;
  }

  async list(scope: Scope, functionName: string): Promise<ProvisionedConfig[]> {
    return (this.stmts.list.all(scope.accountId, scope.region, functionName) as Row[]).map(fromRow);
  }

  async all(accountId: string): Promise<ProvisionedConfig[]> {
    return (this.stmts.all.all(accountId) as Row[]).map(fromRow);
  }
}
