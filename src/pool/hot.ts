/**
 * The pool's side of hand-off to hot sandboxes (the policy is handoff.ts, the queue waiters.ts):
 * which calls wait, the hand-off of a finishing sandbox to the oldest waiter, and the spills.
 * The pool runs sandboxes through the small `HotHost` it hands in, as it does for pins.ts.
 */
import { NimbusError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { KeepAlivePolicy } from '../policy/types.js';
import type { InvocationEvent, InvocationReport } from '../sandbox/types.js';
import { FunctionDurations, type HandoffSettings } from './handoff.js';
import type { AppState, Entry, HandoffStats, HotState, PoolOutcome, PoolTarget, Waiter } from './types.js';
import { Waiters } from './waiters.js';

/** What hand-off needs from the pool. */
export interface HotHost {
  readonly closed: boolean;
  readonly clock: Clock;
  readonly policy: KeepAlivePolicy;
  /** Runs the event on a warm `entry` whose `inFlight` already counts it. */
  warmRun(app: AppState, target: PoolTarget, entry: Entry, makeEvent: () => InvocationEvent): Promise<PoolOutcome>;
  /** Runs the call as the pool does without hand-off: an idle sandbox, else a new one. */
  runNow(app: AppState, target: PoolTarget, makeEvent: () => InvocationEvent): Promise<PoolOutcome>;
}

const closedError = (): NimbusError => new NimbusError('ERR_POOL_CLOSED', 'Nimbus is shutting down.');

export class HotHandoff {
  private readonly counts: HandoffStats = { waiting: 0, handedOff: 0, spilled: 0 };

  constructor(
    private readonly s: HandoffSettings,
    private readonly host: HotHost,
  ) {}

  stats(): HandoffStats {
    return { ...this.counts };
  }

  /** The server loop's idle time now (ms), taken as an invocation is sent (see `record`). */
  idleNow(): number {
    return this.s.idleTime();
  }

  /** Counts a finished invocation of a one-at-a-time app; `idle0` is `idleNow()` from when it was sent. */
  record(app: AppState, report: InvocationReport, idle0: number): void {
    this.of(app).durations.add(report.durationMs, this.s.idleTime() - idle0, app.busy.size);
  }

  /** Queues the call when it should wait for one of the app's busy sandboxes; undefined when it runs now. */
  tryWait(app: AppState, target: PoolTarget, makeEvent: () => InvocationEvent): Promise<PoolOutcome> | undefined {
    // The common cases first, without counting: fewer sandboxes busy than waiting needs.
    if (app.busy.size < this.s.minBusy) return undefined;
    const hot = this.of(app);
    if (!hot.durations.shouldWait(hot.waiters.length, busyNow(app))) return undefined;
    this.counts.waiting++;
    return new Promise<PoolOutcome>((resolve, reject) => {
      hot.waiters.add({ target, makeEvent, deadline: this.host.clock.now() + hot.durations.bound(), resolve, reject });
    });
  }

  /** Gives `entry`, which just finished, to the app's oldest waiter; false when there is none or it cannot take one. */
  handOff(app: AppState, entry: Entry): boolean {
    const hot = app.hot;
    if (!hot || hot.waiters.length === 0) return false;
    if (this.host.closed || entry.sandbox.state !== 'idle' || entry.generation !== app.generation || entry.limit !== 1) return false;
    const w = hot.waiters.take()!;
    this.counts.waiting--;
    this.counts.handedOff++;
    hot.durations.waited(false);
    entry.inFlight++;
    this.host.policy.onInvocation(w.target.app, this.host.clock.now(), { coldStart: false, memoryMb: w.target.memoryMb, durationMs: 0 });
    this.host.warmRun(app, w.target, entry, w.makeEvent).then(w.resolve, w.reject);
    return true;
  }

  /** After a sandbox of the app went idle or away: with no busy sandbox left to wait for, its waiters run now. */
  afterRelease(app: AppState): void {
    if (app.hot && app.hot.waiters.length > 0 && busyNow(app) === 0) this.spillAll(app);
  }

  /** Every waiter of the app runs now (its sandboxes died, or its code or configuration changed). */
  spillAll(app: AppState): void {
    if (!app.hot || app.hot.waiters.length === 0) return;
    for (const w of app.hot.waiters.drain()) {
      this.counts.spilled++;
      this.spill(app, w);
    }
  }

  /** The app moves to a new generation: its waiters start on theirs, and its durations are learnt afresh. */
  newGeneration(app: AppState): void {
    this.spillAll(app);
    app.hot?.waiters.stop();
    delete app.hot;
  }

  /** The pool closes: waiters are refused as new calls are. */
  close(app: AppState): void {
    if (!app.hot) return;
    app.hot.waiters.stop();
    for (const w of app.hot.waiters.drain()) {
      this.counts.waiting--;
      w.reject(closedError());
    }
  }

  /** The app's hand-off state, made on first use. */
  private of(app: AppState): HotState {
    if (!app.hot) {
      app.hot = {
        durations: new FunctionDurations(this.s),
        waiters: new Waiters<Waiter>(this.host.clock, (w) => {
          this.counts.spilled++;
          this.spill(app, w);
        }),
      };
    }
    return app.hot;
  }

  /** A waiter whose bound ran out (or whose sandboxes went away) runs as it would have without hand-off. */
  private spill(app: AppState, w: Waiter): void {
    this.counts.waiting--;
    app.hot?.durations.waited(true);
    if (this.host.closed) {
      w.reject(closedError());
      return;
    }
    this.host.runNow(app, w.target, w.makeEvent).then(w.resolve, w.reject);
  }
}

/** Sandboxes of the app's current generation running an invocation now (the ones a waiter may get). */
function busyNow(app: AppState): number {
  let n = 0;
  for (const e of app.busy) if (e.generation === app.generation && e.sandbox.state !== 'dead') n++;
  return n;
}
