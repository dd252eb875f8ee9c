/** The queue's own tables, in their own SQLite file (`<data dir>/queue.db`). */
export const QUEUE_SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT,
  payload BLOB NOT NULL,
  source TEXT NOT NULL,
  enqueued_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  function_errors INTEGER NOT NULL DEFAULT 0,
  throttles INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER NOT NULL,
  last_error TEXT,
  condition TEXT,
  finished_at INTEGER,
  tenant_id TEXT
);
CREATE INDEX IF NOT EXISTS events_waiting ON events (not_before) WHERE status IN ('queued', 'retrying');
CREATE INDEX IF NOT EXISTS events_running ON events (status) WHERE status = 'running';
CREATE INDEX IF NOT EXISTS events_function ON events (account_id, region, function_name, enqueued_at);
CREATE INDEX IF NOT EXISTS events_finished ON events (finished_at) WHERE finished_at IS NOT NULL;
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  queue TEXT NOT NULL,
  body TEXT NOT NULL,
  attributes TEXT NOT NULL,
  sent_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_queue ON messages (account_id, region, queue, id);
CREATE TABLE IF NOT EXISTS invoke_configs (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  max_retry INTEGER,
  max_age INTEGER,
  on_success TEXT,
  on_failure TEXT,
  last_modified INTEGER NOT NULL,
  PRIMARY KEY (account_id, region, function_name, qualifier)
);
CREATE TABLE IF NOT EXISTS schedules (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  expression TEXT NOT NULL,
  function_name TEXT NOT NULL,
  qualifier TEXT,
  input TEXT,
  enabled INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  next_at INTEGER NOT NULL,
  last_run_at INTEGER,
  missed INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, region, name)
);
`;
