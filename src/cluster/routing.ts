/**
 * Which node runs a synchronous invocation: rendezvous (highest-random-weight) hashing of the
 * function version over the live nodes, with bounded load. Pure: the caller passes membership,
 * the loads it sees and the warm sandboxes peers advertise; nothing here does I/O or reads a clock.
 *
 * Why rendezvous hashing rather than `hash % N` (OpenWhisk's home invoker): when a node joins or
 * leaves only ~1/N of the keys change home, so a membership change costs ~1/N cold starts instead
 * of nearly all. Why bounded load (Mirrokni, Thorup and Zadimoghaddam; HAProxy's
 * `hash-balance-factor`): a hot function or two heavy ones sharing a home would otherwise pile
 * onto one node; a node whose in-flight load has reached `ceil(c × (total + 1) / live)` is skipped,
 * and the walk continues down the key's own order, so the overflow still lands on the same
 * second and third choices (which then warm up) rather than on random nodes.
 * See docs/reference/scale-out.md §5.2 and docs/scale.md.
 */
import { defaultHasher, type Hasher } from './hash.js';

/** Live nodes with their hashes computed once per membership change (not per request). */
export interface Members {
  readonly ids: readonly string[];
  readonly hashes: readonly number[];
  readonly hasher: Hasher;
}

/** Prepares a membership for ranking. Duplicate ids are dropped (a node registered twice is one node). */
export function members(ids: Iterable<string>, hasher: Hasher = defaultHasher): Members {
  const unique = [...new Set(ids)];
  return { ids: unique, hashes: unique.map((id) => hasher.text(id)), hasher };
}

/**
 * Every live node, best first, for `key`: score descending, ties broken by id so that all
 * gateways agree. The order depends only on the key and the set of ids, never on their order.
 */
export function rank(key: string, m: Members): string[] {
  const k = m.hasher.text(key);
  const idx = m.ids.map((_, i) => i);
  const score = m.hashes.map((h) => m.hasher.pair(k, h));
  idx.sort((a, b) => score[b]! - score[a]! || (m.ids[a]! < m.ids[b]! ? -1 : m.ids[a]! > m.ids[b]! ? 1 : 0));
  return idx.map((i) => m.ids[i]!);
}

/**
 * The first `count` nodes of `rank(key, m)`, without sorting the whole membership: what a gateway
 * caches per key (walks past them are rare once the bound is 1.25 or more).
 */
export function topRanked(key: string, m: Members, count: number): string[] {
  // Insertion into a short list is linear per node; for a long head a full sort is cheaper.
  if (count * 8 > m.ids.length) return rank(key, m).slice(0, count);
  const k = m.hasher.text(key);
  const best: { i: number; s: number }[] = [];
  const before = (a: { i: number; s: number }, b: { i: number; s: number }): boolean =>
    a.s > b.s || (a.s === b.s && m.ids[a.i]! < m.ids[b.i]!);
  for (let i = 0; i < m.ids.length; i++) {
    const e = { i, s: m.hasher.pair(k, m.hashes[i]!) };
    if (best.length === count && !before(e, best[count - 1]!)) continue;
    let j = Math.min(best.length, count - 1);
    if (best.length < count) best.push(e);
    while (j > 0 && before(e, best[j - 1]!)) {
      best[j] = best[j - 1]!;
      j--;
    }
    best[j] = e;
  }
  return best.map((e) => m.ids[e.i]!);
}

/** The node a key belongs to with no load at all (the async queue's `home_node` at enqueue). */
export function home(key: string, m: Members): string | undefined {
  const k = m.hasher.text(key);
  let best: number | undefined;
  let bestScore = -1;
  for (let i = 0; i < m.ids.length; i++) {
    const s = m.hasher.pair(k, m.hashes[i]!);
    if (s > bestScore || (s === bestScore && best !== undefined && m.ids[i]! < m.ids[best]!)) {
      best = i;
      bestScore = s;
    }
  }
  return best === undefined ? undefined : m.ids[best];
}

/** What the router knows of the nodes, for one key. */
export interface LoadView {
  /** In-flight invocations on the node, as this gateway sees them. */
  load(node: string): number;
  /** Idle warm sandboxes of this key on the node (0 when unknown). */
  idleWarm(node: string): number;
  /** Execution slots of the node; a node with `load >= capacity` is never chosen. Unbounded if absent. */
  capacity?(node: string): number;
  /**
   * The node is known to have run this key lately (it holds sandboxes of it, idle or busy). A home
   * node that holds the key but has no idle sandbox comes after nodes with an idle one (its
   * sandboxes are busy: a call there would start one more); a home node not known to hold it (a
   * node that just became its home) comes before them. False for every node if absent.
   */
  holds?(node: string): boolean;
}

