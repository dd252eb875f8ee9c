/**
 * Accounts, access keys and the audit log in PostgreSQL, shared by every node of a cluster
 * (docs/cluster.md): a key created through any node, or with `nimbus keys create --cluster`,
 * signs requests to every node. Same contract as the SQLite store (store.ts), checked by the same
 * suite (test/accounts/*.case.ts).
 *
 * Authentication reads a key per request, so active keys and accounts are cached, kept coherent
 * across nodes by LISTEN/NOTIFY (src/pg/listener.ts), as the function store's version cache is:
 * every write to the key and account tables, whoever makes it (a node, `nimbus keys --cluster`,
 * SQL by hand), notifies at commit through a trigger (pg-schema.ts), and each node then drops
 * its cache. Changes made through this handle drop it at once.
 *
 * - A read that raced a change does not refill the cache with what it read before (`generation`).
 * - The cache answers only while the listener is current: every notification committed up to
 *   PG_KEY_STALE_MS ago has been delivered (`heardAt`, kept fresh by a ping every 250 ms). So a
 *   key revoked on another node is refused by every request authenticated PG_KEY_STALE_MS or
 *   more after the revocation committed, even when the listening connection stalls or drops:
 *   the cache then stops answering and every lookup reads PostgreSQL until it listens again.
 */
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { DEFAULT_ACCOUNT, type ActiveKey, type AuditEntry } from '../auth/principal.js';
import { StoreListener } from '../pg/listener.js';
import { migrate } from '../pg/migrate.js';
import { newAccountId } from './ids.js';
import { ACCOUNT_MIGRATIONS, AUTH_CHANNEL } from './pg-schema.js';
import { accountOf, AUDIT_INSERT_COLUMNS, auditOf, auditValues, keyInfoOf, type AccountRow, type AuditRow } from './rows.js';
import { accountRemoval, activeAccount, activeKeyOf, checkAccountName, newKey, rotate, type StoredKey } from './rules.js';
import { PlainSecretBox, type SecretBox } from './secret-box.js';
import type { Account, AccountStore, KeyInfo, NewKey } from './store.js';
import type { PolicyDocument } from '../auth/iam-policy.js';
import type { NewRole, Role } from '../auth/roles.js';
import { PgRoles } from './pg-roles.js';

/** The longest (ms) a key revoked through another node or the CLI may still be accepted here. */
export const PG_KEY_STALE_MS = 1_000;
const PING_MS = 250;
const CACHE_LIMIT = 10_000;

export interface PgAccountStoreOptions {
  /** postgres://user@host:port/db */
  url: string;
  box?: SecretBox;
  /** A PostgreSQL schema for the tables (tests use one per case); created if missing. */
  schema?: string;
  poolSize?: number;
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
  private readonly keys = new Map<string, ActiveKey>();
  private readonly accounts = new Map<string, boolean>();
  /** Roles and their policies, cached and dropped with the keys. */
  private readonly roles: PgRoles;
  /** Bumped by every invalidation: a read sent under an older generation does not fill the cache. */
  private generation = 0;
  /** Started by the first key lookup: the CLI, which only writes, never listens. */
  private readonly listener: StoreListener;
  private listening = false;
  private closing: Promise<void> | undefined;

  private constructor(o: PgAccountStoreOptions) {
    this.pool = new pg.Pool({ connectionString: o.url, max: o.poolSize ?? 4, ...(o.schema ? { options: `-c search_path=${o.schema}` } : {}) });
    // An idle connection that drops (PostgreSQL restarted) must not crash the node.
    this.pool.on('error', () => undefined);
    this.box = o.box ?? new PlainSecretBox();
    this.now = o.now ?? Date.now;
    this.roles = new PgRoles(this.pool, this.now);
    this.listener = new StoreListener(o.url, [AUTH_CHANNEL], { pingMs: PING_MS, applicationName: 'nimbus-accounts-listener' });
    this.listener.subscribe({
      notice: () => this.forget(),
      // Lost or (re)started listening: whatever was written meanwhile is unknown, start empty.
      reset: () => this.forget(),
    });
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
    this.generation++;
    this.keys.clear();
    this.accounts.clear();
    this.roles.forget();
  }

  /** Whether the cache may answer: every notification committed PG_KEY_STALE_MS ago or earlier has arrived. */
  private current(): boolean {
    if (!this.listening) {
      this.listening = true;
      this.listener.start().catch(() => undefined);
    }
    return this.listener.live && performance.now() - this.listener.heardAt < PG_KEY_STALE_MS;
  }

  /** The key from memory while the cache is current; undefined otherwise or when not cached (ask `activeKey`). */
  cachedKey(accessKeyId: string): ActiveKey | undefined {
    return this.current() ? this.keys.get(accessKeyId) : undefined;
  }

  async activeKey(accessKeyId: string): Promise<ActiveKey | undefined> {
    const hit = this.cachedKey(accessKeyId);
    if (hit) return hit;
    const generation = this.generation;
    const r = await this.pool.query<KeyRow>("SELECT * FROM auth_access_keys WHERE access_key_id = $1 AND status = 'Active'", [accessKeyId]);
    const key = r.rows[0] ? activeKeyOf(r.rows[0], this.box) : undefined;
    // Unknown ids are not remembered: anyone can make up as many as they like.
    if (key && generation === this.generation && this.listener.live) {
      if (this.keys.size >= CACHE_LIMIT) this.keys.clear();
      this.keys.set(accessKeyId, key);
    }
    return key;
  }

