/**
 * The warm pool: sandboxes per function version ("app"), one invocation per sandbox at a time
 * unless the function opts in to more (PerExecutionEnvironmentMaxConcurrency; shared.ts picks
 * the least-loaded sandbox below its limit, and a burst joins a sandbox still starting).
 * An invocation takes the most recently used idle sandbox of its app (so the others age out),
 * or starts a new one (a cold start). When a sandbox becomes idle the keep-alive policy says
 * how long it stays and whether to pre-warm a fresh one later (policy/plan.ts reads the decision,
 * for the simulator too). Sandboxes are reused only within one generation of an app (its code
 * and configuration revision): new code, new processes.
 *
 * Beside this file: the memory budget and eviction (budget.ts), provisioned concurrency's pins
 * (pins.ts), idle accounting (idle-meter.ts), hand-off to hot sandboxes (hot.ts, handoff.ts,
 * waiters.ts). Unlike undici's pool there is no queue of calls waiting for room: a cold start
 * that does not fit is refused with a 429 at once, as Lambda does (hand-off's waiters wait a few
 * ms for a busy sandbox of their own function, never for memory). `close()`
 * kills every sandbox; draining in-flight calls is the HTTP server's and the dispatcher's job.
 *
 * With hand-off on (`PoolDeps.handoff`, handoff.ts), an invocation of a one-at-a-time function
 * whose calls are short may wait a bounded moment for one of its busy sandboxes instead of
 * waking an idle one or starting a new one; a waiter holds its concurrency unit (the invoker
 * took it before calling the pool) exactly as a running invocation does.
 *
 * The pool never reads the wall clock for decisions: time and timers come from the injected clock.
 */
import { randomBytes } from 'node:crypto';
import { NimbusError, throttle } from '../core/errors.js';
import { planIdle } from '../policy/plan.js';
import { SandboxInitError, type InitReport, type InvocationEvent, type InvocationReport } from '../sandbox/types.js';
import { evictionVictim, MemoryBudget } from './budget.js';
import { HotHandoff } from './hot.js';
import { IdleMeter } from './idle-meter.js';
import { pinnedAlive, Pins } from './pins.js';
import { leastLoaded } from './shared.js';
import { StartTimes } from './start-times.js';
import type { AppState, Entry, HandoffStats, PoolDeps, PoolOutcome, PoolStats, PoolTarget, ProvisionedState } from './types.js';

export class Pool {
  private readonly apps = new Map<string, AppState>();
  private closed = false;
  private readonly budget: MemoryBudget;
  private readonly meter = new IdleMeter();
  private readonly pins: Pins;
  /** Each app's recent sandbox start times (clock ms), for starting a pre-warm early enough. */
  private readonly startTimes = new WeakMap<AppState, StartTimes>();
  /** Hand-off to hot sandboxes (hot.ts); null: off. */
  private readonly hot: HotHandoff | null;

  constructor(private readonly deps: PoolDeps) {
    this.budget = new MemoryBudget(deps.capacityMb);
    const pool = this;
    this.hot = deps.handoff
      ? new HotHandoff(deps.handoff, {
          get closed() {
            return pool.closed;
          },
          clock: deps.clock,
          policy: deps.policy,
          warmRun: (app, target, entry, makeEvent) => this.warmRun(app, target, entry, makeEvent),
          runNow: (app, target, makeEvent) => this.runNow(app, target, makeEvent),
        })
      : null;
    this.pins = new Pins({
      get closed() {
        return pool.closed;
      },
      appState: (t) => this.appState(t),
      app: (key) => this.apps.get(key),
      makeRoom: (mb) => this.makeRoom(mb),
      start: (app, t, pinned) => this.start(app, t, pinned),
      park: (app, e, keepMs) => this.park(app, e, keepMs),
      expire: (app, e) => this.expire(app, e),
      drop: (e) => this.drop(e),
    });
  }

