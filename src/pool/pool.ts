/**
 * The warm pool: sandboxes per function version ("app"), one invocation per sandbox at a time.
 * An invocation takes the most recently used idle sandbox of its app (so the others age out),
 * or starts a new one (a cold start). When a sandbox becomes idle the keep-alive policy says
 * how long it stays and whether to pre-warm a fresh one later. Sandboxes are reused only within
 * one generation of an app (its code and configuration revision): new code, new processes.
 *
 * Memory is a budget: the sum of the MemorySize of live sandboxes stays within `capacityMb`.
 * A cold start that does not fit first evicts idle sandboxes, least recently used first, and
 * only then is refused (429, never a hang).
 *
 * Provisioned concurrency pins a minimum number of initialized sandboxes for an app (`provision`):
 * they start at once (counted against the capacity), never expire and are never evicted, take
 * invocations before on-demand sandboxes do, and are replaced when they die. A pin whose init
 * fails stops there and reports the failure (AWS: Status FAILED, FUNCTION_ERROR_INIT_FAILURE).
 *
 * The pool never reads the wall clock for decisions: time and timers come from the injected clock.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { NimbusError, throttle } from '../core/errors.js';
import type { KeepAlivePolicy } from '../policy/types.js';
import {
  SandboxInitError,
  type InitReport,
  type InvocationEvent,
  type InvocationReport,
  type Sandbox,
  type SandboxFactory,
  type SandboxSpec,
} from '../sandbox/types.js';

/** What the pool needs to know to run an invocation of one function version. */
export interface PoolTarget {
  /** The policy's key: one function version, for example `000000000000/us-east-1/hello/$LATEST`. */
  app: string;
  /** Sandboxes of other generations of the app are never reused (they run other code or settings). */
  generation: string;
  memoryMb: number;
  initTimeoutMs: number;
  /** Builds the spec of a new sandbox with the given id (called on cold starts only). */
  makeSpec: (id: string) => SandboxSpec;
  /**
   * Called when a sandbox is created: keeps what it runs (its code) from being removed until it
   * dies, by returning the release.
   */
  hold?: () => () => void;
}

export interface PoolOutcome {
  report: InvocationReport;
  coldStart: boolean;
  /** Set on a cold start whose init succeeded. */
  init?: InitReport;
  /** Set when the sandbox failed to initialise; `report` then carries the init failure. */
  initError?: SandboxInitError;
}

interface Entry {
  sandbox: Sandbox;
  app: AppState;
  generation: string;
  memoryMb: number;
  /** When it last became idle (clock ms), for least-recently-used eviction and idle accounting. */
  lastUsed: number;
  /** Whether it sits on the idle stack now (idle time is charged when it leaves). */
  parked: boolean;
  /** Cancels the keep-alive timer while the sandbox is idle. */
  cancelExpiry: (() => void) | null;
  /** Whether its memory is still counted against the capacity. */
  counted: boolean;
  /** Whether it is one of its app's provisioned sandboxes (no expiry, no eviction). */
  pinned: boolean;
}

/** Provisioned concurrency of one app: how many initialized sandboxes it should keep. */
interface Pin {
  target: PoolTarget;
  count: number;
  /** Pinned sandboxes in their init phase. */
  starting: number;
  /** Set when a pinned sandbox failed to initialise: the pin stops filling until it is set again. */
  failure: string | undefined;
}

/** What a pin holds now, for GetProvisionedConcurrencyConfig. */
export interface ProvisionedState {
  /** Initialized pinned sandboxes of the pin's generation, idle or busy. */
  allocated: number;
  /** Set when filling stopped because a pinned sandbox failed to initialise. */
  failure: string | undefined;
}

/** The status reason AWS reports when a provisioned environment fails its init phase. */
export const PROVISIONED_INIT_FAILURE = 'FUNCTION_ERROR_INIT_FAILURE';

interface AppState {
  key: string;
  generation: string;
  idle: Entry[];
  busy: Set<Entry>;
  starting: number;
  lastTarget: PoolTarget;
  cancelPrewarm: (() => void) | null;
  /** The latest measured Init Duration, for cost-aware policies. */
  lastInitMs: number | undefined;
}

