/**
 * Group commit for accepted events. Callers get a promise that resolves once their event is in
 * a committed (fsynced) transaction; everything that arrives while one commit runs goes into the
 * next, so durability costs one fsync per batch rather than one per event. The gateway sends 202
 * only after the promise resolves, and a 5xx when it rejects (for example a full disk).
 */
import { NimbusError } from '../core/errors.js';
import type { EventQueue, NewEvent } from './types.js';

/** A batch is committed at this size even if more events are waiting, to bound the latency of each. */
const MAX_BATCH = 2000;

interface Pending {
  event: NewEvent;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class Acceptor {
  private pending: Pending[] = [];
  private scheduled = false;
  /** Batches committed and events in them: the benchmark reports the ratio. */
  readonly stats = { commits: 0, events: 0 };

  constructor(
    private readonly queue: EventQueue,
    private readonly onCommitted: () => void,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  accept(event: NewEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ event, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not a microtask: requests already read from sockets join this batch.
        setImmediate(async () => await this.flush());
      }
    });
  }

  /** Commits everything pending now (also called at shutdown). */
  async flush(): Promise<void> {
    this.scheduled = false;
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, MAX_BATCH);
      try {
        await this.queue.enqueue(batch.map((p) => p.event));
      } catch (e) {
        this.log(`queue: could not persist ${batch.length} event(s): ${(e as Error).message}`);
        const err = new NimbusError('ERR_QUEUE_UNAVAILABLE', `Nimbus could not store the event durably, so it was not accepted: ${(e as Error).message}`);
        for (const p of batch) p.reject(err);
        continue;
      }
      this.stats.commits++;
      this.stats.events += batch.length;
      for (const p of batch) p.resolve();
    }
    this.onCommitted();
  }
}
