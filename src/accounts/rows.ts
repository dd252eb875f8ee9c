/**
 * The Account record, account and audit-log rows and their mappers (here, not in store.ts, so
 * neither file imports the other in a cycle), shared by the SQLite store (store.ts) and the
 * PostgreSQL one (pg-store.ts): same columns in both. PostgreSQL hands BIGINT times back as
 * strings, SQLite as numbers; `Number()` reads both.
 */
import type { AuditEntry } from '../auth/principal.js';

export interface Account {
  accountId: string;
  name: string;
  status: string;
  createdAt: number;
}

export interface AccountRow {
  account_id: string;
  name: string;
  status: string;
  created_at: number | string;
}

export interface AuditRow {
  time: number | string;
  request_id: string;
  account_id: string;
  access_key_id: string;
  principal: string;
  source_ip: string;
  action: string;
  resource: string;
  status: number;
  error: string;
}

export const accountOf = (r: AccountRow): Account => ({ accountId: r.account_id, name: r.name, status: r.status, createdAt: Number(r.created_at) });

export const auditOf = (r: AuditRow): AuditEntry => ({
  time: Number(r.time),
  requestId: r.request_id,
  accountId: r.account_id,
  accessKeyId: r.access_key_id,
  principal: r.principal,
  sourceIp: r.source_ip,
  action: r.action,
  resource: r.resource,
  status: r.status,
  error: r.error,
});
