/**
 * Hand-off to hot sandboxes (docs/performance.md, "Fifth pass"; docs/sandbox-lifecycle.md):
 * when at least two of a one-at-a-time function's sandboxes are busy and its invocations are
 * short, a new invocation may wait a moment for one of them to finish instead of waking an idle
 * sandbox or starting a new one. The finishing sandbox gets the waiting event in the same turn
 * of the server's event loop that read its answer, so its runtime often finds the next event
 * already there and does not sleep, and the work stays on a few runtimes whose code and data
 * are still in the CPU's caches (docs/performance.md, "Second pass": a runtime that serves 1/32
 * of the calls costs 60-115 µs of CPU per call, a hot one ~40 µs).
 *
 * This file is the policy: which durations count, when an invocation may wait, and for how
 * long. The pool's side (hot.ts, waiters.ts) keeps the waiters and does the hand-off.
 *
 * - **Short**: the p90 of the function's last 64 invocation durations, each net of the time
 *   the server's event loop was busy meanwhile, is at most `shortMs` (1 ms by default). The
 *   sandbox's own measure (event written to answer read) includes the wait for the server to
 *   come back around its loop and read the answer; on a busy server that is most of it (at 32
 *   connections the loop's turns take milliseconds, and every duration with them), which says
 *   nothing about the function and would keep a short function from ever qualifying at exactly
 *   the load where hand-off pays. So each duration counts as the time the loop sat idle during
 *   it (performance.nodeTiming.idleTime, libuv's own count, no syscall): on an idle server that
 *   is the duration, on a saturated one close to nothing, when any invocation, on a waited-for
 *   sandbox or an idle one, waits for the loop anyway. And when more of the function's
 *   sandboxes were busy than the machine has CPUs (`cpus`), it is scaled by cpus / busy: 32
 *   runnable runtimes on 2 cores each get 1/16 of one, and the loop then sits idle waiting for
 *   them. (A slow function on a saturated machine therefore counts as short; the bound below,
 *   from the durations as measured, the depth cap and the spill rule protect its callers.)
 *   Until 16 durations are known it does not qualify.
 * - **Bounded**: a waiter waits at most min(`maxWaitMs`, max(`minWaitMs`, `p99Multiple` x the
 *   recent p99)), by default min(4 ms, max(1 ms, 8 x p99)), then spills to an idle sandbox or a
 *   new one exactly as it would have without hand-off. A sometimes-slow call therefore holds a
 *   waiter for at most that long.
 * - **Worth it**: it waits only when at least `minBusy` (2) sandboxes are busy, at most
 *   `maxDepth` (8) wait per busy sandbox, the expected wait, (waiters ahead + 1) x the corrected
 *   p50 / busy sandboxes (the queue is the function's, served by whichever sandbox finishes
 *   first), is at most half the bound, so that spills stay the exception; and not while more than a fifth of
 *   its recent waiters spilled (on a machine so loaded that the server's turns outlast the
 *   bound, waiting only adds the bound to the calls that spill), until that share has decayed
 *   over a few dozen calls that ran at once.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';

/** The policy's knobs (the defaults are HANDOFF_DEFAULTS). */
export interface HandoffSettings {
  /** A function qualifies while the p90 of its recent durations is at most this (ms). */
  shortMs: number;
  /** The longest any waiter waits (ms). */
  maxWaitMs: number;
  /** The shortest bound (ms): the pool's timers have millisecond resolution. */
  minWaitMs: number;
  /** The bound in multiples of the recent p99. */
  p99Multiple: number;
  /** The server's event-loop idle time so far (ms): performance.nodeTiming.idleTime. */
  idleTime: () => number;
  /** The machine's CPUs (a duration measured with more of the function's sandboxes busy is scaled, see above). */
  cpus: number;
  /** An invocation waits only when its expected wait is at most this fraction of the bound. */
  admitFraction: number;
  /** At most this many waiters per busy sandbox. */
  maxDepth: number;
  /** No waiting while fewer of the function's sandboxes than this are busy. */
  minBusy: number;
  /** No waiting while more than this share of the function's recent waiters spilled. */
  maxSpillShare: number;
}

