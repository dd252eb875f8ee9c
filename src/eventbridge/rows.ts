/**
 * EventBridge rule and target rows and their mappers to records, shared by the SQLite store
 * (store.ts) and the PostgreSQL one (pg-store.ts): same columns in both. PostgreSQL hands BIGINT
 * `created_at` back as a string, SQLite as a number; `Number()` reads both.
 */
import type { RuleRecord, TargetRecord } from './store.js';

export interface RuleRow {
  account_id: string;
  region: string;
  bus: string;
  name: string;
  event_pattern: string | null;
  schedule_expression: string | null;
  state: string;
  description: string | null;
  role_arn: string | null;
  created_at: number | string;
}

export const rule = (r: RuleRow): RuleRecord => ({
  accountId: r.account_id,
  region: r.region,
  bus: r.bus,
  name: r.name,
  eventPattern: r.event_pattern ?? undefined,
  scheduleExpression: r.schedule_expression ?? undefined,
  state: r.state === 'DISABLED' ? 'DISABLED' : 'ENABLED',
  description: r.description ?? undefined,
  roleArn: r.role_arn ?? undefined,
  createdAt: Number(r.created_at),
});

export interface TargetRow {
  account_id: string;
  region: string;
  bus: string;
  rule: string;
  id: string;
  arn: string;
  input: string | null;
}

export const target = (r: TargetRow): TargetRecord => ({ accountId: r.account_id, region: r.region, bus: r.bus, rule: r.rule, id: r.id, arn: r.arn, input: r.input ?? undefined });
