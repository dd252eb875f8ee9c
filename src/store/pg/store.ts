/**
 * The PostgreSQL store: the whole Store contract (src/store/types.ts) on a database every node of
 * a cluster shares, so that any node sees the functions, versions and everything beside them that
 * another node wrote. It mirrors the SQLite store (src/store/sqlite.ts): the same tables, foreign
 * keys and cascades, the same paging orders, the same sealing of environments.
 *
 * Concurrency between nodes is PostgreSQL's: publishVersion takes the function row's lock before
 * reading its counter, so two nodes publishing at once get consecutive numbers, never the same.
 * The per-node version cache (version-cache.ts) serves only `cachedVersion`, the invoke path's
 * synchronous read, and is invalidated by NOTIFY from whichever node writes.
 */
import type { FunctionVersion, Scope } from '../../core/model.js';
import type { PoolClient } from 'pg';
import type {
  AliasStore,
  CodeSigningConfigStore,
  ConcurrencyStore,
  EventSourceMappingStore,
  FunctionSettingsStore,
  LayerStore,
  LogEntry,
  LogRetention,
  PolicyStateStore,
  ProvisionedStore,
  RouteStore,
  SecretSealer,
  StackStore,
  Store,
  StoredLogEntry,
  UrlConfigStore,
} from '../types.js';
import { PgAliasStore } from './aliases.js';
import { PgCodeSigningConfigStore } from './code-signing.js';
import { PgConcurrencyStore } from './concurrency.js';
import { PgDb } from './db.js';
import { PgEventSourceMappingStore } from './esm.js';
import { PgLayerStore } from './layers.js';
import { PgLogs } from './logs.js';
import { PgPolicyStateStore } from './policy.js';
import { PgProvisionedStore } from './provisioned.js';
import { PgRouteStore } from './routes.js';
import { StoreListener } from '../../pg/listener.js';
import { CHANGE_CHANNEL, DEFAULT_STORE_SCHEMA, VERSION_CHANNEL } from './schema.js';
import { PgFunctionSettingsStore } from './settings.js';
import { PgStackStore } from './stacks.js';
import { PgUrlConfigStore } from './urls.js';
import { VersionCache } from './version-cache.js';
import { PUT_VERSION, versionArgs } from './versions.js';
import { type Config, type VersionRow, VersionCodec, envAad } from '../rows/versions.js';

export interface PgStoreOptions {
  /** postgres://user@host:port/db */
  url: string;
  /** The PostgreSQL schema of the store's tables (default nimbus_store; tests use one per case). */
  schema?: string;
  /** Connections in the pool. */
  poolSize?: number;
  /** Seals environments at rest; without one (unit tests of the store) they are stored as JSON. */
  sealer?: SecretSealer;
  /** Keep a per-node cache for `cachedVersion`, invalidated by NOTIFY (default true). */
  cacheVersions?: boolean;
}

const KEY = 'account_id = $1 AND region = $2 AND name = $3';

/** What `onChange` reports: a kind of record nodes hold in memory, or `*` for anything. */
export type StoreChange = 'routes' | 'concurrency' | '*';

/** Whether anything uses the code: a version's package or one of its layers, or a layer version. */
const USES_CODE = `SELECT EXISTS (SELECT 1 FROM function_versions WHERE code_sha256 = $1)
  OR EXISTS (SELECT 1 FROM function_versions WHERE cardinality(layer_shas) > 0 AND layer_shas @> ARRAY[$1::text])
  OR EXISTS (SELECT 1 FROM layer_versions WHERE code_sha256 = $1) AS used`;

async function usesCode(c: PoolClient, sha: string): Promise<boolean> {
  return (await c.query<{ used: boolean }>(USES_CODE, [sha])).rows[0]!.used;
}

export class PgStore implements Store {
  private readonly db: PgDb;
  private readonly codec: VersionCodec;
  private readonly logs: PgLogs;
  private readonly logDb: PgDb;
  private readonly listener: StoreListener;
  private readonly cache: VersionCache | undefined;
  private readonly opened: Promise<void>;
  readonly aliases: AliasStore;
  readonly urls: UrlConfigStore;
  readonly routes: RouteStore;
  readonly stacks: StackStore;
  readonly concurrency: ConcurrencyStore;
  readonly policyState: PolicyStateStore;
  readonly provisioned: ProvisionedStore;
  readonly eventSourceMappings: EventSourceMappingStore;
  readonly layers: LayerStore;
  readonly settings: FunctionSettingsStore;
  readonly codeSigning: CodeSigningConfigStore;

