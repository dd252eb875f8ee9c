/**
 * The HTTP route table in SQLite. Routes are not tied to a function row by a foreign key: a
 * template may route to a function that is deployed a moment later, and a route to a deleted
 * function answers with an error rather than vanishing.
 */
import type Database from 'better-sqlite3';
import type { RouteRecord } from './records.js';
import type { RouteStore } from './types.js';
import type { Scope } from '../core/model.js';

export const ROUTES_SCHEMA = `
CREATE TABLE IF NOT EXISTS routes (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  stack TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  payload_format TEXT NOT NULL,
  PRIMARY KEY (account_id, region, stack, method, path)
);
`;

interface Row {
  account_id: string;
  region: string;
  stack: string;
  method: string;
  path: string;
  function_name: string;
  qualifier: string;
  payload_format: string;
}

export class SqliteRouteStore implements RouteStore {
  private readonly stmts;

  constructor(private readonly db: Database.Database) {
    this.stmts = {
      clear: db.prepare('DELETE FROM routes WHERE account_id = ? AND region = ? AND stack = ?'),
      insert: db.prepare(`INSERT OR REPLACE INTO routes (account_id, region, stack, method, path, function_name, qualifier, payload_format)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      all: db.prepare('SELECT * FROM routes ORDER BY account_id, region, stack, path, method'),
    };
  }

  replaceStack(scope: Scope, stack: string, routes: readonly RouteRecord[]): void {
    this.db.transaction(() => {
      this.stmts.clear.run(scope.accountId, scope.region, stack);
      for (const r of routes) {
        this.stmts.insert.run(scope.accountId, scope.region, stack, r.method, r.path, r.functionName, r.qualifier, r.payloadFormatVersion);
      }
    })();
  }

  all(): RouteRecord[] {
    return (this.stmts.all.all() as Row[]).map((r) => ({
      accountId: r.account_id,
      region: r.region,
      stack: r.stack,
      method: r.method,
      path: r.path,
      functionName: r.function_name,
      qualifier: r.qualifier,
      payloadFormatVersion: r.payload_format === '1.0' ? '1.0' : '2.0',
    }));
  }
}
