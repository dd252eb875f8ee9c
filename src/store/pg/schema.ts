/**
 * The PostgreSQL store's schema as numbered migrations (component 'store' in
 * `nimbus_migrations`), kept in its own PostgreSQL schema so that its table names never meet the
 * queue's or another component's. The tables mirror the SQLite store's (src/store/sqlite*.ts)
 * one for one: the same keys, the same foreign keys and cascades from a function to what goes
 * with it, the same triggers removing a version's or alias's settings.
 *
 * Every key and ordered text column is `COLLATE "C"`: ordering and paging compare bytes, as
 * SQLite's BINARY collation does, whatever locale the database was created with.
 * Never edit a released migration: add the next one.
 */
import type { Migration } from '../../pg/migrate.js';

/** The PostgreSQL schema the store's tables live in unless told otherwise. */
export const DEFAULT_STORE_SCHEMA = 'nimbus_store';

/** The channel writes of versions are announced on (version-cache.ts). */
export const VERSION_CHANNEL = 'nimbus_store_versions';

/** The channel other changes that nodes hold in memory are announced on, the payload naming what changed (PgStore.onChange). */
export const CHANGE_CHANNEL = 'nimbus_store_changes';

const T = 'TEXT COLLATE "C" NOT NULL';

export const STORE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'store: functions, versions, logs and every record kept beside a function',
    sql: `
CREATE TABLE functions (
  account_id ${T}, region ${T}, name ${T},
  created_at BIGINT NOT NULL,
  PRIMARY KEY (account_id, region, name)
);
CREATE TABLE function_versions (
  account_id ${T}, region ${T}, name ${T}, version ${T},
  -- $LATEST first, then published versions numerically.
  vkey BIGINT GENERATED ALWAYS AS (CASE version WHEN '$LATEST' THEN -1 ELSE version::bigint END) STORED,
  config TEXT NOT NULL,
  environment TEXT NOT NULL,
  code_sha256 ${T},
  code_size BIGINT NOT NULL,
  -- The code hashes of the version's layers, in order (also inside config): what /opt shows and layer GC reads.
  layer_shas TEXT[] NOT NULL DEFAULT '{}',
  last_modified BIGINT NOT NULL,
  revision_id TEXT NOT NULL,
  PRIMARY KEY (account_id, region, name, version),
  FOREIGN KEY (account_id, region, name) REFERENCES functions (account_id, region, name) ON DELETE CASCADE
);
CREATE INDEX function_versions_order ON function_versions (account_id, region, name, vkey);
CREATE INDEX function_versions_code ON function_versions (code_sha256);
CREATE INDEX function_versions_layers ON function_versions USING GIN (layer_shas) WHERE cardinality(layer_shas) > 0;
CREATE TABLE version_counters (
  account_id ${T}, region ${T}, name ${T},
  next_version BIGINT NOT NULL,
  PRIMARY KEY (account_id, region, name),
  FOREIGN KEY (account_id, region, name) REFERENCES functions (account_id, region, name) ON DELETE CASCADE
);
CREATE TABLE logs (
  id BIGSERIAL PRIMARY KEY,
  account_id ${T}, region ${T}, function_name ${T},
  version TEXT NOT NULL,
  request_id TEXT NOT NULL,
  ts BIGINT NOT NULL,
  text TEXT NOT NULL,
  bytes BIGINT NOT NULL
);
CREATE INDEX logs_retention ON logs (account_id, region, function_name, id, bytes, ts);

CREATE TABLE aliases (
  account_id ${T}, region ${T}, function_name ${T}, name ${T},
  function_version TEXT NOT NULL,
  description TEXT NOT NULL,
  weights TEXT NOT NULL,
  revision_id TEXT NOT NULL,
  PRIMARY KEY (account_id, region, function_name, name),
  FOREIGN KEY (account_id, region, function_name) REFERENCES functions (account_id, region, name) ON DELETE CASCADE
);
CREATE TABLE url_configs (
  account_id ${T}, region ${T}, function_name ${T}, qualifier ${T},
  url_id ${T} UNIQUE,
  auth_type TEXT NOT NULL,
  cors TEXT,
  invoke_mode TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  modified_at BIGINT NOT NULL,
  PRIMARY KEY (account_id, region, function_name, qualifier),
  FOREIGN KEY (account_id, region, function_name) REFERENCES functions (account_id, region, name) ON DELETE CASCADE
);
CREATE TABLE api_routes (
  account_id ${T}, region ${T}, stack ${T}, api_id ${T}, method ${T}, path ${T},
  function_name TEXT NOT NULL,
  qualifier TEXT NOT NULL,
  payload_format TEXT NOT NULL,
  PRIMARY KEY (account_id, region, stack, api_id, method, path)
);
CREATE TABLE apis (
  account_id ${T}, region ${T}, stack ${T}, logical_id ${T},
  api_id TEXT NOT NULL,
  type TEXT NOT NULL,
  stage TEXT NOT NULL,
  cors TEXT,
  PRIMARY KEY (account_id, region, stack, logical_id)
);
CREATE TABLE stacks (
  account_id ${T}, region ${T}, name ${T},
  stack_id TEXT NOT NULL,
  status TEXT NOT NULL,
  status_reason TEXT NOT NULL,
  description TEXT NOT NULL,
  parameters TEXT NOT NULL,
  outputs TEXT NOT NULL,
  resources TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (account_id, region, name)
);
CREATE TABLE function_concurrency (
  account_id ${T}, region ${T}, name ${T},
  reserved INTEGER NOT NULL,
  PRIMARY KEY (account_id, region, name),
  FOREIGN KEY (account_id, region, name) REFERENCES functions (account_id, region, name) ON DELETE CASCADE
);
CREATE TABLE policy_state (
  name ${T} PRIMARY KEY,
  state TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE provisioned_concurrency (
  account_id ${T}, region ${T}, function_name ${T}, qualifier ${T},
  requested INTEGER NOT NULL,
  last_modified BIGINT NOT NULL,
  PRIMARY KEY (account_id, region, function_name, qualifier),
  FOREIGN KEY (account_id, region, function_name) REFERENCES functions (account_id, region, name) ON DELETE CASCADE
);
CREATE TABLE event_source_mappings (
  uuid ${T} PRIMARY KEY,
  account_id ${T}, region ${T}, function_name ${T}, qualifier ${T}, event_source_arn ${T},
  state TEXT NOT NULL,
  config TEXT NOT NULL
);
CREATE INDEX event_source_mappings_scope ON event_source_mappings (account_id, region, uuid);
CREATE TABLE layer_versions (
  account_id ${T}, region ${T}, layer_name ${T},
  version BIGINT NOT NULL,
  description TEXT NOT NULL,
  compatible_runtimes TEXT,
  compatible_architectures TEXT,
  license_info TEXT,
  code_sha256 ${T},
  code_size BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  policy TEXT,
  PRIMARY KEY (account_id, region, layer_name, version)
);
CREATE INDEX layer_versions_code ON layer_versions (code_sha256);
CREATE TABLE layer_counters (
  account_id ${T}, region ${T}, layer_name ${T},
  next_version BIGINT NOT NULL,
  PRIMARY KEY (account_id, region, layer_name)
);
CREATE TABLE function_settings (
  account_id ${T}, region ${T}, function_name ${T}, qualifier ${T}, kind ${T},
  value TEXT NOT NULL,
  PRIMARY KEY (account_id, region, function_name, qualifier, kind),
  FOREIGN KEY (account_id, region, function_name) REFERENCES functions (account_id, region, name) ON DELETE CASCADE
);
CREATE INDEX function_settings_kind ON function_settings (account_id, region, kind);
-- A deleted alias or version takes its settings (a policy on it) along. Updates are
-- INSERT ... ON CONFLICT DO UPDATE, which deletes nothing, so they keep them.
CREATE FUNCTION function_settings_of_alias() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM function_settings WHERE account_id = OLD.account_id AND region = OLD.region
    AND function_name = OLD.function_name AND qualifier = OLD.name;
  RETURN OLD;
END $$;
CREATE TRIGGER function_settings_of_alias AFTER DELETE ON aliases FOR EACH ROW EXECUTE FUNCTION function_settings_of_alias();
CREATE FUNCTION function_settings_of_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM function_settings WHERE account_id = OLD.account_id AND region = OLD.region
    AND function_name = OLD.name AND qualifier = OLD.version;
  RETURN OLD;
END $$;
CREATE TRIGGER function_settings_of_version AFTER DELETE ON function_versions FOR EACH ROW EXECUTE FUNCTION function_settings_of_version();
CREATE TABLE code_signing_configs (
  account_id ${T}, region ${T}, id ${T},
  description TEXT NOT NULL,
  profiles TEXT NOT NULL,
  policy TEXT NOT NULL,
  last_modified BIGINT NOT NULL,
  tags TEXT NOT NULL,
  PRIMARY KEY (account_id, region, id)
);
`,
  },
  {
    version: 2,
    name: 'store: changes of what nodes hold in memory are announced',
    sql: `
-- Every change of the route table or of reservations, cascades from a function's deletion
-- included, notifies nimbus_store_changes (CHANGE_CHANNEL) at commit with the kind as payload (PgStore.onChange).
CREATE FUNCTION announce_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('nimbus_store_changes', TG_ARGV[0]);
  RETURN NULL;
END $$;
CREATE TRIGGER api_routes_changed AFTER INSERT OR UPDATE OR DELETE ON api_routes FOR EACH STATEMENT EXECUTE FUNCTION announce_change('routes');
CREATE TRIGGER apis_changed AFTER INSERT OR UPDATE OR DELETE ON apis FOR EACH STATEMENT EXECUTE FUNCTION announce_change('routes');
CREATE TRIGGER function_concurrency_changed AFTER INSERT OR UPDATE OR DELETE ON function_concurrency FOR EACH STATEMENT EXECUTE FUNCTION announce_change('concurrency');
`,
  },
  {
    version: 3,
    name: 'store: Lambda authorizers of APIs and the routes that use them',
    sql: `
ALTER TABLE api_routes ADD COLUMN authorizer TEXT NOT NULL DEFAULT '';
ALTER TABLE apis ADD COLUMN authorizers TEXT;
`,
  },
  {
    version: 4,
    name: "store: the CloudFormation template a stack was last deployed with",
    sql: `
ALTER TABLE stacks ADD COLUMN deployed_with TEXT;
`,
  },
  {
    version: 5,
    name: 'store: routes answered by an HTTP API service integration',
    sql: `
ALTER TABLE api_routes ADD COLUMN extra TEXT;
`,
  },
];
