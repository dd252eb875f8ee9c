/**
 * One mapping's poller: workers that gather a batch from the source, drop what the filters do
 * not match, invoke the function synchronously, and acknowledge what it processed - Lambda's
 * rules (Lambda developer guide, "Using Lambda with Amazon SQS" and its pages on batching,
 * scaling and error handling; docs/reference/lambda-api.md §5.2):
 *
 * - Batching: up to `BatchSize` records, gathering for up to `MaximumBatchingWindowInSeconds`
 *   once the first record is in (without a window, what one read returns).
 * - Filtering: records that match no filter are deleted from the source, never invoked.
 * - Failures: a function error (or a failed partial batch response) leaves the batch's records in
 *   the source; they come back after the visibility timeout and, after maxReceiveCount receives,
 *   go to the queue's dead-letter queue. `ReportBatchItemFailures` keeps only the reported ones.
 * - Throttling (429 from the function's reserved concurrency): the invocation is retried with a
 *   growing pause while its records stay invisible; then they simply come back. Nothing is lost.
 * - Concurrency: at most `maximumConcurrency` batches at once; a function error halves the
 *   number, each success adds one back ("Lambda backs off by reducing concurrency").
 * - Order: records of one group (FIFO message group) go to the function in order, one batch of a
 *   group at a time; the queue itself blocks a group while it has messages in flight.
 *
 * Idle workers wait for the source's wake-up (`watch`), never on a timer: no busy polling.
 */
import type { Clock } from '../core/clock.js';
import { matchesFilterCriteria } from '../events/filter-criteria.js';
import { errorSummary } from '../queue/retry.js';
import { readBatchResult } from './batch-result.js';
import { pause, wakeAll, wakeable } from './wakeups.js';
import { MappingStats, type BatchReport } from './stats.js';
import type { BatchInvoker, MappingSpec, SourceReader, SourceRecord } from './types.js';

/** Lambda's synchronous payload limit: a larger gathered batch is split (6 MB). */
const MAX_PAYLOAD = 6_291_456;
const THROTTLE_FIRST_MS = 100;
const THROTTLE_MAX_MS = 5_000;
/** A throttled batch stops being retried this long before its records become visible again. */
const DEADLINE_MARGIN_MS = 1_000;
/** After the source could not be read (its queue was deleted, say), look again this much later. */
const ERROR_RETRY_MS = 5_000;

export interface PollerDeps {
  invoke: BatchInvoker;
  clock: Clock;
  log: (line: string) => void;
}

export class Poller {
  readonly stats = new MappingStats();
  private stopped = false;
  /** Wake-ups seen so far: a read that raced one goes round again instead of sleeping. */
  private pokes = 0;
  private readonly waiters = new Set<() => void>();
  private workers: Promise<void>[] = [];
  private unwatch: () => void = () => undefined;
  /** Batches allowed at once now (backs off after function errors), and in progress. */
  private limit: number;
  private busy = 0;

  constructor(
    readonly spec: MappingSpec,
    private readonly reader: SourceReader,
    /** Records of one group must stay in order (FIFO). */
    private readonly ordered: boolean,
    private readonly deps: PollerDeps,
  ) {
    this.limit = spec.maximumConcurrency;
  }

  start(): void {
    try {
      this.unwatch = this.reader.watch(() => {
        this.pokes++;
        this.wakeAll();
      });
    } catch (e) {
      // The source is gone: the workers find that out too, report it and look again later.
      this.stats.problem((e as Error).message);
    }
    for (let i = 0; i < this.spec.maximumConcurrency; i++) this.workers.push(this.work());
  }

