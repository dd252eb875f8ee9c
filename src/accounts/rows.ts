/**
 * The Account and KeyInfo records, the account, key and audit-log rows and their mappers (here,
 * not in store.ts, so neither file imports the other in a cycle), shared by the SQLite store
 * (store.ts) and the PostgreSQL one (pg-store.ts): same columns in both, the audit log's declared
 * once here. PostgreSQL hands BIGINT times back as strings, SQLite as numbers; `Number()` reads both.
 */
import type { AuditEntry } from '../auth/principal.js';

export interface Account {
  accountId: string;
  name: string;
  status: string;
  createdAt: number;
}

export interface KeyInfo {
  accessKeyId: string;
  accountId: string;
  name: string;
  status: string;
  createdAt: number;
  policy?: string | undefined;
}

/** A new key: the only time its secret is handed out. */
export interface NewKey extends KeyInfo {
  secretAccessKey: string;
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

/** A key row as both stores read it (the secret stays out of KeyInfo). */
export interface KeyInfoRow {
  access_key_id: string;
  account_id: string;
  name: string;
  policy: string | null;
  status: string;
  created_at: number | string;
}

/**
 * The audit log's columns after its id and time (whose types differ: SQLite INTEGER, PostgreSQL
 * BIGSERIAL/BIGINT), as both stores' DDL declares them.
 */
export const AUDIT_COLUMNS_DDL = `  request_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  access_key_id TEXT NOT NULL,
  principal TEXT NOT NULL,
  source_ip TEXT NOT NULL,
  action TEXT NOT NULL,
  resource TEXT NOT NULL,
  status INTEGER NOT NULL,
  error TEXT NOT NULL`;

/** The audit log's columns an INSERT names, in the order of `auditValues`. */
export const AUDIT_INSERT_COLUMNS = 'time, request_id, account_id, access_key_id, principal, source_ip, action, resource, status, error';

export const auditValues = (e: AuditEntry): (string | number)[] => [e.time, e.requestId, e.accountId, e.accessKeyId, e.principal, e.sourceIp, e.action, e.resource, e.status, e.error];

export const keyInfoOf = (r: KeyInfoRow): KeyInfo => ({
  accessKeyId: r.access_key_id,
  accountId: r.account_id,
  name: r.name,
  status: r.status,
  createdAt: Number(r.created_at),
  ...(r.policy ? { policy: r.policy } : {}),
});

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
