/**
 * Accounts, their access keys and the audit log, in `<data-dir>/auth.db` (SQLite, 0600). The
 * server reads it to authenticate every request; `nimbus accounts`, `nimbus keys` and
 * `nimbus audit` open the same file (WAL: both may have it open at once), so a key created or
 * revoked with the CLI counts at the server too (how soon: `cachedKey`, below). Every method but
 * `cachedKey` is Promise-returning, as new store interfaces must be (a clustered store may be remote).
 *
 * A key's secret is stored through a SecretBox bound to the key id (secret-box.ts): the server and
 * the CLI seal it with the keyring (keyring-box.ts); rows written before that name the `plain` box
 * and still open. A revoked key keeps its row (the audit log names it) but loses its secret.
 * A cluster shares one PostgreSQL store instead (pg-store.ts), which behaves the same.
 */
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { DEFAULT_ACCOUNT, type ActiveKey, type AuditEntry, type AuditSink, type KeyLookup } from '../auth/principal.js';
import { privateDatabase } from '../core/private-files.js';
import { newAccountId } from './ids.js';
import { accountRemoval, activeAccount, activeKeyOf, checkAccountName, newKey, rotate, type StoredKey } from './rules.js';
import { type Account, accountOf, AUDIT_COLUMNS_DDL, AUDIT_INSERT_COLUMNS, auditOf, auditValues, keyInfoOf, type AccountRow, type AuditRow, type KeyInfo, type NewKey } from './rows.js';
export type { Account, KeyInfo, NewKey } from './rows.js';
import { PlainSecretBox, type SecretBox } from './secret-box.js';
import type { PolicyDocument } from '../auth/iam-policy.js';
import type { NewRole, Role, RolePolicyLookup, RoleStore } from '../auth/roles.js';
import { ROLE_TABLES, SqliteRoles } from './sqlite-roles.js';

/**
 * How long (ms, monotonic) the server trusts its last look at whether another process (the CLI)
 * committed to auth.db: a key that process revoked is refused by every request authenticated
 * this long or longer after the revocation committed (docs/auth.md). One `PRAGMA data_version`
 * per this interval at most, instead of one per request.
 */
