/**
 * Roles in PostgreSQL, for the cluster's account store (pg-store.ts), which decides when this
 * cache may answer (its listener is current) and drops it with its key cache on every
 * notification (migration 3's triggers announce role changes on the same channel as keys). The
 * rules are role-rules.ts's, shared with SQLite.
 */
import type pg from 'pg';
import type { PolicyDocument } from '../auth/iam-policy.js';
import { RoleError, type NewRole, type Role } from '../auth/roles.js';
import { transaction } from '../pg/pool.js';
import { checkDeletable, DELETED, RolePolicyCache, checkInlinePolicy, checkManagedArn, newRole, noSuchRole, roleKey, roleOf, rolePolicyDocuments, type RoleRow } from './role-rules.js';

export class PgRoles {
  private readonly cache = new RolePolicyCache();

  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => number,
  ) {}

  forget(): void {
    this.cache.clear();
  }

  cached(accountId: string, roleName: string): readonly PolicyDocument[] | null | undefined {
    return this.cache.get(accountId, roleName);
  }

  /** Read from PostgreSQL; `remember` says whether the answer may be cached (no change raced the read). */
  async policies(accountId: string, roleName: string, remember: () => boolean): Promise<readonly PolicyDocument[] | null> {
    const key = roleKey(roleName);
    const role = await this.row(accountId, roleName);
    let found: readonly PolicyDocument[] | null = null;
    if (!role && (await this.pool.query('SELECT 1 FROM auth_deleted_roles WHERE account_id = $1 AND name_key = $2', [accountId, key])).rowCount) found = DELETED;
    if (role) {
      const inline = await this.pool.query<{ document: string }>('SELECT document FROM auth_role_policies WHERE account_id = $1 AND role_key = $2 ORDER BY policy_name', [accountId, key]);
      const attached = await this.pool.query<{ policy_arn: string }>('SELECT policy_arn FROM auth_role_attached WHERE account_id = $1 AND role_key = $2 ORDER BY policy_arn', [accountId, key]);
      found = rolePolicyDocuments(
        inline.rows.map((r) => r.document),
        attached.rows.map((r) => r.policy_arn),
      );
    }
    if (remember()) this.cache.set(accountId, roleName, found);
    return found;
  }

  private async row(accountId: string, name: string): Promise<RoleRow | undefined> {
    return (await this.pool.query<RoleRow>('SELECT * FROM auth_roles WHERE account_id = $1 AND name_key = $2', [accountId, roleKey(name)])).rows[0];
  }

  private async need(accountId: string, name: string): Promise<RoleRow> {
    const r = await this.row(accountId, name);
    if (!r) throw noSuchRole(name);
    return r;
  }

  async create(accountId: string, r: NewRole): Promise<Role> {
    const { role, row } = newRole(accountId, r, this.now());
    const done = await this.pool.query(
      'INSERT INTO auth_roles (account_id, name, name_key, path, role_id, trust_policy, description, max_session, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING',
      row,
    );
    if (done.rowCount) await this.pool.query('DELETE FROM auth_deleted_roles WHERE account_id = $1 AND name_key = $2', [accountId, row[2]]);
    this.forget();
    if (done.rowCount === 0) throw new RoleError('EntityAlreadyExists', `Role with name ${r.name} already exists.`);
    return role;
  }

  async get(accountId: string, name: string): Promise<Role | undefined> {
    const r = await this.row(accountId, name);
    return r ? roleOf(r) : undefined;
  }

  async list(accountId: string): Promise<Role[]> {
    return (await this.pool.query<RoleRow>('SELECT * FROM auth_roles WHERE account_id = $1 ORDER BY name_key', [accountId])).rows.map(roleOf);
  }

  async delete(accountId: string, name: string): Promise<void> {
    const key = roleKey(name);
    try {
      await transaction(this.pool, async (c) => {
        const r = await c.query('SELECT 1 FROM auth_roles WHERE account_id = $1 AND name_key = $2 FOR UPDATE', [accountId, key]);
        if (!r.rowCount) throw noSuchRole(name);
        const inline = await c.query<{ n: string }>('SELECT count(*) AS n FROM auth_role_policies WHERE account_id = $1 AND role_key = $2', [accountId, key]);
        const attached = await c.query<{ n: string }>('SELECT count(*) AS n FROM auth_role_attached WHERE account_id = $1 AND role_key = $2', [accountId, key]);
        checkDeletable(Number(inline.rows[0]!.n), Number(attached.rows[0]!.n));
        await c.query('DELETE FROM auth_roles WHERE account_id = $1 AND name_key = $2', [accountId, key]);
        await c.query('INSERT INTO auth_deleted_roles (account_id, name_key) VALUES ($1, $2) ON CONFLICT DO NOTHING', [accountId, key]);
      });
    } finally {
      this.forget();
    }
  }

  async putPolicy(accountId: string, roleName: string, policyName: string, document: string): Promise<void> {
    checkInlinePolicy(policyName, document);
    await this.need(accountId, roleName);
    await this.pool.query(
      'INSERT INTO auth_role_policies (account_id, role_key, policy_name, document) VALUES ($1, $2, $3, $4) ON CONFLICT (account_id, role_key, policy_name) DO UPDATE SET document = excluded.document',
      [accountId, roleKey(roleName), policyName, document],
    );
    this.forget();
  }

  async getPolicy(accountId: string, roleName: string, policyName: string): Promise<string | undefined> {
    await this.need(accountId, roleName);
    const r = await this.pool.query<{ document: string }>('SELECT document FROM auth_role_policies WHERE account_id = $1 AND role_key = $2 AND policy_name = $3', [accountId, roleKey(roleName), policyName]);
    return r.rows[0]?.document;
  }

  async listPolicies(accountId: string, roleName: string): Promise<string[]> {
    await this.need(accountId, roleName);
    const r = await this.pool.query<{ policy_name: string }>('SELECT policy_name FROM auth_role_policies WHERE account_id = $1 AND role_key = $2 ORDER BY policy_name', [accountId, roleKey(roleName)]);
    return r.rows.map((x) => x.policy_name);
  }

  async deletePolicy(accountId: string, roleName: string, policyName: string): Promise<void> {
    await this.need(accountId, roleName);
    const r = await this.pool.query('DELETE FROM auth_role_policies WHERE account_id = $1 AND role_key = $2 AND policy_name = $3', [accountId, roleKey(roleName), policyName]);
    this.forget();
    if (r.rowCount === 0) throw new RoleError('NoSuchEntity', `The role policy with name ${policyName} cannot be found.`);
  }

  async attach(accountId: string, roleName: string, policyArn: string): Promise<void> {
    await this.need(accountId, roleName);
    checkManagedArn(policyArn);
    await this.pool.query('INSERT INTO auth_role_attached (account_id, role_key, policy_arn) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [accountId, roleKey(roleName), policyArn]);
    this.forget();
  }

  async detach(accountId: string, roleName: string, policyArn: string): Promise<void> {
    await this.need(accountId, roleName);
    const r = await this.pool.query('DELETE FROM auth_role_attached WHERE account_id = $1 AND role_key = $2 AND policy_arn = $3', [accountId, roleKey(roleName), policyArn]);
    this.forget();
    if (r.rowCount === 0) throw new RoleError('NoSuchEntity', `Policy ${policyArn} was not found.`);
  }

  async attached(accountId: string, roleName: string): Promise<string[]> {
    await this.need(accountId, roleName);
    const r = await this.pool.query<{ policy_arn: string }>('SELECT policy_arn FROM auth_role_attached WHERE account_id = $1 AND role_key = $2 ORDER BY policy_arn', [accountId, roleKey(roleName)]);
    return r.rows.map((x) => x.policy_arn);
  }
}
