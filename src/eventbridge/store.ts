/**
 * EventBridge's state in its own SQLite file (`<data dir>/eventbridge.db`, WAL, synchronous=FULL:
 * what PutRule/PutTargets acknowledged survives a crash): event buses, rules and targets, scoped
 * by account and region. The default bus is not stored; it always exists.
 */
import Database from 'better-sqlite3';
import { openDurableDatabase } from '../core/sqlite.js';
import type { Scope } from '../core/model.js';
import { type RuleRecord, type TargetRecord, rule, target, type RuleRow, type TargetRow } from './rows.js';
export type { RuleRecord, TargetRecord } from './rows.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS eb_buses (
  account_id TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
  description TEXT, created_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, region, name)
);
CREATE TABLE IF NOT EXISTS eb_rules (
  account_id TEXT NOT NULL, region TEXT NOT NULL, bus TEXT NOT NULL, name TEXT NOT NULL,
  event_pattern TEXT, schedule_expression TEXT, state TEXT NOT NULL, description TEXT, role_arn TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, region, bus, name)
);
CREATE TABLE IF NOT EXISTS eb_targets (
  account_id TEXT NOT NULL, region TEXT NOT NULL, bus TEXT NOT NULL, rule TEXT NOT NULL, id TEXT NOT NULL,
  arn TEXT NOT NULL, input TEXT,
  PRIMARY KEY (account_id, region, bus, rule, id)
);
`;

export interface BusRecord extends Scope {
  name: string;
  description: string | undefined;
  createdAt: number;
}

/** Buses, rules and targets: one node's SQLite file (EventBridgeStore) or a cluster's PostgreSQL (pg-store.ts). */
export interface EventBridgeStoreApi {
  bus(scope: Scope, name: string): Promise<BusRecord | undefined>;
  buses(scope: Scope): Promise<BusRecord[]>;
  /** Resolves to false when the bus exists. */
  insertBus(b: BusRecord): Promise<boolean>;
  /** Deletes a bus with its rules and targets. */
  deleteBus(scope: Scope, name: string): Promise<void>;
  rule(scope: Scope, bus: string, name: string): Promise<RuleRecord | undefined>;
  rules(scope: Scope, bus: string): Promise<RuleRecord[]>;
  allRules(): Promise<RuleRecord[]>;
  putRule(r: RuleRecord): Promise<void>;
  deleteRule(scope: Scope, bus: string, name: string): Promise<boolean>;
  targets(scope: Scope, bus: string, rule: string): Promise<TargetRecord[]>;
  putTargets(ts: readonly TargetRecord[]): Promise<void>;
  deleteTargets(scope: Scope, bus: string, rule: string, ids: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

export class EventBridgeStore implements EventBridgeStoreApi {
  private readonly db: Database.Database;
  private readonly s;

  constructor(file: string) {
    this.db = openDurableDatabase(file);
    this.db.exec(SCHEMA);
    const db = this.db;
    this.s = {
      bus: db.prepare('SELECT * FROM eb_buses WHERE account_id = ? AND region = ? AND name = ?'),
      buses: db.prepare('SELECT * FROM eb_buses WHERE account_id = ? AND region = ? ORDER BY name'),
      insertBus: db.prepare('INSERT INTO eb_buses (account_id, region, name, description, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      deleteBus: db.prepare('DELETE FROM eb_buses WHERE account_id = ? AND region = ? AND name = ?'),
      rule: db.prepare('SELECT * FROM eb_rules WHERE account_id = ? AND region = ? AND bus = ? AND name = ?'),
      rules: db.prepare('SELECT * FROM eb_rules WHERE account_id = ? AND region = ? AND bus = ? ORDER BY name'),
      allRules: db.prepare('SELECT * FROM eb_rules ORDER BY account_id, region, bus, name'),
      putRule: db.prepare(`INSERT OR REPLACE INTO eb_rules (account_id, region, bus, name, event_pattern, schedule_expression, state, description, role_arn, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      deleteRule: db.prepare('DELETE FROM eb_rules WHERE account_id = ? AND region = ? AND bus = ? AND name = ?'),
      deleteBusRules: db.prepare('DELETE FROM eb_rules WHERE account_id = ? AND region = ? AND bus = ?'),
      targets: db.prepare('SELECT * FROM eb_targets WHERE account_id = ? AND region = ? AND bus = ? AND rule = ? ORDER BY id'),
      putTarget: db.prepare('INSERT OR REPLACE INTO eb_targets (account_id, region, bus, rule, id, arn, input) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      deleteTarget: db.prepare('DELETE FROM eb_targets WHERE account_id = ? AND region = ? AND bus = ? AND rule = ? AND id = ?'),
      deleteBusTargets: db.prepare('DELETE FROM eb_targets WHERE account_id = ? AND region = ? AND bus = ?'),
    };
  }

  async bus(scope: Scope, name: string): Promise<BusRecord | undefined> {
    const r = this.s.bus.get(scope.accountId, scope.region, name) as { name: string; description: string | null; created_at: number } | undefined;
    return r && { ...scope, name: r.name, description: r.description ?? undefined, createdAt: r.created_at };
  }

  async buses(scope: Scope): Promise<BusRecord[]> {
    return (this.s.buses.all(scope.accountId, scope.region) as { name: string; description: string | null; created_at: number }[]).map((r) => ({
      ...scope,
      name: r.name,
      description: r.description ?? undefined,
      createdAt: r.created_at,
    }));
  }

  /** Returns false when the bus exists. */
  async insertBus(b: BusRecord): Promise<boolean> {
    return this.s.insertBus.run(b.accountId, b.region, b.name, b.description ?? null, b.createdAt).changes === 1;
  }

  /** Deletes a bus with its rules and targets. */
  async deleteBus(scope: Scope, name: string): Promise<void> {
    this.db.transaction(() => {
      this.s.deleteBusTargets.run(scope.accountId, scope.region, name);
      this.s.deleteBusRules.run(scope.accountId, scope.region, name);
      this.s.deleteBus.run(scope.accountId, scope.region, name);
    })();
  }

  async rule(scope: Scope, bus: string, name: string): Promise<RuleRecord | undefined> {
    const r = this.s.rule.get(scope.accountId, scope.region, bus, name) as RuleRow | undefined;
    return r && rule(r);
  }

  async rules(scope: Scope, bus: string): Promise<RuleRecord[]> {
    return (this.s.rules.all(scope.accountId, scope.region, bus) as RuleRow[]).map(rule);
  }

  async allRules(): Promise<RuleRecord[]> {
    return (this.s.allRules.all() as RuleRow[]).map(rule);
  }

  async putRule(r: RuleRecord): Promise<void> {
    this.s.putRule.run(r.accountId, r.region, r.bus, r.name, r.eventPattern ?? null, r.scheduleExpression ?? null, r.state, r.description ?? null, r.roleArn ?? null, r.createdAt);
  }

  async deleteRule(scope: Scope, bus: string, name: string): Promise<boolean> {
    return this.s.deleteRule.run(scope.accountId, scope.region, bus, name).changes === 1;
  }

  async targets(scope: Scope, bus: string, rule: string): Promise<TargetRecord[]> {
    return (this.s.targets.all(scope.accountId, scope.region, bus, rule) as TargetRow[]).map(target);
  }

  async putTargets(ts: readonly TargetRecord[]): Promise<void> {
    this.db.transaction(() => {
      for (const t of ts) this.s.putTarget.run(t.accountId, t.region, t.bus, t.rule, t.id, t.arn, t.input ?? null);
    })();
  }

  async deleteTargets(scope: Scope, bus: string, rule: string, ids: readonly string[]): Promise<void> {
    this.db.transaction(() => {
      for (const id of ids) this.s.deleteTarget.run(scope.accountId, scope.region, bus, rule, id);
    })();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
