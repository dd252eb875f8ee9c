/**
 * Layer versions in SQLite. A layer is only the name its versions share, so there is no layers
 * table, but a counter per name: version numbers are never reused, not even after every version
 * of the layer was deleted (AWS then publishes the next number, LS-SNAP `test_layer_lifecycle`).
 */
import type Database from 'better-sqlite3';
import type { Scope } from '../core/model.js';
import type { LayerVersionRecord } from './records.js';
import type { LayerStore } from './types.js';
import { fromRow } from './rows/layers.js';
import { json } from './rows/json.js';
import type { Row } from './rows/layers.js';

export const LAYERS_SCHEMA = `
CREATE TABLE IF NOT EXISTS layer_versions (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  layer_name TEXT NOT NULL,
  version INTEGER NOT NULL,
  description TEXT NOT NULL,
  compatible_runtimes TEXT,
  compatible_architectures TEXT,
  license_info TEXT,
  code_sha256 TEXT NOT NULL,
  code_size INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  policy TEXT,
  PRIMARY KEY (account_id, region, layer_name, version)
);
CREATE INDEX IF NOT EXISTS layer_versions_code ON layer_versions (code_sha256);
CREATE TABLE IF NOT EXISTS layer_counters (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  layer_name TEXT NOT NULL,
  next_version INTEGER NOT NULL,
  PRIMARY KEY (account_id, region, layer_name)
);
`;


const toRow = (v: LayerVersionRecord): Row => ({
  account_id: v.accountId,
  region: v.region,
  layer_name: v.layerName,
  version: v.version,
  description: v.description,
  compatible_runtimes: json(v.compatibleRuntimes),
  compatible_architectures: json(v.compatibleArchitectures),
  license_info: v.licenseInfo ?? null,
  code_sha256: v.codeSha256,
  code_size: v.codeSize,
  created_at: v.createdAt,
  policy: json(v.policy),
});

export class SqliteLayerStore implements LayerStore {
  private readonly stmts;
  private readonly publishTx;

  constructor(db: Database.Database) {
    const key = 'account_id = ? AND region = ? AND layer_name = ?';
    this.stmts = {
      next: db.prepare(`SELECT next_version AS n FROM layer_counters WHERE ${key}`),
      setNext: db.prepare(`INSERT INTO layer_counters (account_id, region, layer_name, next_version) VALUES (?, ?, ?, ?)
        ON CONFLICT (account_id, region, layer_name) DO UPDATE SET next_version = excluded.next_version`),
      insert: db.prepare(`INSERT INTO layer_versions (account_id, region, layer_name, version, description, compatible_runtimes,
        compatible_architectures, license_info, code_sha256, code_size, created_at, policy) VALUES (@account_id, @region, @layer_name,
        @version, @description, @compatible_runtimes, @compatible_architectures, @license_info, @code_sha256, @code_size, @created_at, @policy)`),
      get: db.prepare(`SELECT * FROM layer_versions WHERE ${key} AND version = ?`),
      versions: db.prepare(`SELECT * FROM layer_versions WHERE ${key} AND version < ? ORDER BY version DESC LIMIT ?`),
      names: db.prepare('SELECT DISTINCT layer_name FROM layer_versions WHERE account_id = ? AND region = ? AND layer_name > ? ORDER BY layer_name LIMIT ?'),
      delete: db.prepare(`DELETE FROM layer_versions WHERE ${key} AND version = ?`),
      policy: db.prepare(`UPDATE layer_versions SET policy = ? WHERE ${key} AND version = ?`),
      codeInUse: db.prepare('SELECT 1 FROM layer_versions WHERE code_sha256 = ? LIMIT 1'),
    };
    this.publishTx = db.transaction((scope: Scope, name: string, build: (version: number) => LayerVersionRecord) => {
      const n = (this.stmts.next.get(scope.accountId, scope.region, name) as { n: number } | undefined)?.n ?? 1;
      const v = build(n);
      this.stmts.insert.run(toRow(v));
      this.stmts.setNext.run(scope.accountId, scope.region, name, n + 1);
      return v;
    });
  }

  async publish(scope: Scope, layerName: string, build: (version: number) => LayerVersionRecord): Promise<LayerVersionRecord> {
    return this.publishTx(scope, layerName, build);
  }

  async get(scope: Scope, layerName: string, version: number): Promise<LayerVersionRecord | undefined> {
    const r = this.stmts.get.get(scope.accountId, scope.region, layerName, version) as Row | undefined;
    return r && fromRow(r);
  }

  async versions(scope: Scope, layerName: string, beforeVersion: number | undefined, limit: number): Promise<LayerVersionRecord[]> {
    const before = beforeVersion ?? Number.MAX_SAFE_INTEGER;
    return (this.stmts.versions.all(scope.accountId, scope.region, layerName, before, limit) as Row[]).map(fromRow);
  }

  async names(scope: Scope, afterName: string | undefined, limit: number): Promise<string[]> {
    return (this.stmts.names.all(scope.accountId, scope.region, afterName ?? '', limit) as { layer_name: string }[]).map((r) => r.layer_name);
  }

  async delete(scope: Scope, layerName: string, version: number): Promise<boolean> {
    return this.stmts.delete.run(scope.accountId, scope.region, layerName, version).changes > 0;
  }

  async putPolicy(scope: Scope, layerName: string, version: number, policy: LayerVersionRecord['policy']): Promise<boolean> {
    return this.stmts.policy.run(json(policy), scope.accountId, scope.region, layerName, version).changes > 0;
  }

  async codeInUse(codeSha256: string): Promise<boolean> {
    return this.usesCode(codeSha256);
  }

  /** codeInUse without the promise, for the function store's own transactions. */
  usesCode(codeSha256: string): boolean {
    return this.stmts.codeInUse.get(codeSha256) !== undefined;
  }
}
