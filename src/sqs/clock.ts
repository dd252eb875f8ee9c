/**
 * Time as the SQS service reads it. A local copy of the shape of Nimbus's `Clock` (src/clock.ts,
 * moving to src/core/clock.ts) so this module imports nothing from the rest of `src/`: any
 * object with these two methods - Nimbus's clocks included - can be passed in.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs `fn` after `ms` milliseconds; the returned function cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

/** The real clock. Timers are unref'd so a pending long poll never holds the process open. */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    t.unref();
    return () => clearTimeout(t);
  },
};