  async accountExists(accountId: string): Promise<boolean> {
    const hit = this.current() ? this.accounts.get(accountId) : undefined;
    if (hit !== undefined) return hit;
    const generation = this.generation;
    const active = (await this.account(accountId))?.status === 'Active';
    if (generation === this.generation && this.listener.live) {
      if (this.accounts.size >= CACHE_LIMIT) this.accounts.clear();
      this.accounts.set(accountId, active);
    }
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
          this.forget();
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

  async removeAccount(accountIdOrName: string): Promise<void> {
    const now = this.now();
    const a = await accountRemoval(this, accountIdOrName, now);
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      try {
        await c.query("UPDATE auth_access_keys SET status = 'Revoked', secret = NULL, revoked_at = $1 WHERE account_id = $2 AND status = 'Active'", [now, a.accountId]);
        await c.query("UPDATE auth_accounts SET status = 'Removed', name = $1 WHERE account_id = $2", [a.renamedTo, a.accountId]);
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
    const { key, row } = await newKey(this, accountIdOrName, o, this.box, this.now());
    await this.pool.query("INSERT INTO auth_access_keys (access_key_id, account_id, name, policy, secret, box, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, 'Active', $7)", row);
    return key;
  }

  async listKeys(accountIdOrName?: string): Promise<KeyInfo[]> {
    const r =
      accountIdOrName === undefined
        ? await this.pool.query<KeyRow>('SELECT * FROM auth_access_keys ORDER BY created_at, access_key_id')
        : await this.pool.query<KeyRow>('SELECT * FROM auth_access_keys WHERE account_id = $1 ORDER BY created_at, access_key_id', [(await activeAccount(this, accountIdOrName)).accountId]);
    return r.rows.map(keyInfoOf);
  }

  async rotateKey(accessKeyId: string): Promise<NewKey> {
    const old = (await this.pool.query<KeyRow>("SELECT * FROM auth_access_keys WHERE access_key_id = $1 AND status = 'Active'", [accessKeyId])).rows[0];
    return await rotate(this, old, accessKeyId);
  }

  async revokeKey(accessKeyId: string): Promise<void> {
    let r: pg.QueryResult;
    try {
      r = await this.pool.query("UPDATE auth_access_keys SET status = 'Revoked', secret = NULL, revoked_at = $1 WHERE access_key_id = $2 AND status = 'Active'", [this.now(), accessKeyId]);
    } finally {
      // After the commit: a lookup made while the UPDATE ran may have cached the key.
      this.forget();
    }
    if (r.rowCount === 0) throw new Error(`no active key '${accessKeyId}'`);
  }

  async record(e: AuditEntry): Promise<void> {
    await this.pool.query(`INSERT INTO auth_audit_log (${AUDIT_INSERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, auditValues(e));
  }

  async audit(o: { accountId?: string; limit?: number } = {}): Promise<AuditEntry[]> {
    const limit = o.limit ?? 100;
    const r =
      o.accountId === undefined
        ? await this.pool.query<AuditRow>('SELECT * FROM auth_audit_log ORDER BY id DESC LIMIT $1', [limit])
        : await this.pool.query<AuditRow>('SELECT * FROM auth_audit_log WHERE account_id = $1 ORDER BY id DESC LIMIT $2', [o.accountId, limit]);
    return r.rows.reverse().map(auditOf);
  }

  cachedRolePolicies(accountId: string, roleName: string): readonly PolicyDocument[] | null | undefined {
    return this.current() ? this.roles.cached(accountId, roleName) : undefined;
  }

  async rolePolicies(accountId: string, roleName: string): Promise<readonly PolicyDocument[] | null> {
    const hit = this.cachedRolePolicies(accountId, roleName);
    if (hit !== undefined) return hit;
    const generation = this.generation;
    return await this.roles.policies(accountId, roleName, () => generation === this.generation && this.listener.live);
  }

  async createRole(accountId: string, r: NewRole): Promise<Role> {
    return await this.roles.create(accountId, r);
  }

  async getRole(accountId: string, name: string): Promise<Role | undefined> {
    return await this.roles.get(accountId, name);
  }

  async listRoles(accountId: string): Promise<Role[]> {
    return await this.roles.list(accountId);
  }

  async deleteRole(accountId: string, name: string): Promise<void> {
    await this.roles.delete(accountId, name);
  }

  async putRolePolicy(accountId: string, roleName: string, policyName: string, document: string): Promise<void> {
    await this.roles.putPolicy(accountId, roleName, policyName, document);
  }

  async getRolePolicy(accountId: string, roleName: string, policyName: string): Promise<string | undefined> {
    return await this.roles.getPolicy(accountId, roleName, policyName);
  }

  async listRolePolicies(accountId: string, roleName: string): Promise<string[]> {
    return await this.roles.listPolicies(accountId, roleName);
  }

  async deleteRolePolicy(accountId: string, roleName: string, policyName: string): Promise<void> {
    await this.roles.deletePolicy(accountId, roleName, policyName);
  }

  async attachRolePolicy(accountId: string, roleName: string, policyArn: string): Promise<void> {
    await this.roles.attach(accountId, roleName, policyArn);
  }

  async detachRolePolicy(accountId: string, roleName: string, policyArn: string): Promise<void> {
    await this.roles.detach(accountId, roleName, policyArn);
  }

  async listAttachedRolePolicies(accountId: string, roleName: string): Promise<string[]> {
    return await this.roles.attached(accountId, roleName);
  }

  close(): Promise<void> {
    return (this.closing ??= (async () => {
      await this.listener.close();
      await this.pool.end();
    })());
  }
}
