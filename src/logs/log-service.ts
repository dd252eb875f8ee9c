/**
 * Function logs: appended in batches (one SQLite transaction per flush, never one write per
 * invocation on the hot path), read back by id, and followed live by long-poll readers that
 * are woken when new entries for their function land.
 */
import type { LogEntry, Store, StoredLogEntry } from '../store/types.js';
import type { Scope } from '../core/model.js';

const FLUSH_EVERY_MS = 10;
const FLUSH_AT_ENTRIES = 1000;
/** Log entries kept per function (about one per invocation); older ones are pruned in the background. */
export const KEEP_PER_FUNCTION = 10_000;
/** Prune a function's logs after this many new entries, so pruning costs little per entry. */
const PRUNE_EVERY = 100;

interface Waiter {
  key: string;
  wake: () => void;
}

const keyOf = (scope: Scope, name: string): string => `${scope.accountId}/${scope.region}/${name}`;

export class LogService {
  private pending: LogEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  private waiters = new Set<Waiter>();
  private sincePrune = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly keep = KEEP_PER_FUNCTION,
  ) {}

  /** Buffers an entry; it is written off the caller's path, so an invoke's reply never waits on the log. */
  append(entry: LogEntry): void {
    this.pending.push(entry);
    if (this.pending.length >= FLUSH_AT_ENTRIES) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
  }

  /** Writes everything pending and wakes followers. Never rejects: a failed write is retried later. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      await this.store.appendLogs(batch);
    } catch {
      // The store cannot write (for example a full disk): keep a bounded backlog and try again
      // later rather than crash Nimbus from a timer.
      this.pending = [...batch, ...this.pending].slice(-FLUSH_AT_ENTRIES * 10);
      this.timer ??= setTimeout(() => void this.flush(), 1000).unref();
      return;
    }
    const keys = new Set<string>();
    for (const e of batch) {
      const key = keyOf(e, e.functionName);
      keys.add(key);
      const n = (this.sincePrune.get(key) ?? 0) + 1;
      if (n < PRUNE_EVERY) this.sincePrune.set(key, n);
      else {
        this.sincePrune.delete(key);
        // Pruning is housekeeping: a failure leaves old entries for the next prune.
        await this.store.pruneLogs(e, e.functionName, this.keep).catch(() => undefined);
      }
    }
    for (const w of this.waiters) if (keys.has(w.key)) w.wake();
  }

  /**
   * Entries after `afterId`; when there are none and `waitMs` > 0, waits up to that long for
   * new ones (a long poll, so `nimbus logs --follow` needs no busy polling).
   */
  async read(scope: Scope, name: string, afterId: number, limit: number, waitMs = 0, signal?: AbortSignal): Promise<StoredLogEntry[]> {
    await this.flush();
    const now = await this.store.readLogs(scope, name, afterId, limit);
    if (now.length > 0 || waitMs <= 0) return now;
    await new Promise<void>((resolve) => {
      const w: Waiter = {
        key: keyOf(scope, name),
        wake: () => {
          clearTimeout(t);
          this.waiters.delete(w);
          signal?.removeEventListener('abort', w.wake);
          resolve();
        },
      };
      const t = setTimeout(w.wake, waitMs);
      signal?.addEventListener('abort', w.wake);
      this.waiters.add(w);
    });
    return this.store.readLogs(scope, name, afterId, limit);
  }

  /** The newest `n` entries of a function. */
  async last(scope: Scope, name: string, n: number): Promise<StoredLogEntry[]> {
    await this.flush();
    return this.store.readLastLogs(scope, name, n);
  }

  /** Newest entry id of a function, so a follower can start at the end. */
  async lastId(scope: Scope, name: string): Promise<number> {
    await this.flush();
    return this.store.lastLogId(scope, name);
  }

  async close(): Promise<void> {
    await this.flush();
    for (const w of [...this.waiters]) w.wake();
  }
}
