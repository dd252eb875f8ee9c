/**
 * APIs and their routes in SQLite. Routes are not tied to a function row by a foreign key: a
 * template may route to a function that is deployed a moment later, and a route to a deleted
 * function answers with an error rather than vanishing.
 *
 * The table of the route table's first form (`routes`, one table on the main port, no API ids)
 * is dropped: those routes were re-registered by every deployment, and a deployment now puts
 * them on their API's host.
 */
import type Database from 'better-sqlite3';
import type { Scope } from '../core/model.js';
import type { ApiRecord, RouteRecord } from './records.js';
import type { RouteStore } from './types.js';
import { authorizersText, extraText, fromApiRow, fromRow } from './rows/routes.js';
import type { ApiRow, Row } from './rows/routes.js';

export const ROUTES_SCHEMA = `
DROP TABLE IF EXISTS routes;
CREATE TABLE IF NOT EXISTS api_routes (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  stack TEXT NOT NULL,
  api_id TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  payload_format TEXT NOT NULL,
  authorizer TEXT NOT NULL DEFAULT '',
  extra TEXT,
  PRIMARY KEY (account_id, region, stack, api_id, method, path)
);
CREATE TABLE IF NOT EXISTS apis (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  stack TEXT NOT NULL,
  logical_id TEXT NOT NULL,
  api_id TEXT NOT NULL,
  type TEXT NOT NULL,
  stage TEXT NOT NULL,
  cors TEXT,
  authorizers TEXT,
  PRIMARY KEY (account_id, region, stack, logical_id)
);
`;

export class SqliteRouteStore implements RouteStore {
  private readonly stmts;

  constructor(private readonly db: Database.Database) {
    addAuthorizerColumns(db);
    this.stmts = {
      clear: db.prepare('DELETE FROM api_routes WHERE account_id = ? AND region = ? AND stack = ?'),
      insert: db.prepare(`INSERT OR REPLACE INTO api_routes (account_id, region, stack, api_id, method, path, function_name, qualifier, payload_format, authorizer, extra)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      all: db.prepare('SELECT * FROM api_routes ORDER BY account_id, region, stack, path, method, api_id'),
      clearApis: db.prepare('DELETE FROM apis WHERE account_id = ? AND region = ? AND stack = ?'),
      insertApi: db.prepare(`INSERT OR REPLACE INTO apis (account_id, region, stack, logical_id, api_id, type, stage, cors, authorizers)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      apis: db.prepare('SELECT * FROM apis ORDER BY account_id, region, stack, logical_id'),
    };
  }

  async replaceStack(scope: Scope, stack: string, routes: readonly RouteRecord[], apis?: readonly ApiRecord[]): Promise<void> {
    this.db.transaction(() => {
      this.stmts.clear.run(scope.accountId, scope.region, stack);
      for (const r of routes) {
        this.stmts.insert.run(scope.accountId, scope.region, stack, r.apiId, r.method, r.path, r.functionName, r.qualifier, r.payloadFormatVersion, r.authorizer, extraText(r));
      }
      if (apis === undefined) return;
      this.stmts.clearApis.run(scope.accountId, scope.region, stack);
      for (const a of apis) {
        this.stmts.insertApi.run(scope.accountId, scope.region, stack, a.logicalId, a.apiId, a.type, a.stage, a.cors === undefined ? null : JSON.stringify(a.cors), authorizersText(a));
      }
    })();
  }

  async all(): Promise<RouteRecord[]> {
    return (this.stmts.all.all() as Row[]).map(fromRow);
  }

  async apis(): Promise<ApiRecord[]> {
    return (this.stmts.apis.all() as ApiRow[]).map(fromApiRow);
  }
}

/** Data directories from before Lambda authorizers: their tables get the two columns (routes open, APIs without authorizers). */
function addAuthorizerColumns(db: Database.Database): void {
  const has = (table: string, col: string): boolean => (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).some((c) => c.name === col);
  if (!has('api_routes', 'authorizer')) db.exec("ALTER TABLE api_routes ADD COLUMN authorizer TEXT NOT NULL DEFAULT ''");
  if (!has('apis', 'authorizers')) db.exec('ALTER TABLE apis ADD COLUMN authorizers TEXT');
  if (!has('api_routes', 'extra')) db.exec('ALTER TABLE api_routes ADD COLUMN extra TEXT');
}