  constructor(opts: PgStoreOptions) {
    this.db = new PgDb(opts.url, opts.schema ?? DEFAULT_STORE_SCHEMA, opts.poolSize ?? 8);
    this.codec = new VersionCodec(opts.sealer);
    this.logDb = this.db.sibling(2, { unflushed: true });
    this.logs = new PgLogs(this.logDb);
    this.listener = new StoreListener(opts.url, [VERSION_CHANNEL, CHANGE_CHANNEL]);
    this.cache = opts.cacheVersions === false ? undefined : new VersionCache(this.listener);
    this.aliases = new PgAliasStore(this.db);
    this.urls = new PgUrlConfigStore(this.db);
    this.routes = new PgRouteStore(this.db);
    this.stacks = new PgStackStore(this.db);
    this.concurrency = new PgConcurrencyStore(this.db);
    this.policyState = new PgPolicyStateStore(this.db);
    this.provisioned = new PgProvisionedStore(this.db);
    this.eventSourceMappings = new PgEventSourceMappingStore(this.db);
    this.layers = new PgLayerStore(this.db);
    this.settings = new PgFunctionSettingsStore(this.db);
    this.codeSigning = new PgCodeSigningConfigStore(this.db);
    const db = this.db;
    const listener = this.listener;
    this.opened = (async (): Promise<void> => {
      await db.open();
      await listener.start();
    })();
    // Awaited by open(); queries report a failed migration themselves.
    this.opened.catch(() => undefined);
  }

  /** Resolves once the schema is in place and the cache listens (or rejects with why not). */
  async open(): Promise<void> {
    await this.opened;
  }

  /**
   * Calls `f` when any node (this one included) changed something nodes hold in memory: `routes`
   * (the served route table) or `concurrency` (reservations), and `*` when notifications may have
   * been lost (the listening connection failed and is back): then anything may have changed.
   */
  onChange(f: (what: StoreChange) => void): void {
    this.listener.subscribe({
      notice: (channel, payload) => {
        if (channel === CHANGE_CHANNEL && (payload === 'routes' || payload === 'concurrency')) f(payload);
      },
      reset: (live) => {
        if (live) f('*');
      },
    });
  }

  /**
   * Runs a write to the function tables in one transaction that announces it (NOTIFY is sent at
   * commit, to every node's cache), then drops this node's cached versions at once.
   */
  private async write<T>(scope: Scope, name: string, f: (c: PoolClient) => Promise<T>): Promise<T> {
    try {
      return await this.db.tx(async (c) => {
        const out = await f(c);
        await c.query('SELECT pg_notify($1, $2)', [VERSION_CHANNEL, `${scope.accountId}:${scope.region}:${name}`]);
        return out;
      });
    } finally {
      this.cache?.invalidate();
    }
  }

  private rows(rows: VersionRow[]): FunctionVersion[] {
    return rows.map((r) => this.codec.fromRow(r));
  }

