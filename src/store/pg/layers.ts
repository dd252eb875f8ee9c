/**
 * Layer versions in PostgreSQL, with a counter per layer name: version numbers are never reused,
 * not even after every version of the layer was deleted. Two nodes publishing the same layer at
 * once are ordered by the counter row's lock, so each gets its own number.
 */
import type { Scope } from '../../core/model.js';
import type { LayerVersionRecord } from '../records.js';
import type { LayerStore } from '../types.js';
import type { PgDb } from './db.js';
import { fromRow } from '../rows/layers.js';
import { json } from '../rows/json.js';
import type { Row } from '../rows/layers.js';


const KEY = 'account_id = $1 AND region = $2 AND layer_name = $3';

export class PgLayerStore implements LayerStore {
  constructor(private readonly db: PgDb) {}

  async publish(scope: Scope, layerName: string, build: (version: number) => LayerVersionRecord): Promise<LayerVersionRecord> {
    const at = [scope.accountId, scope.region, layerName];
    return await this.db.tx(async (c) => {
      // The first publisher creates the counter; every publisher then waits for the row's lock.
      await c.query('INSERT INTO layer_counters (account_id, region, layer_name, next_version) VALUES ($1, $2, $3, 1) ON CONFLICT DO NOTHING', at);
      const n = (await c.query<{ n: number }>(`SELECT next_version AS n FROM layer_counters WHERE ${KEY} FOR UPDATE`, at)).rows[0]!.n;
      const v = build(n);
      await c.query(
        `INSERT INTO layer_versions (account_id, region, layer_name, version, description, compatible_runtimes, compatible_architectures,
         license_info, code_sha256, code_size, created_at, policy) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [
          v.accountId, v.region, v.layerName, v.version, v.description, json(v.compatibleRuntimes), json(v.compatibleArchitectures),
          v.licenseInfo ?? null, v.codeSha256, v.codeSize, v.createdAt, json(v.policy),
        ],
      );
      await c.query(`UPDATE layer_counters SET next_version = $4 WHERE ${KEY}`, [...at, n + 1]);
      return v;
    });
  }

  async get(scope: Scope, layerName: string, version: number): Promise<LayerVersionRecord | undefined> {
    const r = await this.db.one<Row>(`SELECT * FROM layer_versions WHERE ${KEY} AND version = $4`, [scope.accountId, scope.region, layerName, version]);
    return r && fromRow(r);
  }

  async versions(scope: Scope, layerName: string, beforeVersion: number | undefined, limit: number): Promise<LayerVersionRecord[]> {
    const rows = await this.db.rows<Row>(`SELECT * FROM layer_versions WHERE ${KEY} AND version < $4 ORDER BY version DESC LIMIT $5`, [
      scope.accountId, scope.region, layerName, beforeVersion ?? Number.MAX_SAFE_INTEGER, limit,
    ]);
    return rows.map(fromRow);
  }

  async names(scope: Scope, afterName: string | undefined, limit: number): Promise<string[]> {
    const rows = await this.db.rows<{ layer_name: string }>(
      'SELECT DISTINCT layer_name FROM layer_versions WHERE account_id = $1 AND region = $2 AND layer_name > $3 ORDER BY layer_name LIMIT $4',
      [scope.accountId, scope.region, afterName ?? '', limit],
    );
    return rows.map((r) => r.layer_name);
  }

  async delete(scope: Scope, layerName: string, version: number): Promise<boolean> {
    return (await this.db.run(`DELETE FROM layer_versions WHERE ${KEY} AND version = $4`, [scope.accountId, scope.region, layerName, version])) > 0;
  }

  async putPolicy(scope: Scope, layerName: string, version: number, policy: LayerVersionRecord['policy']): Promise<boolean> {
    const n = await this.db.run(`UPDATE layer_versions SET policy = $5 WHERE ${KEY} AND version = $4`, [scope.accountId, scope.region, layerName, version, json(policy)]);
    return n > 0;
  }

  async codeInUse(codeSha256: string): Promise<boolean> {
    return (await this.db.rows('SELECT 1 FROM layer_versions WHERE code_sha256 = $1 LIMIT 1', [codeSha256])).length > 0;
  }
}
