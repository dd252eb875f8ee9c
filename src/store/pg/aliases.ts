/** Aliases in PostgreSQL: one row per alias, removed with its function (foreign key cascade). */
import type { Scope } from '../../core/model.js';
import type { AliasRecord } from '../records.js';
import type { AliasStore } from '../types.js';
import type { PgDb } from './db.js';
import { fromRow } from '../rows/aliases.js';
import type { Row } from '../rows/aliases.js';

const args = (a: AliasRecord): unknown[] => [a.accountId, a.region, a.functionName, a.name, a.functionVersion, a.description, JSON.stringify(a.weights), a.revisionId];
const INSERT = `INSERT INTO aliases (account_id, region, function_name, name, function_version, description, weights, revision_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`;
const KEY = 'account_id = $1 AND region = $2 AND function_name = $3';

export class PgAliasStore implements AliasStore {
  constructor(private readonly db: PgDb) {}

  async insert(a: AliasRecord): Promise<boolean> {
    return (await this.db.run(`${INSERT} ON CONFLICT DO NOTHING`, args(a))) > 0;
  }

  async get(scope: Scope, functionName: string, name: string): Promise<AliasRecord | undefined> {
    const r = await this.db.one<Row>(`SELECT * FROM aliases WHERE ${KEY} AND name = $4`, [scope.accountId, scope.region, functionName, name]);
    return r && fromRow(r);
  }

  /** An update in place (no delete): the alias's settings stay, as with SQLite's REPLACE without recursive triggers. */
  async put(a: AliasRecord): Promise<void> {
    await this.db.run(`${INSERT} ON CONFLICT (account_id, region, function_name, name) DO UPDATE SET
      function_version = excluded.function_version, description = excluded.description, weights = excluded.weights,
      revision_id = excluded.revision_id`, args(a));
  }

  async delete(scope: Scope, functionName: string, name: string): Promise<boolean> {
    return (await this.db.run(`DELETE FROM aliases WHERE ${KEY} AND name = $4`, [scope.accountId, scope.region, functionName, name])) > 0;
  }

  async list(scope: Scope, functionName: string, afterName: string | undefined, limit: number): Promise<AliasRecord[]> {
    const rows = await this.db.rows<Row>(`SELECT * FROM aliases WHERE ${KEY} AND name > $4 ORDER BY name LIMIT $5`, [
      scope.accountId, scope.region, functionName, afterName ?? '', limit,
    ]);
    return rows.map(fromRow);
  }

  async referencing(scope: Scope, functionName: string, version: string): Promise<AliasRecord[]> {
    return (await this.db.rows<Row>(`SELECT * FROM aliases WHERE ${KEY}`, [scope.accountId, scope.region, functionName]))
      .map(fromRow)
      .filter((a) => a.functionVersion === version || a.weights[version] !== undefined);
  }
}