export interface PoolDeps {
  factory: SandboxFactory;
  policy: KeepAlivePolicy;
  clock: Clock;
  /** The node's memory for sandboxes, in MB (sum of MemorySize); default unlimited. */
  capacityMb?: number;
}

export interface PoolStats {
  apps: number;
  idle: number;
  busy: number;
  starting: number;
  memoryInUseMb: number;
  capacityMb: number;
  /** Initialized provisioned sandboxes, idle or busy (already counted in `idle` and `busy`). */
  provisioned: number;
}

export class Pool {
  private readonly apps = new Map<string, AppState>();
  private closed = false;
  private memoryInUseMb = 0;
  /** Memory held by idle sandboxes over time per app, in MB-milliseconds: what keep-alive costs. */
  private readonly idleMbMs = new Map<string, number>();
  private readonly pins = new Map<string, Pin>();
  private refillQueued = false;

  constructor(private readonly deps: PoolDeps) {}

  async invoke(target: PoolTarget, makeEvent: () => InvocationEvent): Promise<PoolOutcome> {
    if (this.closed) throw new NimbusError('ERR_POOL_CLOSED', 'Nimbus is shutting down.');
    const app = this.appState(target);
    app.cancelPrewarm?.();
    app.cancelPrewarm = null;
    const entry = this.takeIdle(app);
    const coldStart = entry === undefined;
    this.deps.policy.onInvocation(target.app, this.deps.clock.now(), {
      coldStart,
      memoryMb: target.memoryMb,
      durationMs: 0,
      ...(app.lastInitMs === undefined ? {} : { initMs: app.lastInitMs }),
    });
    if (!entry) return this.coldRun(app, target, makeEvent);
    this.unpark(entry);
    const report = await this.run(app, entry, makeEvent);
    if (report.result.kind === 'exit' && report.result.beforeDelivery) {
      // The runtime exited after its previous answer, before it asked for this event (a crash
      // on the way out, or a custom runtime that serves one event per process): the event never
      // ran, so it runs on a fresh sandbox. Its last output goes in front of the new init's.
      return this.coldRun(app, target, makeEvent, report.logs);
    }
    return { report, coldStart: false };
  }

  /** Starts a sandbox and runs the event on it; `logsBefore` goes in front of its init output. */
  private async coldRun(app: AppState, target: PoolTarget, makeEvent: () => InvocationEvent, logsBefore = ''): Promise<PoolOutcome> {
    const started = await this.start(app, target);
    if (started instanceof SandboxInitError) return { coldStart: true, initError: started, report: initFailureReport(started) };
    const report = await this.run(app, started.entry, makeEvent);
    return { report, coldStart: true, init: logsBefore ? { ...started.init, logs: logsBefore + started.init.logs } : started.init };
  }

  private async run(app: AppState, entry: Entry, makeEvent: () => InvocationEvent): Promise<InvocationReport> {
    app.busy.add(entry);
    try {
      return await entry.sandbox.invoke(makeEvent());
    } finally {
      app.busy.delete(entry);
      this.release(app, entry);
    }
  }

  /**
   * Retires every sandbox of apps whose key starts with `prefix` (their function changed).
   * Provisioned sandboxes are spared: pins are on published versions, which never change, and
   * the control plane removes a pin (`provision(target, 0)`) before its version goes away.
   */
  retire(prefix: string): void {
    for (const [key, app] of this.apps) {
      if (!key.startsWith(prefix)) continue;
      app.cancelPrewarm?.();
      app.cancelPrewarm = null;
      if (this.pins.has(key)) {
        for (const e of app.idle.filter((x) => !x.pinned)) this.expire(app, e);
        continue;
      }
      app.generation = `retired-${randomBytes(4).toString('hex')}`;
      for (const e of app.idle.splice(0)) this.drop(e);
      if (app.busy.size === 0 && app.starting === 0) this.apps.delete(key);
    }
  }

  /** Counts for metrics and tests. */
  stats(): PoolStats {
    let idle = 0;
    let busy = 0;
    let starting = 0;
    let provisioned = 0;
    for (const a of this.apps.values()) {
      idle += a.idle.length;
      busy += a.busy.size;
      starting += a.starting;
      if (this.pins.has(a.key)) provisioned += this.pinnedAlive(a);
    }
    return { apps: this.apps.size, idle, busy, starting, memoryInUseMb: this.memoryInUseMb, capacityMb: this.capacity(), provisioned };
  }