export const HANDOFF_DEFAULTS: Readonly<HandoffSettings> = { shortMs: 1, maxWaitMs: 4, minWaitMs: 1, p99Multiple: 8, idleTime: () => performance.nodeTiming.idleTime,
  cpus: availableParallelism(), admitFraction: 0.5, maxDepth: 8, minBusy: 2, maxSpillShare: 0.2 };

const WINDOW = 64;
/** Durations needed before a function may qualify. */
const MIN_SAMPLES = 16;
/** The percentiles are recomputed after this many new durations (a sort of 64 numbers). */
const RECOMPUTE_EVERY = 8;
/** Each waiter's weight in the spill share, and the share's decay per call that does not wait. */
const SPILL_WEIGHT = 1 / 32;
const SPILL_DECAY = 0.98;

/** A function's recent invocation durations (ms) and their percentiles. */
export class DurationWindow {
  private readonly ring = new Float64Array(WINDOW);
  private count = 0;
  private next = 0;
  private fresh = 0;
  p50 = Infinity;
  p90 = Infinity;
  p99 = Infinity;

  add(ms: number): void {
    if (!(ms >= 0)) return;
    this.ring[this.next] = ms;
    this.next = (this.next + 1) % WINDOW;
    if (this.count < WINDOW) this.count++;
    if (++this.fresh >= RECOMPUTE_EVERY && this.count >= MIN_SAMPLES) this.recompute();
  }

  /** Enough durations to judge. */
  get ready(): boolean {
    return this.count >= MIN_SAMPLES && this.p90 !== Infinity;
  }

  get size(): number {
    return this.count;
  }

  private recompute(): void {
    this.fresh = 0;
    const sorted = this.ring.slice(0, this.count).sort();
    const at = (q: number): number => sorted[Math.min(this.count - 1, Math.ceil(q * this.count) - 1)]!;
    this.p50 = at(0.5);
    this.p90 = at(0.9);
    this.p99 = at(0.99);
  }
}

/** A function's durations: as measured, and net of the server's own busy time (see above). */
export class FunctionDurations {
  readonly measured = new DurationWindow();
  readonly net = new DurationWindow();
  /** The share of recent waiters that spilled (a moving average over about 30 waiters). */
  spillShare = 0;

  constructor(private readonly s: HandoffSettings) {}

  /**
   * One invocation's duration (ms) as the sandbox measured it, the time the server's event loop
   * sat idle meanwhile (ms), and how many of the function's sandboxes were busy as it ended.
   */
  add(ms: number, idleMs: number, busy: number): void {
    this.measured.add(ms);
    const net = Math.min(ms, Math.max(0, idleMs));
    this.net.add(busy > this.s.cpus ? (net * this.s.cpus) / busy : net);
  }

  /** How a waiter ended: handed a finishing sandbox, or spilled. */
  waited(spilled: boolean): void {
    this.spillShare += ((spilled ? 1 : 0) - this.spillShare) * SPILL_WEIGHT;
  }

  /** How long a waiter may wait (ms). */
  bound(): number {
    return Math.min(this.s.maxWaitMs, Math.max(this.s.minWaitMs, this.s.p99Multiple * this.measured.p99));
  }

  /**
   * Whether an invocation should wait for one of `busy` busy sandboxes of its function, with
   * `ahead` invocations already waiting for them.
   */
  shouldWait(ahead: number, busy: number): boolean {
    const { net, s } = this;
    if (busy < s.minBusy || !net.ready || net.p90 > s.shortMs || ahead >= s.maxDepth * busy) return false;
    if (this.spillShare > s.maxSpillShare) {
      // Waiting has not been paying: each call that runs at once instead lets the share decay,
      // so that waiting is tried again after a few dozen calls.
      this.spillShare *= SPILL_DECAY;
      return false;
    }
    return ((ahead + 1) * net.p50) / busy <= this.bound() * s.admitFraction;
  }
}
