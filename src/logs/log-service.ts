/**
 * Function logs: appended in batches (one SQLite transaction per flush, never one write per
 * invocation on the hot path), read back by id, and followed live by long-poll readers that
 * are woken when new entries for their function land.
 */
import type { LogEntry, LogRetention, Store, StoredLogEntry } from '../store/types.js';
import type { Scope } from '../core/model.js';

const FLUSH_EVERY_MS = 10;
const FLUSH_AT_ENTRIES = 1000;
/** Log entries kept per function (about one per invocation); older ones are pruned in the background. */
export const KEEP_PER_FUNCTION = 10_000;
/** Bytes of log text kept per function by default: with the entry cap, a function's logs stay within this. */
export const DEFAULT_MAX_BYTES_PER_FUNCTION = 64 * 2 ** 20;
/** CloudWatch Logs' largest event (256 KB): a longer entry is stored as several of at most this. */
export const MAX_ENTRY_BYTES = 256 * 1024;
/**
 * Prune a function's logs after this many new entries, or a tenth of the entries it keeps if that
 * is more: a prune scans the function's whole retention window (its newest `keep` entries, twice:
 * by count and by bytes), so pruning every 100 entries cost about 200 rows read per invocation,
 * 7-8% of the server's CPU in a warm-invoke profile (docs/performance.md). At a tenth of the
 * window the cost per entry is constant (about 20 rows) and a function holds at most 10% more
 * than its retention between prunes.
 */
const PRUNE_EVERY = 100;
const PRUNE_FRACTION = 10;
/** Entries read per page when a read streams (at most MAX_ENTRY_BYTES each). */
const PAGE = 16;

/** Retention per function (docs/logging.md): like a CloudWatch log group's, by count, size and age. */
export interface LogRetentionSettings {
  /** Entries kept at most; default KEEP_PER_FUNCTION. */
  keep?: number;
  /** Bytes of text kept at most; default DEFAULT_MAX_BYTES_PER_FUNCTION. */
  maxBytes?: number;
  /** Age in ms beyond which entries go; default: never (CloudWatch's default). */
  maxAgeMs?: number;
}

interface Waiter {
  key: string;
  wake: () => void;
}

const keyOf = (scope: Scope, name: string): string => `${scope.accountId}/${scope.region}/${name}`;