/** Tunables of `route`. */
export interface RouteOptions {
  /** The bound `c` (>= 1): a node is skipped once its load reaches `ceil(c × (total + 1) / live)`. Default 1.25. */
  balance?: number;
  /** This key's in-flight invocations cluster-wide, to spread a hot key over more home nodes. */
  keyInflight?: number;
  /** How many in-flight invocations of one key a node should take before the key spreads to the next. */
  perNodeTarget?: number;
  /** Stop after this many candidates (forwarding rarely needs more than a few). Default: all. */
  maxCandidates?: number;
  /**
   * Live nodes, when `ranked` is only the head of the key's rank (a gateway that caches each
   * key's first few nodes). Default: `ranked.length`.
   */
  live?: number;
  /** In-flight invocations over all live nodes, when the caller tracks it. Default: summed over `ranked`. */
  totalLoad?: number;
  /**
   * The least the bound ever is: a node is never skipped for load while it runs fewer than this.
   * `ceil(c × (total + 1) / live)` is 1 or 2 while few calls are in flight, so without a floor a
   * burst is dealt out over every node whatever its keys' homes are, and each key lands cold on
   * nodes that never ran it (after a join, on the new node). Default 0 (no floor).
   */
  minBound?: number;
}

/** Why the first candidate was chosen. */
export type RouteReason = 'warm' | 'home' | 'spill';

/** The routing decision: candidates in the order to try them (retry on the next only when nothing ran). */
export interface Route {
  readonly candidates: readonly string[];
  /** Why `candidates[0]` comes first; undefined when there is no candidate (reply 429). */
  readonly reason: RouteReason | undefined;
  /** The per-node load bound used. */
  readonly cap: number;
  /** How many home nodes the key has now (1 unless it is hot). */
  readonly spread: number;
}

/** The default bound: 25% above the average, HAProxy's `hash-balance-factor 125`. */
export const DEFAULT_BALANCE = 1.25;

/**
 * Orders `ranked` (the key's `rank`) into the nodes to try:
 *  1. among the key's first `spread` nodes (its home nodes), those with an idle warm sandbox;
 *  2. home nodes not known to hold the key (a node that just became its home: the key moves
 *     there now, its one cold start, so that the nodes it left do not stay loaded with it);
 *  3. other nodes with an idle warm sandbox, in rank order (a warm hit rather than a cold start:
 *     the overflow of a busy home, or spill-over to where earlier spill-over left a sandbox),
 *     when the view tracks `holds` (otherwise they stay in 5's rank order);
 *  4. home nodes that hold the key but have no idle sandbox (a cold start on a home node);
 *  5. the remaining nodes in rank order (spill-over, the bounded-load walk);
 * skipping every node at or over the load bound or out of slots. An empty list means saturation.
 */
export function route(ranked: readonly string[], view: LoadView, options: RouteOptions = {}): Route {
  const n = Math.max(options.live ?? ranked.length, ranked.length);
  const balance = options.balance ?? DEFAULT_BALANCE;
  if (!(balance >= 1)) throw new RangeError(`balance must be >= 1, got ${balance}`);
  const max = options.maxCandidates ?? Infinity;
  if (n === 0) return { candidates: [], reason: undefined, cap: 0, spread: 0 };
  let total = options.totalLoad ?? 0;
  if (options.totalLoad === undefined) for (const id of ranked) total += view.load(id);
  const cap = Math.max(options.minBound ?? 0, Math.ceil((balance * (total + 1)) / n));
  const target = options.perNodeTarget;
  const spread =
    target !== undefined && target > 0 ? Math.min(n, Math.max(1, Math.ceil((options.keyInflight ?? 0) / target))) : 1;
  const open = (id: string): boolean => {
    const load = view.load(id);
    return load < cap && load < (view.capacity?.(id) ?? Infinity);
  };
  const warm: string[] = [];
  const fresh: string[] = [];
  const busy: string[] = [];
  for (let i = 0; i < spread && i < ranked.length; i++) {
    const id = ranked[i]!;
    if (!open(id)) continue;
    (view.idleWarm(id) > 0 ? warm : view.holds?.(id) ? busy : fresh).push(id);
  }
  // Warm nodes outside the homes go first only for a caller that tracks which nodes hold the key
  // (the sync router); the simulator's exact-load model keeps the plain rank-order walk.
  const warmFirst = view.holds !== undefined;
  const elsewhere: string[] = [];
  const spill: string[] = [];
  for (let i = spread; i < ranked.length; i++) {
    const id = ranked[i]!;
    if (open(id)) (warmFirst && view.idleWarm(id) > 0 ? elsewhere : spill).push(id);
  }
  const candidates = [...warm, ...fresh, ...elsewhere, ...busy, ...spill].slice(0, max);
  const first = candidates[0];
  const reason: RouteReason | undefined =
    first === undefined ? undefined : warm.includes(first) || elsewhere.includes(first) ? 'warm' : fresh.includes(first) || busy.includes(first) ? 'home' : 'spill';
  return { candidates, reason, cap, spread };
}
