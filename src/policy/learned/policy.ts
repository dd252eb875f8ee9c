import { IdleTimeHistogram, type HistogramJson } from '../histogram.js';
import { hybridDecision } from '../hybrid.js';
import { Rng } from '../rng.js';
import type { IdleDecision, InvocationFacts, KeepAlivePolicy } from '../types.js';
import { N_ACTIONS, actionWindows, outcome, windowDecision } from './actions.js';
import { Derived } from './derived.js';
import { AppStats, RECENT } from './app-stats.js';
import { N_FEATURES, N_STATES, fillFeatures, stateIndex } from './features.js';
import { QNetwork, type QNetworkOptions } from './q-network.js';
import { QTable } from './q-table.js';

const HOUR = 3_600_000;

/** Tunables of the learned policy. */
export interface LearnedOptions {
  /** `tabular` Q-learning over 432 discrete states, or the `mlp` Q-network over 14 features. */
  variant: 'tabular' | 'mlp';
  /**
   * The price of memory against cold starts (lambda): an hour of idle sandbox costs
   * rho = GB x calls-per-day / kappa cold starts. Larger kappa keeps sandboxes longer.
   */
  kappa: number;
  /** Discount; 0 because arrivals do not depend on the action (see docs/policy.md). */
  gamma: number;
  /** Weight (in gaps) of the shared Q against an app's own Q when blending the two. */
  priorWeight: number;
  /** Floor of the per-app step size (how fast an app's own Q forgets). */
  appMinAlpha: number;
  /** Visits a tabular state needs before it is trusted over the hybrid guardrail. */
  minStateVisits: number;
  /** Per-gap costs are clipped here (in cold starts) so a few huge gaps cannot swamp Q. */
  costClip: number;
  /**
   * Cap on rho: the per-app metric makes a busy app's cold start nearly free (it is 1 of
   * thousands), which would unload busy apps after every call; the cap keeps them warm through
   * gaps shorter than ~1/maxRho hours.
   */
  maxRho: number;
  /** Each app adds at most one replay sample per this many ms (balances busy and quiet apps). */
  sampleEveryMs: number;
  /** Fixed-capacity pool: keep sandboxes until evicted and rank them for eviction instead. */
  capacityMode: boolean;
  network: Partial<QNetworkOptions>;
}

export const LEARNED_DEFAULTS: LearnedOptions = {
  variant: 'tabular',
  kappa: 14,
  gamma: 0,
  priorWeight: 10,
  appMinAlpha: 0.05,
  minStateVisits: 20,
  costClip: 20,
  maxRho: 2,
  sampleEveryMs: 10 * 60_000,
  capacityMode: false,
  network: {},
};

/**
 * The learned keep-alive / pre-warm policy. Per app and per idle gap it picks one of a few
 * window-shaping actions (actions.ts) by its action value Q(s, a), where the reward of an
 * action is minus its cost in hindsight: 1 per cold start plus rho per hour of idle memory.
 * Because the next call's time does not depend on what we keep warm, the reward of EVERY
 * action is known once the gap closes, so each gap updates all actions (full-information
 * Q-learning) and no exploration is needed. Q is shared across apps (a table over discrete
 * states, or an MLP over features) and blended with each app's own running action values.
 * Until a state has been seen enough, it defers to the hybrid histogram policy.
 */
export class LearnedPolicy implements KeepAlivePolicy {
  readonly name: string;
  readonly options: LearnedOptions;
  readonly table: QTable;
  readonly net: QNetwork | undefined;
  private readonly apps = new Map<string, AppStats>();
  private readonly derived = new Derived();
  private readonly rewards = new Float64Array(N_ACTIONS);
  private readonly qShared = new Float64Array(N_ACTIONS);

