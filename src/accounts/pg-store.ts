/**
 * Accounts, access keys and the audit log in PostgreSQL, shared by every node of a cluster
 * (docs/cluster.md): a key created through any node, or with `nimbus keys create --cluster`,
 * signs requests to every node. Same contract as the SQLite store (store.ts), checked by the same
 * suite (test/accounts/*.case.ts).
 *
 * Authentication reads a key per request, so active keys and accounts are cached: changes made
 * through this handle clear the cache at once; changes made through another node are seen within
 * `cacheMs` (default 2 s), the longest a key revoked elsewhere may still be accepted here.
 */
import pg from 'pg';
import { DEFAULT_ACCOUNT, type ActiveKey, type AuditEntry } from '../auth/principal.js';
import { migrate } from '../pg/migrate.js';
import { newAccessKeyId, newAccountId, newSecret } from './ids.js';
import { ACCOUNT_MIGRATIONS } from './pg-schema.js';
import { accountOf, auditOf, type AccountRow, type AuditRow } from './rows.js';
import { activeKeyOf, checkAccountName, checkKey, type StoredKey } from './rules.js';
import { PlainSecretBox, type SecretBox } from './secret-box.js';
import type { Account, AccountStore, KeyInfo, NewKey } from './store.js';

export interface PgAccountStoreOptions {
  /** postgres://user@host:port/db */
  url: string;
  box?: SecretBox;
  /** A PostgreSQL schema for the tables (tests use one per case); created if missing. */
  schema?: string;
  poolSize?: number;
  /** How long an active key or an account read is trusted before it is read again (ms). */
  cacheMs?: number;
  now?: () => number;
}

interface KeyRow extends StoredKey {
  status: string;
  created_at: string;
}

const UNIQUE_VIOLATION = '23505';
const isUnique = (e: unknown): boolean => (e as { code?: string }).code === UNIQUE_VIOLATION;

export class PgAccountStore implements AccountStore {
  private readonly pool: pg.Pool;
  private readonly box: SecretBox;
  private readonly now: () => number;
  private readonly cacheMs: number;
  private readonly keys = new Map<string, { key: ActiveKey | undefined; until: number }>();
  private readonly accounts = new Map<string, { active: boolean; until: number }>();
  private closing: Promise<void> | undefined;

  private constructor(o: PgAccountStoreOptions) {
    this.pool = new pg.Pool({ connectionString: o.url, max: o.poolSize ?? 4, ...(o.schema ? { options: `-c search_path=${o.schema}` } : {}) });
    // An idle connection that drops (PostgreSQL restarted) must not crash the node.
    this.pool.on('error', () => undefined);
    this.box = o.box ?? new PlainSecretBox();
    this.now = o.now ?? Date.now;
    this.cacheMs = o.cacheMs ?? 2000;
  }

  /** Connects, applies the migrations this database lacks and makes sure the default account exists. */
  static async open(o: PgAccountStoreOptions): Promise<PgAccountStore> {
    if (o.schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(o.schema)) throw new Error(`bad schema name ${o.schema}`);
    const s = new PgAccountStore(o);
    try {
      await migrate(s.pool, 'accounts', ACCOUNT_MIGRATIONS, o.schema);
      await s.pool.query("INSERT INTO auth_accounts (account_id, name, status, created_at) VALUES ($1, 'default', 'Active', $2) ON CONFLICT DO NOTHING", [DEFAULT_ACCOUNT, s.now()]);
    } catch (e) {
      await s.pool.end();
      throw e;
    }
    return s;
  }

  private forget(): void {
    this.keys.clear();
    this.accounts.clear();
  }

  async activeKey(accessKeyId: string): Promise<ActiveKey | undefined> {
    const t = Date.now();
    const hit = this.keys.get(accessKeyId);
    if (hit && hit.until > t) return hit.key;
    const r = await this.pool.query<KeyRow>("SELECT * FROM auth_access_keys WHERE access_key_id = $1 AND status = 'Active'", [accessKeyId]);
    const key = r.rows[0] ? activeKeyOf(r.rows[0], this.box) : undefined;
    // Unknown ids are not remembered: anyone can make up as many as they like.
    if (key) {
      if (this.keys.size >= 10_000) this.keys.clear();
      this.keys.set(accessKeyId, { key, until: t + this.cacheMs });
    }
    return key;
  }

  async accountExists(accountId: string): Promise<boolean> {
    const t = Date.now();
    const hit = this.accounts.get(accountId);
    if (hit && hit.until > t) return hit.active;
    const active = (await this.account(accountId))?.status === 'Active';
    if (this.accounts.size >= 10_000) this.accounts.clear();
    this.accounts.set(accountId, { active, until: t + this.cacheMs });
    return active;
  }

  async createAccount(name: string, accountId?: string): Promise<Account> {
    checkAccountName(name, accountId);
    if ((await this.pool.query('SELECT 1 FROM auth_accounts WHERE name = $1', [name])).rowCount) throw new Error(`an account named '${name}' exists`);
    const created = this.now();
    for (;;) {
      const id = accountId ?? newAccountId();
      try {
        const r = await this.pool.query("INSERT INTO auth_accounts (account_id, name, status, created_at) VALUES ($1, $2, 'Active', $3) ON CONFLICT (account_id) DO NOTHING", [id, name, created]);
        if (r.rowCount === 1) {
          this.accounts.delete(id);
          return { accountId: id, name, status: 'Active', createdAt: created };
        }
      } catch (e) {
        // Another node created the name in between.
        if (isUnique(e)) throw new Error(`an account named '${name}' exists`);
        throw e;
      }
      if (accountId) throw new Error(`account ${id} exists`);
    }
  }

