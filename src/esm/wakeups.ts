/**
 * The waits both pollers make (poller.ts for queues, stream-poller.ts for streams), on one set of
 * waiters that the source's wake-ups and the poller's stop resolve.
 */
import type { Clock } from '../core/clock.js';

export type Waiters = Set<() => void>;

/** Resolves on a wake-up (`wakeAll`), after `ms` if given, or at once when already stopped. */
export function wakeable(waiters: Waiters, clock: Clock, stopped: boolean, ms?: number): Promise<void> {
  if (stopped) return Promise.resolve();
  return new Promise((resolve) => {
    let cancel = (): void => undefined;
    const done = (): void => {
      cancel();
      waiters.delete(done);
      resolve();
    };
    waiters.add(done);
    if (ms !== undefined) cancel = clock.setTimer(Math.max(0, ms), done);
  });
}

/** A pause of `ms` (a retry or throttle pause): a wake-up does not end it, only a stop does. */
export function pause(waiters: Waiters, clock: Clock, stopped: () => boolean, ms: number): Promise<void> {
  if (stopped()) return Promise.resolve();
  return new Promise((resolve) => {
    const cancel = clock.setTimer(ms, () => {
      waiters.delete(early);
      resolve();
    });
    const early = (): void => {
      if (!stopped()) return;
      cancel();
      waiters.delete(early);
      resolve();
    };
    waiters.add(early);
  });
}

export function wakeAll(waiters: Waiters): void {
  for (const w of [...waiters]) w();
}
