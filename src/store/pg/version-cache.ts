/**
 * A node's cache of function versions for `Store.cachedVersion`, the invoke path's synchronous
 * read, kept coherent across nodes by PostgreSQL LISTEN/NOTIFY: every write of a version (on any
 * node) notifies in its transaction, the notification is delivered at commit, and each node's
 * listener then drops its whole cache (writes are rare next to invokes).
 *
 * - A read that raced a write must not refill the cache with what it read before the write: a
 *   read only fills the cache when no invalidation happened since it was sent (`generation`).
 * - Notifications sent while the listening connection is down are lost: the cache answers nothing
 *   from the moment the connection fails until it listens again, and starts empty then.
 * - What remains is the delivery delay: for about one round trip after another node's commit, an
 *   invoke on this node may still see the previous configuration (docs/cluster.md). Control-plane
 *   reads (`getVersion`) always go to PostgreSQL.
 */
import pg from 'pg';
import type { FunctionVersion, Scope } from '../../core/model.js';
import type { PgDb } from './db.js';
import { VERSION_CHANNEL } from './schema.js';

const LIMIT = 10_000;
const RECONNECT_MS = 1_000;

/** Freezes a record and its nested objects, so a cached one cannot be changed by a caller. */
function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === 'object' && !Object.isFrozen(v)) deepFreeze(v as object);
  return Object.freeze(o);
}

const keyOf = (scope: Scope, name: string, version: string): string => `${scope.accountId}\0${scope.region}\0${name}\0${version}`;

export class VersionCache {
  private readonly map = new Map<string, FunctionVersion | null>();
  private client: pg.Client | undefined;
  private live = false;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  /** Bumped by every invalidation: a read sent under an older generation does not fill the cache. */
  generation = 0;

  constructor(private readonly db: PgDb) {}

  /** Connects and listens; resolves once listening (a failure leaves the cache off and retries). */
  async start(): Promise<void> {
    if (this.closed || this.client) return;
    const client = new pg.Client({ connectionString: this.db.url });
    this.client = client;
    const down = (): void => {
      if (this.client !== client) return;
      this.client = undefined;
      this.live = false;
      this.invalidate();
      client.end().catch(() => undefined);
      if (!this.closed) this.retry = setTimeout(() => void this.start().catch(() => undefined), RECONNECT_MS).unref();
    };
    client.on('error', down);
    client.on('end', down);
    client.on('notification', () => this.invalidate());
    try {
      await client.connect();
      await client.query(`LISTEN ${VERSION_CHANNEL}`);
    } catch (e) {
      down();
      throw e;
    }
    if (this.client !== client) return;
    // Whatever was written while nobody listened is unknown: start empty.
    this.invalidate();
    this.live = true;
  }

  /** Whether the cache may answer (it listens). */
  get listening(): boolean {
    return this.live;
  }

  get(scope: Scope, name: string, version: string): FunctionVersion | undefined {
    if (!this.live) return undefined;
    return this.map.get(keyOf(scope, name, version)) ?? undefined;
  }

  /** Fills the cache with what a read sent under `generation` found, unless something changed since. */
  remember(generation: number, scope: Scope, name: string, version: string, v: FunctionVersion | undefined): void {
    if (!this.live || generation !== this.generation) return;
    if (this.map.size >= LIMIT) this.map.clear();
    this.map.set(keyOf(scope, name, version), v ? deepFreeze(v) : null);
  }

  invalidate(): void {
    this.generation++;
    this.map.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.live = false;
    clearTimeout(this.retry);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }
}