  /**
   * Provisioned concurrency: keeps `count` initialized sandboxes of `target.app` from now on
   * (0 removes the pin). Sandboxes start in the background; `provisioned()` tells how far they
   * got. A pin set again with a new generation re-creates its sandboxes, and setting a pin
   * clears an earlier init failure (a fresh attempt, as a new Put does on AWS).
   */
  provision(target: PoolTarget, count: number): void {
    if (this.closed) return;
    if (count <= 0) {
      this.unpin(target.app);
      return;
    }
    const pin = this.pins.get(target.app);
    if (pin) {
      pin.target = target;
      pin.count = count;
      pin.failure = undefined;
    } else {
      this.pins.set(target.app, { target, count, starting: 0, failure: undefined });
    }
    const app = this.appState(target);
    this.shed(app, count);
    this.fill(target.app);
  }

  /** What the pin of `app` holds now; undefined when the app has no pin. */
  provisioned(app: string): ProvisionedState | undefined {
    const pin = this.pins.get(app);
    if (!pin) return undefined;
    const a = this.apps.get(app);
    return { allocated: a ? Math.min(pin.count, this.pinnedAlive(a)) : 0, failure: pin.failure };
  }

  /** Idle memory per app so far, in GB-seconds, counting sandboxes idle right now up to `now`. */
  idleGbSeconds(): Map<string, number> {
    const now = this.deps.clock.now();
    const out = new Map<string, number>();
    const mbMs = new Map(this.idleMbMs);
    for (const a of this.apps.values()) {
      for (const e of a.idle) if (e.parked) mbMs.set(a.key, (mbMs.get(a.key) ?? 0) + (now - e.lastUsed) * e.memoryMb);
    }
    for (const [k, v] of mbMs) out.set(k, v / 1024 / 1000);
    return out;
  }

  /** Kills every sandbox, idle or busy (busy invocations end with an `exit` result). */
  async close(): Promise<void> {
    this.closed = true;
    const all: Promise<void>[] = [];
    this.pins.clear();
    for (const app of this.apps.values()) {
      app.cancelPrewarm?.();
      for (const e of [...app.idle, ...app.busy]) {
        e.cancelExpiry?.();
        all.push(e.sandbox.dispose());
      }
    }
    await Promise.all(all);
  }

  private capacity(): number {
    return this.deps.capacityMb ?? Infinity;
  }

  private appState(target: PoolTarget): AppState {
    let app = this.apps.get(target.app);
    if (!app) {
      app = { key: target.app, generation: target.generation, idle: [], busy: new Set(), starting: 0, lastTarget: target, cancelPrewarm: null, lastInitMs: undefined };
      this.apps.set(target.app, app);
    }
    if (app.generation !== target.generation) {
      app.generation = target.generation;
      for (const e of app.idle.splice(0)) this.drop(e);
    }
    app.lastTarget = target;
    return app;
  }

  /**
   * Makes room for `mb` by evicting idle sandboxes: the lowest `evictionPriority` first when the
   * policy ranks them (Greedy-Dual, learned), else the least recently used. False if it cannot.
   */
  private makeRoom(mb: number): boolean {
    const { policy, clock } = this.deps;
    const now = clock.now();
    const rank = (e: Entry): number => (policy.evictionPriority ? policy.evictionPriority(e.app.key, now) : e.lastUsed);
    while (this.memoryInUseMb + mb > this.capacity()) {
      let victim: Entry | undefined;
      let best = Infinity;
      for (const a of this.apps.values()) {
        for (const e of a.idle) {
          if (e.pinned) continue;
          const r = rank(e);
          if (!victim || r < best || (r === best && e.lastUsed < victim.lastUsed)) [victim, best] = [e, r];
        }
      }
      if (!victim) return false;
      victim.app.idle.splice(victim.app.idle.indexOf(victim), 1);
      this.drop(victim);
      policy.onEvict?.(victim.app.key, now);
    }
    return true;
  }

