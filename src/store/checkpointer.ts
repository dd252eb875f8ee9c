/**
 * Checkpoints the store's write-ahead log on a worker thread. SQLite's automatic checkpoint runs
 * inside whichever commit crosses the threshold, on Nimbus's event loop, and fsyncs the WAL and
 * the database file there: measured on this machine, 10-25 ms during which no request moved,
 * every few seconds under load (the p99 of warm invocations). Here the commits only append to
 * the WAL (`wal_autocheckpoint = 0` on the main connections) and a second connection on its own
 * thread copies it back and syncs, in PASSIVE mode so that it never blocks a writer.
 * Durability is unchanged: a commit is durable when its WAL frames are (synchronous=FULL).
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** How often the worker checkpoints; the WAL grows by at most this much time's worth of commits. */
const EVERY_MS = 500;

export class Checkpointer {
  private readonly worker: Worker;

  private stopping = false;

  /** `onLost` runs if the worker fails or exits on its own: the caller checkpoints itself again. */
  constructor(file: string, onLost: () => void) {
    this.worker = new Worker(new URL(import.meta.url), { workerData: { file } });
    // A failing checkpointer must not take Nimbus down, nor leave the WAL growing for ever.
    this.worker.on('error', () => undefined);
    this.worker.once('exit', () => {
      if (!this.stopping) onLost();
    });
    this.worker.unref();
  }

  /** Stops the worker; the last connection to close checkpoints what is left. */
  async close(): Promise<void> {
    this.stopping = true;
    this.worker.postMessage('stop');
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => void this.worker.terminate().then(() => resolve()), 2000);
      this.worker.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

if (!isMainThread && parentPort && (workerData as { file?: unknown } | null)?.file) {
  const db = new Database((workerData as { file: string }).file);
  db.pragma('busy_timeout = 5000');
  db.pragma('wal_autocheckpoint = 0');
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy or closed: the next round tries again.
    }
  }, EVERY_MS);
  parentPort.on('message', () => {
    clearInterval(timer);
    db.close();
    parentPort?.close();
  });
}
