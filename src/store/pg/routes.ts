/**
 * APIs and their routes in PostgreSQL. As in SQLite, routes have no foreign key to a function: a
 * template may route to a function deployed a moment later, and a route to a deleted function
 * answers with an error rather than vanishing.
 */
import type { Scope } from '../../core/model.js';
import type { ApiRecord, RouteRecord } from '../records.js';
import type { RouteStore } from '../types.js';
import { authorizersText, extraText, fromApiRow, fromRow } from '../rows/routes.js';
import type { ApiRow, Row } from '../rows/routes.js';
import type { PgDb } from './db.js';

export class PgRouteStore implements RouteStore {
  constructor(private readonly db: PgDb) {}

  async replaceStack(scope: Scope, stack: string, routes: readonly RouteRecord[], apis?: readonly ApiRecord[]): Promise<void> {
    const at = [scope.accountId, scope.region, stack];
    await this.db.tx(async (c) => {
      await c.query('DELETE FROM api_routes WHERE account_id = $1 AND region = $2 AND stack = $3', at);
      for (const r of routes) {
        await c.query(
          `INSERT INTO api_routes (account_id, region, stack, api_id, method, path, function_name, qualifier, payload_format, authorizer, extra)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (account_id, region, stack, api_id, method, path) DO UPDATE SET
           function_name = excluded.function_name, qualifier = excluded.qualifier, payload_format = excluded.payload_format, authorizer = excluded.authorizer, extra = excluded.extra`,
          [...at, r.apiId, r.method, r.path, r.functionName, r.qualifier, r.payloadFormatVersion, r.authorizer, extraText(r)],
        );
      }
      if (apis === undefined) return;
      await c.query('DELETE FROM apis WHERE account_id = $1 AND region = $2 AND stack = $3', at);
      for (const a of apis) {
        await c.query(
          `INSERT INTO apis (account_id, region, stack, logical_id, api_id, type, stage, cors, authorizers) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (account_id, region, stack, logical_id) DO UPDATE SET
           api_id = excluded.api_id, type = excluded.type, stage = excluded.stage, cors = excluded.cors, authorizers = excluded.authorizers`,
          [...at, a.logicalId, a.apiId, a.type, a.stage, a.cors === undefined ? null : JSON.stringify(a.cors), authorizersText(a)],
        );
      }
    });
  }

  async all(): Promise<RouteRecord[]> {
    const rows = await this.db.rows<Row>('SELECT * FROM api_routes ORDER BY account_id, region, stack, path, method, api_id');
    return rows.map(fromRow);
  }

  async apis(): Promise<ApiRecord[]> {
    const rows = await this.db.rows<ApiRow>('SELECT * FROM apis ORDER BY account_id, region, stack, logical_id');
    return rows.map(fromApiRow);
  }
}
