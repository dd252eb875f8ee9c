/**
 * The keep-alive / pre-warm policy contract, shared by the live pool (src/pool) and the
 * trace simulator (src/sim). A policy is pure decision logic: it never reads the wall clock
 * (every call carries `now`, in milliseconds), never does I/O, and draws randomness only from
 * a seed it was constructed with, so the same trace always yields the same decisions.
 *
 * An "app" is what the pool keeps warm: one function version (the pool passes a stable key
 * such as `000000000000/us-east-1/hello/$LATEST`).
 *
 * Call order the pool and the simulator both follow, per app:
 *   onInvocation (arrival) ... onIdle (the sandbox has nothing left to run) ... onInvocation ...
 * Several onInvocation calls may come before one onIdle when invocations overlap.
 *
 * Optional members (added for the simulator's fixed-capacity regime and for reporting) may be
 * left out: a fixed keep-alive policy needs only the required five.
 */

/** What the pool should do with a sandbox of `app` that has just become idle. */
export interface IdleDecision {
  /**
   * How long the idle sandbox stays warm (ms) before it is reclaimed. 0 unloads at once;
   * `Infinity` never unloads.
   */
  keepAliveMs: number;
  /**
   * When set, the pool unloads the sandbox (if `keepAliveMs` is 0) or lets it expire, and
   * starts a fresh one this many ms after the idle period began (a pre-warm), which then
   * stays warm for `prewarmKeepAliveMs` (default: `keepAliveMs` again). An invocation that
   * arrives first cancels the pre-warm. If `prewarmMs <= keepAliveMs` the sandbox is simply
   * kept until the later of the two deadlines.
   */
  prewarmMs?: number;
  /**
   * How long a pre-warmed sandbox stays warm once started (ms). Lets a policy ask for the
   * warm interval `[prewarmMs, prewarmMs + prewarmKeepAliveMs]` while unloading at once
   * (`keepAliveMs: 0`), which is the hybrid-histogram policy's shape.
   */
  prewarmKeepAliveMs?: number;
}

/** Facts about one invocation, as the pool or the simulator saw it. */
export interface InvocationFacts {
  /** True when no warm sandbox was available and one had to start. */
  coldStart: boolean;
  /** The sandbox's memory size in MB (the function's MemorySize). */
  memoryMb: number;
  /** Execution time in ms, when known (0 when the caller does not know it yet). */
  durationMs: number;
  /**
   * The app's start-up (init) time in ms: measured on a cold start, otherwise the caller's
   * latest estimate; absent when unknown. Cost-aware policies (Greedy-Dual, learned) weigh
   * a cold start by it.
   */
  initMs?: number;
}

/** A keep-alive policy. Implementations live beside this file, one per file. */
export interface KeepAlivePolicy {
  /** Short stable name, for example `fixed:10m`, `hybrid`, `learned`. */
  readonly name: string;
  /** An invocation of `app` arrived at `now`. */
  onInvocation(app: string, now: number, facts: InvocationFacts): void;
  /** A sandbox of `app` became idle at `now`: how long should it stay? */
  onIdle(app: string, now: number): IdleDecision;
  /** `app` was deleted or will never be called again: drop what the policy keeps for it. */
  forget(app: string): void;
  /** A JSON-serialisable snapshot of the policy's learned state, for the store. */
  snapshot(): unknown;
  /** Restore a snapshot taken by `snapshot()` of the same policy kind. */
  restore(state: unknown): void;

  /**
   * Fixed-capacity regime: when memory is short the pool evicts idle sandboxes with the
   * LOWEST priority first (FaasCache's Greedy-Dual shape). Without this hook the pool evicts
   * the sandbox that has been idle longest (LRU).
   */
  evictionPriority?(app: string, now: number): number;
  /** The pool evicted an idle sandbox of `app` before its keep-alive ran out (memory pressure). */
  onEvict?(app: string, now: number): void;
  /** Bytes of state held: shared across apps, and per app (for the <= 2 KB budget). */
  stateBytes?(): { shared: number; perApp: number };
}