  private async start(app: AppState, target: PoolTarget, pinned = false): Promise<{ entry: Entry; init: InitReport } | SandboxInitError> {
    if (!this.makeRoom(target.memoryMb)) {
      throw throttle(
        'ConcurrentInvocationLimitExceeded',
        `Nimbus has no memory left for another ${target.memoryMb} MB sandbox (${this.memoryInUseMb} of ${this.capacity()} MB in use by busy or provisioned sandboxes).`,
      );
    }
    let spec = target.makeSpec(randomBytes(16).toString('hex'));
    // Lambda tells the function how its environment was started (AWS_LAMBDA_INITIALIZATION_TYPE).
    if (pinned) spec = { ...spec, env: { ...spec.env, AWS_LAMBDA_INITIALIZATION_TYPE: 'provisioned-concurrency' } };
    const sandbox = this.deps.factory.create(spec);
    const release = target.hold?.();
    if (release) sandbox.onDeath(release);
    const entry: Entry = {
      sandbox,
      app,
      generation: target.generation,
      memoryMb: target.memoryMb,
      lastUsed: 0,
      parked: false,
      cancelExpiry: null,
      counted: true,
      pinned,
    };
    this.memoryInUseMb += entry.memoryMb;
    // A sandbox may die on its own while idle (a crash, an OOM kill): forget it then (a
    // provisioned one is replaced by the refill its returned memory triggers).
    sandbox.onDeath(() => {
      const i = app.idle.indexOf(entry);
      if (i >= 0) app.idle.splice(i, 1);
      this.unpark(entry);
      this.uncount(entry);
    });
    app.starting++;
    try {
      const init = await sandbox.start(target.initTimeoutMs);
      app.lastInitMs = init.durationMs;
      return { entry, init };
    } catch (e) {
      this.uncount(entry);
      if (e instanceof SandboxInitError) return e;
      throw e;
    } finally {
      app.starting--;
    }
  }

  private release(app: AppState, entry: Entry): void {
    if (entry.sandbox.state !== 'idle' || entry.generation !== app.generation || this.closed) {
      this.drop(entry);
      return;
    }
    const now = this.deps.clock.now();
    entry.lastUsed = now;
    // The policy still hears of every idle period (it learns the app's pattern from them), but
    // a provisioned sandbox stays whatever it says.
    const d = this.deps.policy.onIdle(app.lastTarget.app, now);
    if (entry.pinned) {
      this.park(app, entry, Infinity);
      return;
    }
    const prewarm = d.prewarmMs;
    let keepMs = d.keepAliveMs;
    if (prewarm !== undefined && prewarm <= keepMs) keepMs = Math.max(keepMs, prewarm + (d.prewarmKeepAliveMs ?? d.keepAliveMs));
    else if (prewarm !== undefined) this.schedulePrewarm(app, prewarm, d.prewarmKeepAliveMs ?? d.keepAliveMs);
    if (keepMs <= 0) {
      this.drop(entry);
      return;
    }
    this.park(app, entry, keepMs);
  }

  /** Puts an idle sandbox on its app's idle stack until `keepMs` runs out. */
  private park(app: AppState, entry: Entry, keepMs: number): void {
    app.idle.push(entry);
    entry.parked = true;
    entry.lastUsed = this.deps.clock.now();
    if (keepMs !== Infinity) entry.cancelExpiry = this.deps.clock.setTimer(keepMs, () => this.expire(app, entry));
  }

  private schedulePrewarm(app: AppState, afterMs: number, keepMs: number): void {
    app.cancelPrewarm?.();
    app.cancelPrewarm = this.deps.clock.setTimer(afterMs, () => {
      app.cancelPrewarm = null;
      if (this.closed || app.idle.length > 0 || this.apps.get(app.key) !== app) return;
      const target = app.lastTarget;
      // A pre-warm is a guess: it never evicts anything to make room.
      if (this.memoryInUseMb + target.memoryMb > this.capacity()) return;
      void this.start(app, target).then(
        (r) => {
          if (r instanceof SandboxInitError) return;
          if (this.closed || target.generation !== app.generation || keepMs <= 0) return this.drop(r.entry);
          r.entry.lastUsed = this.deps.clock.now();
          this.park(app, r.entry, keepMs);
        },
        () => undefined,
      );
    });
  }

  private expire(app: AppState, entry: Entry): void {
    const i = app.idle.indexOf(entry);
    if (i < 0) return;
    app.idle.splice(i, 1);
    this.drop(entry);
  }

