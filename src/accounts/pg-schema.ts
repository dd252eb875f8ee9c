/**
 * The account store's tables in PostgreSQL (component `accounts`, src/pg/migrate.ts). The names
 * carry an `auth_` prefix: the cluster's other components share the database. Never edit a
 * released migration: add the next one.
 */
export const ACCOUNT_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'accounts: accounts, access keys, audit log',
    sql: `
CREATE TABLE auth_accounts (
  account_id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL DEFAULT 'Active',
  created_at BIGINT NOT NULL
);
CREATE TABLE auth_access_keys (
  access_key_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES auth_accounts (account_id),
  name TEXT NOT NULL,
  policy TEXT,
  secret BYTEA,
  box TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'Active',
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE INDEX auth_access_keys_account ON auth_access_keys (account_id);
CREATE TABLE auth_audit_log (
  id BIGSERIAL PRIMARY KEY,
  time BIGINT NOT NULL,
  request_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  access_key_id TEXT NOT NULL,
  principal TEXT NOT NULL,
  source_ip TEXT NOT NULL,
  action TEXT NOT NULL,
  resource TEXT NOT NULL,
  status INTEGER NOT NULL,
  error TEXT NOT NULL
);
CREATE INDEX auth_audit_account ON auth_audit_log (account_id, id);`,
  },
];
