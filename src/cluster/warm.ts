/**
 * What this node knows of its own warm sandboxes, for routing and claims, without reaching into
 * the pool: every invocation that runs here passes through `run`, which counts it in flight; when
 * it ends its sandbox is idle, so the key gains an idle sandbox until the next run takes it or the
 * keep-alive window passes. A hint, not an inventory (the pool may evict earlier): a wrong hint
 * costs one cold start, never a wrong result.
 */
import { versionKey, type FunctionVersion } from '../core/model.js';

/** How long an idle sandbox is assumed to stay warm (the default keep-alive is 10 minutes). */
export const DEFAULT_WARM_TTL_MS = 5 * 60_000;

interface KeyState {
  busy: number;
  idle: number;
  /** When the key last finished an invocation. */
  at: number;
}

export class WarmTracker {
  private readonly keys = new Map<string, KeyState>();
  private inflight = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = DEFAULT_WARM_TTL_MS,
  ) {}

  /** Runs `f` as an invocation of `fn` on this node. */
  async run<T>(fn: FunctionVersion, f: () => Promise<T>): Promise<T> {
    const key = versionKey(fn);
    const s = this.state(key);
    s.busy++;
    if (s.idle > 0) s.idle--;
    this.inflight++;
    try {
      return await f();
    } finally {
      this.inflight--;
      s.busy--;
      s.idle++;
      s.at = this.now();
    }
  }

  private state(key: string): KeyState {
    let s = this.keys.get(key);
    if (!s) this.keys.set(key, (s = { busy: 0, idle: 0, at: this.now() }));
    else if (s.busy === 0 && this.now() - s.at > this.ttlMs) s.idle = 0;
    return s;
  }

  /** Invocations running on this node now. */
  load(): number {
    return this.inflight;
  }

  /** Idle warm sandboxes of a version key (`versionKey`) on this node, as far as this node can tell. */
  idle(key: string): number {
    const s = this.keys.get(key);
    if (!s) return 0;
    if (s.busy === 0 && this.now() - s.at > this.ttlMs) {
      this.keys.delete(key);
      return 0;
    }
    return s.idle;
  }

  /** Whether this node ran `key` lately (it holds sandboxes of it, idle or busy, as far as it can tell). */
  holds(key: string): boolean {
    return this.idle(key) > 0 || (this.keys.get(key)?.busy ?? 0) > 0;
  }

  /** Idle warm sandboxes per function (`functionKey`, any version): what async claims prefer. */
  warmFunctions(limit = 256): Map<string, number> {
    const out = new Map<string, number>();
    for (const [key, s] of this.keys) {
      const n = this.idle(key);
      if (n <= 0 && s.busy === 0) continue;
      const fk = key.slice(0, key.lastIndexOf('/'));
      out.set(fk, (out.get(fk) ?? 0) + Math.max(n, 1));
      if (out.size >= limit) break;
    }
    return out;
  }
}
