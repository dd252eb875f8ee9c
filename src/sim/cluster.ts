/**
 * A discrete-event simulation of a Nimbus cluster's routing and async claims at a scale no lab
 * reaches (1,000 nodes), running the real router (`cluster/routing.ts`) and claim preference
 * (`cluster/claim.ts`) next to the peers' placements: random (OpenFaaS's endpoint pick), and
 * `hash % N` with a linear walk (OpenWhisk's home invoker). It measures warm-hit ratio, load
 * spread, cold starts caused by a join and async redelivery after a node dies (docs/scale.md).
 *
 * The model: Poisson arrivals over Zipf-popular function versions; exponential execution times;
 * every node has `slots` execution slots and keeps idle sandboxes per function for `keepAliveMs`,
 * at most `idlePerNode` of them (least recently used evicted). Gateways see loads and idle warm
 * sandboxes exactly (the real ones see their own forwards plus peers' piggybacked summaries, up
 * to ~1 s stale), so the figures are the algorithm's, not the gossip's.
 */
import { pickClaims, type QueuedJob } from '../cluster/claim.js';
import { home, members, route, topRanked, type Members } from '../cluster/routing.js';
import { Rng } from '../policy/rng.js';
import { MinHeap } from './heap.js';

export type ClusterRouter = 'hrw-bounded' | 'hrw' | 'random' | 'mod-n';

export interface ClusterSimOptions {
  seed: number;
  nodes: number;
  functions: number;
  /** Zipf exponent of function popularity. */
  zipf: number;
  slots: number;
  /** Offered load as a fraction of all slots. */
  utilisation: number;
  meanMs: number;
  coldMs: number;
  keepAliveMs: number;
  idlePerNode: number;
  durationMs: number;
  /** Metrics count from here (the warm-up before it fills the pools). */
  measureFromMs: number;
  router: ClusterRouter;
  balance: number;
  /** Fraction of invocations that are async (queued, claimed by pull). */
  asyncShare: number;
  /** A node joins at this time. */
  joinAtMs?: number;
  /** False: measure the windows around `joinAtMs` but add no node (the control run of a join). */
  joinNode?: boolean;
  /** A node (the busiest home) dies at this time. */
  killAtMs?: number;
  leaseTtlMs: number;
  pollMs: number;
  stealAfterMs: number;
}

export const CLUSTER_SIM_DEFAULTS: ClusterSimOptions = {
  seed: 1,
  nodes: 1000,
  functions: 10_000,
  zipf: 1,
  slots: 8,
  utilisation: 0.5,
  meanMs: 100,
  coldMs: 250,
  keepAliveMs: 60_000,
  idlePerNode: 64,
  durationMs: 20_000,
  measureFromMs: 10_000,
  router: 'hrw-bounded',
  balance: 1.25,
  asyncShare: 0.1,
  leaseTtlMs: 3000,
  pollMs: 250,
  stealAfterMs: 200,
};

export interface ClusterSimReport {
  router: ClusterRouter;
  nodes: number;
  invocations: number;
  warmHitRatio: number;
  /** Busy time of the busiest node over the average. */
  busySpread: number;
  /** Invocations refused because no node had a free slot (429). */
  rejected: number;
  /** Keys active in the window after the join (up to 5 s) that had a cold start in it, over active keys. */
  coldKeysAfterJoin?: number;
  /** The same over the window of the same length just before the join (the churn a join adds to). */
  coldKeysBeforeJoin?: number;
  /** Keys whose home moved to the joiner, over all keys. */
  movedKeys?: number;
  /** ms from the death to the last of the dead node's async jobs being claimed again. */
  redeliveryMaxMs?: number;
  redeliveredJobs?: number;
  /** Sync invocations running on the node when it died (failed, as Lambda does not retry). */
  syncLostInFlight?: number;
}

interface Sandbox {
  key: number;
  since: number;
}
interface Node {
  id: string;
  alive: boolean;
  load: number;
  busyMs: number;
  lru: Map<number, Sandbox>;
  byKey: Map<number, number[]>;
  leased: Set<number>;
}
interface Run {
  node: number;
  key: number;
  sync: boolean;
  job: number;
}

