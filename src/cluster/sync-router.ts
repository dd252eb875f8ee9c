/**
 * Sync routing (docs/cluster.md): a synchronous invocation that arrives at any node runs on the
 * function version's home node, chosen by rendezvous hashing with bounded load (routing.ts) over
 * the live members, and reaches it over the keep-alive hop (peer-client.ts, hop-endpoint.ts).
 *
 * The walk down the candidates stops at the first node that runs the invocation. It moves on only
 * when nothing can have run there:
 *  - the node was not reached (refused, unreachable, stopping): it is marked suspect and skipped
 *    by every later request until membership says otherwise or SUSPECT_MS pass, so traffic
 *    reroutes at once after a crash, before its etcd lease expires;
 *  - the node throttled it: each node enforces only its slice of the account's and the function's
 *    concurrency (slices.ts), so a throttle there means "try the next slice", and the last
 *    node's throttle is the caller's 429.
 * Anything else (the function's error, a node dying mid-run) is the answer.
 *
 * Loads are this gateway's own view, as in OpenWhisk's per-controller bookkeeping: invocations it
 * has in flight on each node, plus what peers report on their replies (their in-flight count and
 * idle warm sandboxes of the key), so warm nodes are preferred among a hot key's home nodes.
 */
import { NimbusError } from '../core/errors.js';
import { versionKey } from '../core/model.js';
import type { InvokeRequest, InvokeResult } from '../invoke/invoker.js';
import type { HopMeta } from './hop.js';
import { NotDelivered, type PeerClient, type PeerReport } from './peer-client.js';
import { members, rank, route, type Members, type RouteReason } from './routing.js';
import type { WarmTracker } from './warm.js';

/** How long a node that could not be reached is skipped, unless it registers again. */
export const SUSPECT_MS = 5_000;
/** Added to the function's timeout for the whole forwarded reply (init, cold start, transfer). */
const REPLY_MARGIN_MS = 30_000;
/** How long a reported load counts before it is considered stale. */
const REPORT_TTL_MS = 2_000;
/**
 * A node is never skipped for load below this many invocations in flight (routing.ts `minBound`):
 * the bounded-load cap is 1 or 2 while few calls are in flight, which would deal a burst out over
 * every node, cold, whatever the keys' homes. The same figure as the hot-key spread's per-node target.
 */
export const MIN_BOUND = 8;
/** Hop costs kept for the p50 (a ring). */
const HOP_SAMPLES = 4096;

export interface Peer {
  id: string;
  addr: string;
}

export interface SyncRouterDeps {
  self: string;
  /** Live members (this node included), from etcd. */
  live(): readonly Peer[];
  client: PeerClient;
  /** Runs an invocation on this node. */
  local(req: InvokeRequest): Promise<InvokeResult>;
  warm: WarmTracker;
  now?: () => number;
  log?: (line: string) => void;
  /** The bounded-load factor (default routing.ts's 1.25). */
  balance?: number;
  /** A hot key spreads over more home nodes once it has this many in flight per node (default 8). */
  perNodeTarget?: number;
  /** The load bound's floor (default MIN_BOUND). */
  minBound?: number;
}

/**
 * Where an invocation ran, against its key's rendezvous order: on its home (`home`, the first
 * node), on another home node of a hot key or on a node chosen for its idle warm sandbox while the
 * home's were busy (`spread`), past the nodes at the load bound (`spill`), or after walking past a
 * node that throttled or could not be reached (`walk`). With the cold starts of each, the bench
 * tells why calls were cold (a new home, spill-over, a full slice).
 */
export type Placement = 'home' | 'spread' | 'spill' | 'walk';

const placements = (): Record<Placement, number> => ({ home: 0, spread: 0, spill: 0, walk: 0 });

/** Routing figures: how requests were placed, and how long the hop took. */
export interface RouterStats {
  /** Invocations that ran (or answered with the function's error), by placement. */
  placed: Record<Placement, number>;
  /** Of those, the ones that started a sandbox: why a call was cold. */
  cold: Record<Placement, number>;
  local: number;
  forwarded: number;
  /** Walks past a node that was not reached. */
  failovers: number;
  /** Walks past a node that throttled (its concurrency slice was full). */
  throttleWalks: number;
  /** The last HOP_SAMPLES hops' own cost, ms: the round trip less the time the peer spent on the request. */
  hopMs: number[];
}

