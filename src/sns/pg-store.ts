/**
 * SNS's topics and subscriptions in PostgreSQL (cluster mode), shared by every node: the same
 * rows as the SQLite file (store.ts), migrated under the component name `sns`. A publish through
 * any node sees every subscription made through any other.
 */
import type { Scope } from '../core/model.js';
import type { Migration } from '../pg/migrate.js';
import { MigratedPool, type MigratedPoolOptions } from '../pg/migrated-pool.js';
import type { SnsStoreApi, SubscriptionRecord, TopicRecord } from './store.js';
import { sub, topic, type SubRow, type TopicRow } from './rows.js';

export const SNS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'sns: topics and subscriptions',
    sql: `
CREATE TABLE sns_topics (
  arn TEXT PRIMARY KEY, account_id TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
  attributes TEXT NOT NULL, tags TEXT NOT NULL, created_at BIGINT NOT NULL
);
CREATE INDEX sns_topics_scope ON sns_topics (account_id, region, name);
CREATE TABLE sns_subscriptions (
  arn TEXT PRIMARY KEY, account_id TEXT NOT NULL, region TEXT NOT NULL, topic_arn TEXT NOT NULL,
  protocol TEXT NOT NULL, endpoint TEXT NOT NULL, attributes TEXT NOT NULL, created_at BIGINT NOT NULL
);
CREATE INDEX sns_subscriptions_topic ON sns_subscriptions (topic_arn, created_at);
CREATE INDEX sns_subscriptions_scope ON sns_subscriptions (account_id, region, created_at);
`,
  },
];

export class PgSnsStore implements SnsStoreApi {
  private constructor(private readonly db: MigratedPool) {}

  /** Opens the pool and applies the migrations. */
  static async open(opts: MigratedPoolOptions): Promise<PgSnsStore> {
    return new PgSnsStore(await MigratedPool.open(opts, 'sns', SNS_MIGRATIONS));
  }

  async topic(arn: string): Promise<TopicRecord | undefined> {
    const r = (await this.db.q<TopicRow>('SELECT * FROM sns_topics WHERE arn = $1', [arn])).rows[0];
    return r && topic(r);
  }

  async topics(scope: Scope): Promise<TopicRecord[]> {
    return (await this.db.q<TopicRow>('SELECT * FROM sns_topics WHERE account_id = $1 AND region = $2 ORDER BY name COLLATE "C"', [scope.accountId, scope.region])).rows.map(topic);
  }

  async putTopic(t: TopicRecord): Promise<void> {
    await this.db.q(
      `INSERT INTO sns_topics (arn, account_id, region, name, attributes, tags, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (arn) DO UPDATE SET account_id = EXCLUDED.account_id, region = EXCLUDED.region, name = EXCLUDED.name,
         attributes = EXCLUDED.attributes, tags = EXCLUDED.tags, created_at = EXCLUDED.created_at`,
      [t.arn, t.accountId, t.region, t.name, JSON.stringify(t.attributes), JSON.stringify(t.tags), t.createdAt],
    );
  }

  async deleteTopic(arn: string): Promise<void> {
    await this.db.tx(async (c) => {
      await c.query('DELETE FROM sns_subscriptions WHERE topic_arn = $1', [arn]);
      await c.query('DELETE FROM sns_topics WHERE arn = $1', [arn]);
    });
  }

  async subscription(arn: string): Promise<SubscriptionRecord | undefined> {
    const r = (await this.db.q<SubRow>('SELECT * FROM sns_subscriptions WHERE arn = $1', [arn])).rows[0];
    return r && sub(r);
  }

  async subscriptions(scope: Scope): Promise<SubscriptionRecord[]> {
    return (await this.db.q<SubRow>('SELECT * FROM sns_subscriptions WHERE account_id = $1 AND region = $2 ORDER BY created_at, arn COLLATE "C"', [scope.accountId, scope.region])).rows.map(sub);
  }

  async subscriptionsOf(topicArn: string): Promise<SubscriptionRecord[]> {
    return (await this.db.q<SubRow>('SELECT * FROM sns_subscriptions WHERE topic_arn = $1 ORDER BY created_at, arn COLLATE "C"', [topicArn])).rows.map(sub);
  }

  async putSubscription(x: SubscriptionRecord): Promise<void> {
    await this.db.q(
      `INSERT INTO sns_subscriptions (arn, account_id, region, topic_arn, protocol, endpoint, attributes, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (arn) DO UPDATE SET account_id = EXCLUDED.account_id, region = EXCLUDED.region, topic_arn = EXCLUDED.topic_arn,
         protocol = EXCLUDED.protocol, endpoint = EXCLUDED.endpoint, attributes = EXCLUDED.attributes, created_at = EXCLUDED.created_at`,
      [x.arn, x.accountId, x.region, x.topicArn, x.protocol, x.endpoint, JSON.stringify(x.attributes), x.createdAt],
    );
  }

  async deleteSubscription(arn: string): Promise<boolean> {
    return ((await this.db.q('DELETE FROM sns_subscriptions WHERE arn = $1', [arn])).rowCount ?? 0) === 1;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
