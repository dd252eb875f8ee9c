/**
 * Concurrency accounting, as Lambda does it: every running invocation holds one unit of its
 * function's concurrency. A function with reserved concurrency R runs at most R at once and
 * those R are taken out of the account's pool; the others share what is left (the
 * "unreserved" pool). Beyond a limit the caller gets 429 TooManyRequestsException with AWS's
 * Reason. Plain counters: acquiring and releasing are O(1) on the hot path.
 */
import { throttle } from '../core/errors.js';

export class ConcurrencyLimiter {
  private readonly running = new Map<string, number>();
  private readonly reserved = new Map<string, number>();
  private reservedTotal = 0;
  private unreservedRunning = 0;

  constructor(private limit: number) {}

  /** The account's concurrent executions this limiter enforces. */
  get accountLimit(): number {
    return this.limit;
  }

  /** Changes it (a cluster node's slice of the account limit, src/cluster/slices.ts); running invocations stay counted. */
  setAccountLimit(limit: number): void {
    this.limit = limit;
  }

  /** Sets (or with undefined, removes) a function's reserved concurrency (validated by the control plane). */
  setReserved(fnKey: string, value: number | undefined): void {
    const before = this.reserved.get(fnKey);
    const total = this.reservedTotal - (before ?? 0) + (value ?? 0);
    // Invocations already running stay counted in the pool they started in (their release knows which).
    if (value === undefined) this.reserved.delete(fnKey);
    else this.reserved.set(fnKey, value);
    this.reservedTotal = total;
  }

  getReserved(fnKey: string): number | undefined {
    return this.reserved.get(fnKey);
  }

  /** The concurrency functions without a reservation share. */
  unreservedLimit(): number {
    return this.accountLimit - this.reservedTotal;
  }

  /** Takes one unit for `fnKey` or throws the throttle; call the returned function when done. */
  acquire(fnKey: string): () => void {
    const reserved = this.reserved.get(fnKey);
    const running = this.running.get(fnKey) ?? 0;
    if (reserved !== undefined) {
      if (running >= reserved) throw throttle('ReservedFunctionConcurrentInvocationLimitExceeded');
    } else if (this.unreservedRunning >= this.unreservedLimit()) {
      throw throttle('ConcurrentInvocationLimitExceeded');
    }
    const shared = reserved === undefined;
    this.running.set(fnKey, running + 1);
    if (shared) this.unreservedRunning++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.running.get(fnKey) ?? 1) - 1;
      if (n === 0) this.running.delete(fnKey);
      else this.running.set(fnKey, n);
      if (shared) this.unreservedRunning--;
    };
  }

  /** Invocations running now, for a function or the whole account. */
  runningCount(fnKey?: string): number {
    if (fnKey !== undefined) return this.running.get(fnKey) ?? 0;
    let n = 0;
    for (const v of this.running.values()) n += v;
    return n;
  }
}