export const SQLITE_KEY_CHECK_MS = 100;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS accounts (
  account_id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  status TEXT NOT NULL DEFAULT 'Active',
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS access_keys (
  access_key_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts (account_id),
  name TEXT NOT NULL,
  policy TEXT,
  secret BLOB,
  box TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'Active',
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX IF NOT EXISTS access_keys_account ON access_keys (account_id);
CREATE TABLE IF NOT EXISTS audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  time INTEGER NOT NULL,
${AUDIT_COLUMNS_DDL}
);
CREATE INDEX IF NOT EXISTS audit_account_time ON audit_log (account_id, id);
${ROLE_TABLES}
`;

export interface AccountStore extends KeyLookup, AuditSink, RoleStore, RolePolicyLookup {
  createAccount(name: string, accountId?: string): Promise<Account>;
  listAccounts(): Promise<Account[]>;
  /** Removes an account and revokes its keys; the default account cannot be removed. */
  removeAccount(accountIdOrName: string): Promise<void>;
  account(accountIdOrName: string): Promise<Account | undefined>;
  createKey(accountIdOrName: string, o?: { name?: string; policy?: string }): Promise<NewKey>;
  listKeys(accountIdOrName?: string): Promise<KeyInfo[]>;
  /** A new key with the old one's account, name and policy; the old one is revoked. */
  rotateKey(accessKeyId: string): Promise<NewKey>;
  revokeKey(accessKeyId: string): Promise<void>;
  audit(o?: { accountId?: string; limit?: number }): Promise<AuditEntry[]>;
  close(): Promise<void>;
}

interface KeyRow extends StoredKey {
  status: string;
  created_at: number;
}

export class SqliteAccountStore implements AccountStore {
  private readonly db: Database.Database;
  private readonly getKey: Database.Statement<[string], KeyRow>;
  private readonly insertAudit: Database.Statement;
  /**
   * Active keys already read, so that a warm Invoke does not pay a row read and a secret unseal
   * per request. This handle's own writes drop it at once. SQLite's data_version changes
   * whenever another connection (the CLI) commits: `activeKey` looks at it every time, the hot
   * path (`cachedKey`) at most every SQLITE_KEY_CHECK_MS; a change drops the cache.
   */
  private readonly cache = new Map<string, ActiveKey>();
  /** Roles and their policies: their cache is dropped with the keys' (same data_version rule). */
  private readonly roles: SqliteRoles;
  private readonly dataVersion: Database.Statement<[], number>;
  private seenVersion = -1;
  /** When data_version was last read (performance.now()). */
  private checkedAt = -Infinity;

  constructor(
    file: string,
    private readonly box: SecretBox = new PlainSecretBox(),
    private readonly now: () => number = Date.now,
  ) {
    privateDatabase(file);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    this.db
      .prepare("INSERT OR IGNORE INTO accounts (account_id, name, status, created_at) VALUES (?, 'default', 'Active', ?)")
      .run(DEFAULT_ACCOUNT, this.now());
    this.getKey = this.db.prepare("SELECT * FROM access_keys WHERE access_key_id = ? AND status = 'Active'");
    this.dataVersion = this.db.prepare('PRAGMA data_version').pluck() as Database.Statement<[], number>;
    this.roles = new SqliteRoles(this.db, this.now);
    this.insertAudit = this.db.prepare(`INSERT INTO audit_log (${AUDIT_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  }

  /** Drops the cache if another connection committed since the last look. */
  private sync(): void {
    const version = this.dataVersion.get()!;
    this.checkedAt = performance.now();
    if (version !== this.seenVersion) {
      this.cache.clear();
      this.roles.forget();
      this.seenVersion = version;
    }
  }

  /**
   * The key from memory, without a query unless the last look at data_version is older than
   * SQLITE_KEY_CHECK_MS; undefined when it is not cached (ask `activeKey`).
   */
  cachedKey(accessKeyId: string): ActiveKey | undefined {
    if (performance.now() - this.checkedAt >= SQLITE_KEY_CHECK_MS) this.sync();
    return this.cache.get(accessKeyId);
  }

  async activeKey(accessKeyId: string): Promise<ActiveKey | undefined> {
    this.sync();
    const hit = this.cache.get(accessKeyId);
    if (hit) return hit;
    const r = this.getKey.get(accessKeyId);
    const key = r ? activeKeyOf(r, this.box) : undefined;
    if (!key) return undefined;
    if (this.cache.size >= 10_000) this.cache.clear();
    this.cache.set(accessKeyId, key);
    return key;
  }

  async accountExists(accountId: string): Promise<boolean> {
    return (await this.account(accountId))?.status === 'Active';
  }

  async createAccount(name: string, accountId?: string): Promise<Account> {
    checkAccountName(name, accountId);
    if (this.db.prepare('SELECT 1 FROM accounts WHERE name = ?').get(name)) throw new Error(`an account named '${name}' exists`);
    let id = accountId ?? newAccountId();
    while (!accountId && this.db.prepare('SELECT 1 FROM accounts WHERE account_id = ?').get(id)) id = newAccountId();
    if (accountId && this.db.prepare('SELECT 1 FROM accounts WHERE account_id = ?').get(id)) throw new Error(`account ${id} exists`);
    const created = this.now();
    this.db.prepare("INSERT INTO accounts (account_id, name, status, created_at) VALUES (?, ?, 'Active', ?)").run(id, name, created);
    return { accountId: id, name, status: 'Active', createdAt: created };
  }

  async listAccounts(): Promise<Account[]> {
    const rows = this.db.prepare("SELECT * FROM accounts WHERE status = 'Active' ORDER BY created_at, account_id").all() as AccountRow[];
    return rows.map(accountOf);
  }

  async account(accountIdOrName: string): Promise<Account | undefined> {
    const r = this.db.prepare('SELECT * FROM accounts WHERE account_id = ? OR name = ?').get(accountIdOrName, accountIdOrName) as AccountRow | undefined;
    return r ? accountOf(r) : undefined;
  }

  async removeAccount(accountIdOrName: string): Promise<void> {
    const now = this.now();
    const r = await accountRemoval(this, accountIdOrName, now);
    this.cache.clear();
    this.db.transaction(() => {
      this.db.prepare("UPDATE access_keys SET status = 'Revoked', secret = NULL, revoked_at = ? WHERE account_id = ? AND status = 'Active'").run(now, r.accountId);
      this.db.prepare("UPDATE accounts SET status = 'Removed', name = ? WHERE account_id = ?").run(r.renamedTo, r.accountId);
    })();
  }

  async createKey(accountIdOrName: string, o: { name?: string; policy?: string } = {}): Promise<NewKey> {
    const { key, row } = await newKey(this, accountIdOrName, o, this.box, this.now());
    this.db.prepare("INSERT INTO access_keys (access_key_id, account_id, name, policy, secret, box, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'Active', ?)").run(...row);
    return key;
  }

  async listKeys(accountIdOrName?: string): Promise<KeyInfo[]> {
    const rows = (
      accountIdOrName === undefined
        ? this.db.prepare('SELECT * FROM access_keys ORDER BY created_at').all()
        : this.db.prepare('SELECT * FROM access_keys WHERE account_id = ? ORDER BY created_at').all((await activeAccount(this, accountIdOrName)).accountId)
    ) as KeyRow[];
    return rows.map(keyInfoOf);
  }

  async rotateKey(accessKeyId: string): Promise<NewKey> {
    return await rotate(this, this.getKey.get(accessKeyId), accessKeyId);
  }

  async revokeKey(accessKeyId: string): Promise<void> {
    this.cache.clear();
    const r = this.db.prepare("UPDATE access_keys SET status = 'Revoked', secret = NULL, revoked_at = ? WHERE access_key_id = ? AND status = 'Active'").run(this.now(), accessKeyId);
    if (r.changes === 0) throw new Error(`no active key '${accessKeyId}'`);
  }

  async record(e: AuditEntry): Promise<void> {
    this.insertAudit.run(...auditValues(e));
  }

  async audit(o: { accountId?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const limit = o.limit ?? 100;
    const rows = (
      o.accountId === undefined
        ? this.db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?').all(limit)
        : this.db.prepare('SELECT * FROM audit_log WHERE account_id = ? ORDER BY id DESC LIMIT ?').all(o.accountId, limit)
    ) as AuditRow[];
    return rows.reverse().map(auditOf);
  }

  cachedRolePolicies(accountId: string, roleName: string): readonly PolicyDocument[] | null | undefined {
    if (performance.now() - this.checkedAt >= SQLITE_KEY_CHECK_MS) this.sync();
    return this.roles.cached(accountId, roleName);
  }

  async rolePolicies(accountId: string, roleName: string): Promise<readonly PolicyDocument[] | null> {
    this.sync();
    return this.roles.policies(accountId, roleName);
  }

  async createRole(accountId: string, r: NewRole): Promise<Role> {
    return this.roles.create(accountId, r);
  }

  async getRole(accountId: string, name: string): Promise<Role | undefined> {
    return this.roles.get(accountId, name);
  }

  async listRoles(accountId: string): Promise<Role[]> {
    return this.roles.list(accountId);
  }

  async deleteRole(accountId: string, name: string): Promise<void> {
    this.roles.delete(accountId, name);
  }

  async putRolePolicy(accountId: string, roleName: string, policyName: string, document: string): Promise<void> {
    this.roles.putPolicy(accountId, roleName, policyName, document);
  }

  async getRolePolicy(accountId: string, roleName: string, policyName: string): Promise<string | undefined> {
    return this.roles.getPolicy(accountId, roleName, policyName);
  }

  async listRolePolicies(accountId: string, roleName: string): Promise<string[]> {
    return this.roles.listPolicies(accountId, roleName);
  }

  async deleteRolePolicy(accountId: string, roleName: string, policyName: string): Promise<void> {
    this.roles.deletePolicy(accountId, roleName, policyName);
  }

  async attachRolePolicy(accountId: string, roleName: string, policyArn: string): Promise<void> {
    this.roles.attach(accountId, roleName, policyArn);
  }

  async detachRolePolicy(accountId: string, roleName: string, policyArn: string): Promise<void> {
    this.roles.detach(accountId, roleName, policyArn);
  }

  async listAttachedRolePolicies(accountId: string, roleName: string): Promise<string[]> {
    return this.roles.attached(accountId, roleName);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
