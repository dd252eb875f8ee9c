/**
 * Function URL configs: the row shape of url_configs and its mapper to a record, shared by the SQLite and PostgreSQL stores (same columns in both) so the two backends cannot drift apart.
 */
import type { CorsConfig } from '../../core/model.js';
import type { UrlConfigRecord } from '../records.js';

export interface Row {
  account_id: string;
  region: string;
  function_name: string;
  qualifier: string;
  url_id: string;
  auth_type: string;
  cors: string | null;
  invoke_mode: string;
  created_at: number;
  modified_at: number;
}

export const fromRow = (r: Row): UrlConfigRecord => ({
  accountId: r.account_id,
  region: r.region,
  functionName: r.function_name,
  qualifier: r.qualifier,
  urlId: r.url_id,
  authType: r.auth_type,
  cors: r.cors === null ? undefined : (JSON.parse(r.cors) as CorsConfig),
  invokeMode: r.invoke_mode,
  createdAt: r.created_at,
  modifiedAt: r.modified_at,
});