  async invoke(target: PoolTarget, makeEvent: () => InvocationEvent): Promise<PoolOutcome> {
    if (this.closed) throw new NimbusError('ERR_POOL_CLOSED', 'Nimbus is shutting down.');
    const app = this.appState(target);
    app.cancelPrewarm?.();
    app.cancelPrewarm = null;
    if ((target.maxConcurrency ?? 1) > 1) {
      const shared = leastLoaded(app);
      if (shared) return this.runShared(app, target, shared, makeEvent);
    } else if (this.hot) {
      const waiting = this.hot.tryWait(app, target, makeEvent);
      if (waiting) return waiting;
    }
    return this.runNow(app, target, makeEvent);
  }

  /** Runs an invocation of a one-at-a-time function now: on an idle sandbox, else a new one. */
  private async runNow(app: AppState, target: PoolTarget, makeEvent: () => InvocationEvent): Promise<PoolOutcome> {
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
    entry.inFlight++;
    return this.warmRun(app, target, entry, makeEvent);
  }

  /** Runs the event on a warm `entry` (its `inFlight` already counts it). */
  private async warmRun(app: AppState, target: PoolTarget, entry: Entry, makeEvent: () => InvocationEvent): Promise<PoolOutcome> {
    const report = await this.run(app, entry, makeEvent);
    if (report.result.kind === 'exit' && report.result.beforeDelivery) {
      // The runtime exited after its previous answer, before it asked for this event (a crash
      // on the way out, or a custom runtime that serves one event per process): the event never
      // ran, so it runs on a fresh sandbox. Its last output goes in front of the new init's.
      return this.coldRun(app, target, makeEvent, report.logs);
    }
    return { report, coldStart: false };
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
      // Its waiters start now, on the code they were accepted for, as they would have without
      // hand-off: none is left to run old code after the change returns.
      this.hot?.spillAll(app);
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
      if (this.pins.has(a.key)) provisioned += pinnedAlive(a);
    }
    return { apps: this.apps.size, idle, busy, starting, memoryInUseMb: this.budget.inUseMb, capacityMb: this.budget.capacityMb, provisioned };
  }

  /**
   * Provisioned concurrency: keeps `count` initialized sandboxes of `target.app` from now on
   * (0 removes the pin). Sandboxes start in the background; `provisioned()` tells how far they
   * got. A pin set again with a new generation re-creates its sandboxes, and setting a pin
   * clears an earlier init failure (a fresh attempt, as a new Put does on AWS).
   */
  provision(target: PoolTarget, count: number): void {
    if (this.closed) return;
    this.pins.set(target, count);
  }

  /** What the pin of `app` holds now; undefined when the app has no pin. */
  provisioned(app: string): ProvisionedState | undefined {
    return this.pins.state(app);
  }

  /** Hand-off's counts (invocations waiting now, handed off, spilled so far), for metrics. */
  handoffStats(): HandoffStats {
    return this.hot?.stats() ?? { waiting: 0, handedOff: 0, spilled: 0 };
  }

  /** Idle memory per app so far, in GB-seconds, counting sandboxes idle right now up to `now`. */
  idleGbSeconds(): Map<string, number> {
    return this.meter.gbSeconds(this.apps.values(), this.deps.clock.now());
  }

  /** Kills every sandbox, idle or busy (busy invocations end with an `exit` result). */
  async close(): Promise<void> {
    this.closed = true;
    const all: Promise<void>[] = [];
    this.pins.clear();
    for (const app of this.apps.values()) {
      app.cancelPrewarm?.();
      this.hot?.close(app);
      for (const e of [...app.idle, ...app.busy]) {
        e.cancelExpiry?.();
        all.push(e.sandbox.dispose());
      }
    }
    await Promise.all(all);
  }

  /**
   * Runs an invocation on a multi-concurrent sandbox that already runs others, or is still
   * starting (then it waits for its init, whose duration is the first invocation's to report).
   */
  private async runShared(app: AppState, target: PoolTarget, entry: Entry, makeEvent: () => InvocationEvent): Promise<PoolOutcome> {
    if (entry.parked) app.idle.splice(app.idle.indexOf(entry), 1);
    this.unpark(entry);
    entry.inFlight++;
    this.deps.policy.onInvocation(target.app, this.deps.clock.now(), { coldStart: false, memoryMb: target.memoryMb, durationMs: 0 });
    if (entry.started) {
      const failed = await entry.started;
      if (failed) {
        entry.inFlight--;
        return { coldStart: true, initError: failed, report: initFailureReport(failed) };
      }
      if (entry.sandbox.state === 'dead') {
        // It died right after its init: this invocation never reached it.
        entry.inFlight--;
        return this.coldRun(app, target, makeEvent);
      }
    }
    const report = await this.run(app, entry, makeEvent);
    if (report.result.kind === 'exit' && report.result.beforeDelivery) return this.coldRun(app, target, makeEvent, report.logs);
    return { report, coldStart: false };
  }

  /** Starts a sandbox and runs the event on it; `logsBefore` goes in front of its init output. */
  private async coldRun(app: AppState, target: PoolTarget, makeEvent: () => InvocationEvent, logsBefore = ''): Promise<PoolOutcome> {
    const started = await this.start(app, target, false, true);
    if (started instanceof SandboxInitError) return { coldStart: true, initError: started, report: initFailureReport(started) };
    const report = await this.run(app, started.entry, makeEvent);
    return { report, coldStart: true, init: logsBefore ? { ...started.init, logs: logsBefore + started.init.logs } : started.init };
  }

  /** Runs the event on `entry`, whose `inFlight` the caller already counted it in. */
  private async run(app: AppState, entry: Entry, makeEvent: () => InvocationEvent): Promise<InvocationReport> {
    app.busy.add(entry);
    let report: InvocationReport | undefined;
    const hot = entry.limit === 1 ? this.hot : null;
    const idle0 = hot ? hot.idleNow() : 0;
    try {
      report = await entry.sandbox.invoke(makeEvent());
      hot?.record(app, report, idle0);
      return report;
    } finally {
      const done = (): void => {
        // A sandbox is idle (kept alive, charged as idle) only once nothing runs on it.
        if (--entry.inFlight > 0) return;
        // A waiting invocation of the same function takes it over in this same turn.
        if (hot?.handOff(app, entry)) return;
        app.busy.delete(entry);
        this.release(app, entry);
        hot?.afterRelease(app);
      };
      // With extensions the result goes out now, but the sandbox is busy until they are done.
      if (report?.after) void report.after.then(done, done);
      else done();
    }
  }

  private appState(target: PoolTarget): AppState {
    let app = this.apps.get(target.app);
    if (!app) {
      app = { key: target.app, generation: target.generation, idle: [], busy: new Set(), starting: 0, warming: new Set(), lastTarget: target, cancelPrewarm: null, lastInitMs: undefined };
      this.apps.set(target.app, app);
    }
    if (app.generation !== target.generation) {
      // Waiters of the generation going away start now, on the code they were accepted for;
      // the new code's durations are learnt afresh.
      this.hot?.newGeneration(app);
      app.generation = target.generation;
      for (const e of app.idle.splice(0)) this.drop(e);
    }
    app.lastTarget = target;
    return app;
  }

  /** Makes room for `mb` by evicting idle sandboxes (budget.ts says which); false if it cannot. */
  private makeRoom(mb: number): boolean {
    const { policy, clock } = this.deps;
    const now = clock.now();
    while (!this.budget.fits(mb)) {
      const victim = evictionVictim(this.apps.values(), policy, now);
      if (!victim) return false;
      victim.app.idle.splice(victim.app.idle.indexOf(victim), 1);
      this.drop(victim);
      policy.onEvict?.(victim.app.key, now);
    }
    return true;
  }

  /** `reserve`: the sandbox starts for an invocation, which it counts in at once (joiners of a multi-concurrent one see it). */
  private async start(app: AppState, target: PoolTarget, pinned = false, reserve = false): Promise<{ entry: Entry; init: InitReport } | SandboxInitError> {
    if (target.beforeStart) await target.beforeStart();
    if (!this.makeRoom(target.memoryMb)) {
      throw throttle(
        'ConcurrentInvocationLimitExceeded',
        `Nimbus has no memory left for another ${target.memoryMb} MB sandbox (${this.budget.inUseMb} of ${this.budget.capacityMb} MB in use by busy or provisioned sandboxes).`,
      );
    }
    let spec = target.makeSpec(randomBytes(16).toString('hex'));
    // Lambda tells the function how its environment was started (AWS_LAMBDA_INITIALIZATION_TYPE).
    if (pinned) spec = { ...spec, env: { ...spec.env, AWS_LAMBDA_INITIALIZATION_TYPE: 'provisioned-concurrency' } };
    const sandbox = this.deps.factory.create(spec);
    const release = target.hold?.();
    if (release) sandbox.onDeath(release);
    const limit = Math.max(1, target.maxConcurrency ?? 1);
    const entry: Entry = { sandbox, app, generation: target.generation, memoryMb: target.memoryMb, lastUsed: 0, parked: false, cancelExpiry: null, expiresAt: Infinity, expiryTimerAt: 0, counted: true, pinned, inFlight: reserve ? 1 : 0, limit, started: null };
    let startedNow: (r: SandboxInitError | null) => void = () => undefined;
    // Invocations may join a multi-concurrent sandbox starting for one (not a pre-warm or a pin, parked once started).
    if (limit > 1 && reserve) {
      entry.started = new Promise((r) => (startedNow = r));
      app.warming.add(entry);
    }
    this.budget.take(entry.memoryMb);
    // A sandbox may die on its own while idle (a crash, an OOM kill): forget it then (a
    // provisioned one is replaced by the refill its returned memory triggers).
    sandbox.onDeath(() => {
      const i = app.idle.indexOf(entry);
      if (i >= 0) app.idle.splice(i, 1);
      entry.cancelExpiry?.();
      entry.cancelExpiry = null;
      this.unpark(entry);
      this.uncount(entry);
    });
    app.starting++;
    const t0 = this.deps.clock.now();
    try {
      const init = await sandbox.start(target.initTimeoutMs);
      app.lastInitMs = init.durationMs;
      this.startTimesOf(app).add(this.deps.clock.now() - t0);
      startedNow(null);
      return { entry, init };
    } catch (e) {
      this.uncount(entry);
      const failure = e instanceof SandboxInitError ? e : new SandboxInitError({ kind: 'exit', reason: 'the sandbox could not start' }, '', 0);
      startedNow(failure);
      if (e instanceof SandboxInitError) return e;
      throw e;
    } finally {
      app.starting--;
      app.warming.delete(entry);
      entry.started = null;
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
    const plan = planIdle(this.deps.policy.onIdle(app.lastTarget.app, now));
    if (entry.pinned) {
      this.park(app, entry, Infinity);
      return;
    }
    if (plan.prewarm) this.schedulePrewarm(app, plan.prewarm.afterMs, plan.prewarm.keepMs);
    if (plan.keepMs <= 0) {
      this.drop(entry);
      return;
    }
    this.park(app, entry, plan.keepMs);
  }

  /** Puts an idle sandbox on its app's idle stack until `keepMs` runs out. */
  private park(app: AppState, entry: Entry, keepMs: number): void {
    app.idle.push(entry);
    entry.parked = true;
    const now = this.deps.clock.now();
    entry.lastUsed = now;
    entry.expiresAt = now + keepMs;
    if (keepMs === Infinity) return;
    // A warm sandbox parks after every invocation: its timer is moved only when the new end is
    // earlier than the one it is armed for; a later end is re-armed when the timer fires. A timer
    // set and cleared per invocation cost a Timeout, a closure and two timer-list updates each.
    if (entry.cancelExpiry === null || entry.expiryTimerAt > entry.expiresAt) this.armExpiry(app, entry, keepMs);
  }

  private armExpiry(app: AppState, entry: Entry, ms: number): void {
    entry.cancelExpiry?.();
    entry.expiryTimerAt = this.deps.clock.now() + ms;
    entry.cancelExpiry = this.deps.clock.setTimer(ms, () => {
      entry.cancelExpiry = null;
      // Busy now: its next park arms the timer again.
      if (!entry.parked) return;
      const left = entry.expiresAt - this.deps.clock.now();
      if (left <= 0) this.expire(app, entry);
      else if (left !== Infinity) this.armExpiry(app, entry, left);
    });
  }

  /**
   * Pre-warms `app` so that a fresh sandbox is ready `afterMs` from now and stays until `keepMs`
   * after that. The policy (and the simulator) mean "ready then", so the start begins early by
   * a generous estimate of the app's start time (start-times.ts): a pre-warm started on time
   * would serve only after its init, and a call landing in that init would be a cold start.
   * When the start takes longer than the wait, it begins at once. However long the start
   * really took, the sandbox stays until the planned end (`afterMs + keepMs` from now).
   */
  private schedulePrewarm(app: AppState, afterMs: number, keepMs: number): void {
    app.cancelPrewarm?.();
    const until = this.deps.clock.now() + afterMs + keepMs;
    const lead = this.startTimesOf(app).lead() ?? 0;
    app.cancelPrewarm = this.deps.clock.setTimer(Math.max(0, afterMs - lead), () => {
      app.cancelPrewarm = null;
      if (this.closed || app.idle.length > 0 || this.apps.get(app.key) !== app) return;
      const target = app.lastTarget;
      // A pre-warm is a guess: it never evicts anything to make room.
      if (!this.budget.fits(target.memoryMb)) return;
      void this.start(app, target).then(
        (r) => {
          if (r instanceof SandboxInitError) return;
          const now = this.deps.clock.now();
          if (this.closed || target.generation !== app.generation || now >= until) return this.drop(r.entry);
          r.entry.lastUsed = now;
          this.park(app, r.entry, until - now);
        },
        () => undefined,
      );
    });
  }

  private startTimesOf(app: AppState): StartTimes {
    let s = this.startTimes.get(app);
    if (!s) {
      s = new StartTimes();
      this.startTimes.set(app, s);
    }
    return s;
  }

  private expire(app: AppState, entry: Entry): void {
    const i = app.idle.indexOf(entry);
    if (i < 0) return;
    app.idle.splice(i, 1);
    this.drop(entry);
  }

  /** Takes an entry off idle duty: stops its keep-alive timer and charges its idle time. */
  private unpark(entry: Entry): void {
    // The keep-alive timer stays armed (see park); it does nothing while the sandbox is busy.
    if (!entry.parked) return;
    entry.parked = false;
    this.meter.charge(entry, this.deps.clock.now());
  }

  private drop(entry: Entry): void {
    entry.cancelExpiry?.();
    entry.cancelExpiry = null;
    this.unpark(entry);
    this.uncount(entry);
    void entry.sandbox.dispose();
  }

  private uncount(entry: Entry): void {
    if (!entry.counted) return;
    entry.counted = false;
    this.budget.give(entry.memoryMb);
    // Memory came back, or a sandbox died: a pin that waited for room, or lost a sandbox, refills.
    if (this.pins.size > 0) this.pins.queueRefill();
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
}

/** The report of an invocation that never ran because init failed. */
function initFailureReport(e: SandboxInitError): InvocationReport {
  return { result: e.result, durationMs: e.initDurationMs, logs: e.logs, maxMemoryBytes: 0 };
}
