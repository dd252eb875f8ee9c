/**
 * Roles in auth.db (SQLite), for the account store (store.ts), which drops this cache whenever it
 * drops its key cache: on its own writes and when another connection committed (data_version).
 * The rules (names, documents, conflicts) are role-rules.ts's, shared with PostgreSQL.
 */
import type Database from 'better-sqlite3';
import type { PolicyDocument } from '../auth/iam-policy.js';
import { RoleError, type NewRole, type Role } from '../auth/roles.js';
import { checkDeletable, DELETED, RolePolicyCache, checkInlinePolicy, checkManagedArn, newRole, noSuchRole, roleKey, roleOf, rolePolicyDocuments, type RoleRow } from './role-rules.js';

export const ROLE_TABLES = `
CREATE TABLE IF NOT EXISTS iam_roles (
  account_id TEXT NOT NULL,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL,
  path TEXT NOT NULL,
  role_id TEXT NOT NULL,
  trust_policy TEXT NOT NULL,
  description TEXT,
  max_session INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, name_key)
);
CREATE TABLE IF NOT EXISTS iam_role_policies (
  account_id TEXT NOT NULL,
  role_key TEXT NOT NULL,
  policy_name TEXT NOT NULL,
  document TEXT NOT NULL,
  PRIMARY KEY (account_id, role_key, policy_name)
);
CREATE TABLE IF NOT EXISTS iam_deleted_roles (
  account_id TEXT NOT NULL,
  name_key TEXT NOT NULL,
  PRIMARY KEY (account_id, name_key)
);
CREATE TABLE IF NOT EXISTS iam_role_attached (
  account_id TEXT NOT NULL,
  role_key TEXT NOT NULL,
  policy_arn TEXT NOT NULL,
  PRIMARY KEY (account_id, role_key, policy_arn)
);
`;

export class SqliteRoles {
  private readonly cache = new RolePolicyCache();

  constructor(
    private readonly db: Database.Database,
    private readonly now: () => number,
  ) {}

  forget(): void {
    this.cache.clear();
  }

  cached(accountId: string, roleName: string): readonly PolicyDocument[] | null | undefined {
    return this.cache.get(accountId, roleName);
  }

  policies(accountId: string, roleName: string): readonly PolicyDocument[] | null {
    const hit = this.cache.get(accountId, roleName);
    if (hit !== undefined) return hit;
    const found = this.row(accountId, roleName)
      ? rolePolicyDocuments(
          (this.db.prepare('SELECT document FROM iam_role_policies WHERE account_id = ? AND role_key = ? ORDER BY policy_name').pluck().all(accountId, roleKey(roleName)) as string[]),
          this.attached(accountId, roleName),
        )
      : this.db.prepare('SELECT 1 FROM iam_deleted_roles WHERE account_id = ? AND name_key = ?').get(accountId, roleKey(roleName))
        ? DELETED
        : null;
    this.cache.set(accountId, roleName, found);
    return found;
  }

  private row(accountId: string, name: string): RoleRow | undefined {
    return this.db.prepare('SELECT * FROM iam_roles WHERE account_id = ? AND name_key = ?').get(accountId, roleKey(name)) as RoleRow | undefined;
  }

  private need(accountId: string, name: string): RoleRow {
    const r = this.row(accountId, name);
    if (!r) throw noSuchRole(name);
    return r;
  }

