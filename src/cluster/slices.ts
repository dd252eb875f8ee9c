/**
 * Cluster-wide concurrency by slices (docs/cluster.md, "Concurrency across nodes"): the account's
 * limit and every function's reserved concurrency are divided among the live nodes, and each node
 * enforces its slice with the single node's limiter; slices are recomputed when membership changes.
 * The slices of one limit always add up to the limit, so the cluster never runs more than it;
 * the router walks on to the next node when one throttles (sync-router.ts), so a function can
 * still use its whole reservation, its home nodes' slices first.
 *
 * Why not counters in PostgreSQL: two more round trips (acquire, release) on every invocation,
 * on the hot path and in PostgreSQL's commit budget, which the async queue needs; and a node that
 * dies holding counts needs a sweep. Slices cost nothing per invocation. Their price: near the
 * limit a request may visit several nodes before one has room, and a limit smaller than the
 * number of nodes leaves some nodes with a slice of 0 (they pass everything on).
 */
import { members, rank } from './routing.js';

/** The limiter a node enforces its slices with (src/invoke/concurrency.ts). */
export interface SliceTarget {
  setAccountLimit(limit: number): void;
  setReserved(fnKey: string, value: number | undefined): void;
}

/**
 * This node's share of `total` among `live` nodes: an equal part, and one more on the first
 * `total % n` nodes of `key`'s rendezvous order (the key's home nodes get the remainder, so a
 * small reservation sits where the function's traffic goes).
 */
export function sliceOf(total: number, key: string, live: readonly string[], self: string): number {
  const n = live.length;
  if (n <= 1 || !live.includes(self)) return total;
  const order = rank(key, members(live));
  const base = Math.floor(total / n);
  return base + (order.indexOf(self) < total % n ? 1 : 0);
}

/** Keeps a node's limiter at its slices of the account limit and of every reservation. */
export class ConcurrencySlices {
  private readonly reserved = new Map<string, number>();
  private live: readonly string[] = [];

  constructor(
    private readonly self: string,
    private readonly accountLimit: number,
    private readonly target: SliceTarget,
  ) {}

  /** A function's reserved concurrency was set (or removed, with undefined), cluster-wide value. */
  setReserved(fnKey: string, value: number | undefined): void {
    if (value === undefined) this.reserved.delete(fnKey);
    else this.reserved.set(fnKey, value);
    this.target.setReserved(fnKey, value === undefined ? undefined : sliceOf(value, fnKey, this.live, this.self));
  }

  /** The cluster-wide reservation (what the async dispatcher and the API report). */
  getReserved(fnKey: string): number | undefined {
    return this.reserved.get(fnKey);
  }

  /** Membership changed: every slice is recomputed. */
  setLive(live: readonly string[]): void {
    this.live = [...live];
    this.target.setAccountLimit(sliceOf(this.accountLimit, 'account', this.live, this.self));
    for (const [k, v] of this.reserved) this.target.setReserved(k, sliceOf(v, k, this.live, this.self));
  }
}
