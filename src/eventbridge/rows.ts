/**
 * EventBridge rule and target records, their rows and the mappers between them (here, not in
 * store.ts, so neither file imports the other in a cycle), shared by the SQLite store
 * (store.ts) and the PostgreSQL one (pg-store.ts): same columns in both. PostgreSQL hands BIGINT
 * `created_at` back as a string, SQLite as a number; `Number()` reads both.
 */
import type { Scope } from '../core/model.js';

export interface RuleRecord extends Scope {
  bus: string;
  name: string;
  eventPattern: string | undefined;
  scheduleExpression: string | undefined;
  state: 'ENABLED' | 'DISABLED';
  description: string | undefined;
  roleArn: string | undefined;
  createdAt: number;
}

/** A target: `input` holds its Input/InputPath/InputTransformer (JSON), as PutTargets gave them. */
export interface TargetRecord extends Scope {
  bus: string;
  rule: string;
  id: string;
  arn: string;
  input: string | undefined;
}

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
