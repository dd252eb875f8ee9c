/**
 * The SQS engine's tables in PostgreSQL (cluster mode), as numbered migrations under the
 * component name `sqs` (src/pg/migrate.ts). The same rows as the SQLite file (store/schema.ts);
 * times are epoch milliseconds from Nimbus's clock, never the database's. Messages and
 * deduplication records go with their queue (ON DELETE CASCADE), so a send racing a DeleteQueue
 * fails instead of leaving orphans. Never edit a released migration: add the next one.
 */
import type { Migration } from '../../pg/migrate.js';

export const SQS_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'sqs: queues, messages, deduplication, idempotency keys, tombstones',
    sql: `
CREATE TABLE sqs_queues (
  id SERIAL PRIMARY KEY,
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  fifo BOOLEAN NOT NULL,
  attributes TEXT NOT NULL,
  tags TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  modified_at BIGINT NOT NULL,
  purged_at BIGINT,
  UNIQUE (account_id, region, name)
);
CREATE TABLE sqs_tombstones (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  deleted_at BIGINT NOT NULL,
  PRIMARY KEY (account_id, region, name)
);
CREATE TABLE sqs_messages (
  seq BIGSERIAL PRIMARY KEY,
  queue_id INTEGER NOT NULL REFERENCES sqs_queues (id) ON DELETE CASCADE,
  id TEXT NOT NULL,
  body TEXT NOT NULL,
  attributes TEXT,
  system_attributes TEXT,
  md5_body TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  sent_at BIGINT NOT NULL,
  visible_at BIGINT NOT NULL,
  receive_count INTEGER NOT NULL DEFAULT 0,
  first_receive_at BIGINT,
  receipt TEXT,
  group_id TEXT,
  dedup_id TEXT,
  dlq_source_arn TEXT
);
CREATE INDEX sqs_messages_visible ON sqs_messages (queue_id, visible_at, seq);
CREATE INDEX sqs_messages_group ON sqs_messages (queue_id, group_id, seq);
CREATE INDEX sqs_messages_sent ON sqs_messages (queue_id, sent_at);
CREATE TABLE sqs_dedup (
  queue_id INTEGER NOT NULL REFERENCES sqs_queues (id) ON DELETE CASCADE,
  scope TEXT NOT NULL,
  dedup_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (queue_id, scope, dedup_id)
);
CREATE INDEX sqs_dedup_expiry ON sqs_dedup (expires_at);
CREATE TABLE sqs_ingest (
  key TEXT PRIMARY KEY,
  message_id TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX sqs_ingest_expiry ON sqs_ingest (expires_at);
`,
  },
];
