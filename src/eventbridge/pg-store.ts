/**
 * EventBridge's buses, rules and targets in PostgreSQL (cluster mode), shared by every node: the
 * same rows as the SQLite file (store.ts), migrated under the component name `eventbridge`.
 * PutEvents through any node matches the rules made through any other.
 */
import type { Scope } from '../core/model.js';
import type { Migration } from '../pg/migrate.js';
import { MigratedPool, type MigratedPoolOptions } from '../pg/migrated-pool.js';
import type { BusRecord, EventBridgeStoreApi, RuleRecord, TargetRecord } from './store.js';
import { rule, target, type RuleRow, type TargetRow } from './rows.js';

export const EVENTBRIDGE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'eventbridge: buses, rules, targets',
    sql: `
CREATE TABLE eb_buses (
  account_id TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
  description TEXT, created_at BIGINT NOT NULL,
  PRIMARY KEY (account_id, region, name)
);
CREATE TABLE eb_rules (
  account_id TEXT NOT NULL, region TEXT NOT NULL, bus TEXT NOT NULL, name TEXT NOT NULL,
  event_pattern TEXT, schedule_expression TEXT, state TEXT NOT NULL, description TEXT, role_arn TEXT,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (account_id, region, bus, name)
);
CREATE TABLE eb_targets (
  account_id TEXT NOT NULL, region TEXT NOT NULL, bus TEXT NOT NULL, rule TEXT NOT NULL, id TEXT NOT NULL,
  arn TEXT NOT NULL, input TEXT,
  PRIMARY KEY (account_id, region, bus, rule, id)
);
`,
  },
];

export class PgEventBridgeStore implements EventBridgeStoreApi {
  private constructor(private readonly db: MigratedPool) {}

  /** Opens the pool and applies the migrations. */
  static async open(opts: MigratedPoolOptions): Promise<PgEventBridgeStore> {
    return new PgEventBridgeStore(await MigratedPool.open(opts, 'eventbridge', EVENTBRIDGE_MIGRATIONS));
  }

  async bus(scope: Scope, name: string): Promise<BusRecord | undefined> {
    const r = (await this.db.q<{ name: string; description: string | null; created_at: string }>('SELECT * FROM eb_buses WHERE account_id = $1 AND region = $2 AND name = $3', [scope.accountId, scope.region, name])).rows[0];
    return r && { ...scope, name: r.name, description: r.description ?? undefined, createdAt: Number(r.created_at) };
  }

  async buses(scope: Scope): Promise<BusRecord[]> {
    const rows = (await this.db.q<{ name: string; description: string | null; created_at: string }>('SELECT * FROM eb_buses WHERE account_id = $1 AND region = $2 ORDER BY name COLLATE "C"', [scope.accountId, scope.region])).rows;
    return rows.map((r) => ({ ...scope, name: r.name, description: r.description ?? undefined, createdAt: Number(r.created_at) }));
  }

  async insertBus(b: BusRecord): Promise<boolean> {
    const r = await this.db.q('INSERT INTO eb_buses (account_id, region, name, description, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [b.accountId, b.region, b.name, b.description ?? null, b.createdAt]);
    return r.rowCount === 1;
  }

  async deleteBus(scope: Scope, name: string): Promise<void> {
    const key = [scope.accountId, scope.region, name];
    await this.db.tx(async (c) => {
      await c.query('DELETE FROM eb_targets WHERE account_id = $1 AND region = $2 AND bus = $3', key);
      await c.query('DELETE FROM eb_rules WHERE account_id = $1 AND region = $2 AND bus = $3', key);
      await c.query('DELETE FROM eb_buses WHERE account_id = $1 AND region = $2 AND name = $3', key);
    });
  }

  async rule(scope: Scope, bus: string, name: string): Promise<RuleRecord | undefined> {
    const r = (await this.db.q<RuleRow>('SELECT * FROM eb_rules WHERE account_id = $1 AND region = $2 AND bus = $3 AND name = $4', [scope.accountId, scope.region, bus, name])).rows[0];
    return r && rule(r);
  }

  async rules(scope: Scope, bus: string): Promise<RuleRecord[]> {
    return (await this.db.q<RuleRow>('SELECT * FROM eb_rules WHERE account_id = $1 AND region = $2 AND bus = $3 ORDER BY name COLLATE "C"', [scope.accountId, scope.region, bus])).rows.map(rule);
  }

  async allRules(): Promise<RuleRecord[]> {
    return (await this.db.q<RuleRow>('SELECT * FROM eb_rules ORDER BY account_id, region, bus, name COLLATE "C"')).rows.map(rule);
  }

  async putRule(r: RuleRecord): Promise<void> {
    await this.db.q(
      `INSERT INTO eb_rules (account_id, region, bus, name, event_pattern, schedule_expression, state, description, role_arn, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (account_id, region, bus, name) DO UPDATE SET event_pattern = EXCLUDED.event_pattern, schedule_expression = EXCLUDED.schedule_expression,
         state = EXCLUDED.state, description = EXCLUDED.description, role_arn = EXCLUDED.role_arn, created_at = EXCLUDED.created_at`,
      [r.accountId, r.region, r.bus, r.name, r.eventPattern ?? null, r.scheduleExpression ?? null, r.state, r.description ?? null, r.roleArn ?? null, r.createdAt],
    );
  }

  async deleteRule(scope: Scope, bus: string, name: string): Promise<boolean> {
    return (await this.db.q('DELETE FROM eb_rules WHERE account_id = $1 AND region = $2 AND bus = $3 AND name = $4', [scope.accountId, scope.region, bus, name])).rowCount === 1;
  }

  async targets(scope: Scope, bus: string, ruleName: string): Promise<TargetRecord[]> {
    return (await this.db.q<TargetRow>('SELECT * FROM eb_targets WHERE account_id = $1 AND region = $2 AND bus = $3 AND rule = $4 ORDER BY id COLLATE "C"', [scope.accountId, scope.region, bus, ruleName])).rows.map(target);
  }

  async putTargets(ts: readonly TargetRecord[]): Promise<void> {
    await this.db.tx(async (c) => {
      for (const t of ts) {
        await c.query(
          `INSERT INTO eb_targets (account_id, region, bus, rule, id, arn, input) VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (account_id, region, bus, rule, id) DO UPDATE SET arn = EXCLUDED.arn, input = EXCLUDED.input`,
          [t.accountId, t.region, t.bus, t.rule, t.id, t.arn, t.input ?? null],
        );
      }
    });
  }

  async deleteTargets(scope: Scope, bus: string, ruleName: string, ids: readonly string[]): Promise<void> {
    await this.db.q('DELETE FROM eb_targets WHERE account_id = $1 AND region = $2 AND bus = $3 AND rule = $4 AND id = ANY($5::text[])', [scope.accountId, scope.region, bus, ruleName, [...ids]]);
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
