/** Stack records in PostgreSQL: one row per stack, what it owns as JSON beside the columns a list needs. */
import type { Scope } from '../../core/model.js';
import type { StackRecord } from '../records.js';
import type { StackStore } from '../types.js';
import type { PgDb } from './db.js';
import { deployedWithColumn, fromRow } from '../rows/stacks.js';
import type { Row } from '../rows/stacks.js';

export class PgStackStore implements StackStore {
  constructor(private readonly db: PgDb) {}

  async get(scope: Scope, name: string): Promise<StackRecord | undefined> {
    const r = await this.db.one<Row>('SELECT * FROM stacks WHERE account_id = $1 AND region = $2 AND name = $3', [scope.accountId, scope.region, name]);
    return r && fromRow(r);
  }

  async put(s: StackRecord): Promise<void> {
    await this.db.run(
      `INSERT INTO stacks (account_id, region, name, stack_id, status, status_reason, description, parameters, outputs, resources, created_at, updated_at, deployed_with)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (account_id, region, name) DO UPDATE SET
       stack_id = excluded.stack_id, status = excluded.status, status_reason = excluded.status_reason, description = excluded.description,
       parameters = excluded.parameters, outputs = excluded.outputs, resources = excluded.resources,
       created_at = excluded.created_at, updated_at = excluded.updated_at, deployed_with = excluded.deployed_with`,
      [
        s.accountId, s.region, s.name, s.stackId, s.status, s.statusReason, s.description,
        JSON.stringify(s.parameters), JSON.stringify(s.outputs), JSON.stringify(s.resources), s.createdAt, s.updatedAt, deployedWithColumn(s),
      ],
    );
  }

  async delete(scope: Scope, name: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM stacks WHERE account_id = $1 AND region = $2 AND name = $3', [scope.accountId, scope.region, name])) > 0;
  }

  async list(scope: Scope): Promise<StackRecord[]> {
    return (await this.db.rows<Row>('SELECT * FROM stacks WHERE account_id = $1 AND region = $2 ORDER BY name', [scope.accountId, scope.region])).map(fromRow);
  }
}