/** Runs one simulation. Deterministic for a given options object. */
export function simulateCluster(o: ClusterSimOptions): ClusterSimReport {
  const rng = new Rng(o.seed);
  const keyName = (k: number): string => `arn:aws:lambda:us-east-1:000000000000:function:f${k}:1`;
  const weights = Array.from({ length: o.functions }, (_, i) => 1 / Math.pow(i + 1, o.zipf));
  const cdf: number[] = [];
  weights.reduce((s, w, i) => (cdf[i] = s + w), 0);
  const totalW = cdf[cdf.length - 1]!;
  const drawKey = (): number => {
    const u = rng.next() * totalW;
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const rate = (o.nodes * o.slots * o.utilisation) / o.meanMs;

  const nodes: Node[] = [];
  const index = new Map<string, number>();
  const addNode = (): void => {
    const id = `node-${nodes.length + 1}`;
    index.set(id, nodes.length);
    nodes.push({ id, alive: true, load: 0, busyMs: 0, lru: new Map(), byKey: new Map(), leased: new Set() });
  };
  for (let i = 0; i < o.nodes; i++) addNode();
  let m: Members = members(nodes.map((n) => n.id));
  let live = o.nodes;
  let totalLoad = 0;
  const HEAD = 8;
  const heads = new Map<number, string[]>();
  const headOf = (k: number): string[] => {
    let h = heads.get(k);
    if (!h) heads.set(k, (h = topRanked(keyName(k), m, HEAD)));
    return h;
  };
  const membershipChanged = (): void => {
    m = members(nodes.filter((n) => n.alive).map((n) => n.id));
    live = m.ids.length;
    heads.clear();
  };
  const keyInflight = new Map<number, number>();
  let seq = 0;

  const expire = (n: Node, now: number): void => {
    for (const [s, sb] of n.lru) {
      if (now - sb.since < o.keepAliveMs && n.lru.size <= o.idlePerNode) break;
      n.lru.delete(s);
      const stack = n.byKey.get(sb.key)!;
      stack.splice(stack.indexOf(s), 1);
      if (!stack.length) n.byKey.delete(sb.key);
    }
  };
  const idleWarm = (n: Node, k: number): number => n.byKey.get(k)?.length ?? 0;

  const events = new MinHeap(1 << 16);
  const runs = new Map<number, Run>();
  let runSeq = 0;
  let invocations = 0;
  let warm = 0;
  let rejected = 0;
  const measuring = (t: number): boolean => t >= o.measureFromMs;
  const joinWindow = o.joinAtMs === undefined ? 0 : Math.min(5000, o.durationMs - o.joinAtMs);
  const activeBeforeJoin = new Set<number>();
  const coldBeforeJoin = new Set<number>();
  const activeAfterJoin = new Set<number>();
  const coldAfterJoin = new Set<number>();
  let movedKeys: Set<number> | undefined;

  /** Starts key `k` on node `ni` at `now`; returns the completion time. */
  const start = (ni: number, k: number, now: number, sync: boolean, job: number): void => {
    const n = nodes[ni]!;
    expire(n, now);
    const stack = n.byKey.get(k);
    const hit = stack !== undefined && stack.length > 0;
    if (hit) {
      const s = stack.pop()!;
      n.lru.delete(s);
      if (!stack.length) n.byKey.delete(k);
    }
    const exec = rng.exponential(1 / o.meanMs) + (hit ? 0 : o.coldMs);
    n.load++;
    totalLoad++;
    keyInflight.set(k, (keyInflight.get(k) ?? 0) + 1);
    if (measuring(now)) {
      invocations++;
      if (hit) warm++;
      n.busyMs += exec;
    }
    if (o.joinAtMs !== undefined && now >= o.joinAtMs - joinWindow && now < o.joinAtMs + joinWindow) {
      const after = now >= o.joinAtMs;
      (after ? activeAfterJoin : activeBeforeJoin).add(k);
      if (!hit) (after ? coldAfterJoin : coldBeforeJoin).add(k);
    }
    const id = runSeq++;
    runs.set(id, { node: ni, key: k, sync, job });
    events.push(now + exec, id);
  };

  const pickSync = (k: number): number | undefined => {
    if (o.router === 'random') {
      for (let tries = 0; tries < 3; tries++) {
        const ni = index.get(m.ids[rng.int(m.ids.length)]!)!;
        if (nodes[ni]!.load < o.slots) return ni;
      }
      return undefined;
    }
    if (o.router === 'mod-n') {
      const start0 = m.hasher.text(keyName(k)) % live;
      for (let i = 0; i < live; i++) {
        const ni = index.get(m.ids[(start0 + i) % live]!)!;
        if (nodes[ni]!.load < o.slots) return ni;
      }
      return undefined;
    }
    const view = {
      load: (id: string) => nodes[index.get(id)!]!.load,
      idleWarm: (id: string) => idleWarm(nodes[index.get(id)!]!, k),
      capacity: () => o.slots,
    };
    const opts = {
      balance: o.router === 'hrw' ? Infinity : o.balance,
      keyInflight: keyInflight.get(k) ?? 0,
      perNodeTarget: o.slots / 2,
      live,
      totalLoad,
      maxCandidates: 1,
    };
    let head = headOf(k);
    let r = route(head, view, opts);
    // Every cached node is full: lengthen this key's cached head (a hot key keeps the longer one).
    while (!r.candidates.length && head.length < live) {
      head = topRanked(keyName(k), m, Math.min(live, head.length * 4));
      heads.set(k, head);
      r = route(head, view, opts);
    }
    const to = r.candidates[0];
    return to === undefined ? undefined : index.get(to);
  };

  // Async queue: jobs by id; visible ones are offered to claimers on every poll.
  const jobs = new Map<number, QueuedJob & { key_: number }>();
  const visible = new Set<number>();
  let jobSeq = 0;
  const released = new Set<number>();
  let redeliveryMaxMs: number | undefined;
  let redelivered = 0;
  let syncLostInFlight: number | undefined;

  /**
   * One poll by every node with free slots, in random order. Until some job has waited the steal
   * delay only the jobs' homes can take them, so only they are asked (the rest would get nothing).
   */
  const claimRound = (now: number): void => {
    if (!visible.size) return;
    let open = [...visible].map((j) => jobs.get(j)!);
    const stealable = open.some((j) => now - j.visibleAt >= o.stealAfterMs);
    const order = stealable ? m.ids.map((id) => index.get(id)!) : [...new Set(open.map((j) => index.get(j.home)!))];
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const ni of order) {
      if (!open.length) break;
      const n = nodes[ni]!;
      const slots = o.slots - n.load;
      if (!n.alive || slots <= 0) continue;
      const warmMap = new Map<string, number>();
      for (const j of open) warmMap.set(j.key, idleWarm(n, j.key_));
      const picks = pickClaims(open, { node: n.id, idleWarm: warmMap, slots }, now, o.stealAfterMs);
      for (const p of picks) claim(ni, Number(p.job.id), now);
      if (picks.length) open = open.filter((j) => visible.has(Number(j.id)));
    }
  };
  const claim = (ni: number, j: number, now: number): void => {
    visible.delete(j);
    nodes[ni]!.leased.add(j);
    if (released.delete(j)) {
      redelivered++;
      redeliveryMaxMs = Math.max(redeliveryMaxMs ?? 0, now - o.killAtMs!);
    }
    start(ni, jobs.get(j)!.key_, now, false, j);
  };

  const ARRIVAL = -1;
  const POLL = -2;
  const JOIN = -3;
  const KILL = -4;
  const REAP = -5;
  events.push(rng.exponential(rate), ARRIVAL);
  events.push(o.pollMs, POLL);
  if (o.joinAtMs !== undefined) events.push(o.joinAtMs, JOIN);
  if (o.killAtMs !== undefined) events.push(o.killAtMs, KILL);
  let victim = -1;
  // Special events reuse negative ids; runs are >= 0. The heap orders by time only.
  for (;;) {
    const now = events.peekKey();
    if (now > o.durationMs) break;
    const ev = events.pop();
    if (ev === ARRIVAL) {
      events.push(now + rng.exponential(rate), ARRIVAL);
      const k = drawKey();
      if (rng.next() < o.asyncShare) {
        const j = jobSeq++;
        const h = home(keyName(k), m)!;
        jobs.set(j, { id: String(j), key: keyName(k), key_: k, home: h, visibleAt: now });
        visible.add(j);
        // The best-effort wake-up: the home claims at once if it has a free slot.
        const hi = index.get(h)!;
        if (nodes[hi]!.alive && nodes[hi]!.load < o.slots) claim(hi, j, now);
        continue;
      }
      const ni = pickSync(k);
      if (ni === undefined) {
        if (measuring(now)) rejected++;
      } else start(ni, k, now, true, -1);
    } else if (ev === POLL) {
      events.push(now + o.pollMs, POLL);
      claimRound(now);
    } else if (ev === JOIN) {
      if (o.joinNode === false) continue;
      const before = new Map(Array.from({ length: o.functions }, (_, k) => [k, home(keyName(k), m)]));
      addNode();
      membershipChanged();
      movedKeys = new Set([...before].filter(([k, h]) => home(keyName(k), m) !== h).map(([k]) => k));
    } else if (ev === KILL) {
      victim = nodes.reduce((b, n, i) => (n.alive && n.load > nodes[b]!.load ? i : b), 0);
      const v = nodes[victim]!;
      v.alive = false;
      // Connect refused: every gateway drops it from routing on its next forward (< 1 s).
      m = members(m.ids.filter((id) => id !== v.id));
      live = m.ids.length;
      heads.clear();
      const dying = [...runs.values()].filter((r) => r.node === victim);
      syncLostInFlight = dying.filter((r) => r.sync).length;
      for (const r of dying) keyInflight.set(r.key, keyInflight.get(r.key)! - 1);
      totalLoad -= v.load;
      // The etcd lease was last renewed somewhere in the last TTL/3; the reaper acts at expiry.
      const renewed = now - rng.next() * (o.leaseTtlMs / 3);
      events.push(renewed + o.leaseTtlMs, REAP);
    } else if (ev === REAP) {
      const v = nodes[victim]!;
      for (const j of v.leased) {
        const job = jobs.get(j)!;
        jobs.set(j, { ...job, visibleAt: now });
        visible.add(j);
        released.add(j);
      }
      v.leased.clear();
    } else {
      const r = runs.get(ev)!;
      runs.delete(ev);
      const n = nodes[r.node]!;
      if (!n.alive) continue;
      n.load--;
      totalLoad--;
      keyInflight.set(r.key, keyInflight.get(r.key)! - 1);
      if (!r.sync) {
        n.leased.delete(r.job);
        jobs.delete(r.job);
      }
      const s = seq++;
      n.lru.set(s, { key: r.key, since: now });
      const stack = n.byKey.get(r.key);
      if (stack) stack.push(s);
      else n.byKey.set(r.key, [s]);
      expire(n, now);
    }
  }

  const busy = nodes.filter((n) => n.alive).map((n) => n.busyMs);
  const avg = busy.reduce((s, b) => s + b, 0) / Math.max(1, busy.length);
  const report: ClusterSimReport = {
    router: o.router,
    nodes: o.nodes,
    invocations,
    warmHitRatio: invocations ? warm / invocations : 0,
    busySpread: avg ? Math.max(...busy) / avg : 0,
    rejected,
  };
  if (o.joinAtMs !== undefined) {
    report.coldKeysAfterJoin = activeAfterJoin.size ? coldAfterJoin.size / activeAfterJoin.size : 0;
    report.coldKeysBeforeJoin = activeBeforeJoin.size ? coldBeforeJoin.size / activeBeforeJoin.size : 0;
    report.movedKeys = (movedKeys?.size ?? 0) / o.functions;
  }
  if (o.killAtMs !== undefined) {
    report.redeliveredJobs = redelivered;
    if (redeliveryMaxMs !== undefined) report.redeliveryMaxMs = redeliveryMaxMs;
    if (syncLostInFlight !== undefined) report.syncLostInFlight = syncLostInFlight;
  }
  return report;
}