  async insertFunction(v: FunctionVersion): Promise<boolean> {
    return await this.write(v, v.name, async (c) => {
      const r = await c.query('INSERT INTO functions (account_id, region, name, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
        v.accountId, v.region, v.name, v.lastModified,
      ]);
      if (r.rowCount === 0) return false;
      await c.query(PUT_VERSION, versionArgs(this.codec, v));
      return true;
    });
  }

  /** Always read from PostgreSQL (the control plane sees every node's last write); the answer refreshes the cache. */
  async getVersion(scope: Scope, name: string, version: string): Promise<FunctionVersion | undefined> {
    const generation = this.cache?.generation;
    const r = await this.db.one<VersionRow>(`SELECT * FROM function_versions WHERE ${KEY} AND version = $4`, [scope.accountId, scope.region, name, version]);
    const v = r && this.codec.fromRow(r);
    // The cache keeps (and freezes) its own copy: the caller may change the one it got.
    if (generation !== undefined) this.cache?.remember(generation, scope, name, version, v && structuredClone(v));
    return v;
  }

  cachedVersion(scope: Scope, name: string, version: string): FunctionVersion | undefined {
    return this.cache?.get(scope, name, version);
  }

  async putVersion(v: FunctionVersion): Promise<void> {
    const args = versionArgs(this.codec, v);
    await this.write(v, v.name, async (c) => {
      await c.query(PUT_VERSION, args);
    });
  }

  async deleteFunction(scope: Scope, name: string): Promise<string[]> {
    const at = [scope.accountId, scope.region, name];
    return await this.write(scope, name, async (c) => {
      const codes = await c.query<{ sha: string }>(
        `SELECT code_sha256 AS sha FROM function_versions WHERE ${KEY}
         UNION SELECT unnest(layer_shas) FROM function_versions WHERE ${KEY}`,
        at,
      );
      await c.query(`DELETE FROM functions WHERE ${KEY}`, at);
      const unused: string[] = [];
      for (const { sha } of codes.rows) if (!(await usesCode(c, sha))) unused.push(sha);
      return unused;
    });
  }

  async listFunctions(scope: Scope, afterName: string | undefined, limit: number): Promise<FunctionVersion[]> {
    return this.rows(
      await this.db.rows<VersionRow>(
        `SELECT * FROM function_versions WHERE account_id = $1 AND region = $2 AND version = '$LATEST' AND name > $3 ORDER BY name LIMIT $4`,
        [scope.accountId, scope.region, afterName ?? '', limit],
      ),
    );
  }

  async listAllVersions(scope: Scope, after: { name: string; version: string } | undefined, limit: number): Promise<FunctionVersion[]> {
    const vkey = after === undefined ? -2 : after.version === '$LATEST' ? -1 : Number(after.version);
    return this.rows(
      await this.db.rows<VersionRow>(
        `SELECT * FROM function_versions WHERE account_id = $1 AND region = $2 AND (name, vkey) > ($3::text COLLATE "C", $4::bigint)
         ORDER BY name, vkey LIMIT $5`,
        [scope.accountId, scope.region, after?.name ?? '', vkey, limit],
      ),
    );
  }

  async usage(scope: Scope): Promise<{ functionCount: number; totalCodeSize: number }> {
    const r = await this.db.one<{ n: number; size: string }>(
      'SELECT COUNT(DISTINCT name)::bigint AS n, COALESCE(SUM(code_size), 0)::text AS size FROM function_versions WHERE account_id = $1 AND region = $2',
      [scope.accountId, scope.region],
    );
    return { functionCount: r?.n ?? 0, totalCodeSize: Number(r?.size ?? 0) };
  }

  async codeInUse(codeSha256: string): Promise<boolean> {
    return (await this.db.one<{ used: boolean }>(USES_CODE, [codeSha256]))?.used ?? false;
  }

  async layerSets(): Promise<string[][]> {
    const rows = await this.db.rows<{ layer_shas: string[] }>('SELECT DISTINCT layer_shas FROM function_versions WHERE cardinality(layer_shas) > 0');
    return rows.map((r) => r.layer_shas);
  }

  async publishVersion(scope: Scope, name: string, build: (version: string) => FunctionVersion): Promise<FunctionVersion> {
    const at = [scope.accountId, scope.region, name];
    return await this.write(scope, name, async (c) => {
      // The function row's lock orders publishers on every node: the counter read below is the
      // last committed one. NO KEY UPDATE leaves inserts of aliases and settings (key share) unblocked.
      await c.query(`SELECT 1 FROM functions WHERE ${KEY} FOR NO KEY UPDATE`, at);
      const counter = (await c.query<{ n: number }>(`SELECT next_version AS n FROM version_counters WHERE ${KEY}`, at)).rows[0];
      const n =
        counter?.n ??
        (await c.query<{ n: number }>(`SELECT COALESCE(MAX(vkey), 0) AS n FROM function_versions WHERE ${KEY} AND version != '$LATEST'`, at)).rows[0]!.n + 1;
      const v = build(String(n));
      await c.query(PUT_VERSION, versionArgs(this.codec, v));
      await c.query(
        `INSERT INTO version_counters (account_id, region, name, next_version) VALUES ($1, $2, $3, $4)
         ON CONFLICT (account_id, region, name) DO UPDATE SET next_version = excluded.next_version`,
        [...at, n + 1],
      );
      return v;
    });
  }

  async listVersions(scope: Scope, name: string, afterVersion: string | undefined, limit: number): Promise<FunctionVersion[]> {
    const after = afterVersion === undefined ? -2 : afterVersion === '$LATEST' ? -1 : Number(afterVersion);
    return this.rows(
      await this.db.rows<VersionRow>(`SELECT * FROM function_versions WHERE ${KEY} AND vkey > $4 ORDER BY vkey LIMIT $5`, [
        scope.accountId, scope.region, name, after, limit,
      ]),
    );
  }

  async latestPublished(scope: Scope, name: string): Promise<FunctionVersion | undefined> {
    const r = await this.db.one<VersionRow>(`SELECT * FROM function_versions WHERE ${KEY} AND version != '$LATEST' ORDER BY vkey DESC LIMIT 1`, [
      scope.accountId, scope.region, name,
    ]);
    return r && this.codec.fromRow(r);
  }

  async deleteVersion(scope: Scope, name: string, version: string): Promise<string[]> {
    return await this.write(scope, name, async (c) => {
      const gone = await c.query<{ code_sha256: string; layer_shas: string[] }>(
        `DELETE FROM function_versions WHERE ${KEY} AND version = $4 RETURNING code_sha256, layer_shas`,
        [scope.accountId, scope.region, name, version],
      );
      const row = gone.rows[0];
      if (!row) return [];
      const unused: string[] = [];
      for (const sha of new Set([row.code_sha256, ...row.layer_shas])) if (!(await usesCode(c, sha))) unused.push(sha);
      return unused;
    });
  }

  /**
   * Re-encrypts every environment not under its key's active key (after a rotation), then
   * vacuums the table so that the old row versions' space is reclaimed. PostgreSQL has no
   * secure_delete: until VACUUM reuses their pages, old ciphertexts (never plain text, once
   * sealed) may remain in dead tuples and in the WAL (docs/cluster.md).
   */
  async reencryptSecrets(): Promise<{ rewritten: number; keyIdsInUse: string[] }> {
    const sealer = this.codec.sealer;
    if (!sealer) return { rewritten: 0, keyIdsInUse: [] };
    const inUse = new Set<string>();
    let rewritten = 0;
    try {
      await this.db.tx(async (c) => {
        const rows = (await c.query<VersionRow>('SELECT * FROM function_versions FOR UPDATE')).rows;
        for (const r of rows) {
          const keyName = (JSON.parse(r.config) as Config).kmsKeyArn;
          let sealed = r.environment;
          if (!sealer.isSealed(sealed) || !sealer.isCurrent(sealed, keyName)) {
            const opened = sealer.isSealed(sealed) ? sealer.open(sealed, envAad(r)) : { ok: true as const, plaintext: sealed };
            // A value that does not open stays as it is (and keeps its key in use): rotation never loses data.
            if (opened.ok) {
              sealed = sealer.seal(opened.plaintext, envAad(r), keyName);
              await c.query(`UPDATE function_versions SET environment = $5 WHERE ${KEY} AND version = $4`, [r.account_id, r.region, r.name, r.version, sealed]);
              rewritten++;
            }
          }
          const id = sealer.keyIdOf(sealed);
          if (id) inUse.add(id);
        }
        if (rewritten > 0) await c.query('SELECT pg_notify($1, $2)', [VERSION_CHANNEL, '*']);
      });
    } finally {
      this.cache?.invalidate();
    }
    if (rewritten > 0) await this.db.q('VACUUM function_versions');
    return { rewritten, keyIdsInUse: [...inUse] };
  }

  async appendLogs(entries: readonly LogEntry[]): Promise<void> {
    await this.logs.append(entries);
  }

  async readLogs(scope: Scope, functionName: string, afterId: number, limit: number): Promise<StoredLogEntry[]> {
    return await this.logs.read(scope, functionName, afterId, limit);
  }

  async readLastLogs(scope: Scope, functionName: string, limit: number): Promise<StoredLogEntry[]> {
    return await this.logs.readLast(scope, functionName, limit);
  }

  async pruneLogs(scope: Scope, functionName: string, retention: LogRetention): Promise<void> {
    await this.logs.prune(scope, functionName, retention);
  }

  async tailStart(scope: Scope, functionName: string, n: number): Promise<number> {
    return await this.logs.tailStart(scope, functionName, n);
  }

  async lastLogId(scope: Scope, functionName: string): Promise<number> {
    return await this.logs.lastId(scope, functionName);
  }

  async logStartAt(scope: Scope, functionName: string, timestamp: number): Promise<number> {
    return await this.logs.startAt(scope, functionName, timestamp);
  }

  async close(): Promise<void> {
    await this.listener.close();
    await this.logDb.close();
    await this.db.close();
  }
}
