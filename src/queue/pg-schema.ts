/**
 * The PostgreSQL queue's schema as numbered migrations. Each runs once, in its own transaction,
 * recorded in `nimbus_migrations`; nodes starting together take an advisory lock first, so only
 * one applies them. Never edit a released migration: add the next one.
 */
export const QUEUE_MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'queue: events, outbox messages, invoke configs, schedules',
    sql: `
CREATE TABLE events (
  seq BIGSERIAL UNIQUE,
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT,
  payload BYTEA NOT NULL,
  source TEXT NOT NULL,
  enqueued_at BIGINT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  function_errors INTEGER NOT NULL DEFAULT 0,
  throttles INTEGER NOT NULL DEFAULT 0,
  not_before BIGINT NOT NULL,
  last_error TEXT,
  condition TEXT,
  finished_at BIGINT,
  -- The claim: which node runs the event, under which fencing epoch, until when.
  lease_owner TEXT,
  lease_epoch BIGINT,
  lease_until BIGINT
);
CREATE INDEX events_waiting ON events (not_before, seq) WHERE status IN ('queued', 'retrying');
CREATE INDEX events_running ON events (lease_owner, lease_until) WHERE status = 'running';
CREATE INDEX events_function ON events (account_id, region, function_name, enqueued_at);
CREATE INDEX events_finished ON events (finished_at) WHERE finished_at IS NOT NULL;
CREATE TABLE messages (
  id BIGSERIAL PRIMARY KEY,
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  queue TEXT NOT NULL,
  body TEXT NOT NULL,
  attributes TEXT NOT NULL,
  sent_at BIGINT NOT NULL
);
CREATE INDEX messages_queue ON messages (account_id, region, queue, id);
CREATE TABLE invoke_configs (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  max_retry INTEGER,
  max_age INTEGER,
  on_success TEXT,
  on_failure TEXT,
  last_modified BIGINT NOT NULL,
  PRIMARY KEY (account_id, region, function_name, qualifier)
);
CREATE TABLE schedules (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  expression TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT,
  input TEXT,
  enabled BOOLEAN NOT NULL,
  created_at BIGINT NOT NULL,
  next_at BIGINT NOT NULL,
  last_run_at BIGINT,
  missed INTEGER NOT NULL DEFAULT 0,
  rule_arn TEXT,
  target_input TEXT,
  PRIMARY KEY (account_id, region, name)
);
`,
  },
  {
    version: 2,
    name: 'queue: the tenant of an Event invoke of a tenant-isolated function',
    sql: 'ALTER TABLE events ADD COLUMN tenant_id TEXT;',
  },
];
