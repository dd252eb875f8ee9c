import { planIdle } from '../policy/plan.js';
import type { InvocationFacts, KeepAlivePolicy } from '../policy/types.js';
import { MinHeap } from './heap.js';
import type { TraceApp } from './trace.js';

const UNLOADED = 0;
const BUSY = 1;
const IDLE_LOADED = 2;
const EXPIRE = 0;
const PREWARM = 1;
/** One decision in this many is timed: timing each would cost more than most decisions. */
const TIMING_STRIDE = 16;
const MAX_TIMING_SAMPLES = 200_000;

/** What one policy accumulated over a run: per-app counters (measurement window only). */
export interface RawCounters {
  invocations: Float64Array;
  coldStarts: Float64Array;
  /** MB x ms of loaded-but-idle sandboxes. */
  wasteMbMs: Float64Array;
  coldStartMs: number;
  evictions: number;
  overflows: number;
  prewarms: number;
  prewarmHits: number;
  prewarmsSkipped: number;
  decisions: number;
  /** Sampled decision times, microseconds. */
  decisionMicros: number[];
}

/**
 * One policy's view of the replay: each app's sandbox as a small state machine
 * (unloaded -> busy -> idle-loaded -> unloaded, or pre-warmed back to idle-loaded), the memory
 * in use against a capacity (Infinity for the unconstrained regime), its own timer queue for
 * keep-alive expiries and pre-warms, and the counters.
 *
 * Pinned choices: warm windows are half-open [from, until); a pre-warm only starts if it fits
 * in free memory (a guess never evicts a sandbox that is actually warm); a cold start that finds
 * memory full of busy sandboxes still runs and is counted as an overflow (a real pool would
 * queue or reject it), so that busy periods stay the same for every policy.
 */
export class PolicyRun {
  readonly counters: RawCounters;
  private readonly state: Uint8Array;
  private readonly idleSince: Float64Array;
  private readonly expiryAt: Float64Array;
  private readonly prewarmAt: Float64Array;
  private readonly prewarmUntil: Float64Array;
  private readonly prewarmed: Uint8Array;
  /** When a pre-warmed sandbox has finished its init and can take a call (prewarmInit only). */
  private readonly readyAt: Float64Array;
  /** Pre-warms started per app so far: which of its `initSamplesMs` the next one takes. */
  private readonly prewarmCount: Uint32Array;
  /** Key of the one queued expiry / pre-warm entry per app (NaN: none), see `schedule`. */
  private readonly queued: Float64Array;
  private readonly idleSet: Int32Array;
  private readonly idlePos: Int32Array;
  private idleCount = 0;
  private usedMb = 0;
  private readonly timers = new MinHeap(1024);
  private readonly hasPriority: boolean;
  /** Reused for every call: policies must not keep the facts object (the pool's do not either). */
  private readonly facts: InvocationFacts = { coldStart: false, memoryMb: 0, durationMs: 0, initMs: 0 };

  constructor(
    readonly policy: KeepAlivePolicy,
    private readonly apps: readonly TraceApp[],
    private readonly capacityMb: number,
    private readonly measureFrom: number,
    private readonly timeDecisions: boolean,
    /**
     * A pre-warm runs the app's init (coldStartMs) before its sandbox can take a call, as the
     * live pool's does: the pool starts it early, by `prewarmLeadMs` (src/pool/pool.ts,
     * schedulePrewarm), or at once when the planned wait is shorter; it is ready an init later,
     * idle memory is counted from then, and a call that lands during that init is a cold start. Off: the pre-warmed sandbox is ready at once at the
     * planned time (the ATC'20 model; the same whenever the wait is longer than the init).
     */
    private readonly prewarmInit = false,
  ) {
    const n = apps.length;
    this.state = new Uint8Array(n);
    this.idleSince = new Float64Array(n);
    this.expiryAt = new Float64Array(n).fill(NaN);
    this.prewarmAt = new Float64Array(n).fill(NaN);
    this.prewarmUntil = new Float64Array(n);
    this.prewarmed = new Uint8Array(n);
    this.readyAt = new Float64Array(n);
    this.prewarmCount = new Uint32Array(n);
    this.queued = new Float64Array(2 * n).fill(NaN);
    this.idleSet = new Int32Array(n);
    this.idlePos = new Int32Array(n).fill(-1);
    this.hasPriority = typeof policy.evictionPriority === 'function';
    this.counters = {
      invocations: new Float64Array(n),
      coldStarts: new Float64Array(n),
      wasteMbMs: new Float64Array(n),
      coldStartMs: 0,
      evictions: 0,
      overflows: 0,
      prewarms: 0,
      prewarmHits: 0,
      prewarmsSkipped: 0,
      decisions: 0,
      decisionMicros: [],
    };
  }

