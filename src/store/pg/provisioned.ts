/** Provisioned concurrency configs in PostgreSQL: one row per (function, qualifier), removed with the function. */
import type { Scope } from '../../core/model.js';
import type { ProvisionedConfig } from '../records.js';
import type { ProvisionedStore } from '../types.js';
import type { PgDb } from './db.js';
import { fromRow } from '../rows/provisioned.js';
import type { Row } from '../rows/provisioned.js';

const KEY = 'account_id = $1 AND region = $2 AND function_name = $3';

export class PgProvisionedStore implements ProvisionedStore {
  constructor(private readonly db: PgDb) {}

  async get(scope: Scope, functionName: string, qualifier: string): Promise<ProvisionedConfig | undefined> {
    const r = await this.db.one<Row>(`SELECT * FROM provisioned_concurrency WHERE ${KEY} AND qualifier = $4`, [scope.accountId, scope.region, functionName, qualifier]);
    return r && fromRow(r);
  }

  async put(c: ProvisionedConfig): Promise<void> {
    await this.db.run(
      `INSERT INTO provisioned_concurrency (account_id, region, function_name, qualifier, requested, last_modified) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (account_id, region, function_name, qualifier) DO UPDATE SET requested = excluded.requested, last_modified = excluded.last_modified`,
      [c.accountId, c.region, c.functionName, c.qualifier, c.requested, c.lastModified],
    );
  }

  async delete(scope: Scope, functionName: string, qualifier: string): Promise<boolean> {
    return (await this.db.run(`DELETE FROM provisioned_concurrency WHERE ${KEY} AND qualifier = $4`, [scope.accountId, scope.region, functionName, qualifier])) > 0;
  }

  async list(scope: Scope, functionName: string): Promise<ProvisionedConfig[]> {
    return (await this.db.rows<Row>(`SELECT * FROM provisioned_concurrency WHERE ${KEY} ORDER BY qualifier`, [scope.accountId, scope.region, functionName])).map(fromRow);
  }

  async all(accountId: string): Promise<ProvisionedConfig[]> {
    return (await this.db.rows<Row>('SELECT * FROM provisioned_concurrency WHERE account_id = $1 ORDER BY region, function_name, qualifier', [accountId])).map(fromRow);
  }
}
