/** Reserved concurrency per function in PostgreSQL: one row per function that has a reservation, removed with it. */
import type { Scope } from '../../core/model.js';
import type { ReservedConcurrency } from '../records.js';
import type { ConcurrencyStore } from '../types.js';
import type { PgDb } from './db.js';

export class PgConcurrencyStore implements ConcurrencyStore {
  constructor(private readonly db: PgDb) {}

  async get(scope: Scope, name: string): Promise<number | undefined> {
    const r = await this.db.one<{ reserved: number }>('SELECT reserved FROM function_concurrency WHERE account_id = $1 AND region = $2 AND name = $3', [
      scope.accountId, scope.region, name,
    ]);
    return r?.reserved;
  }

  async set(scope: Scope, name: string, reserved: number | undefined): Promise<void> {
    if (reserved === undefined) {
      await this.db.run('DELETE FROM function_concurrency WHERE account_id = $1 AND region = $2 AND name = $3', [scope.accountId, scope.region, name]);
    } else {
      await this.db.run(
        `INSERT INTO function_concurrency (account_id, region, name, reserved) VALUES ($1, $2, $3, $4)
         ON CONFLICT (account_id, region, name) DO UPDATE SET reserved = excluded.reserved`,
        [scope.accountId, scope.region, name, reserved],
      );
    }
  }

  async all(accountId: string): Promise<ReservedConcurrency[]> {
    const rows = await this.db.rows<{ account_id: string; region: string; name: string; reserved: number }>(
      'SELECT account_id, region, name, reserved FROM function_concurrency WHERE account_id = $1',
      [accountId],
    );
    return rows.map((r) => ({ accountId: r.account_id, region: r.region, name: r.name, reserved: r.reserved }));
  }
}