  /** Fires this policy's timers due at or before `t` (expiries before a same-time arrival). */
  runTimersUntil(t: number): void {
    const h = this.timers;
    while (h.size > 0 && h.peekKey() <= t) {
      const at = h.peekKey();
      const v = h.pop();
      if (this.queued[v] !== at) continue;
      this.queued[v] = NaN;
      const i = v >> 1;
      if ((v & 1) === EXPIRE) {
        const due = this.expiryAt[i] ?? NaN;
        if (this.state[i] !== IDLE_LOADED) continue;
        if (due === at) this.unload(i, at);
        else if (due > at) this.schedule(i, EXPIRE, due);
      } else {
        const due = this.prewarmAt[i] ?? NaN;
        if (this.state[i] !== UNLOADED) continue;
        if (due === at) this.startPrewarm(i, at);
        else if (due > at) this.schedule(i, PREWARM, due);
      }
    }
  }

  /** An invocation of app `i` arrives at `t`; `busy` when its sandbox is still running. */
  arrival(i: number, t: number, durationMs: number, busy: boolean): void {
    const app = this.apps[i] as TraceApp;
    let cold = false;
    if (!busy) {
      if (this.state[i] === IDLE_LOADED && this.prewarmed[i] === 1 && t < (this.readyAt[i] ?? 0)) {
        // The pre-warm is still initialising: the call starts a sandbox of its own (the pool's
        // pre-warmed one parks when its init ends; one sandbox per app here, so it is this one).
        cold = true;
        this.removeIdle(i);
      } else if (this.state[i] === IDLE_LOADED) {
        this.addWaste(i, this.idleSince[i] ?? t, t);
        this.removeIdle(i);
        if (this.prewarmed[i] === 1 && t >= this.measureFrom) this.counters.prewarmHits++;
      } else {
        cold = true;
        this.makeRoom(app.memoryMb, t);
        this.usedMb += app.memoryMb;
      }
      this.state[i] = BUSY;
      this.prewarmAt[i] = NaN;
      this.prewarmed[i] = 0;
    }
    if (t >= this.measureFrom) {
      const c = this.counters;
      c.invocations[i] = (c.invocations[i] ?? 0) + 1;
      if (cold) {
        c.coldStarts[i] = (c.coldStarts[i] ?? 0) + 1;
        c.coldStartMs += app.coldStartMs;
      }
    }
    const f = this.facts;
    f.coldStart = cold;
    f.memoryMb = app.memoryMb;
    f.durationMs = durationMs;
    f.initMs = app.coldStartMs;
    this.policy.onInvocation(app.id, t, f);
  }

  /** App `i`'s sandbox has nothing left to run at `t`: ask the policy what to do. */
  idle(i: number, t: number): void {
    const app = this.apps[i] as TraceApp;
    const c = this.counters;
    const timed = this.timeDecisions && c.decisions % TIMING_STRIDE === 0 && c.decisionMicros.length < MAX_TIMING_SAMPLES;
    const t0 = timed ? process.hrtime.bigint() : 0n;
    const d = this.policy.onIdle(app.id, t);
    if (timed) c.decisionMicros.push(Number(process.hrtime.bigint() - t0) / 1000);
    c.decisions++;

    // The same reading of the decision as the pool's (policy/plan.ts).
    const plan = planIdle(d);
    const keep = plan.keepMs;
    if (keep > 0) {
      this.state[i] = IDLE_LOADED;
      this.idleSince[i] = t;
      this.expiryAt[i] = t + keep;
      if (Number.isFinite(t + keep)) this.schedule(i, EXPIRE, t + keep);
      this.addIdle(i);
    } else {
      this.state[i] = UNLOADED;
      this.usedMb -= app.memoryMb;
    }
    if (plan.prewarm) {
      const { afterMs, keepMs } = plan.prewarm;
      // With prewarmInit the pre-warm starts early by the init time, as the pool's does, so that
      // it is ready at the planned time (or init after now, when the wait is shorter than init).
      const at = this.prewarmInit ? t + Math.max(0, afterMs - (app.prewarmLeadMs ?? app.coldStartMs)) : t + afterMs;
      this.prewarmAt[i] = at;
      this.prewarmUntil[i] = t + afterMs + keepMs;
      this.schedule(i, PREWARM, at);
    }
  }