  async listAccounts(): Promise<Account[]> {
    const r = await this.pool.query<AccountRow>("SELECT * FROM auth_accounts WHERE status = 'Active' ORDER BY created_at, account_id");
    return r.rows.map(accountOf);
  }

  async account(accountIdOrName: string): Promise<Account | undefined> {
    const r = await this.pool.query<AccountRow>('SELECT * FROM auth_accounts WHERE account_id = $1 OR name = $1', [accountIdOrName]);
    // An id and another account's name never coincide (names are not 12 digits); the id wins if they did.
    const row = r.rows.find((x) => x.account_id === accountIdOrName) ?? r.rows[0];
    return row ? accountOf(row) : undefined;
  }

  private async activeAccount(accountIdOrName: string): Promise<Account> {
    const a = await this.account(accountIdOrName);
    if (!a || a.status !== 'Active') throw new Error(`no account '${accountIdOrName}'`);
    return a;
  }

  async removeAccount(accountIdOrName: string): Promise<void> {
    const a = await this.activeAccount(accountIdOrName);
    if (a.accountId === DEFAULT_ACCOUNT) throw new Error('the default account cannot be removed');
    const now = this.now();
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      try {
        await c.query("UPDATE auth_access_keys SET status = 'Revoked', secret = NULL, revoked_at = $1 WHERE account_id = $2 AND status = 'Active'", [now, a.accountId]);
        // The row stays, renamed, so the audit log and old ARNs keep meaning something and the id is never reused.
        await c.query("UPDATE auth_accounts SET status = 'Removed', name = $1 WHERE account_id = $2", [`${a.name}#removed-${now}`, a.accountId]);
        await c.query('COMMIT');
      } catch (e) {
        await c.query('ROLLBACK');
        throw e;
      }
    } finally {
      c.release();
      this.forget();
    }
  }

  async createKey(accountIdOrName: string, o: { name?: string; policy?: string } = {}): Promise<NewKey> {
    const a = await this.activeAccount(accountIdOrName);
    const name = checkKey(o);
    const accessKeyId = newAccessKeyId();
    const secretAccessKey = newSecret();
    const createdAt = this.now();
    await this.pool.query(
      "INSERT INTO auth_access_keys (access_key_id, account_id, name, policy, secret, box, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'Active', $7)",
      [accessKeyId, a.accountId, name, o.policy ?? null, this.box.seal(secretAccessKey, accessKeyId), this.box.id, createdAt],
    );
    return { accessKeyId, accountId: a.accountId, name, status: 'Active', createdAt, secretAccessKey, ...(o.policy ? { policy: o.policy } : {}) };
  }

  async listKeys(accountIdOrName?: string): Promise<KeyInfo[]> {
    const r =
      accountIdOrName === undefined
        ? await this.pool.query<KeyRow>('SELECT * FROM auth_access_keys ORDER BY created_at, access_key_id')
        : await this.pool.query<KeyRow>('SELECT * FROM auth_access_keys WHERE account_id = $1 ORDER BY created_at, access_key_id', [(await this.activeAccount(accountIdOrName)).accountId]);
    return r.rows.map((k) => ({ accessKeyId: k.access_key_id, accountId: k.account_id, name: k.name, status: k.status, createdAt: Number(k.created_at), ...(k.policy ? { policy: k.policy } : {}) }));
  }

  async rotateKey(accessKeyId: string): Promise<NewKey> {
    const old = (await this.pool.query<KeyRow>("SELECT * FROM auth_access_keys WHERE access_key_id = $1 AND status = 'Active'", [accessKeyId])).rows[0];
    if (!old) throw new Error(`no active key '${accessKeyId}'`);
    const fresh = await this.createKey(old.account_id, { name: old.name, ...(old.policy ? { policy: old.policy } : {}) });
    await this.revokeKey(accessKeyId);
    return fresh;
  }

  async revokeKey(accessKeyId: string): Promise<void> {
    this.keys.delete(accessKeyId);
    const r = await this.pool.query("UPDATE auth_access_keys SET status = 'Revoked', secret = NULL, revoked_at = $1 WHERE access_key_id = $2 AND status = 'Active'", [
      this.now(),
      accessKeyId,
    ]);
    if (r.rowCount === 0) throw new Error(`no active key '${accessKeyId}'`);
  }

  async record(e: AuditEntry): Promise<void> {
    await this.pool.query(
      'INSERT INTO auth_audit_log (time, request_id, account_id, access_key_id, principal, source_ip, action, resource, status, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      [e.time, e.requestId, e.accountId, e.accessKeyId, e.principal, e.sourceIp, e.action, e.resource, e.status, e.error],
    );
  }

  async audit(o: { accountId?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const limit = o.limit ?? 100;
    const r =
      o.accountId === undefined
        ? await this.pool.query<AuditRow>('SELECT * FROM auth_audit_log ORDER BY id DESC LIMIT $1', [limit])
        : await this.pool.query<AuditRow>('SELECT * FROM auth_audit_log WHERE account_id = $1 ORDER BY id DESC LIMIT $2', [o.accountId, limit]);
    return r.rows.reverse().map(auditOf);
  }

  close(): Promise<void> {
    return (this.closing ??= this.pool.end());
  }
}
