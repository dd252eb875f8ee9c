/** The pool's vocabulary: what callers pass and get back, and the state its files share. */
import type { InitReport, InvocationEvent, InvocationReport, Sandbox, SandboxFactory, SandboxInitError, SandboxSpec } from '../sandbox/types.js';
import type { Clock } from '../core/clock.js';
import type { KeepAlivePolicy } from '../policy/types.js';
import type { FunctionDurations, HandoffSettings } from './handoff.js';
import type { Waiters } from './waiters.js';

/** What the pool needs to know to run an invocation of one function version. */
export interface PoolTarget {
  /** The policy's key: one function version, for example `000000000000/us-east-1/hello/$LATEST`. */
  app: string;
  /** Sandboxes of other generations of the app are never reused (they run other code or settings). */
  generation: string;
  memoryMb: number;
  initTimeoutMs: number;
  /**
   * How many invocations one sandbox runs at once (PerExecutionEnvironmentMaxConcurrency,
   * docs/multi-concurrency.md); absent or 1: one at a time.
   */
  maxConcurrency?: number;
  /** Builds the spec of a new sandbox with the given id (called on cold starts only). */
  makeSpec: (id: string) => SandboxSpec;
  /**
   * Awaited before a new sandbox is made, outside its init time: the runtime's SDK still being
   * installed when the target was built (a first start of Nimbus, runtimes/sdk-install.ts).
   */
  beforeStart?: () => Promise<void>;
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

/** What a pin holds now, for GetProvisionedConcurrencyConfig. */
export interface ProvisionedState {
  /** Initialized pinned sandboxes of the pin's generation, idle or busy. */
  allocated: number;
  /** Set when filling stopped because a pinned sandbox failed to initialise. */
  failure: string | undefined;
}

/** The status reason AWS reports when a provisioned environment fails its init phase. */
export const PROVISIONED_INIT_FAILURE = 'FUNCTION_ERROR_INIT_FAILURE';

export interface PoolDeps {
  factory: SandboxFactory;
  policy: KeepAlivePolicy;
  clock: Clock;
  /** The node's memory for sandboxes, in MB (sum of MemorySize); default unlimited. */
  capacityMb?: number;
  /** Hand-off to hot sandboxes (handoff.ts) with these settings; absent: off. */
  handoff?: HandoffSettings;
}

/** Hand-off's counts, for metrics. */
export interface HandoffStats {
  /** Invocations waiting for a busy sandbox now. */
  waiting: number;
  /** Invocations a finishing sandbox took over, so far. */
  handedOff: number;
  /** Waiters that ran on an idle or new sandbox instead (their bound ran out, or their sandboxes went away), so far. */
  spilled: number;
}

/** An invocation waiting for a busy sandbox of its app (hand-off). */
export interface Waiter {
  target: PoolTarget;
  makeEvent: () => InvocationEvent;
  /** Clock ms after which it spills. */
  deadline: number;
  resolve: (o: PoolOutcome) => void;
  reject: (e: unknown) => void;
}

/** An app's hand-off state. */
export interface HotState {
  durations: FunctionDurations;
  waiters: Waiters<Waiter>;
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

/** One live sandbox as the pool tracks it. */
export interface Entry {
  sandbox: Sandbox;
  app: AppState;
  generation: string;
  memoryMb: number;
  /** When it last became idle (clock ms), for least-recently-used eviction and idle accounting. */
  lastUsed: number;
  /** Whether it sits on the idle stack now (idle time is charged when it leaves). */
  parked: boolean;
  /**
   * Cancels the keep-alive timer. The timer is not moved on every invocation: it stays armed
   * while the sandbox is busy and, when it fires, expires the sandbox only if it is still idle
   * past `expiresAt` (else it re-arms for what is left, or waits for the next park).
   */
  cancelExpiry: (() => void) | null;
  /** When its keep-alive ends (clock ms); Infinity: never (a provisioned sandbox). */
  expiresAt: number;
  /** When the armed keep-alive timer fires (clock ms). */
  expiryTimerAt: number;
  /** Whether its memory is still counted against the capacity. */
  counted: boolean;
  /** Whether it is one of its app's provisioned sandboxes (no expiry, no eviction). */
  pinned: boolean;
  /** Invocations running on it or waiting for its init (a multi-concurrent sandbox runs several). */
  inFlight: number;
  /** How many invocations it may run at once. */
  limit: number;
  /** While it starts: resolves with its init error, or null once it is ready (joiners wait on it). */
  started: Promise<SandboxInitError | null> | null;
}

/** One app (function version): its sandboxes by state. */
export interface AppState {
  key: string;
  generation: string;
  idle: Entry[];
  busy: Set<Entry>;
  starting: number;
  /** Multi-concurrent sandboxes still starting, which invocations may join (docs/multi-concurrency.md). */
  warming: Set<Entry>;
  lastTarget: PoolTarget;
  cancelPrewarm: (() => void) | null;
  /** The latest measured Init Duration, for cost-aware policies. */
  lastInitMs: number | undefined;
  /** Hand-off's state, for one-at-a-time apps when hand-off is on. */
  hot?: HotState;
}
