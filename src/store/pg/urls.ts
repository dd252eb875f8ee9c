/** Function URL configs in PostgreSQL, found by function (control plane) or by URL id (serving). */
import type { Scope } from '../../core/model.js';
import type { UrlConfigRecord } from '../records.js';
import type { UrlConfigStore } from '../types.js';
import type { PgDb } from './db.js';
import { fromRow } from '../rows/urls.js';
import type { Row } from '../rows/urls.js';

const args = (u: UrlConfigRecord): unknown[] => [
  u.accountId, u.region, u.functionName, u.qualifier, u.urlId, u.authType,
  u.cors === undefined ? null : JSON.stringify(u.cors), u.invokeMode, u.createdAt, u.modifiedAt,
];
const INSERT = `INSERT INTO url_configs (account_id, region, function_name, qualifier, url_id, auth_type, cors, invoke_mode, created_at, modified_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`;
const KEY = 'account_id = $1 AND region = $2 AND function_name = $3';

export class PgUrlConfigStore implements UrlConfigStore {
  constructor(private readonly db: PgDb) {}

  async insert(u: UrlConfigRecord): Promise<boolean> {
    return (await this.db.run(`${INSERT} ON CONFLICT DO NOTHING`, args(u))) > 0;
  }

  async get(scope: Scope, functionName: string, qualifier: string): Promise<UrlConfigRecord | undefined> {
    const r = await this.db.one<Row>(`SELECT * FROM url_configs WHERE ${KEY} AND qualifier = $4`, [scope.accountId, scope.region, functionName, qualifier]);
    return r && fromRow(r);
  }

  async byUrlId(urlId: string): Promise<UrlConfigRecord | undefined> {
    const r = await this.db.one<Row>('SELECT * FROM url_configs WHERE url_id = $1', [urlId]);
    return r && fromRow(r);
  }

  /** An update in place: a URL id held by another config fails its UNIQUE constraint instead of replacing that config. */
  async put(u: UrlConfigRecord): Promise<void> {
    await this.db.run(`${INSERT} ON CONFLICT (account_id, region, function_name, qualifier) DO UPDATE SET
      url_id = excluded.url_id, auth_type = excluded.auth_type, cors = excluded.cors, invoke_mode = excluded.invoke_mode,
      created_at = excluded.created_at, modified_at = excluded.modified_at`, args(u));
  }

  async delete(scope: Scope, functionName: string, qualifier: string): Promise<boolean> {
    return (await this.db.run(`DELETE FROM url_configs WHERE ${KEY} AND qualifier = $4`, [scope.accountId, scope.region, functionName, qualifier])) > 0;
  }

  async list(scope: Scope, functionName: string): Promise<UrlConfigRecord[]> {
    return (await this.db.rows<Row>(`SELECT * FROM url_configs WHERE ${KEY} ORDER BY qualifier`, [scope.accountId, scope.region, functionName])).map(fromRow);
  }
}
