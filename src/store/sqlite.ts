/**
 * The embedded SQLite store (better-sqlite3). WAL mode with synchronous=FULL: once a write
 * returns it is on disk, so everything the API acknowledged survives a crash.
 */
import Database from 'better-sqlite3';
import { privateDatabase } from '../core/private-files.js';
import { Checkpointer } from './checkpointer.js';
import { LogWriter } from './log-writer.js';
import { LogWrites } from './log-writes.js';
import type { AliasStore, EventSourceMappingStore, RouteStore, StackStore, UrlConfigStore } from './types.js';
import { ALIASES_SCHEMA, SqliteAliasStore } from './sqlite-aliases.js';
import { CONCURRENCY_SCHEMA, SqliteConcurrencyStore } from './sqlite-concurrency.js';
import { ESM_SCHEMA, SqliteEventSourceMappingStore } from './sqlite-esm.js';
import { type ConcurrencyStore } from './types.js';
import { POLICY_SCHEMA, SqlitePolicyStateStore } from './sqlite-policy.js';
import { type PolicyStateStore } from './types.js';
import { PROVISIONED_SCHEMA, SqliteProvisionedStore } from './sqlite-provisioned.js';
import { type ProvisionedStore } from './types.js';
import { ROUTES_SCHEMA, SqliteRouteStore } from './sqlite-routes.js';
import { SqliteStackStore, STACKS_SCHEMA } from './sqlite-stacks.js';
import { SqliteUrlConfigStore, URLS_SCHEMA } from './sqlite-urls.js';
import { CODE_SIGNING_SCHEMA, SqliteCodeSigningConfigStore } from './sqlite-code-signing.js';
import { LAYERS_SCHEMA, SqliteLayerStore } from './sqlite-layers.js';
import { SETTINGS_SCHEMA, SqliteFunctionSettingsStore } from './sqlite-settings.js';
import type { CodeSigningConfigStore, FunctionSettingsStore, LayerStore, LogEntry, LogRetention, SecretSealer, Store, StoredLogEntry } from './types.js';
import type { FunctionVersion, Scope } from '../core/model.js';
import { type Config, type VersionRow, VersionCodec, envAad } from './rows/versions.js';
import { fromLogRow, type LogRow } from './rows/logs.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS functions (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (account_id, region, name)
);
CREATE TABLE IF NOT EXISTS function_versions (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  config TEXT NOT NULL,
  environment TEXT NOT NULL,
  code_sha256 TEXT NOT NULL,
  code_size INTEGER NOT NULL,
  last_modified INTEGER NOT NULL,
  revision_id TEXT NOT NULL,
  PRIMARY KEY (account_id, region, name, version),
  FOREIGN KEY (account_id, region, name) REFERENCES functions (account_id, region, name) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS function_versions_code ON function_versions (code_sha256);
-- Only versions with layers: startup (layerSets) and layer GC (layerInUse) read these, not every function.
CREATE INDEX IF NOT EXISTS function_versions_layers ON function_versions (json_extract(config, '$.layers'))
  WHERE json_array_length(config, '$.layers') > 0;
CREATE TABLE IF NOT EXISTS logs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  function_name TEXT NOT NULL,
  version TEXT NOT NULL,
  request_id TEXT NOT NULL,
  ts INTEGER NOT NULL,
  text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS version_counters (
  account_id TEXT NOT NULL,
  region TEXT NOT NULL,
  name TEXT NOT NULL,
  next_version INTEGER NOT NULL,
  PRIMARY KEY (account_id, region, name),
  FOREIGN KEY (account_id, region, name) REFERENCES functions (account_id, region, name) ON DELETE CASCADE
);
`;

/** Orders `$LATEST` before published versions, and those numerically. */
const VERSION_ORDER = "CASE version WHEN '$LATEST' THEN -1 ELSE CAST(version AS INTEGER) END";

const VERSION_CACHE_LIMIT = 10_000;
/** Up to a second of 5 ms waits for a truncating checkpoint (see `wipe`). */
const WIPE_TRIES = 200;
const WIPE_SLEEP = new Int32Array(new SharedArrayBuffer(4));

/** Freezes a record and its nested objects, so a cached one cannot be changed by a caller. */
function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === 'object' && !Object.isFrozen(v)) deepFreeze(v as object);
  return Object.freeze(o);
}

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly logDb: Database.Database;
  private readonly stmts;
  readonly aliases: AliasStore;
  readonly urls: UrlConfigStore;
  readonly routes: RouteStore;
  readonly stacks: StackStore;
  readonly concurrency: ConcurrencyStore;
  readonly policyState: PolicyStateStore;
  readonly provisioned: ProvisionedStore;
  readonly eventSourceMappings: EventSourceMappingStore;
  readonly layers: LayerStore;
  private readonly layerStore: SqliteLayerStore;
  readonly settings: FunctionSettingsStore;
  readonly codeSigning: CodeSigningConfigStore;
  private readonly checkpointer: Checkpointer;
  /** Log appends and prunes, on their own thread (log-writer.ts). */
  private readonly logWriter: LogWriter;
  private logWrites: LogWrites | null = null;
  private readonly codec: VersionCodec;

  constructor(
    file: string,
    /** Seals environments at rest; without one (unit tests of the store) they are stored as JSON. */
    private readonly sealer?: SecretSealer,
  ) {
    this.codec = new VersionCodec(sealer);
    privateDatabase(file);
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    // Deleted and replaced rows are overwritten with zeros, not left readable in free space.
    this.db.pragma('secure_delete = ON');
    // Checkpoints run on their own thread (checkpointer.ts), not inside a commit on the event loop.
    this.db.pragma('wal_autocheckpoint = 0');
    // Every table is created IF NOT EXISTS, so opening an older data dir adds what it lacks.
    this.db.exec(SCHEMA + ALIASES_SCHEMA + URLS_SCHEMA + ROUTES_SCHEMA + STACKS_SCHEMA + CONCURRENCY_SCHEMA + POLICY_SCHEMA + PROVISIONED_SCHEMA + ESM_SCHEMA);
    this.db.exec(LAYERS_SCHEMA + SETTINGS_SCHEMA + CODE_SIGNING_SCHEMA);
    this.sealPlaintextRows();
    this.addLogBytes();
    const db = this.db;
    // Logs are observability, not acknowledged state: their own connection skips the per-commit
    // fsync (synchronous=NORMAL in WAL mode is still crash-safe, it may only lose the last commits).
    this.logDb = new Database(file);
    this.logDb.pragma('synchronous = NORMAL');
    this.logDb.pragma('busy_timeout = 5000');
    this.logDb.pragma('wal_autocheckpoint = 0');
    // Should the checkpointer thread die, SQLite's own automatic checkpoints take over again.
    this.checkpointer = new Checkpointer(file, () => {
      for (const c of [this.db, this.logDb]) if (c.open) c.pragma('wal_autocheckpoint = 1000');
    });
    const logDb = this.logDb;
    this.logWriter = new LogWriter(file, () => (this.logWrites ??= new LogWrites(logDb)));
    this.aliases = new SqliteAliasStore(db);
    this.urls = new SqliteUrlConfigStore(db);
    this.routes = new SqliteRouteStore(db);
    this.stacks = new SqliteStackStore(db);
    this.concurrency = new SqliteConcurrencyStore(db);
    this.policyState = new SqlitePolicyStateStore(db);
    this.provisioned = new SqliteProvisionedStore(db);
    this.eventSourceMappings = new SqliteEventSourceMappingStore(db);
    this.layerStore = new SqliteLayerStore(db);
    this.layers = this.layerStore;
    this.settings = new SqliteFunctionSettingsStore(db);
    this.codeSigning = new SqliteCodeSigningConfigStore(db);
    this.stmts = {
      insertFn: db.prepare('INSERT INTO functions (account_id, region, name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      putVersion: db.prepare(`INSERT OR REPLACE INTO function_versions
        (account_id, region, name, version, config, environment, code_sha256, code_size, last_modified, revision_id)
        VALUES (@account_id, @region, @name, @version, @config, @environment, @code_sha256, @code_size, @last_modified, @revision_id)`),
      getVersion: db.prepare('SELECT * FROM function_versions WHERE account_id = ? AND region = ? AND name = ? AND version = ?'),
      // A function's packages and the layers its versions use (stored in their config as `layers`).
      codesOf: db.prepare(`SELECT code_sha256 FROM function_versions WHERE account_id = @a AND region = @r AND name = @n
        UNION SELECT json_extract(l.value, '$.codeSha256') FROM function_versions v, json_each(v.config, '$.layers') l
          WHERE v.account_id = @a AND v.region = @r AND v.name = @n`),
      deleteFn: db.prepare('DELETE FROM functions WHERE account_id = ? AND region = ? AND name = ?'),
      list: db.prepare(`SELECT * FROM function_versions WHERE account_id = ? AND region = ? AND version = '$LATEST' AND name > ?
        ORDER BY name LIMIT ?`),
      // Every version, $LATEST first then 1, 2, ... (numerically), after a (name, version key) position.
      listAll: db.prepare(`SELECT *, CASE version WHEN '$LATEST' THEN -1 ELSE CAST(version AS INTEGER) END AS vkey
        FROM function_versions WHERE account_id = @a AND region = @r
          AND (name > @name OR (name = @name AND (CASE version WHEN '$LATEST' THEN -1 ELSE CAST(version AS INTEGER) END) > @vkey))
        ORDER BY name, vkey LIMIT @limit`),
      usage: db.prepare(`SELECT COUNT(DISTINCT name) AS n, COALESCE(SUM(code_size), 0) AS size FROM function_versions
        WHERE account_id = ? AND region = ?`),
      codeInUse: db.prepare('SELECT 1 FROM function_versions WHERE code_sha256 = ? LIMIT 1'),
      layerInUse: db.prepare(`SELECT 1 FROM function_versions v, json_each(v.config, '$.layers') l
        WHERE json_array_length(v.config, '$.layers') > 0 AND json_extract(l.value, '$.codeSha256') = ? LIMIT 1`),
      layerSets: db.prepare(`SELECT DISTINCT json_extract(config, '$.layers') AS layers FROM function_versions
        WHERE json_array_length(config, '$.layers') > 0`),
      readLogs: logDb.prepare(`SELECT * FROM logs WHERE account_id = ? AND region = ? AND function_name = ? AND id > ?
        ORDER BY id LIMIT ?`),
      readLast: logDb.prepare(`SELECT * FROM logs WHERE account_id = ? AND region = ? AND function_name = ?
        ORDER BY id DESC LIMIT ?`),
      nextVersion: db.prepare('SELECT next_version AS n FROM version_counters WHERE account_id = ? AND region = ? AND name = ?'),
      setNextVersion: db.prepare(`INSERT INTO version_counters (account_id, region, name, next_version) VALUES (?, ?, ?, ?)
        ON CONFLICT (account_id, region, name) DO UPDATE SET next_version = excluded.next_version`),
      maxVersion: db.prepare(`SELECT COALESCE(MAX(CAST(version AS INTEGER)), 0) AS n FROM function_versions
        WHERE account_id = ? AND region = ? AND name = ? AND version != '$LATEST'`),
      listVersions: db.prepare(`SELECT * FROM function_versions WHERE account_id = ? AND region = ? AND name = ?
        AND ${VERSION_ORDER} > ? ORDER BY ${VERSION_ORDER} LIMIT ?`),
      latestPublished: db.prepare(`SELECT * FROM function_versions WHERE account_id = ? AND region = ? AND name = ?
        AND version != '$LATEST' ORDER BY ${VERSION_ORDER} DESC LIMIT 1`),
      deleteVersion: db.prepare('DELETE FROM function_versions WHERE account_id = ? AND region = ? AND name = ? AND version = ?'),
      tailStart: logDb.prepare(`SELECT id FROM logs WHERE account_id = ? AND region = ? AND function_name = ?
        ORDER BY id DESC LIMIT 1 OFFSET ?`),
      lastLog: logDb.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM logs WHERE account_id = ? AND region = ? AND function_name = ?'),
      // Answered from the logs_retention index (it holds id and ts) without reading any text.
      logStartAt: logDb.prepare(`SELECT COALESCE(MIN(id) - 1, (SELECT COALESCE(MAX(id), 0) FROM logs WHERE account_id = @a AND region = @r AND function_name = @f)) AS id
        FROM logs WHERE account_id = @a AND region = @r AND function_name = @f AND ts >= @t`),
    };
  }

  /**
   * Function versions by (account, region, name, version). Every Invoke resolves one, so reads are
   * served from memory; any write to the function tables clears it (writes are rare, and all of
   * them go through this class). Cached records are frozen: callers copy, never mutate.
   */
  private readonly versionCache = new Map<string, FunctionVersion | null>();

  /** Runs a write to the function tables, then drops every cached version. */
  private write<T>(f: () => T): T {
    try {
      return f();
    } finally {
      this.versionCache.clear();
    }
  }

  /**
   * Overwrites what deleted or replaced rows left behind: secure_delete zeroes freed cells and
   * pages as rows go, and a truncating checkpoint moves the WAL's pages into the database and
   * empties the WAL, so an old value survives in neither.
   */
  private wipe(): void {
    // The checkpointer thread's own (passive) checkpoint can make this one busy for a moment:
    // try again briefly rather than leave the old pages in the WAL. Deletes are rare.
    for (let i = 0; i < WIPE_TRIES; i++) {
      const [r] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      if (!r || r.busy === 0) return;
      Atomics.wait(WIPE_SLEEP, 0, 0, 5);
    }
  }

  /**
   * Each log entry's size in bytes, for retention by size, with an index that covers the
   * retention queries (id, bytes, ts): pruning never reads the entries' text. Rows from before
   * count as 0 bytes (they still go by count and age).
   */
  private addLogBytes(): void {
    const cols = this.db.prepare('PRAGMA table_info(logs)').all() as { name: string }[];
    if (!cols.some((c) => c.name === 'bytes')) this.db.exec('ALTER TABLE logs ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0');
    this.db.exec('CREATE INDEX IF NOT EXISTS logs_retention ON logs (account_id, region, function_name, id, bytes, ts)');
    // The older index on (account_id, region, function_name, id) is a prefix of this one, which
    // answers every query it did; each log insert paid for both (about 1.4 of 7 µs per row on the
    // log writer's thread, docs/performance.md, "Sixth pass").
    this.db.exec('DROP INDEX IF EXISTS logs_function');
  }

  /** Seals the environments a data directory from before encryption kept in plain text, then rebuilds the file without them. */
  private sealPlaintextRows(): void {
    if (!this.sealer) return;
    const rows = this.db.prepare('SELECT * FROM function_versions').all() as VersionRow[];
    const old = rows.filter((r) => !this.sealer!.isSealed(r.environment));
    if (old.length === 0) return;
    const update = this.db.prepare(`UPDATE function_versions SET environment = ?
      WHERE account_id = ? AND region = ? AND name = ? AND version = ?`);
    this.db.transaction(() => {
      for (const r of old) {
        const keyName = (JSON.parse(r.config) as Config).kmsKeyArn;
        update.run(this.sealer!.seal(r.environment, envAad(r), keyName), r.account_id, r.region, r.name, r.version);
      }
    })();
    // Pages freed before secure_delete was on may still hold the plain text: rebuild the file.
    this.db.exec('VACUUM');
    this.wipe();
  }

  async reencryptSecrets(): Promise<{ rewritten: number; keyIdsInUse: string[] }> {
    const sealer = this.sealer;
    if (!sealer) return { rewritten: 0, keyIdsInUse: [] };
    const update = this.db.prepare(`UPDATE function_versions SET environment = ?
      WHERE account_id = ? AND region = ? AND name = ? AND version = ?`);
    const inUse = new Set<string>();
    let rewritten = 0;
    await Promise.resolve();
    this.write(this.db.transaction(() => {
      for (const r of this.db.prepare('SELECT * FROM function_versions').all() as VersionRow[]) {
        const keyName = (JSON.parse(r.config) as Config).kmsKeyArn;
        let sealed = r.environment;
        if (!sealer.isSealed(sealed) || !sealer.isCurrent(sealed, keyName)) {
          const opened = sealer.isSealed(sealed) ? sealer.open(sealed, envAad(r)) : { ok: true as const, plaintext: sealed };
          // A value that does not open stays as it is (and keeps its key in use): rotation never loses data.
          if (opened.ok) {
            sealed = sealer.seal(opened.plaintext, envAad(r), keyName);
            update.run(sealed, r.account_id, r.region, r.name, r.version);
            rewritten++;
          }
        }
        const id = sealer.keyIdOf(sealed);
        if (id) inUse.add(id);
      }
    }));
    this.wipe();
    return { rewritten, keyIdsInUse: [...inUse] };
  }

  async insertFunction(v: FunctionVersion): Promise<boolean> {
    return this.write(this.db.transaction(() => {
      const r = this.stmts.insertFn.run(v.accountId, v.region, v.name, v.lastModified);
      if (r.changes === 0) return false;
      this.stmts.putVersion.run(this.codec.toRow(v));
      return true;
    }));
  }

  async getVersion(scope: Scope, name: string, version: string): Promise<FunctionVersion | undefined> {
    return this.cachedVersion(scope, name, version);
  }

  /**
   * getVersion without the promise (Store.cachedVersion): SQLite answers every read synchronously,
   * from the version cache or the database.
   */
  cachedVersion(scope: Scope, name: string, version: string): FunctionVersion | undefined {
    const key = `${scope.accountId}\0${scope.region}\0${name}\0${version}`;
    const hit = this.versionCache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const r = this.stmts.getVersion.get(scope.accountId, scope.region, name, version) as VersionRow | undefined;
    const v = r ? deepFreeze(this.codec.fromRow(r)) : undefined;
    // Misses are cached too (invokes of a missing name are 404s); the bound keeps a flood of
    // made-up names from growing the map without limit.
    if (this.versionCache.size >= VERSION_CACHE_LIMIT) this.versionCache.clear();
    this.versionCache.set(key, v ?? null);
    return v;
  }

  async putVersion(v: FunctionVersion): Promise<void> {
    this.write(() => this.stmts.putVersion.run(this.codec.toRow(v)));
  }

  async deleteFunction(scope: Scope, name: string): Promise<string[]> {
    const unused = this.write(this.db.transaction(() => {
      const codes = (this.stmts.codesOf.all({ a: scope.accountId, r: scope.region, n: name }) as { code_sha256: string }[]).map((r) => r.code_sha256);
      this.stmts.deleteFn.run(scope.accountId, scope.region, name);
      return codes.filter((c) => !this.usesCode(c));
    }));
    this.wipe();
    return unused;
  }

  async listFunctions(scope: Scope, afterName: string | undefined, limit: number): Promise<FunctionVersion[]> {
    return (this.stmts.list.all(scope.accountId, scope.region, afterName ?? '', limit) as VersionRow[]).map((r) => this.codec.fromRow(r));
  }

  async listAllVersions(scope: Scope, after: { name: string; version: string } | undefined, limit: number): Promise<FunctionVersion[]> {
    const vkey = after === undefined ? -2 : after.version === '$LATEST' ? -1 : Number(after.version);
    return (this.stmts.listAll.all({ a: scope.accountId, r: scope.region, name: after?.name ?? '', vkey, limit }) as VersionRow[]).map((r) => this.codec.fromRow(r));
  }

  async usage(scope: Scope): Promise<{ functionCount: number; totalCodeSize: number }> {
    const r = this.stmts.usage.get(scope.accountId, scope.region) as { n: number; size: number };
    return { functionCount: r.n, totalCodeSize: r.size };
  }

  async codeInUse(codeSha256: string): Promise<boolean> {
    return this.usesCode(codeSha256);
  }

  /** codeInUse without the promise, for this store's own transactions. */
  private usesCode(codeSha256: string): boolean {
    return this.stmts.codeInUse.get(codeSha256) !== undefined || this.stmts.layerInUse.get(codeSha256) !== undefined || this.layerStore.usesCode(codeSha256);
  }

  async layerSets(): Promise<string[][]> {
    const rows = this.stmts.layerSets.all() as { layers: string }[];
    return rows.map((r) => (JSON.parse(r.layers) as { codeSha256: string }[]).map((l) => l.codeSha256));
  }

  async publishVersion(scope: Scope, name: string, build: (version: string) => FunctionVersion): Promise<FunctionVersion> {
    return this.write(this.db.transaction(() => {
      const counter = this.stmts.nextVersion.get(scope.accountId, scope.region, name) as { n: number } | undefined;
      // Data dirs from before versions existed have no counter row; rows are the fallback.
      const n = counter?.n ?? (this.stmts.maxVersion.get(scope.accountId, scope.region, name) as { n: number }).n + 1;
      const v = build(String(n));
      this.stmts.putVersion.run(this.codec.toRow(v));
      this.stmts.setNextVersion.run(scope.accountId, scope.region, name, n + 1);
      return v;
    }));
  }

  async listVersions(scope: Scope, name: string, afterVersion: string | undefined, limit: number): Promise<FunctionVersion[]> {
    const after = afterVersion === undefined ? -2 : afterVersion === '$LATEST' ? -1 : Number(afterVersion);
    return (this.stmts.listVersions.all(scope.accountId, scope.region, name, after, limit) as VersionRow[]).map((r) => this.codec.fromRow(r));
  }

  async latestPublished(scope: Scope, name: string): Promise<FunctionVersion | undefined> {
    const r = this.stmts.latestPublished.get(scope.accountId, scope.region, name) as VersionRow | undefined;
    return r && this.codec.fromRow(r);
  }

  async deleteVersion(scope: Scope, name: string, version: string): Promise<string[]> {
    return this.wipeAfter(this.write(this.db.transaction(() => {
      const v = this.cachedVersion(scope, name, version);
      if (!v) return [];
      this.stmts.deleteVersion.run(scope.accountId, scope.region, name, version);
      const codes = new Set([v.codeSha256, ...(v.layers ?? []).map((l) => l.codeSha256)]);
      return [...codes].filter((c) => !this.usesCode(c));
    })));
  }

  /** After a version's deletion: its sealed environment leaves the WAL too. */
  private wipeAfter<T>(r: T): T {
    this.wipe();
    return r;
  }

  async appendLogs(entries: readonly LogEntry[]): Promise<void> {
    await this.logWriter.append(entries);
  }

  async readLogs(scope: Scope, functionName: string, afterId: number, limit: number): Promise<StoredLogEntry[]> {
    return (this.stmts.readLogs.all(scope.accountId, scope.region, functionName, afterId, limit) as LogRow[]).map(fromLogRow);
  }

  async readLastLogs(scope: Scope, functionName: string, limit: number): Promise<StoredLogEntry[]> {
    return (this.stmts.readLast.all(scope.accountId, scope.region, functionName, limit) as LogRow[]).map(fromLogRow).reverse();
  }


  async pruneLogs(scope: Scope, functionName: string, retention: LogRetention): Promise<void> {
    await this.logWriter.prune({ accountId: scope.accountId, region: scope.region, functionName }, retention);
  }

  async tailStart(scope: Scope, functionName: string, n: number): Promise<number> {
    const r = this.stmts.tailStart.get(scope.accountId, scope.region, functionName, n) as { id: number } | undefined;
    return r?.id ?? 0;
  }

  async lastLogId(scope: Scope, functionName: string): Promise<number> {
    return (this.stmts.lastLog.get(scope.accountId, scope.region, functionName) as { id: number }).id;
  }

  async logStartAt(scope: Scope, functionName: string, timestamp: number): Promise<number> {
    return (this.stmts.logStartAt.get({ a: scope.accountId, r: scope.region, f: functionName, t: timestamp }) as { id: number }).id;
  }

  /** Closes both connections; the promise settles once the log writer and checkpointer threads have stopped too. */
  async close(): Promise<void> {
    // The log writer has a connection of its own: it commits what it was given, then stops.
    const written = this.logWriter.close();
    const stopped = this.checkpointer.close();
    if (this.logDb.open) this.logDb.close();
    if (this.db.open) this.db.close();
    await Promise.all([written, stopped]);
  }
}
