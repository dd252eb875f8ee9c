/**
 * SNS's state in its own SQLite file (`<data dir>/sns.db`, WAL, synchronous=FULL): topics and
 * subscriptions, scoped by account and region. Attributes are kept as given (JSON).
 */
import Database from 'better-sqlite3';
import { openDurableDatabase } from '../core/sqlite.js';
import type { Scope } from '../core/model.js';
import { type TopicRecord, type SubscriptionRecord, sub, topic, type SubRow, type TopicRow } from './rows.js';
export type { TopicRecord, SubscriptionRecord } from './rows.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sns_topics (
  arn TEXT PRIMARY KEY, account_id TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
  attributes TEXT NOT NULL, tags TEXT NOT NULL, created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sns_topics_scope ON sns_topics (account_id, region, name);
CREATE TABLE IF NOT EXISTS sns_subscriptions (
  arn TEXT PRIMARY KEY, account_id TEXT NOT NULL, region TEXT NOT NULL, topic_arn TEXT NOT NULL,
  protocol TEXT NOT NULL, endpoint TEXT NOT NULL, attributes TEXT NOT NULL, created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sns_subscriptions_topic ON sns_subscriptions (topic_arn, created_at);
`;

/** Topics and subscriptions: one node's SQLite file (SnsStore) or a cluster's PostgreSQL (pg-store.ts). */
export interface SnsStoreApi {
  topic(arn: string): Promise<TopicRecord | undefined>;
  topics(scope: Scope): Promise<TopicRecord[]>;
  putTopic(t: TopicRecord): Promise<void>;
  /** A topic and its subscriptions. */
  deleteTopic(arn: string): Promise<void>;
  subscription(arn: string): Promise<SubscriptionRecord | undefined>;
  subscriptions(scope: Scope): Promise<SubscriptionRecord[]>;
  subscriptionsOf(topicArn: string): Promise<SubscriptionRecord[]>;
  putSubscription(x: SubscriptionRecord): Promise<void>;
  deleteSubscription(arn: string): Promise<boolean>;
  close(): Promise<void>;
}

export class SnsStore implements SnsStoreApi {
  private readonly db: Database.Database;
  private readonly s;

  constructor(file: string) {
    this.db = openDurableDatabase(file);
    this.db.exec(SCHEMA);
    const db = this.db;
    this.s = {
      topic: db.prepare('SELECT * FROM sns_topics WHERE arn = ?'),
      topics: db.prepare('SELECT * FROM sns_topics WHERE account_id = ? AND region = ? ORDER BY name'),
      putTopic: db.prepare('INSERT OR REPLACE INTO sns_topics (arn, account_id, region, name, attributes, tags, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      deleteTopic: db.prepare('DELETE FROM sns_topics WHERE arn = ?'),
      deleteTopicSubs: db.prepare('DELETE FROM sns_subscriptions WHERE topic_arn = ?'),
      sub: db.prepare('SELECT * FROM sns_subscriptions WHERE arn = ?'),
      subs: db.prepare('SELECT * FROM sns_subscriptions WHERE account_id = ? AND region = ? ORDER BY created_at, arn'),
      subsOf: db.prepare('SELECT * FROM sns_subscriptions WHERE topic_arn = ? ORDER BY created_at, arn'),
      putSub: db.prepare('INSERT OR REPLACE INTO sns_subscriptions (arn, account_id, region, topic_arn, protocol, endpoint, attributes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      deleteSub: db.prepare('DELETE FROM sns_subscriptions WHERE arn = ?'),
    };
  }

  async topic(arn: string): Promise<TopicRecord | undefined> {
    const r = this.s.topic.get(arn) as TopicRow | undefined;
    return r && topic(r);
  }

  async topics(scope: Scope): Promise<TopicRecord[]> {
    return (this.s.topics.all(scope.accountId, scope.region) as TopicRow[]).map(topic);
  }

  async putTopic(t: TopicRecord): Promise<void> {
    this.s.putTopic.run(t.arn, t.accountId, t.region, t.name, JSON.stringify(t.attributes), JSON.stringify(t.tags), t.createdAt);
  }

  /** A topic and its subscriptions. */
  async deleteTopic(arn: string): Promise<void> {
    this.db.transaction(() => {
      this.s.deleteTopicSubs.run(arn);
      this.s.deleteTopic.run(arn);
    })();
  }

  async subscription(arn: string): Promise<SubscriptionRecord | undefined> {
    const r = this.s.sub.get(arn) as SubRow | undefined;
    return r && sub(r);
  }

  async subscriptions(scope: Scope): Promise<SubscriptionRecord[]> {
    return (this.s.subs.all(scope.accountId, scope.region) as SubRow[]).map(sub);
  }

  async subscriptionsOf(topicArn: string): Promise<SubscriptionRecord[]> {
    return (this.s.subsOf.all(topicArn) as SubRow[]).map(sub);
  }

  async putSubscription(x: SubscriptionRecord): Promise<void> {
    this.s.putSub.run(x.arn, x.accountId, x.region, x.topicArn, x.protocol, x.endpoint, JSON.stringify(x.attributes), x.createdAt);
  }

  async deleteSubscription(arn: string): Promise<boolean> {
    return this.s.deleteSub.run(arn).changes === 1;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
