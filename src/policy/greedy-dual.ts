import type { IdleDecision, InvocationFacts, KeepAlivePolicy } from './types.js';

/** Init time assumed until a cold start measures one (dslab's default cold start is 1 s). */
const DEFAULT_INIT_MS = 1000;
const FOREVER: IdleDecision = { keepAliveMs: Infinity };

interface AppState {
  /** Invocations since the app's sandbox was last (re)loaded. */
  freq: number;
  /** Cost of a miss: the init time, ms. */
  costMs: number;
  /** Size: memory, MB. */
  sizeMb: number;
  priority: number;
}

/**
 * Greedy-Dual-Size-Frequency keep-alive (Fuerst & Sharma, FaasCache, ASPLOS 2021): keep-alive
 * as caching. Sandboxes are never expired by time; under memory pressure the pool evicts the
 * lowest `priority = clock + freq * cost / size` first, and each eviction advances `clock` to
 * the evicted priority, which ages everything not touched since.
 *
 * Pinned details: cost = init (cold-start) time, size = memory MB, and `freq` counts the
 * invocations since the app was last loaded, so it restarts at 1 after an eviction (a cold
 * start), as FaasCache sums it over live containers only. With unlimited memory this is
 * `never` unload.
 */
export class GreedyDual implements KeepAlivePolicy {
  readonly name = 'greedy-dual';
  private clock = 0;
  private readonly apps = new Map<string, AppState>();

  onInvocation(app: string, _now: number, facts: InvocationFacts): void {
    let s = this.apps.get(app);
    if (!s) {
      s = { freq: 0, costMs: DEFAULT_INIT_MS, sizeMb: 1, priority: 0 };
      this.apps.set(app, s);
    }
    s.freq = facts.coldStart ? 1 : s.freq + 1;
    if (facts.initMs !== undefined && facts.initMs > 0) s.costMs = facts.initMs;
    s.sizeMb = Math.max(1, facts.memoryMb);
    s.priority = this.clock + (s.freq * s.costMs) / s.sizeMb;
  }

  onIdle(): IdleDecision {
    return FOREVER;
  }

  evictionPriority(app: string): number {
    return this.apps.get(app)?.priority ?? this.clock;
  }

  onEvict(app: string): void {
    const s = this.apps.get(app);
    if (s) this.clock = s.priority;
  }

  /** The current clock (for tests and the dashboard). */
  get clockValue(): number {
    return this.clock;
  }

  forget(app: string): void {
    this.apps.delete(app);
  }

  snapshot(): unknown {
    return { kind: 'greedy-dual', clock: this.clock, apps: Object.fromEntries(this.apps) };
  }

  restore(state: unknown): void {
    const st = state as { kind?: string; clock?: number; apps?: Record<string, AppState> };
    if (st?.kind !== 'greedy-dual' || typeof st.clock !== 'number' || !st.apps) {
      throw new TypeError('not a greedy-dual snapshot');
    }
    this.clock = st.clock;
    this.apps.clear();
    for (const [k, v] of Object.entries(st.apps)) this.apps.set(k, { ...v });
  }

  stateBytes(): { shared: number; perApp: number } {
    return { shared: 8, perApp: 4 * 8 };
  }
}
