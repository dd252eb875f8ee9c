/**
 * Function log rows: the row shape of function_logs and its mapper to a stored entry, shared by the
 * SQLite and PostgreSQL stores (same columns in both) so the two backends cannot drift apart.
 */
import type { StoredLogEntry } from '../types.js';

export interface LogRow {
  id: number;
  account_id: string;
  region: string;
  function_name: string;
  version: string;
  request_id: string;
  ts: number;
  text: string;
}

export const fromLogRow = (r: LogRow): StoredLogEntry => ({
  id: r.id,
  accountId: r.account_id,
  region: r.region,
  functionName: r.function_name,
  version: r.version,
  requestId: r.request_id,
  timestamp: r.ts,
  text: r.text,
});
