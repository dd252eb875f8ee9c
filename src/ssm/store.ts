/**
 * Parameter Store's state in its own SQLite file (`<data dir>/ssm.db`, WAL, synchronous=FULL: an
 * acknowledged PutParameter survives a crash): every version of every parameter, scoped by
 * account and region, and each parameter's tags. A SecureString's value is stored sealed
 * (service.ts); nothing here reads values.
 */
import Database from 'better-sqlite3';
import type { Scope } from '../core/model.js';
import { privateDatabase } from '../core/private-files.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ssm_parameters (
  account_id TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
  type TEXT NOT NULL, value TEXT NOT NULL, description TEXT, data_type TEXT NOT NULL, tier TEXT NOT NULL,
  allowed_pattern TEXT, key_id TEXT, labels TEXT NOT NULL, modified_at INTEGER NOT NULL, modified_user TEXT NOT NULL,
  PRIMARY KEY (account_id, region, name, version)
);
CREATE TABLE IF NOT EXISTS ssm_tags (
  account_id TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, tags TEXT NOT NULL,
  PRIMARY KEY (account_id, region, name)
);
`;

export type ParameterType = 'String' | 'StringList' | 'SecureString';

export interface ParameterVersion extends Scope {
  name: string;
  version: number;
  type: ParameterType;
  /** Plain text, or sealed for a SecureString. */
  value: string;
  description: string | undefined;
  dataType: string;
  tier: string;
  allowedPattern: string | undefined;
  keyId: string | undefined;
  labels: string[];
  modifiedAt: number;
  modifiedUser: string;
}

interface Row {
  account_id: string;
  region: string;
  name: string;
  version: number;
  type: string;
  value: string;
  description: string | null;
  data_type: string;
  tier: string;
  allowed_pattern: string | null;
  key_id: string | null;
  labels: string;
  modified_at: number;
  modified_user: string;
}

const fromRow = (r: Row): ParameterVersion => ({
  accountId: r.account_id,
  region: r.region,
  name: r.name,
  version: r.version,
  type: r.type as ParameterType,
  value: r.value,
  description: r.description ?? undefined,
  dataType: r.data_type,
  tier: r.tier,
  allowedPattern: r.allowed_pattern ?? undefined,
  keyId: r.key_id ?? undefined,
  labels: JSON.parse(r.labels) as string[],
  modifiedAt: r.modified_at,
  modifiedUser: r.modified_user,
});

/** Versions a parameter keeps (AWS's limit); the oldest goes when a new one is written. */
export const MAX_VERSIONS = 100;

export class ParameterStore {
  private readonly db: Database.Database;
  private readonly s;

  constructor(file: string) {
    privateDatabase(file);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    const db = this.db;
    this.s = {
      latest: db.prepare('SELECT * FROM ssm_parameters WHERE account_id = ? AND region = ? AND name = ? ORDER BY version DESC LIMIT 1'),
      version: db.prepare('SELECT * FROM ssm_parameters WHERE account_id = ? AND region = ? AND name = ? AND version = ?'),
      history: db.prepare('SELECT * FROM ssm_parameters WHERE account_id = ? AND region = ? AND name = ? ORDER BY version'),
      // The newest version of every parameter of a scope, in name order.
      all: db.prepare(`SELECT p.* FROM ssm_parameters p JOIN (SELECT name, MAX(version) AS v FROM ssm_parameters WHERE account_id = ? AND region = ? GROUP BY name) m
        ON p.name = m.name AND p.version = m.v WHERE p.account_id = ? AND p.region = ? ORDER BY p.name`),
      insert: db.prepare(`INSERT INTO ssm_parameters (account_id, region, name, version, type, value, description, data_type, tier, allowed_pattern, key_id, labels, modified_at, modified_user)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      trim: db.prepare(`DELETE FROM ssm_parameters WHERE account_id = ? AND region = ? AND name = ? AND version <= ?`),
      setLabels: db.prepare('UPDATE ssm_parameters SET labels = ? WHERE account_id = ? AND region = ? AND name = ? AND version = ?'),
      delete: db.prepare('DELETE FROM ssm_parameters WHERE account_id = ? AND region = ? AND name = ?'),
      tags: db.prepare('SELECT tags FROM ssm_tags WHERE account_id = ? AND region = ? AND name = ?'),
      setTags: db.prepare('INSERT OR REPLACE INTO ssm_tags (account_id, region, name, tags) VALUES (?, ?, ?, ?)'),
      deleteTags: db.prepare('DELETE FROM ssm_tags WHERE account_id = ? AND region = ? AND name = ?'),
    };
  }

  latest(scope: Scope, name: string): ParameterVersion | undefined {
    const r = this.s.latest.get(scope.accountId, scope.region, name) as Row | undefined;
    return r && fromRow(r);
  }

  version(scope: Scope, name: string, version: number): ParameterVersion | undefined {
    const r = this.s.version.get(scope.accountId, scope.region, name, version) as Row | undefined;
    return r && fromRow(r);
  }

  history(scope: Scope, name: string): ParameterVersion[] {
    return (this.s.history.all(scope.accountId, scope.region, name) as Row[]).map(fromRow);
  }

  all(scope: Scope): ParameterVersion[] {
    return (this.s.all.all(scope.accountId, scope.region, scope.accountId, scope.region) as Row[]).map(fromRow);
  }

  /** Writes a new version (its number given by the caller, one past the latest); keeps the newest MAX_VERSIONS. */
  put(p: ParameterVersion, tags: Record<string, string> | undefined): void {
    this.db.transaction(() => {
      this.s.insert.run(
        p.accountId, p.region, p.name, p.version, p.type, p.value, p.description ?? null, p.dataType, p.tier,
        p.allowedPattern ?? null, p.keyId ?? null, JSON.stringify(p.labels), p.modifiedAt, p.modifiedUser,
      );
      this.s.trim.run(p.accountId, p.region, p.name, p.version - MAX_VERSIONS);
      if (tags) this.s.setTags.run(p.accountId, p.region, p.name, JSON.stringify(tags));
    })();
  }

  setLabels(scope: Scope, name: string, version: number, labels: string[]): void {
    this.s.setLabels.run(JSON.stringify(labels), scope.accountId, scope.region, name, version);
  }

  /** Returns false when there was no such parameter. */
  delete(scope: Scope, name: string): boolean {
    return this.db.transaction(() => {
      this.s.deleteTags.run(scope.accountId, scope.region, name);
      return this.s.delete.run(scope.accountId, scope.region, name).changes > 0;
    })();
  }

  tags(scope: Scope, name: string): Record<string, string> {
    const r = this.s.tags.get(scope.accountId, scope.region, name) as { tags: string } | undefined;
    return r ? (JSON.parse(r.tags) as Record<string, string>) : {};
  }

  setTags(scope: Scope, name: string, tags: Record<string, string>): void {
    this.s.setTags.run(scope.accountId, scope.region, name, JSON.stringify(tags));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
