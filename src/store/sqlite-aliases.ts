/** Aliases in SQLite: one row per alias, removed with its function (foreign key cascade). */
import type Database from 'better-sqlite3';
import type { AliasRecord } from './records.js';
import type { AliasStore } from './types.js';
import type { Scope } from '../core/model.js';
import { fromRow } from './rows/aliases.js';
import type { Row } from './rows/aliases.js';

export const ALIASES_SCHEMA = `
CREATE TABLE IF NOT EXISTS aliases (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  function_name TEXT NOT NULL,
  name TEXT NOT NULL,
  function_version TEXT NOT NULL,
  description TEXT NOT NULL,
  weights TEXT NOT NULL,
  revision_id TEXT NOT NULL,
  PRIMARY KEY (account_id, region, function_name, name),
  FOREIGN KEY (account_id, region, function_name) REFERENCES functions (account_id, region, name) ON DELETE CASCADE
);
`;

const toRow = (a: AliasRecord): Row => ({
  account_id: a.accountId,
  region: a.region,
  function_name: a.functionName,
  name: a.name,
  function_version: a.functionVersion,
  description: a.description,
  weights: JSON.stringify(a.weights),
  revision_id: a.revisionId,
});

export class SqliteAliasStore implements AliasStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    const cols = '(account_id, region, function_name, name, function_version, description, weights, revision_id)';
    const vals = '(@account_id, @region, @function_name, @name, @function_version, @description, @weights, @revision_id)';
    this.stmts = {
      insert: db.prepare(`INSERT INTO aliases ${cols} VALUES ${vals} ON CONFLICT DO NOTHING`),
      put: db.prepare(`INSERT OR REPLACE INTO aliases ${cols} VALUES ${vals}`),
      get: db.prepare('SELECT * FROM aliases WHERE account_id = ? AND region = ? AND function_name = ? AND name = ?'),
      delete: db.prepare('DELETE FROM aliases WHERE account_id = ? AND region = ? AND function_name = ? AND name = ?'),
      list: db.prepare('SELECT * FROM aliases WHERE account_id = ? AND region = ? AND function_name = ? AND name > ? ORDER BY name LIMIT ?'),
      all: db.prepare('SELECT * FROM aliases WHERE account_id = ? AND region = ? AND function_name = ?'),
    };
  }

  async insert(a: AliasRecord): Promise<boolean> {
    return this.stmts.insert.run(toRow(a)).changes > 0;
  }

  async get(scope: Scope, functionName: string, name: string): Promise<AliasRecord | undefined> {
    const r = this.stmts.get.get(scope.accountId, scope.region, functionName, name) as Row | undefined;
    return r && fromRow(r);
  }

  async put(a: AliasRecord): Promise<void> {
    this.stmts.put.run(toRow(a));
  }

  async delete(scope: Scope, functionName: string, name: string): Promise<boolean> {
    return this.stmts.delete.run(scope.accountId, scope.region, functionName, name).changes > 0;
  }

  async list(scope: Scope, functionName: string, afterName: string | undefined, limit: number): Promise<AliasRecord[]> {
    return (this.stmts.list.all(scope.accountId, scope.region, functionName, afterName ?? '', limit) as Row[]).map(fromRow);
  }

  async referencing(scope: Scope, functionName: string, version: string): Promise<AliasRecord[]> {
    return (this.stmts.all.all(scope.accountId, scope.region, functionName) as Row[])
      .map(fromRow)
      .filter((a) => a.functionVersion === version || a.weights[version] !== undefined);
  }
}
