/**
 * The settings other API areas keep beside a function (tags, policies, code signing, recursion,
 * runtime management) in PostgreSQL, one JSON value per (function, qualifier, kind). They go with
 * their function by foreign key, and a qualifier's go with its version or alias by trigger
 * (schema.ts). Updates of versions and aliases are upserts, which delete nothing, so they keep them.
 */
import type { Scope } from '../../core/model.js';
import type { FunctionSetting, FunctionSettingKind } from '../records.js';
import type { FunctionSettingsStore } from '../types.js';
import type { PgDb } from './db.js';

const KEY = 'account_id = $1 AND region = $2 AND function_name = $3 AND qualifier = $4 AND kind = $5';

export class PgFunctionSettingsStore implements FunctionSettingsStore {
  constructor(private readonly db: PgDb) {}

  async get(scope: Scope, functionName: string, qualifier: string, kind: FunctionSettingKind): Promise<unknown> {
    const r = await this.db.one<{ value: string }>(`SELECT value FROM function_settings WHERE ${KEY}`, [scope.accountId, scope.region, functionName, qualifier, kind]);
    return r === undefined ? undefined : (JSON.parse(r.value) as unknown);
  }

  async put(scope: Scope, functionName: string, qualifier: string, kind: FunctionSettingKind, value: unknown): Promise<void> {
    await this.db.run(
      `INSERT INTO function_settings (account_id, region, function_name, qualifier, kind, value) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (account_id, region, function_name, qualifier, kind) DO UPDATE SET value = excluded.value`,
      [scope.accountId, scope.region, functionName, qualifier, kind, JSON.stringify(value)],
    );
  }

  async delete(scope: Scope, functionName: string, qualifier: string, kind: FunctionSettingKind): Promise<boolean> {
    return (await this.db.run(`DELETE FROM function_settings WHERE ${KEY}`, [scope.accountId, scope.region, functionName, qualifier, kind])) > 0;
  }

  async all(scope: Scope, kind: FunctionSettingKind): Promise<FunctionSetting[]> {
    const rows = await this.db.rows<{ function_name: string; qualifier: string; value: string }>(
      'SELECT function_name, qualifier, value FROM function_settings WHERE account_id = $1 AND region = $2 AND kind = $3 ORDER BY function_name, qualifier',
      [scope.accountId, scope.region, kind],
    );
    return rows.map((r) => ({ functionName: r.function_name, qualifier: r.qualifier, value: JSON.parse(r.value) as unknown }));
  }
}
