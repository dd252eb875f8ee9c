/**
 * Secrets Manager's state in its own SQLite file (`<data dir>/secretsmanager.db`, WAL,
 * synchronous=FULL): secrets scoped by account and region, and their versions with staging
 * labels. Values are stored sealed (operations.ts); nothing here reads them.
 */
import Database from 'better-sqlite3';
import type { Scope } from '../core/model.js';
import { privateDatabase } from '../core/private-files.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sm_secrets (
  account_id TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL UNIQUE,
  description TEXT, kms_key_id TEXT, tags TEXT NOT NULL, created_at INTEGER NOT NULL, changed_at INTEGER NOT NULL,
  accessed_at INTEGER, deletion_date INTEGER,
  PRIMARY KEY (account_id, region, name)
);
CREATE TABLE IF NOT EXISTS sm_versions (
  arn TEXT NOT NULL, version_id TEXT NOT NULL, value TEXT NOT NULL, binary INTEGER NOT NULL,
  stages TEXT NOT NULL, created_at INTEGER NOT NULL,
  PRIMARY KEY (arn, version_id)
);
`;

export interface SecretRecord extends Scope {
  name: string;
  arn: string;
  description: string | undefined;
  kmsKeyId: string | undefined;
  tags: { Key: string; Value: string }[];
  createdAt: number;
  changedAt: number;
  accessedAt: number | undefined;
  /** When a scheduled deletion takes effect; undefined for a live secret. */
  deletionDate: number | undefined;
}

export interface SecretVersion {
  arn: string;
  versionId: string;
  /** Sealed: the SecretString, or the SecretBinary's base64. */
  value: string;
  binary: boolean;
  stages: string[];
  createdAt: number;
}

interface SecretRow {
  account_id: string;
  region: string;
  name: string;
  arn: string;
  description: string | null;
  kms_key_id: string | null;
  tags: string;
  created_at: number;
  changed_at: number;
  accessed_at: number | null;
  deletion_date: number | null;
}

interface VersionRow {
  arn: string;
  version_id: string;
  value: string;
  binary: number;
  stages: string;
  created_at: number;
}

const secretOf = (r: SecretRow): SecretRecord => ({
  accountId: r.account_id,
  region: r.region,
  name: r.name,
  arn: r.arn,
  description: r.description ?? undefined,
  kmsKeyId: r.kms_key_id ?? undefined,
  tags: JSON.parse(r.tags) as { Key: string; Value: string }[],
  createdAt: r.created_at,
  changedAt: r.changed_at,
  accessedAt: r.accessed_at ?? undefined,
  deletionDate: r.deletion_date ?? undefined,
});

const versionOf = (r: VersionRow): SecretVersion => ({
  arn: r.arn,
  versionId: r.version_id,
  value: r.value,
  binary: r.binary === 1,
  stages: JSON.parse(r.stages) as string[],
  createdAt: r.created_at,
});

export class SecretStore {
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
      byName: db.prepare('SELECT * FROM sm_secrets WHERE account_id = ? AND region = ? AND name = ?'),
      byArn: db.prepare('SELECT * FROM sm_secrets WHERE arn = ?'),
      list: db.prepare('SELECT * FROM sm_secrets WHERE account_id = ? AND region = ? ORDER BY created_at, name'),
      put: db.prepare(`INSERT OR REPLACE INTO sm_secrets (account_id, region, name, arn, description, kms_key_id, tags, created_at, changed_at, accessed_at, deletion_date)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      delete: db.prepare('DELETE FROM sm_secrets WHERE arn = ?'),
      versions: db.prepare('SELECT * FROM sm_versions WHERE arn = ? ORDER BY created_at, version_id'),
      putVersion: db.prepare('INSERT OR REPLACE INTO sm_versions (arn, version_id, value, binary, stages, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      setStages: db.prepare('UPDATE sm_versions SET stages = ? WHERE arn = ? AND version_id = ?'),
      deleteVersions: db.prepare('DELETE FROM sm_versions WHERE arn = ?'),
    };
  }

  byName(scope: Scope, name: string): SecretRecord | undefined {
    const r = this.s.byName.get(scope.accountId, scope.region, name) as SecretRow | undefined;
    return r && secretOf(r);
  }

  byArn(arn: string): SecretRecord | undefined {
    const r = this.s.byArn.get(arn) as SecretRow | undefined;
    return r && secretOf(r);
  }

  list(scope: Scope): SecretRecord[] {
    return (this.s.list.all(scope.accountId, scope.region) as SecretRow[]).map(secretOf);
  }

  put(r: SecretRecord): void {
    this.s.put.run(r.accountId, r.region, r.name, r.arn, r.description ?? null, r.kmsKeyId ?? null, JSON.stringify(r.tags), r.createdAt, r.changedAt, r.accessedAt ?? null, r.deletionDate ?? null);
  }

  delete(arn: string): void {
    this.db.transaction(() => {
      this.s.deleteVersions.run(arn);
      this.s.delete.run(arn);
    })();
  }

  versions(arn: string): SecretVersion[] {
    return (this.s.versions.all(arn) as VersionRow[]).map(versionOf);
  }

  /** Adds a version and moves the given stages onto it, in one transaction (`moves`: other versions' new stage lists). */
  addVersion(v: SecretVersion, moves: readonly { versionId: string; stages: string[] }[], secret: SecretRecord): void {
    this.db.transaction(() => {
      for (const m of moves) this.s.setStages.run(JSON.stringify(m.stages), v.arn, m.versionId);
      this.s.putVersion.run(v.arn, v.versionId, v.value, v.binary ? 1 : 0, JSON.stringify(v.stages), v.createdAt);
      this.put(secret);
    })();
  }

  setStages(arn: string, versionId: string, stages: string[]): void {
    this.s.setStages.run(JSON.stringify(stages), arn, versionId);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
