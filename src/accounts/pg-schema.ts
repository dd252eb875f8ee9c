/**
 * The account store's tables in PostgreSQL (component `accounts`, src/pg/migrate.ts). The names
 * carry an `auth_` prefix: the cluster's other components share the database. Never edit a
 * released migration: add the next one (the audit columns are rows.ts's text, unchanged).
 */
import { AUDIT_COLUMNS_DDL } from './rows.js';

/**
 * Every change of keys, accounts or roles, by any node, the CLI or by hand, is announced on this channel
 * at commit (migration 2's triggers): each node then drops its key cache (pg-store.ts).
 */
export const AUTH_CHANNEL = 'nimbus_auth_changes';

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
${AUDIT_COLUMNS_DDL}
);
CREATE INDEX auth_audit_account ON auth_audit_log (account_id, id);`,
  },
  {
    version: 2,
    name: 'accounts: changes of keys and accounts are announced',
    sql: `
CREATE FUNCTION auth_announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('${AUTH_CHANNEL}', '');
  RETURN NULL;
END $$;
CREATE TRIGGER auth_access_keys_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON auth_access_keys FOR EACH STATEMENT EXECUTE FUNCTION auth_announce_change();
CREATE TRIGGER auth_accounts_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON auth_accounts FOR EACH STATEMENT EXECUTE FUNCTION auth_announce_change();
`,
  },
  {
    version: 3,
    name: 'accounts: IAM roles, their inline and attached policies (announced like keys)',
    sql: `
CREATE TABLE auth_roles (
  account_id TEXT NOT NULL,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  path TEXT NOT NULL,
  role_id TEXT NOT NULL,
  trust_policy TEXT NOT NULL,
  description TEXT,
  max_session INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (account_id, name_key)
);
CREATE TABLE auth_role_policies (
  account_id TEXT NOT NULL,
  role_key TEXT NOT NULL,
  policy_name TEXT NOT NULL,
  document TEXT NOT NULL,
  PRIMARY KEY (account_id, role_key, policy_name)
);
CREATE TABLE auth_deleted_roles (
  account_id TEXT NOT NULL,
  name_key TEXT NOT NULL,
  PRIMARY KEY (account_id, name_key)
);
CREATE TABLE auth_role_attached (
  account_id TEXT NOT NULL,
  role_key TEXT NOT NULL,
  policy_arn TEXT NOT NULL,
  PRIMARY KEY (account_id, role_key, policy_arn)
);
CREATE TRIGGER auth_roles_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON auth_roles FOR EACH STATEMENT EXECUTE FUNCTION auth_announce_change();
CREATE TRIGGER auth_role_policies_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON auth_role_policies FOR EACH STATEMENT EXECUTE FUNCTION auth_announce_change();
CREATE TRIGGER auth_deleted_roles_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON auth_deleted_roles FOR EACH STATEMENT EXECUTE FUNCTION auth_announce_change();
CREATE TRIGGER auth_role_attached_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON auth_role_attached FOR EACH STATEMENT EXECUTE FUNCTION auth_announce_change();
`,
  },
];
