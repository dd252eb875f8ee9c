/** Function URL configs in SQLite, found by function (control plane) or by URL id (serving). */
import type Database from 'better-sqlite3';
import type { UrlConfigRecord } from './records.js';
import type { UrlConfigStore } from './types.js';
import type { Scope } from '../core/model.js';
import { fromRow } from './rows/urls.js';
import type { Row } from './rows/urls.js';

export const URLS_SCHEMA = `
CREATE TABLE IF NOT EXISTS url_configs (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  url_id TEXT NOT NULL UNIQUE,
  auth_type TEXT NOT NULL,
  cors TEXT,
  invoke_mode TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  modified_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, region, function_name, qualifier),
  FOREIGN KEY (account_id, region, function_name) REFERENCES functions (account_id, region, name) ON DELETE CASCADE
);
`;

const toRow = (u: UrlConfigRecord): Row => ({
  account_id: u.accountId,
  region: u.region,
  function_name: u.functionName,
  qualifier: u.qualifier,
  url_id: u.urlId,
  auth_type: u.authType,
  cors: u.cors === undefined ? null : JSON.stringify(u.cors),
  invoke_mode: u.invokeMode,
  created_at: u.createdAt,
  modified_at: u.modifiedAt,
});

export class SqliteUrlConfigStore implements UrlConfigStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    const cols = '(account_id, region, function_name, qualifier, url_id, auth_type, cors, invoke_mode, created_at, modified_at)';
    const vals = '(@account_id, @region, @function_name, @qualifier, @url_id, @auth_type, @cors, @invoke_mode, @created_at, @modified_at)';
    this.stmts = {
      insert: db.prepare(`INSERT INTO url_configs ${cols} VALUES ${vals} ON CONFLICT DO NOTHING`),
      // An update in place: a URL id held by another config fails its UNIQUE constraint instead of
      // deleting that config, as INSERT OR REPLACE would.
      put: db.prepare(`INSERT INTO url_configs ${cols} VALUES ${vals} ON CONFLICT (account_id, region, function_name, qualifier) DO UPDATE SET
        url_id = excluded.url_id, auth_type = excluded.auth_type, cors = excluded.cors, invoke_mode = excluded.invoke_mode,
        created_at = excluded.created_at, modified_at = excluded.modified_at`),
      get: db.prepare('SELECT * FROM url_configs WHERE account_id = ? AND region = ? AND function_name = ? AND qualifier = ?'),
      byId: db.prepare('SELECT * FROM url_configs WHERE url_id = ?'),
      delete: db.prepare('DELETE FROM url_configs WHERE account_id = ? AND region = ? AND function_name = ? AND qualifier = ?'),
      list: db.prepare('SELECT * FROM url_configs WHERE account_id = ? AND region = ? AND function_name = ? ORDER BY qualifier'),
    };
  }

  async insert(u: UrlConfigRecord): Promise<boolean> {
    return this.stmts.insert.run(toRow(u)).changes > 0;
  }

  async get(scope: Scope, functionName: string, qualifier: string): Promise<UrlConfigRecord | undefined> {
    const r = this.stmts.get.get(scope.accountId, scope.region, functionName, qualifier) as Row | undefined;
    return r && fromRow(r);
  }

  async byUrlId(urlId: string): Promise<UrlConfigRecord | undefined> {
    const r = this.stmts.byId.get(urlId) as Row | undefined;
    return r && fromRow(r);
  }

  async put(u: UrlConfigRecord): Promise<void> {
    this.stmts.put.run(toRow(u));
  }

  async delete(scope: Scope, functionName: string, qualifier: string): Promise<boolean> {
    return this.stmts.delete.run(scope.accountId, scope.region, functionName, qualifier).changes > 0;
  }

  async list(scope: Scope, functionName: string): Promise<UrlConfigRecord[]> {
    return (this.stmts.list.all(scope.accountId, scope.region, functionName) as Row[]).map(fromRow);
  }
}