  constructor(options: Partial<LearnedOptions> = {}, seed = 1, name?: string) {
    this.options = { ...LEARNED_DEFAULTS, ...options };
    this.name = name ?? `learned:${this.options.variant}`;
    this.table = new QTable(N_STATES, N_ACTIONS, 0.01, this.options.gamma);
    this.net =
      this.options.variant === 'mlp'
        ? new QNetwork(N_FEATURES, N_ACTIONS, new Rng(seed), { ...this.options.network, gamma: this.options.gamma })
        : undefined;
  }

  onInvocation(app: string, now: number, facts: InvocationFacts): void {
    const s = this.state(app);
    s.memoryMb = facts.memoryMb;
    if (facts.initMs !== undefined) s.initMs = facts.initMs;
    if (!s.seen) {
      s.seen = true;
      s.firstSeen = now;
      s.invocations = 1;
      return;
    }
    s.invocations++;
    if (Number.isNaN(s.idleSince)) {
      s.addIdle(0);
      return;
    }
    const gap = now - s.idleSince;
    if (s.stateIndex >= 0) this.learn(s, gap);
    s.addIdle(gap);
    s.idleSince = NaN;
  }

  onIdle(app: string, now: number): IdleDecision {
    const s = this.state(app);
    s.idleSince = now;
    const d = this.derived.compute(s);
    const rho = Math.min(this.options.maxRho, ((s.memoryMb / 1024) * s.ratePerDay(now)) / this.options.kappa);
    s.rho = rho;
    s.stateIndex = stateIndex(s, d, rho);
    if (this.net) fillFeatures(s, d, rho, now, s.features);
    actionWindows(s, d, s.windows);
    const a = this.chooseAction(s);
    if (a < 0) return this.options.capacityMode ? { keepAliveMs: Infinity } : hybridDecision(s.hist);
    if (this.options.capacityMode) return { keepAliveMs: Infinity };
    return windowDecision(s.windows[2 * a] ?? 0, s.windows[2 * a + 1] ?? 0);
  }

  /**
   * Fixed-capacity regime: value per MB of keeping the app, as 1 / (MB x expected time until
   * its next call). The expected wait is the mean overshoot of the recent idle times beyond the
   * time already idle; when it has outlived all of them, the wait is taken to be as long again.
   */
  evictionPriority(app: string, now: number): number {
    const s = this.apps.get(app);
    if (!s || Number.isNaN(s.idleSince)) return Infinity;
    const idle = now - s.idleSince;
    let sum = 0;
    let n = 0;
    for (let i = 0; i < Math.min(s.recentCount, RECENT); i++) {
      const x = s.recent[i] ?? 0;
      if (x > idle) {
        sum += x - idle;
        n++;
      }
    }
    const wait = n > 0 ? sum / n : Math.max(idle, 60_000);
    return 1 / (Math.max(1, s.memoryMb) * Math.max(1, wait));
  }

  /** The best action for `s`, or -1 to defer to the hybrid guardrail. */
  private chooseAction(s: AppStats): number {
    const k = this.options.priorWeight;
    const n = s.qUpdates;
    let sharedOk: boolean;
    if (this.net) {
      sharedOk = this.net.trainSteps >= 200;
      // A forward pass per decision is the policy's main cost on busy apps; their state bucket
      // rarely changes between consecutive gaps, so reuse the output for a few decisions.
      if (sharedOk && (s.qNetState !== s.stateIndex || ++s.qNetAge >= 16)) {
        this.net.predict(s.features, this.qShared);
        s.qNet.set(this.qShared);
        s.qNetState = s.stateIndex;
        s.qNetAge = 0;
      } else {
        for (let a = 0; a < N_ACTIONS; a++) this.qShared[a] = s.qNet[a] ?? 0;
      }
    } else {
      sharedOk = (this.table.visits[s.stateIndex] ?? 0) >= this.options.minStateVisits;
      for (let a = 0; a < N_ACTIONS; a++) this.qShared[a] = this.table.get(s.stateIndex, a);
    }
    if (!sharedOk && n < 3) return -1;
    let best = 0;
    let bestQ = -Infinity;
    for (let a = 0; a < N_ACTIONS; a++) {
      const own = s.q[a] ?? 0;
      const q = sharedOk ? (k * (this.qShared[a] ?? 0) + n * own) / (k + n) : own;
      if (q > bestQ) {
        bestQ = q;
        best = a;
      }
    }
    return best;
  }