export class SyncRouter {
  private membersCache: { ids: string; m: Members; addrs: Map<string, string> } | undefined;
  private readonly suspects = new Map<string, number>();
  private readonly inflight = new Map<string, number>();
  private readonly keyInflight = new Map<string, number>();
  private readonly reports = new Map<string, { at: number; load: number; idle: Map<string, number> }>();
  readonly stats: RouterStats = { placed: placements(), cold: placements(), local: 0, forwarded: 0, failovers: 0, throttleWalks: 0, hopMs: [] };
  private readonly now: () => number;
  private hopCursor = 0;

  constructor(private readonly deps: SyncRouterDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Membership changed: suspects that registered again are trusted again. */
  membershipChanged(): void {
    this.membersCache = undefined;
    const ids = new Set(this.deps.live().map((p) => p.id));
    for (const id of this.suspects.keys()) if (!ids.has(id)) this.suspects.delete(id);
  }

  private view(): { m: Members; addrs: Map<string, string> } {
    const now = this.now();
    for (const [id, until] of this.suspects) if (until <= now) this.suspects.delete(id);
    const live = this.deps.live().filter((p) => p.id === this.deps.self || !this.suspects.has(p.id));
    const ids = live.map((p) => p.id).sort().join('\n');
    if (this.membersCache?.ids !== ids) {
      this.membersCache = { ids, m: members(live.map((p) => p.id)), addrs: new Map(live.map((p) => [p.id, p.addr])) };
    }
    return this.membersCache;
  }

  /** The nodes to try for `req`, best first (this node alone when it is the only member). */
  candidates(key: string): { order: string[]; addrs: Map<string, string>; ranked: readonly string[]; reason: RouteReason | undefined } {
    const { m, addrs } = this.view();
    if (m.ids.length <= 1) return { order: [this.deps.self], addrs, ranked: [this.deps.self], reason: 'home' };
    const ranked = rank(key, m);
    const now = this.now();
    const report = (id: string): { load: number; idle: Map<string, number> } | undefined => {
      const r = this.reports.get(id);
      return r && now - r.at < REPORT_TTL_MS ? r : undefined;
    };
    const r = route(
      ranked,
      {
        load: (id) => (id === this.deps.self ? this.deps.warm.load() : Math.max(this.inflight.get(id) ?? 0, report(id)?.load ?? 0)),
        idleWarm: (id) => (id === this.deps.self ? this.deps.warm.idle(key) : (report(id)?.idle.get(key) ?? 0)),
        // A peer holds the key if it ever reported on it (a sandbox outlives the report's TTL).
        holds: (id) => (id === this.deps.self ? this.deps.warm.holds(key) : this.reports.get(id)?.idle.has(key) === true),
      },
      {
        balance: this.deps.balance,
        keyInflight: this.keyInflight.get(key) ?? 0,
        perNodeTarget: this.deps.perNodeTarget ?? 8,
        live: m.ids.length,
        minBound: this.deps.minBound ?? MIN_BOUND,
      },
    );
    // Every node stays a candidate after the ones the bound prefers: the walk may need them.
    const order = [...r.candidates, ...ranked.filter((id) => !r.candidates.includes(id))];
    return { order, addrs, ranked, reason: r.reason };
  }

  /** The median hop cost so far, ms (undefined before any forward). */
  hopP50(): number | undefined {
    const s = [...this.stats.hopMs].sort((a, b) => a - b);
    return s.length ? s[Math.floor((s.length - 1) / 2)] : undefined;
  }

  async invoke(req: InvokeRequest): Promise<InvokeResult> {
    const key = versionKey(req.fn);
    const { order, addrs, ranked, reason } = this.candidates(key);
    const placed = (i: number, r: InvokeResult): InvokeResult => {
      const p: Placement = order[i] === ranked[0] ? 'home' : i > 0 ? 'walk' : reason === 'spill' ? 'spill' : 'spread';
      this.stats.placed[p]++;
      if (r.coldStart) this.stats.cold[p]++;
      return r;
    };
    let last: unknown;
    this.keyInflight.set(key, (this.keyInflight.get(key) ?? 0) + 1);
    try {
      for (let i = 0; i < order.length; i++) {
        const id = order[i]!;
        const more = i < order.length - 1;
        try {
          if (id === this.deps.self) {
            this.stats.local++;
            return placed(i, await this.deps.local(req));
          }
          const addr = addrs.get(id);
          if (!addr) continue;
          return placed(i, await this.forward(id, addr, key, req));
        } catch (e) {
          last = e;
          if (e instanceof NotDelivered) {
            this.stats.failovers++;
            this.suspects.set(id, this.now() + SUSPECT_MS);
            this.deps.log?.(`cluster: ${e.message}; trying the next node`);
            continue;
          }
          if (more && e instanceof NimbusError && e.code === 'ERR_TOO_MANY_REQUESTS') {
            this.stats.throttleWalks++;
            continue;
          }
          throw e;
        }
      }
    } finally {
      const n = (this.keyInflight.get(key) ?? 1) - 1;
      if (n <= 0) this.keyInflight.delete(key);
      else this.keyInflight.set(key, n);
    }
    if (last instanceof NotDelivered) throw new NimbusError('ERR_NODE_UNAVAILABLE', `No node of the cluster could be reached to run the invocation (${last.message}).`);
    throw last ?? new NimbusError('ERR_NODE_UNAVAILABLE', 'No node of the cluster is live to run the invocation.');
  }

  private async forward(id: string, addr: string, key: string, req: InvokeRequest): Promise<InvokeResult> {
    const { fn } = req;
    const meta: HopMeta = {
      accountId: fn.accountId,
      region: fn.region,
      name: fn.name,
      version: fn.version,
      qualifier: req.qualifier,
      tailLogs: req.tailLogs,
      clientContext: req.clientContext,
      traceId: req.traceId,
      requestId: req.requestId,
      tenantId: req.tenantId,
      stream: req.sink !== undefined,
    };
    this.inflight.set(id, (this.inflight.get(id) ?? 0) + 1);
    this.stats.forwarded++;
    // This call takes one of the idle sandboxes the peer last reported, until its reply says more.
    const idle = this.reports.get(id)?.idle;
    const had = idle?.get(key);
    if (idle && had !== undefined && had > 0) idle.set(key, had - 1);
    const sent = performance.now();
    const report = (r: PeerReport): void => {
      // Streamed replies report before the run (serverMs ~0): only whole replies measure the hop.
      if (!meta.stream) this.stats.hopMs[this.hopCursor++ % HOP_SAMPLES] = Math.max(0, performance.now() - sent - r.serverMs);
      const prev = this.reports.get(id);
      const idle = prev?.idle ?? new Map<string, number>();
      idle.set(key, r.idle);
      if (idle.size > 1024) idle.delete(idle.keys().next().value!);
      this.reports.set(id, { at: this.now(), load: r.load, idle });
    };
    try {
      return await this.deps.client.invoke(id, addr, meta, req.payload, fn.timeout * 1000 + REPLY_MARGIN_MS, req.sink, report);
    } finally {
      const n = (this.inflight.get(id) ?? 1) - 1;
      if (n <= 0) this.inflight.delete(id);
      else this.inflight.set(id, n);
    }
  }
}

/**
 * The invoker the sync API surfaces use on a cluster node: the local invoker in every respect
 * (targets, stream limit) except `invoke`, which routes. Async attempts and event-source batches
 * keep the local invoker: the queue's claims already placed them (pg-queue.ts).
 */
export function routedInvoker<T extends { invoke(req: InvokeRequest): Promise<InvokeResult> }>(local: T, invoke: (req: InvokeRequest) => Promise<InvokeResult>): T {
  const view = Object.create(local) as T;
  Object.defineProperty(view, 'invoke', { value: invoke });
  return view;
}
