/** Code signing configs in SQLite, one row per config, scoped by account and region. */
import type Database from 'better-sqlite3';
import type { Scope } from '../core/model.js';
import type { CodeSigningConfigRecord } from './records.js';
import type { CodeSigningConfigStore } from './types.js';
import { fromRow } from './rows/code-signing.js';
import type { Row } from './rows/code-signing.js';

export const CODE_SIGNING_SCHEMA = `
CREATE TABLE IF NOT EXISTS code_signing_configs (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  id TEXT NOT NULL,
  description TEXT NOT NULL,
  profiles TEXT NOT NULL,
  policy TEXT NOT NULL,
  last_modified INTEGER NOT NULL,
  tags TEXT NOT NULL,
  PRIMARY KEY (account_id, region, id)
);
`;

const toRow = (c: CodeSigningConfigRecord): Row => ({
  account_id: c.accountId,
  region: c.region,
  id: c.id,
  description: c.description,
  profiles: JSON.stringify(c.signingProfileVersionArns),
  policy: c.policy,
  last_modified: c.lastModified,
  tags: JSON.stringify(c.tags),
});

export class SqliteCodeSigningConfigStore implements CodeSigningConfigStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    const cols = '(account_id, region, id, description, profiles, policy, last_modified, tags)';
    const vals = '(@account_id, @region, @id, @description, @profiles, @policy, @last_modified, @tags)';
    this.stmts = {
      insert: db.prepare(`INSERT INTO code_signing_configs ${cols} VALUES ${vals}`),
      put: db.prepare(`INSERT OR REPLACE INTO code_signing_configs ${cols} VALUES ${vals}`),
      get: db.prepare('SELECT * FROM code_signing_configs WHERE account_id = ? AND region = ? AND id = ?'),
      delete: db.prepare('DELETE FROM code_signing_configs WHERE account_id = ? AND region = ? AND id = ?'),
      list: db.prepare('SELECT * FROM code_signing_configs WHERE account_id = ? AND region = ? AND id > ? ORDER BY id LIMIT ?'),
    };
  }

  async insert(c: CodeSigningConfigRecord): Promise<void> {
    this.stmts.insert.run(toRow(c));
  }

  async get(scope: Scope, id: string): Promise<CodeSigningConfigRecord | undefined> {
    const r = this.stmts.get.get(scope.accountId, scope.region, id) as Row | undefined;
    return r && fromRow(r);
  }

  async put(c: CodeSigningConfigRecord): Promise<void> {
    this.stmts.put.run(toRow(c));
  }

  async delete(scope: Scope, id: string): Promise<boolean> {
    return this.stmts.delete.run(scope.accountId, scope.region, id).changes > 0;
  }

  async list(scope: Scope, afterId: string | undefined, limit: number): Promise<CodeSigningConfigRecord[]> {
    return (this.stmts.list.all(scope.accountId, scope.region, afterId ?? '', limit) as Row[]).map(fromRow);
  }
}