  /** The gap after the last decision closed after `gap` ms: reward every action and update Q. */
  private learn(s: AppStats, gap: number): void {
    const r = this.rewards;
    for (let a = 0; a < N_ACTIONS; a++) {
      const o = outcome(s.windows[2 * a] ?? 0, s.windows[2 * a + 1] ?? 0, gap);
      r[a] = -Math.min(this.options.costClip, (o.cold ? 1 : 0) + (s.rho * o.wasteMs) / HOUR);
    }
    this.table.updateAll(s.stateIndex, r);
    const alpha = Math.max(1 / (s.qUpdates + 1), this.options.appMinAlpha);
    for (let a = 0; a < N_ACTIONS; a++) s.q[a] = (s.q[a] ?? 0) + alpha * ((r[a] ?? 0) - (s.q[a] ?? 0));
    s.qUpdates++;
    const now = s.idleSince + gap;
    if (this.net && !(now - s.lastSample < this.options.sampleEveryMs)) {
      this.net.observe(s.features, r);
      s.lastSample = now;
    }
  }

  forget(app: string): void {
    this.apps.delete(app);
  }

  snapshot(): unknown {
    const apps: Record<string, AppJson> = {};
    for (const [k, s] of this.apps) {
      apps[k] = {
        hist: s.hist.toJSON(),
        recent: Array.from(s.recent),
        recentCount: s.recentCount,
        q: Array.from(s.q),
        qUpdates: s.qUpdates,
        firstSeen: s.firstSeen,
        invocations: s.invocations,
        memoryMb: s.memoryMb,
        initMs: s.initMs,
      };
    }
    return { kind: 'learned', variant: this.options.variant, table: this.table.toJSON(), net: this.net?.online.toJSON(), apps };
  }

  restore(state: unknown): void {
    const st = state as LearnedJson;
    if (st?.kind !== 'learned' || st.variant !== this.options.variant) throw new TypeError('not a learned snapshot of this variant');
    this.table.load(st.table);
    if (this.net && st.net) {
      this.net.online.load(st.net);
      this.net.online.copyTo(this.net.target);
    }
    this.apps.clear();
    for (const [k, j] of Object.entries(st.apps)) {
      const s = this.state(k);
      s.hist = IdleTimeHistogram.fromJSON(j.hist);
      s.recent.set(j.recent.slice(0, RECENT));
      s.recentCount = j.recentCount;
      s.q.set(j.q);
      s.qUpdates = j.qUpdates;
      s.seen = true;
      s.firstSeen = j.firstSeen;
      s.invocations = j.invocations;
      s.memoryMb = j.memoryMb;
      s.initMs = j.initMs;
    }
  }

  stateBytes(): { shared: number; perApp: number } {
    const shared = this.table.q.byteLength + this.table.visits.byteLength + (this.net?.byteSize() ?? 0);
    const probe = new AppStats(N_ACTIONS, N_FEATURES);
    return { shared, perApp: probe.byteSize() + 2 * 8 };
  }

  private state(app: string): AppStats {
    let s = this.apps.get(app);
    if (!s) {
      s = new AppStats(N_ACTIONS, N_FEATURES);
      this.apps.set(app, s);
    }
    return s;
  }
}

interface AppJson {
  hist: HistogramJson;
  recent: number[];
  recentCount: number;
  q: number[];
  qUpdates: number;
  firstSeen: number;
  invocations: number;
  memoryMb: number;
  initMs: number;
}

interface LearnedJson {
  kind: string;
  variant: string;
  table: { q: number[]; visits: number[] };
  net?: { sizes: number[]; w: number[][]; b: number[][] };
  apps: Record<string, AppJson>;
}
