import type { ArrivalStream } from './trace.js';

/** Event kinds an app cursor yields. */
export const ARRIVAL = 0;
export const IDLE = 1;
export const DONE = 2;

/**
 * Turns an app's invocations into the events a pool sees: arrivals, and the moment the app's
 * sandbox has nothing left to run (idle). Scale-out is not modelled (as in SitW): an app has one
 * sandbox, and a call that lands while it runs joins it and is warm whatever the policy. That
 * makes busy periods, and so every event time, independent of the policy, which lets the
 * simulator replay all policies in lock-step over a single pass of the trace.
 */
export class AppCursor {
  /** Current event: ARRIVAL, IDLE or DONE. */
  kind = DONE;
  /** Current event time, ms. */
  t = Infinity;
  /** ARRIVAL only: execution time and whether the sandbox was still busy. */
  durationMs = 0;
  busy = false;
  /** The next arrival after the current event (Infinity when none): the oracle's look-ahead. */
  nextArrival = Infinity;
  private nextDuration = 0;
  private busyUntil = -Infinity;
  private idlePending = false;

  constructor(private readonly stream: ArrivalStream, private readonly endMs: number) {
    this.pull();
    this.advance();
  }

  /** Moves to the next event. */
  advance(): void {
    if (this.idlePending && this.nextArrival >= this.busyUntil) {
      this.idlePending = false;
      if (this.busyUntil < this.endMs) {
        this.kind = IDLE;
        this.t = this.busyUntil;
        return;
      }
    }
    if (this.nextArrival < Infinity) {
      this.kind = ARRIVAL;
      this.t = this.nextArrival;
      this.durationMs = this.nextDuration;
      this.busy = this.t < this.busyUntil;
      this.busyUntil = Math.max(this.busyUntil, this.t + this.durationMs);
      this.idlePending = true;
      this.pull();
      return;
    }
    this.kind = DONE;
    this.t = Infinity;
  }

  private pull(): void {
    if (this.stream.next()) {
      this.nextArrival = this.stream.t;
      this.nextDuration = this.stream.durationMs;
    } else {
      this.nextArrival = Infinity;
    }
  }
}
