/**
 * The SQS service's SQLite schema, in its own database file.
 *
 * `seq` is a global AUTOINCREMENT: it orders messages (FIFO order within a group, send order
 * otherwise), is never reused (so a receipt handle naming a deleted message cannot hit a new
 * one), and gives FIFO queues their SequenceNumber. Queue ids are AUTOINCREMENT too, so a
 * queue deleted and created again is a different queue to old receipt handles.
 *
 * `sqs_ingest` holds the idempotency keys of Nimbus's own sends (`SendOptions.idempotencyKey`):
 * a component that hands messages over from another database (the async queue's outbox) may
 * send one again after a crash, and the key makes the second send a no-op.
 */
export const SQS_SCHEMA = `
CREATE TABLE IF NOT EXISTS sqs_queues (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  fifo INTEGER NOT NULL,
  attributes TEXT NOT NULL,
  tags TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  modified_at INTEGER NOT NULL,
  purged_at INTEGER,
  UNIQUE (account_id, region, name)
);
CREATE TABLE IF NOT EXISTS sqs_tombstones (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  deleted_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, region, name)
);
CREATE TABLE IF NOT EXISTS sqs_messages (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  queue_id INTEGER NOT NULL,
  id TEXT NOT NULL,
  body TEXT NOT NULL,
  attributes TEXT,
  system_attributes TEXT,
  md5_body TEXT NOT NULL,
  sender_id TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  visible_at INTEGER NOT NULL,
  receive_count INTEGER NOT NULL DEFAULT 0,
  first_receive_at INTEGER,
  receipt TEXT,
  group_id TEXT,
  dedup_id TEXT,
  dlq_source_arn TEXT
);
CREATE INDEX IF NOT EXISTS sqs_messages_visible ON sqs_messages (queue_id, visible_at, seq);
CREATE INDEX IF NOT EXISTS sqs_messages_group ON sqs_messages (queue_id, group_id, seq);
CREATE INDEX IF NOT EXISTS sqs_messages_sent ON sqs_messages (queue_id, sent_at);
CREATE TABLE IF NOT EXISTS sqs_dedup (
  queue_id INTEGER NOT NULL,
  scope TEXT NOT NULL,
  dedup_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (queue_id, scope, dedup_id)
);
CREATE INDEX IF NOT EXISTS sqs_dedup_expiry ON sqs_dedup (expires_at);
CREATE TABLE IF NOT EXISTS sqs_ingest (
  key TEXT PRIMARY KEY,
  message_id TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
`;