  create(accountId: string, r: NewRole): Role {
    const { role, row } = newRole(accountId, r, this.now());
    const done = this.db.transaction(() => {
      const d = this.db.prepare('INSERT OR IGNORE INTO iam_roles (account_id, name, name_key, path, role_id, trust_policy, description, max_session, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(...row);
      if (d.changes) this.db.prepare('DELETE FROM iam_deleted_roles WHERE account_id = ? AND name_key = ?').run(accountId, row[2]);
      return d;
    })();
    if (done.changes === 0) throw new RoleError('EntityAlreadyExists', `Role with name ${r.name} already exists.`);
    this.forget();
    return role;
  }

  get(accountId: string, name: string): Role | undefined {
    const r = this.row(accountId, name);
    return r ? roleOf(r) : undefined;
  }

  list(accountId: string): Role[] {
    return (this.db.prepare('SELECT * FROM iam_roles WHERE account_id = ? ORDER BY name_key').all(accountId) as RoleRow[]).map(roleOf);
  }

  delete(accountId: string, name: string): void {
    this.db.transaction(() => {
      this.need(accountId, name);
      const key = roleKey(name);
      const inline = this.db.prepare('SELECT count(*) FROM iam_role_policies WHERE account_id = ? AND role_key = ?').pluck().get(accountId, key) as number;
      const attached = this.db.prepare('SELECT count(*) FROM iam_role_attached WHERE account_id = ? AND role_key = ?').pluck().get(accountId, key) as number;
      checkDeletable(inline, attached);
      this.db.prepare('DELETE FROM iam_roles WHERE account_id = ? AND name_key = ?').run(accountId, key);
      this.db.prepare('INSERT OR IGNORE INTO iam_deleted_roles (account_id, name_key) VALUES (?, ?)').run(accountId, key);
    })();
    this.forget();
  }

  putPolicy(accountId: string, roleName: string, policyName: string, document: string): void {
    checkInlinePolicy(policyName, document);
    this.need(accountId, roleName);
    this.db.prepare('INSERT INTO iam_role_policies (account_id, role_key, policy_name, document) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET document = excluded.document').run(accountId, roleKey(roleName), policyName, document);
    this.forget();
  }

  getPolicy(accountId: string, roleName: string, policyName: string): string | undefined {
    this.need(accountId, roleName);
    return this.db.prepare('SELECT document FROM iam_role_policies WHERE account_id = ? AND role_key = ? AND policy_name = ?').pluck().get(accountId, roleKey(roleName), policyName) as string | undefined;
  }

  listPolicies(accountId: string, roleName: string): string[] {
    this.need(accountId, roleName);
    return this.db.prepare('SELECT policy_name FROM iam_role_policies WHERE account_id = ? AND role_key = ? ORDER BY policy_name').pluck().all(accountId, roleKey(roleName)) as string[];
  }

  deletePolicy(accountId: string, roleName: string, policyName: string): void {
    this.need(accountId, roleName);
    const r = this.db.prepare('DELETE FROM iam_role_policies WHERE account_id = ? AND role_key = ? AND policy_name = ?').run(accountId, roleKey(roleName), policyName);
    this.forget();
    if (r.changes === 0) throw new RoleError('NoSuchEntity', `The role policy with name ${policyName} cannot be found.`);
  }

  attach(accountId: string, roleName: string, policyArn: string): void {
    this.need(accountId, roleName);
    checkManagedArn(policyArn);
    this.db.prepare('INSERT OR IGNORE INTO iam_role_attached (account_id, role_key, policy_arn) VALUES (?, ?, ?)').run(accountId, roleKey(roleName), policyArn);
    this.forget();
  }

  detach(accountId: string, roleName: string, policyArn: string): void {
    this.need(accountId, roleName);
    const r = this.db.prepare('DELETE FROM iam_role_attached WHERE account_id = ? AND role_key = ? AND policy_arn = ?').run(accountId, roleKey(roleName), policyArn);
    this.forget();
    if (r.changes === 0) throw new RoleError('NoSuchEntity', `Policy ${policyArn} was not found.`);
  }

  attached(accountId: string, roleName: string): string[] {
    this.need(accountId, roleName);
    return this.db.prepare('SELECT policy_arn FROM iam_role_attached WHERE account_id = ? AND role_key = ? ORDER BY policy_arn').pluck().all(accountId, roleKey(roleName)) as string[];
  }
}
