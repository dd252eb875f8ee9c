/**
 * A node's cache of function versions for `Store.cachedVersion`, the invoke path's synchronous
 * read, kept coherent across nodes by PostgreSQL LISTEN/NOTIFY (listener.ts): every write of a
 * version (on any node) notifies in its transaction, the notification is delivered at commit, and
 * each node then drops its whole cache (writes are rare next to invokes).
 *
 * - A read that raced a write must not refill the cache with what it read before the write: a
 *   read only fills the cache when no invalidation happened since it was sent (`generation`).
 * - Notifications sent while the listening connection is down are lost: the cache answers nothing
 *   from the moment the connection fails until it listens again, and starts empty then.
 * - What remains is the delivery delay: for about one round trip after another node's commit, an
 *   invoke on this node may still see the previous configuration (docs/cluster.md). Control-plane
 *   reads (`getVersion`) always go to PostgreSQL.
 */
import type { FunctionVersion, Scope } from '../../core/model.js';
import type { StoreListener } from '../../pg/listener.js';
import { VERSION_CHANNEL } from './schema.js';

const LIMIT = 10_000;

/** Freezes a record and its nested objects, so a cached one cannot be changed by a caller. */
function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (v && typeof v === 'object' && !Object.isFrozen(v)) deepFreeze(v as object);
  return Object.freeze(o);
}

const keyOf = (scope: Scope, name: string, version: string): string => `${scope.accountId}\0${scope.region}\0${name}\0${version}`;

export class VersionCache {
  private readonly map = new Map<string, FunctionVersion | null>();
  /** Bumped by every invalidation: a read sent under an older generation does not fill the cache. */
  generation = 0;

  constructor(private readonly listener: StoreListener) {
    listener.subscribe({
      notice: (channel) => {
        if (channel === VERSION_CHANNEL) this.invalidate();
      },
      // Lost or (re)started listening: whatever was written meanwhile is unknown, start empty.
      reset: () => this.invalidate(),
    });
  }

  get(scope: Scope, name: string, version: string): FunctionVersion | undefined {
    if (!this.listener.live) return undefined;
    return this.map.get(keyOf(scope, name, version)) ?? undefined;
  }

  /** Fills the cache with what a read sent under `generation` found, unless something changed since. */
  remember(generation: number, scope: Scope, name: string, version: string, v: FunctionVersion | undefined): void {
    if (!this.listener.live || generation !== this.generation) return;
    if (this.map.size >= LIMIT) this.map.clear();
    this.map.set(keyOf(scope, name, version), v ? deepFreeze(v) : null);
  }

  invalidate(): void {
    this.generation++;
    this.map.clear();
  }
}