export class LogService {
  private pending: LogEntry[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** The batch being written (and those queued behind it); settles when all are stored. */
  private writing: Promise<void> = Promise.resolve();
  private waiters = new Set<Waiter>();
  private sincePrune = new Map<string, number>();

  private readonly retention: Required<LogRetentionSettings>;
  private sinceBytes = new Map<string, number>();
  /** New entries of a function between prunes (PRUNE_EVERY). */
  private readonly pruneEvery: number;

  constructor(
    private readonly store: Store,
    retention: LogRetentionSettings | number = {},
    private readonly now: () => number = Date.now,
  ) {
    const r = typeof retention === 'number' ? { keep: retention } : retention;
    this.retention = {
      keep: r.keep ?? KEEP_PER_FUNCTION,
      maxBytes: r.maxBytes ?? DEFAULT_MAX_BYTES_PER_FUNCTION,
      maxAgeMs: r.maxAgeMs ?? Number.POSITIVE_INFINITY,
    };
    this.pruneEvery = Math.max(PRUNE_EVERY, Math.ceil(this.retention.keep / PRUNE_FRACTION));
  }

  private limits(): LogRetention {
    const { keep, maxBytes, maxAgeMs } = this.retention;
    return { keep, maxBytes, minTimestamp: Number.isFinite(maxAgeMs) ? this.now() - maxAgeMs : 0 };
  }

  /** Buffers an entry; it is written off the caller's path, so an invoke's reply never waits on the log. */
  append(entry: LogEntry): void {
    for (const part of split(entry)) this.pending.push(part);
    if (this.pending.length >= FLUSH_AT_ENTRIES) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), FLUSH_EVERY_MS);
  }

  /**
   * Writes everything pending and wakes followers; settles once every entry appended before the
   * call is stored (the store may write on another thread, so a batch already under way is waited
   * for too). Never rejects: a failed write is retried later.
   */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return this.writing;
    const batch = this.pending;
    this.pending = [];
    // One batch at a time, in order: prunes count what the batches before them wrote.
    this.writing = this.writing.then(() => this.write(batch));
    return this.writing;
  }

  private async write(batch: LogEntry[]): Promise<void> {
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
      const bytes = (this.sinceBytes.get(key) ?? 0) + Buffer.byteLength(e.text);
      // By count, and by bytes too: large entries must not run far past the size cap between prunes.
      if (n < this.pruneEvery && bytes < this.retention.maxBytes / 4) {
        this.sincePrune.set(key, n);
        this.sinceBytes.set(key, bytes);
      } else {
        this.sincePrune.delete(key);
        this.sinceBytes.delete(key);
        // Pruning is housekeeping: a failure leaves old entries for the next prune.
        await this.store.pruneLogs(e, e.functionName, this.limits()).catch(() => undefined);
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

  /**
   * Entries of a function after `afterId` (at most `limit`, and none past `upToId`), a page at a
   * time, yielding to the event loop between pages: a large read neither holds every entry in
   * memory nor keeps the server from answering anyone else meanwhile.
   */
  async *stream(scope: Scope, name: string, afterId: number, limit: number, upToId = Number.MAX_SAFE_INTEGER): AsyncGenerator<StoredLogEntry> {
    await this.flush();
    let after = afterId;
    let left = limit;
    while (left > 0) {
      const page = (await this.store.readLogs(scope, name, after, Math.min(PAGE, left))).filter((e) => e.id <= upToId);
      for (const e of page) yield e;
      if (page.length < Math.min(PAGE, left)) return;
      after = page[page.length - 1]!.id;
      left -= page.length;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Where to read from for the newest `n` entries (see `stream`), and the newest id now. */
  async tail(scope: Scope, name: string, n: number): Promise<{ afterId: number; upToId: number }> {
    await this.flush();
    return { afterId: await this.store.tailStart(scope, name, n), upToId: await this.store.lastLogId(scope, name) };
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

  /**
   * Where to read from (an `afterId`) for the entries of a function stamped at or after
   * `timestamp`: a time range starts there instead of at the function's oldest entry.
   */
  async startAt(scope: Scope, name: string, timestamp: number): Promise<number> {
    await this.flush();
    return this.store.logStartAt(scope, name, timestamp);
  }

  /** Runs retention on a function now (docs/logging.md). */
  async prune(scope: Scope, name: string): Promise<void> {
    await this.flush();
    await this.store.pruneLogs(scope, name, this.limits());
  }

  async close(): Promise<void> {
    await this.flush();
    for (const w of [...this.waiters]) w.wake();
  }
}

/**
 * An entry as CloudWatch-sized events: one past 256 KB (an invocation's whole output) is split
 * into consecutive entries of at most that, cut between UTF-8 characters, so no single entry
 * is large and retention by size can drop the oldest parts.
 */
function split(e: LogEntry): LogEntry[] {
  if (e.text.length * 3 <= MAX_ENTRY_BYTES) return [e];
  const buf = Buffer.from(e.text);
  if (buf.length <= MAX_ENTRY_BYTES) return [e];
  const parts: LogEntry[] = [];
  for (let start = 0; start < buf.length; ) {
    let end = Math.min(buf.length, start + MAX_ENTRY_BYTES);
    // Never inside a character: back off continuation bytes (10xxxxxx).
    while (end < buf.length && end > start + 1 && (buf[end]! & 0xc0) === 0x80) end--;
    parts.push({ ...e, text: buf.subarray(start, end).toString('utf8') });
    start = end;
  }
  return parts;
}