  /** Stops gathering; batches already gathered are still processed. Resolves when every worker ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch();
    this.wakeAll();
    await Promise.allSettled(this.workers);
  }

  async lag(): Promise<Awaited<ReturnType<SourceReader['lag']>> | undefined> {
    try {
      return await this.reader.lag();
    } catch {
      return undefined;
    }
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      if (this.busy >= this.limit) {
        await this.wait();
        continue;
      }
      this.busy++;
      try {
        const batch = await this.gather();
        if (batch.length > 0) await this.process(batch);
      } catch (e) {
        const message = (e as Error).message;
        this.stats.problem(message);
        this.deps.log(`esm ${this.spec.uuid}: ${message}`);
        await this.wait(ERROR_RETRY_MS);
      } finally {
        this.busy--;
        // A worker held back by the limit may take over.
        this.wakeAll();
      }
    }
  }

  private async gather(): Promise<SourceRecord[]> {
    const { batchSize, batchingWindowMs } = this.spec;
    const records: SourceRecord[] = [];
    let deadline: number | undefined;
    while (!this.stopped) {
      const seen = this.pokes;
      const got = await this.reader.read(batchSize - records.length);
      records.push(...got);
      if (records.length >= batchSize) break;
      const now = this.deps.clock.now();
      if (records.length > 0) {
        if (batchingWindowMs === 0) break;
        deadline ??= now + batchingWindowMs;
        if (now >= deadline) break;
      }
      if (got.length > 0 || this.pokes !== seen) continue;
      await this.wait(deadline === undefined ? undefined : deadline - now);
    }
    return records;
  }

  private async process(batch: SourceRecord[]): Promise<void> {
    const matching: SourceRecord[] = [];
    const dropped: SourceRecord[] = [];
    for (const r of batch) (matchesFilterCriteria(this.spec.filter, r.record) ? matching : dropped).push(r);
    if (dropped.length > 0) await this.reader.ack(dropped);
    if (matching.length === 0) {
      this.report({ records: 0, filtered: dropped.length, outcome: 'filtered', failed: 0, start: this.deps.clock.now(), chunk: [] });
      return;
    }
    const chunks = this.split(matching);
    await Promise.all(chunks.map((c, i) => this.invoke(c, i === 0 ? dropped.length : 0)));
  }

  /** By group when order matters (each group's records in order), and by Lambda's payload limit. */
  private split(records: SourceRecord[]): SourceRecord[][] {
    const groups = new Map<string, SourceRecord[]>();
    for (const r of records) {
      const k = this.ordered ? (r.group ?? '') : '';
      const g = groups.get(k);
      if (g) g.push(r);
      else groups.set(k, [r]);
    }
    const out: SourceRecord[][] = [];
    for (const g of groups.values()) {
      let cur: SourceRecord[] = [];
      let size = 16;
      for (const r of g) {
        const n = Buffer.byteLength(JSON.stringify(r.record)) + 1;
        if (cur.length > 0 && size + n > MAX_PAYLOAD) {
          out.push(cur);
          cur = [];
          size = 16;
        }
        cur.push(r);
        size += n;
      }
      if (cur.length > 0) out.push(cur);
    }
    return out;
  }

  private async invoke(chunk: SourceRecord[], filtered: number): Promise<void> {
    const payload = this.reader.event(chunk);
    const deadline = Math.min(...chunk.map((r) => r.deadline)) - DEADLINE_MARGIN_MS;
    let pause = THROTTLE_FIRST_MS;
    for (;;) {
      const start = this.deps.clock.now();
      const out = await this.deps.invoke(this.spec, payload);
      const base = { records: chunk.length, filtered, start, chunk };
      if (out.kind === 'throttled') {
        if (this.stopped || this.deps.clock.now() + pause >= deadline) {
          // Left in the source: the records come back when their visibility timeout ends.
          return this.report({ ...base, outcome: 'throttled', failed: chunk.length, error: out.message });
        }
        this.stats.throttled();
        await this.sleep(pause);
        pause = Math.min(pause * 2, THROTTLE_MAX_MS);
        continue;
      }
      if (out.kind === 'function-error' || out.kind === 'system-error') {
        this.limit = Math.max(1, Math.floor(this.limit / 2));
        const error = out.kind === 'system-error' ? out.message : errorSummary(out.payload);
        return this.report({ ...base, outcome: 'failed', failed: chunk.length, error });
      }
      if (!this.spec.reportBatchItemFailures) {
        await this.reader.ack(chunk);
        return this.succeeded(base);
      }
      const result = readBatchResult(out.payload, new Set(chunk.map((r) => r.id)));
      if (result.kind === 'all-succeeded') {
        await this.reader.ack(chunk);
        return this.succeeded(base);
      }
      if (result.kind === 'all-failed') return this.report({ ...base, outcome: 'failed', failed: chunk.length, error: `batch failed: ${result.reason}` });
      await this.reader.ack(chunk.filter((r) => !result.failed.has(r.id)));
      return this.report({ ...base, outcome: 'partial', failed: result.failed.size, error: `${result.failed.size} of ${chunk.length} records reported as failed` });
    }
  }

  private succeeded(base: { records: number; filtered: number; start: number; chunk: SourceRecord[] }): void {
    this.limit = Math.min(this.spec.maximumConcurrency, this.limit + 1);
    this.report({ ...base, outcome: 'ok', failed: 0 });
  }

  private report(r: Omit<BatchReport, 'at' | 'durationMs' | 'delayMs'> & { start: number; chunk: SourceRecord[] }): void {
    const { start, chunk, ...rest } = r;
    const oldest = chunk.length > 0 ? Math.min(...chunk.map((x) => x.sentAt)) : start;
    this.stats.record({ ...rest, at: start, durationMs: this.deps.clock.now() - start, delayMs: Math.max(0, start - oldest) });
  }

  private wait(ms?: number): Promise<void> {
    return wakeable(this.waiters, this.deps.clock, this.stopped, ms);
  }

  private sleep(ms: number): Promise<void> {
    return pause(this.waiters, this.deps.clock, () => this.stopped, ms);
  }

  private wakeAll(): void {
    wakeAll(this.waiters);
  }
}
