/**
 * Which queued async jobs a node claims first. The queue is a pull model (OpenWhisk FPC, Lambda's
 * pollers): a node asks for work when it has free async slots, and takes, in order,
 *  1. jobs of functions it has an idle warm sandbox for (no cold start at all),
 *  2. jobs whose home (rendezvous top-1 at enqueue) is this node, oldest first,
 *  3. any job that has waited at least `stealAfterMs` (work stealing, so a busy or dead home
 *     never strands work), oldest first.
 * Pure: the PostgreSQL queue runs the same tiers as three `FOR UPDATE SKIP LOCKED` selects
 * (`claimTiers`), and the simulator runs `pickClaims` over its in-memory queue.
 */

/** A visible (unleased) job as the claimer sees it. */
export interface QueuedJob {
  readonly id: string;
  /** Function version key (`arn:version`), the routing key. */
  readonly key: string;
  /** The node that was the key's rendezvous top-1 when the job was enqueued. */
  readonly home: string;
  /** When the job became visible, ms. */
  readonly visibleAt: number;
}

/** The claiming node's view of itself. */
export interface Claimer {
  readonly node: string;
  /** Idle warm sandboxes per key on this node. */
  readonly idleWarm: ReadonlyMap<string, number>;
  /** Free async slots: the most jobs to claim now. */
  readonly slots: number;
}

/** One tier of the claim, in the order to run them; the SQL form of the preference. */
export type ClaimTier =
  | { readonly kind: 'warm'; readonly keys: readonly string[]; readonly limit: number }
  | { readonly kind: 'home'; readonly node: string }
  | { readonly kind: 'steal'; readonly olderThanMs: number };

/** The default steal delay: long enough for a live home to claim its own job first. */
export const DEFAULT_STEAL_AFTER_MS = 200;

/**
 * The tiers a claim runs, for a store to translate into queries. The warm tier asks for at most
 * one job per idle sandbox of each key, so a node does not pull work it would run cold anyway.
 */
export function claimTiers(c: Claimer, stealAfterMs = DEFAULT_STEAL_AFTER_MS): ClaimTier[] {
  const keys = [...c.idleWarm].filter(([, n]) => n > 0).map(([k]) => k).sort();
  const warmLimit = [...c.idleWarm.values()].reduce((s, n) => s + Math.max(0, n), 0);
  const tiers: ClaimTier[] = [];
  if (keys.length) tiers.push({ kind: 'warm', keys, limit: Math.min(c.slots, warmLimit) });
  tiers.push({ kind: 'home', node: c.node }, { kind: 'steal', olderThanMs: stealAfterMs });
  return tiers;
}

/** Why a job was claimed. */
export type ClaimReason = 'warm' | 'home' | 'steal';

/** Picks up to `c.slots` jobs from `visible` by the tiers above; each job at most once. */
export function pickClaims(
  visible: readonly QueuedJob[],
  c: Claimer,
  now: number,
  stealAfterMs = DEFAULT_STEAL_AFTER_MS,
): { job: QueuedJob; reason: ClaimReason }[] {
  const out: { job: QueuedJob; reason: ClaimReason }[] = [];
  if (c.slots <= 0) return out;
  const taken = new Set<string>();
  const oldest = [...visible].sort((a, b) => a.visibleAt - b.visibleAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const warmLeft = new Map(c.idleWarm);
  for (const job of oldest) {
    if (out.length >= c.slots) return out;
    const left = warmLeft.get(job.key) ?? 0;
    if (left <= 0) continue;
    warmLeft.set(job.key, left - 1);
    taken.add(job.id);
    out.push({ job, reason: 'warm' });
  }
  for (const job of oldest) {
    if (out.length >= c.slots) return out;
    if (taken.has(job.id) || job.home !== c.node) continue;
    taken.add(job.id);
    out.push({ job, reason: 'home' });
  }
  for (const job of oldest) {
    if (out.length >= c.slots) return out;
    if (taken.has(job.id) || now - job.visibleAt < stealAfterMs) continue;
    taken.add(job.id);
    out.push({ job, reason: 'steal' });
  }
  return out;
}
