/**
 * SNS topic and subscription records, their rows and the mappers between them (here, not in
 * store.ts, so neither file imports the other in a cycle), shared by the SQLite store
 * (store.ts) and the PostgreSQL one (pg-store.ts): same columns in both. PostgreSQL hands BIGINT
 * `created_at` back as a string, SQLite as a number; `Number()` reads both.
 */
import type { Scope } from '../core/model.js';

export interface TopicRecord extends Scope {
  arn: string;
  name: string;
  attributes: Record<string, string>;
  tags: Record<string, string>;
  createdAt: number;
}

export interface SubscriptionRecord extends Scope {
  arn: string;
  topicArn: string;
  protocol: string;
  endpoint: string;
  attributes: Record<string, string>;
  createdAt: number;
}

export interface TopicRow {
  arn: string;
  account_id: string;
  region: string;
  name: string;
  attributes: string;
  tags: string;
  created_at: number | string;
}

export interface SubRow {
  arn: string;
  account_id: string;
  region: string;
  topic_arn: string;
  protocol: string;
  endpoint: string;
  attributes: string;
  created_at: number | string;
}

export const topic = (r: TopicRow): TopicRecord => ({
  arn: r.arn,
  accountId: r.account_id,
  region: r.region,
  name: r.name,
  attributes: JSON.parse(r.attributes) as Record<string, string>,
  tags: JSON.parse(r.tags) as Record<string, string>,
  createdAt: Number(r.created_at),
});

export const sub = (r: SubRow): SubscriptionRecord => ({
  arn: r.arn,
  accountId: r.account_id,
  region: r.region,
  topicArn: r.topic_arn,
  protocol: r.protocol,
  endpoint: r.endpoint,
  attributes: JSON.parse(r.attributes) as Record<string, string>,
  createdAt: Number(r.created_at),
});
