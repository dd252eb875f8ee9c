/**
 * The settings other API areas keep beside a function (tags, policies, code signing, recursion,
 * runtime management), one JSON value per (function, qualifier, kind). They go with their
 * function by foreign key, and a qualifier's go with its version or alias by trigger. Replacing a
 * version or alias row (INSERT OR REPLACE, as every update does) fires no delete trigger while
 * SQLite's recursive_triggers is off, its default, so updates keep them.
 */
import type Database from 'better-sqlite3';
import type { Scope } from '../core/model.js';
import type { FunctionSetting, FunctionSettingKind } from './records.js';
import type { FunctionSettingsStore } from './types.js';

export const SETTINGS_SCHEMA = `
CREATE TABLE IF NOT EXISTS function_settings (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  kind TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (account_id, region, function_name, qualifier, kind),
  FOREIGN KEY (account_id, region, function_name) REFERENCES functions (account_id, region, name) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS function_settings_kind ON function_settings (account_id, region, kind);
CREATE TRIGGER IF NOT EXISTS function_settings_of_alias AFTER DELETE ON aliases BEGIN
  DELETE FROM function_settings WHERE account_id = OLD.account_id AND region = OLD.region
    AND function_name = OLD.function_name AND qualifier = OLD.name;
END;
CREATE TRIGGER IF NOT EXISTS function_settings_of_version AFTER DELETE ON function_versions BEGIN
  DELETE FROM function_settings WHERE account_id = OLD.account_id AND region = OLD.region
    AND function_name = OLD.name AND qualifier = OLD.version;
END;
`;

interface Row {
  function_name: string;
  qualifier: string;
  value: string;
}

export class SqliteFunctionSettingsStore implements FunctionSettingsStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    const key = 'account_id = ? AND region = ? AND function_name = ? AND qualifier = ? AND kind = ?';
    this.stmts = {
      get: db.prepare(`SELECT value FROM function_settings WHERE ${key}`),
      put: db.prepare(`INSERT INTO function_settings (account_id, region, function_name, qualifier, kind, value) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (account_id, region, function_name, qualifier, kind) DO UPDATE SET value = excluded.value`),
      delete: db.prepare(`DELETE FROM function_settings WHERE ${key}`),
      all: db.prepare('SELECT function_name, qualifier, value FROM function_settings WHERE account_id = ? AND region = ? AND kind = ? ORDER BY function_name, qualifier'),
    };
  }

  async get(scope: Scope, functionName: string, qualifier: string, kind: FunctionSettingKind): Promise<unknown> {
    const r = this.stmts.get.get(scope.accountId, scope.region, functionName, qualifier, kind) as { value: string } | undefined;
    return r === undefined ? undefined : (JSON.parse(r.value) as unknown);
  }

  async put(scope: Scope, functionName: string, qualifier: string, kind: FunctionSettingKind, value: unknown): Promise<void> {
    this.stmts.put.run(scope.accountId, scope.region, functionName, qualifier, kind, JSON.stringify(value));
  }

  async delete(scope: Scope, functionName: string, qualifier: string, kind: FunctionSettingKind): Promise<boolean> {
    return this.stmts.delete.run(scope.accountId, scope.region, functionName, qualifier, kind).changes > 0;
  }

  async all(scope: Scope, kind: FunctionSettingKind): Promise<FunctionSetting[]> {
    return (this.stmts.all.all(scope.accountId, scope.region, kind) as Row[]).map((r) => ({
      functionName: r.function_name,
      qualifier: r.qualifier,
      value: JSON.parse(r.value) as unknown,
    }));
  }
}
