/**
 * Writes function logs on a worker thread with its own SQLite connection. Every invocation adds
 * a log entry, and the log service writes them in a transaction every 10 ms: on the event loop
 * that was 0.3-0.5 ms per batch (3.5 ms at its p99), 5% of the server's wall time at one
 * connection, and an invocation whose reply landed during a batch waited for it
 * (docs/performance.md, "Third pass"). Here the server only posts the batch; the worker inserts
 * it and answers once it is committed, so a reader that awaited the append sees the entries.
 * Prunes go the same way, in order after the appends. Should the thread fail or exit, the
 * writes run on the caller's connection again (`fallback`), as before.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { LogWrites, type PruneTarget } from './log-writes.js';
import type { LogEntry, LogRetention } from './types.js';

type Request = { id: number; op: 'append'; groups: string[]; rows: Row[] } | { id: number; op: 'prune'; target: PruneTarget; retention: LogRetention };
type Row = string | number;

/** Fields of one entry in a flat batch (see `flatten`): its group, request id, timestamp and text. */
const FIELDS = 4;
/** Fields of one group: account, region, function name, version. */
const GROUP_FIELDS = 4;

/**
 * A batch as flat arrays of strings and numbers. postMessage clones what it is given: an array of
 * objects is cloned with every property name written again for every entry (3-4% of the server's
 * CPU at 32 connections, docs/performance.md, "Fourth pass"); the account, region, function and
 * version, the same for a run of entries, go once per run in `groups`; and the arrays are built
 * by `push`, packed: V8 clones an array with holes (`new Array(n)`) key by key, as a sparse one.
 * Together 2.2 → 0.9 µs per entry posted ("Sixth pass").
 */
function flatten(entries: readonly LogEntry[]): { groups: string[]; rows: Row[] } {
  const groups: string[] = [];
  const rows: Row[] = [];
  let group = -1;
  let a: string | undefined;
  let r: string | undefined;
  let f: string | undefined;
  let v: string | undefined;
  for (const e of entries) {
    if (e.accountId !== a || e.region !== r || e.functionName !== f || e.version !== v) {
      a = e.accountId;
      r = e.region;
      f = e.functionName;
      v = e.version;
      groups.push(a, r, f, v);
      group++;
    }
    rows.push(group, e.requestId, e.timestamp, e.text);
  }
  return { groups, rows };
}

function unflatten(groups: readonly string[], rows: readonly Row[]): LogEntry[] {
  const entries: LogEntry[] = [];
  for (let i = 0; i + FIELDS <= rows.length; i += FIELDS) {
    const g = (rows[i] as number) * GROUP_FIELDS;
    entries.push({
      accountId: groups[g]!,
      region: groups[g + 1]!,
      functionName: groups[g + 2]!,
      version: groups[g + 3]!,
      requestId: rows[i + 1] as string,
      timestamp: rows[i + 2] as number,
      text: rows[i + 3] as string,
    });
  }
  return entries;
}
interface Reply {
  id: number;
  error?: string;
}

export class LogWriter {
  private worker: Worker | null = null;
  /** The thread failed or exited: writes run on the fallback from then on. */
  private lost = false;
  private stopping = false;
  private seq = 0;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  /** `fallback` writes on the caller's thread: before the worker starts, and after it is lost. */
  constructor(
    private readonly file: string,
    private readonly fallback: () => LogWrites,
  ) {}

  append(entries: readonly LogEntry[]): Promise<void> {
    return this.send((id) => ({ id, op: 'append', ...flatten(entries) }), (w) => w.append(entries));
  }

  prune(target: PruneTarget, retention: LogRetention): Promise<void> {
    const t = { accountId: target.accountId, region: target.region, functionName: target.functionName };
    return this.send((id) => ({ id, op: 'prune', target: t, retention }), (w) => w.prune(t, retention));
  }

  private send(request: (id: number) => Request, inline: (w: LogWrites) => void): Promise<void> {
    const worker = this.lost || this.stopping ? null : (this.worker ?? this.start());
    if (!worker) {
      try {
        inline(this.fallback());
        return Promise.resolve();
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    }
    const id = ++this.seq;
    // The thread holds the process open only while a write is outstanding.
    if (this.waiting.size === 0) worker.ref();
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage(request(id));
    });
  }

  /** Started on the first write: a store that never logs (the CLI, most unit tests) has no thread. */
  private start(): Worker | null {
    try {
      const w = new Worker(new URL(import.meta.url), { workerData: { logFile: this.file } });
      w.on('message', (r: Reply) => {
        const p = this.waiting.get(r.id);
        if (!p) return;
        this.waiting.delete(r.id);
        if (this.waiting.size === 0) w.unref();
        if (r.error === undefined) p.resolve();
        else p.reject(new Error(r.error));
      });
      // A failing writer must not take Nimbus down: what it had not committed is reported failed
      // (the log service keeps failed batches and writes them again) and writes stay in-thread.
      w.on('error', () => undefined);
      w.once('exit', () => {
        this.worker = null;
        if (!this.stopping) this.lost = true;
        for (const p of this.waiting.values()) p.reject(new Error('the log writer thread exited'));
        this.waiting.clear();
      });
      w.unref();
      this.worker = w;
      return w;
    } catch {
      this.lost = true;
      return null;
    }
  }

  /** Stops the thread once every write posted before has been committed. */
  async close(): Promise<void> {
    this.stopping = true;
    const w = this.worker;
    if (!w) return;
    const pending = [...this.waiting.values()].map((p) => new Promise<void>((r) => {
      const { resolve, reject } = p;
      p.resolve = () => (resolve(), r());
      p.reject = (e) => (reject(e), r());
    }));
    await Promise.all(pending);
    w.postMessage('stop');
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => void w.terminate().then(() => resolve()), 2000);
      w.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

if (!isMainThread && parentPort && (workerData as { logFile?: unknown } | null)?.logFile) {
  const port = parentPort;
  const db = new Database((workerData as { logFile: string }).logFile);
  // Logs are observability, not acknowledged state: no per-commit fsync (synchronous=NORMAL in WAL
  // mode is still crash-safe, it may only lose the last commits). Checkpoints are the checkpointer's.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('wal_autocheckpoint = 0');
  const writes = new LogWrites(db);
  port.on('message', (m: Request | 'stop') => {
    if (m === 'stop') {
      db.close();
      port.close();
      return;
    }
    try {
      if (m.op === 'append') writes.append(unflatten(m.groups, m.rows));
      else writes.prune(m.target, m.retention);
      port.postMessage({ id: m.id } satisfies Reply);
    } catch (e) {
      port.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) } satisfies Reply);
    }
  });
}