  /** Closes the books at the end of the trace. */
  finish(endMs: number): void {
    this.runTimersUntil(endMs);
    for (let k = this.idleCount - 1; k >= 0; k--) {
      const i = this.idleSet[k] ?? 0;
      this.addWaste(i, this.idleSince[i] ?? endMs, Math.min(endMs, this.expiryAt[i] ?? endMs));
    }
  }

  private startPrewarm(i: number, t: number): void {
    const app = this.apps[i] as TraceApp;
    this.prewarmAt[i] = NaN;
    if (this.usedMb + app.memoryMb > this.capacityMb) {
      if (t >= this.measureFrom) this.counters.prewarmsSkipped++;
      return;
    }
    this.usedMb += app.memoryMb;
    this.state[i] = IDLE_LOADED;
    const ready = this.prewarmInit ? t + this.prewarmInitMs(i, app) : t;
    this.idleSince[i] = ready;
    this.readyAt[i] = ready;
    const until = this.prewarmUntil[i] ?? t;
    this.expiryAt[i] = until;
    if (Number.isFinite(until)) this.schedule(i, EXPIRE, until);
    this.addIdle(i);
    this.prewarmed[i] = 1;
    if (t >= this.measureFrom) this.counters.prewarms++;
  }

  /** The init time of app `i`'s next pre-warm: its measured samples in turn, else `coldStartMs`. */
  private prewarmInitMs(i: number, app: TraceApp): number {
    const xs = app.initSamplesMs;
    if (!xs || xs.length === 0) return app.coldStartMs;
    const k = this.prewarmCount[i] ?? 0;
    this.prewarmCount[i] = k + 1;
    return xs[k % xs.length] ?? app.coldStartMs;
  }

  /**
   * Asks for a timer at `at`. Each app keeps at most one queued entry per kind: a later
   * deadline reuses the queued one (which re-queues itself when it fires early), so the queue
   * does not fill with stale entries from busy apps whose keep-alive is renewed every second.
   */
  private schedule(i: number, kind: number, at: number): void {
    const v = i * 2 + kind;
    const q = this.queued[v] ?? NaN;
    if (Number.isNaN(q) || q > at) {
      this.timers.push(at, v);
      this.queued[v] = at;
    }
  }

  private unload(i: number, t: number): void {
    this.addWaste(i, this.idleSince[i] ?? t, t);
    this.removeIdle(i);
    this.state[i] = UNLOADED;
    this.usedMb -= (this.apps[i] as TraceApp).memoryMb;
  }

  /** Evicts idle sandboxes, lowest priority first, until `needMb` fits. */
  private makeRoom(needMb: number, t: number): void {
    if (this.usedMb + needMb <= this.capacityMb) return;
    const k = this.idleCount;
    const order = Array.from(this.idleSet.subarray(0, k));
    const prio = new Float64Array(this.apps.length);
    for (const i of order) {
      const id = (this.apps[i] as TraceApp).id;
      prio[i] = this.hasPriority ? (this.policy.evictionPriority?.(id, t) ?? 0) : (this.idleSince[i] ?? 0);
    }
    order.sort((a, b) => (prio[a] ?? 0) - (prio[b] ?? 0) || a - b);
    for (const i of order) {
      if (this.usedMb + needMb <= this.capacityMb) break;
      this.unload(i, t);
      this.prewarmed[i] = 0;
      if (t >= this.measureFrom) this.counters.evictions++;
      this.policy.onEvict?.((this.apps[i] as TraceApp).id, t);
    }
    if (this.usedMb + needMb > this.capacityMb && t >= this.measureFrom) this.counters.overflows++;
  }

  private addWaste(i: number, from: number, to: number): void {
    const a = Math.max(from, this.measureFrom);
    if (to > a) {
      const w = this.counters.wasteMbMs;
      w[i] = (w[i] ?? 0) + (to - a) * (this.apps[i] as TraceApp).memoryMb;
    }
  }

  private addIdle(i: number): void {
    if ((this.idlePos[i] ?? -1) >= 0) return;
    this.idleSet[this.idleCount] = i;
    this.idlePos[i] = this.idleCount++;
  }

  private removeIdle(i: number): void {
    const p = this.idlePos[i] ?? -1;
    if (p < 0) return;
    const last = this.idleSet[--this.idleCount] ?? 0;
    this.idleSet[p] = last;
    this.idlePos[last] = p;
    this.idlePos[i] = -1;
  }
}
