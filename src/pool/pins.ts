/**
 * Provisioned concurrency: a pin keeps a minimum number of initialized sandboxes of one app. They
 * start at once (counted against the memory budget), never expire and are never evicted, take
 * invocations before on-demand sandboxes do, and are replaced when they die. A pin whose init
 * fails stops there and reports the failure (AWS: Status FAILED, FUNCTION_ERROR_INIT_FAILURE).
 *
 * The pins own only their bookkeeping; sandboxes are started, parked and dropped by the pool,
 * through the small `PinHost` it hands in.
 */
import { SandboxInitError, type InitReport } from '../sandbox/types.js';
import { PROVISIONED_INIT_FAILURE, type AppState, type Entry, type PoolTarget, type ProvisionedState } from './types.js';

/** What the pins need from the pool. */
export interface PinHost {
  readonly closed: boolean;
  appState(target: PoolTarget): AppState;
  app(key: string): AppState | undefined;
  /** Evicts idle on-demand sandboxes until `mb` fits; false when it cannot. */
  makeRoom(mb: number): boolean;
  start(app: AppState, target: PoolTarget, pinned: boolean): Promise<{ entry: Entry; init: InitReport } | SandboxInitError>;
  park(app: AppState, entry: Entry, keepMs: number): void;
  expire(app: AppState, entry: Entry): void;
  drop(entry: Entry): void;
}

interface Pin {
  target: PoolTarget;
  count: number;
  /** Pinned sandboxes in their init phase. */
  starting: number;
  /** Set when a pinned sandbox failed to initialise: the pin stops filling until it is set again. */
  failure: string | undefined;
}

/** Initialized pinned sandboxes of the app's current generation, idle or busy. */
export function pinnedAlive(app: AppState): number {
  let n = 0;
  for (const e of app.idle) if (e.pinned && e.generation === app.generation) n++;
  for (const e of app.busy) if (e.pinned && e.generation === app.generation && e.sandbox.state !== 'dead') n++;
  return n;
}

export class Pins {
  private readonly pins = new Map<string, Pin>();
  private refillQueued = false;

  constructor(private readonly host: PinHost) {}

  has(app: string): boolean {
    return this.pins.has(app);
  }

  get size(): number {
    return this.pins.size;
  }

  clear(): void {
    this.pins.clear();
  }

  /** Sets an app's pin to `count` (0 removes it); see Pool.provision. */
  set(target: PoolTarget, count: number): void {
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
    this.shed(this.host.appState(target), count);
    this.fill(target.app);
  }

  /** What the pin of `app` holds now; undefined when the app has no pin. */
  state(app: string): ProvisionedState | undefined {
    const pin = this.pins.get(app);
    if (!pin) return undefined;
    const a = this.host.app(app);
    return { allocated: a ? Math.min(pin.count, pinnedAlive(a)) : 0, failure: pin.failure };
  }

  /** Refills every pin on a later tick (not inside whatever freed the memory or killed a sandbox). */
  queueRefill(): void {
    if (this.refillQueued || this.host.closed) return;
    this.refillQueued = true;
    queueMicrotask(() => {
      this.refillQueued = false;
      for (const key of this.pins.keys()) this.fill(key);
    });
  }

  /** Starts pinned sandboxes until the app's pin is met, as far as memory allows. */
  private fill(key: string): void {
    const { host } = this;
    const pin = this.pins.get(key);
    if (!pin || host.closed || pin.failure !== undefined) return;
    const app = host.appState(pin.target);
    const target = pin.target;
    let deficit = pin.count - pinnedAlive(app) - pin.starting;
    for (; deficit > 0; deficit--) {
      // A pin takes memory from idle on-demand sandboxes, never from busy or provisioned ones;
      // when none is left it waits until memory comes back (queueRefill).
      if (!host.makeRoom(target.memoryMb)) return;
      pin.starting++;
      void host.start(app, target, true).then(
        (r) => {
          pin.starting--;
          if (r instanceof SandboxInitError) {
            if (this.pins.get(key) === pin) pin.failure = PROVISIONED_INIT_FAILURE;
            return;
          }
          const wanted = this.pins.get(key) === pin && !host.closed && r.entry.generation === app.generation && host.app(key) === app;
          if (!wanted || pinnedAlive(app) >= pin.count) return host.drop(r.entry);
          host.park(app, r.entry, Infinity);
        },
        () => {
          pin.starting--;
        },
      );
    }
  }

  /** Removes an app's pin: its idle provisioned sandboxes go, busy ones finish as on-demand ones. */
  private unpin(key: string): void {
    if (!this.pins.delete(key)) return;
    const app = this.host.app(key);
    if (!app) return;
    for (const e of app.busy) e.pinned = false;
    for (const e of app.idle.filter((x) => x.pinned)) this.host.expire(app, e);
  }

  /** Drops idle provisioned sandboxes beyond `count` (a pin was lowered); busy ones are unpinned. */
  private shed(app: AppState, count: number): void {
    let excess = pinnedAlive(app) - count;
    for (const e of app.idle.filter((x) => x.pinned)) {
      if (excess <= 0) return;
      this.host.expire(app, e);
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