  /** Takes an entry off idle duty: stops its keep-alive timer and charges its idle time. */
  private unpark(entry: Entry): void {
    entry.cancelExpiry?.();
    entry.cancelExpiry = null;
    if (!entry.parked) return;
    entry.parked = false;
    const key = entry.app.key;
    this.idleMbMs.set(key, (this.idleMbMs.get(key) ?? 0) + (this.deps.clock.now() - entry.lastUsed) * entry.memoryMb);
  }

  private drop(entry: Entry): void {
    this.unpark(entry);
    this.uncount(entry);
    void entry.sandbox.dispose();
  }

  private uncount(entry: Entry): void {
    if (!entry.counted) return;
    entry.counted = false;
    this.memoryInUseMb -= entry.memoryMb;
    // Memory came back, or a sandbox died: a pin that waited for room, or lost a sandbox, refills.
    if (this.pins.size > 0) this.queueRefill();
  }

  /** Takes the idle sandbox for an invocation: a provisioned one first, else the most recently used. */
  private takeIdle(app: AppState): Entry | undefined {
    if (this.pins.has(app.key)) {
      for (let i = app.idle.length - 1; i >= 0; i--) {
        if (app.idle[i]!.pinned) return app.idle.splice(i, 1)[0];
      }
    }
    return app.idle.pop();
  }

  /** Initialized pinned sandboxes of the app's current generation, idle or busy. */
  private pinnedAlive(app: AppState): number {
    let n = 0;
    for (const e of app.idle) if (e.pinned && e.generation === app.generation) n++;
    for (const e of app.busy) if (e.pinned && e.generation === app.generation && e.sandbox.state !== 'dead') n++;
    return n;
  }

  /** Starts pinned sandboxes until the app's pin is met, as far as memory allows. */
  private fill(key: string): void {
    const pin = this.pins.get(key);
    if (!pin || this.closed || pin.failure !== undefined) return;
    const app = this.appState(pin.target);
    const target = pin.target;
    let deficit = pin.count - this.pinnedAlive(app) - pin.starting;
    for (; deficit > 0; deficit--) {
      // A pin takes memory from idle on-demand sandboxes, never from busy or provisioned ones;
      // when none is left it waits until memory comes back (queueRefill).
      if (!this.makeRoom(target.memoryMb)) return;
      pin.starting++;
      void this.start(app, target, true).then(
        (r) => {
          pin.starting--;
          if (r instanceof SandboxInitError) {
            if (this.pins.get(key) === pin) pin.failure = PROVISIONED_INIT_FAILURE;
            return;
          }
          const wanted = this.pins.get(key) === pin && !this.closed && r.entry.generation === app.generation && this.apps.get(key) === app;
          if (!wanted || this.pinnedAlive(app) >= pin.count) return this.drop(r.entry);
          this.park(app, r.entry, Infinity);
        },
        () => {
          pin.starting--;
        },
      );
    }
  }

  /** Refills every pin on a later tick (not inside whatever freed the memory or killed a sandbox). */
  private queueRefill(): void {
    if (this.refillQueued || this.closed) return;
    this.refillQueued = true;
    queueMicrotask(() => {
      this.refillQueued = false;
      for (const key of this.pins.keys()) this.fill(key);
    });
  }

  /** Removes an app's pin: its idle provisioned sandboxes go, busy ones finish as on-demand ones. */
  private unpin(key: string): void {
    if (!this.pins.delete(key)) return;
    const app = this.apps.get(key);
    if (!app) return;
    for (const e of app.busy) e.pinned = false;
    for (const e of app.idle.filter((x) => x.pinned)) this.expire(app, e);
  }

  /** Drops idle provisioned sandboxes beyond `count` (a pin was lowered); busy ones are unpinned. */
  private shed(app: AppState, count: number): void {
    let excess = this.pinnedAlive(app) - count;
    for (const e of app.idle.filter((x) => x.pinned)) {
      if (excess <= 0) return;
      this.expire(app, e);
      excess--;
    }
    for (const e of app.busy) {
      if (excess <= 0) return;
      if (!e.pinned) continue;
      e.pinned = false;
      excess--;
    }
  }
}

/** The report of an invocation that never ran because init failed. */
function initFailureReport(e: SandboxInitError): InvocationReport {
  return { result: e.result, durationMs: e.initDurationMs, logs: e.logs, maxMemoryBytes: 0 };
}
