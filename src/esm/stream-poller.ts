/**
 * One stream mapping's poller (DynamoDB Streams, Kinesis): Lambda's rules for streams (Lambda
 * developer guide, "Using Lambda with DynamoDB" / "... with Kinesis", their pages on batching,
 * error handling and partial batch responses), for a source with one shard:
 *
 * - Order: the shard is read in order, one batch at a time; the next batch waits until the
 *   current one succeeded or was given up on. The checkpoint (the last record processed) is
 *   stored after each, so a restart goes on from there (at least once: a batch in progress when
 *   Nimbus stops is delivered again).
 * - Batching: up to `BatchSize` records, gathering for up to `MaximumBatchingWindowInSeconds`.
 * - Filtering: records that match no filter are skipped (checkpointed, never invoked).
 * - Failures: a function error retries the same batch (with a growing pause) until it succeeds,
 *   `MaximumRetryAttempts` retries are used up, or its oldest record is older than
 *   `MaximumRecordAgeInSeconds`; then the batch's description goes to the OnFailure destination
 *   (SQS or SNS) and processing moves past it. `BisectBatchOnFunctionError` splits a failing
 *   batch in two and processes each half the same way.
 * - Partial batch responses (`ReportBatchItemFailures`): the checkpoint moves to just before the
 *   lowest reported sequence number, and the batch is retried from that record on.
 * - Throttles (429) are retried without counting as attempts.
 * - `ParallelizationFactor` is accepted and shown, but one batch per shard runs at a time.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { functionArn } from '../core/names.js';
import { matchesFilterCriteria } from '../events/filter-criteria.js';
import { errorSummary } from '../queue/retry.js';
import { readBatchResult } from './batch-result.js';
import { pause, wakeAll, wakeable } from './wakeups.js';
import { MappingStats, type BatchReport } from './stats.js';
import type { BatchInvoker, MappingSpec, SourceLag, StreamReader, StreamSettings, StreamSourceRecord } from './types.js';

const RETRY_FIRST_MS = 200;
const RETRY_MAX_MS = 10_000;
const ERROR_RETRY_MS = 5_000;

export interface StreamPollerDeps {
  invoke: BatchInvoker;
  clock: Clock;
  log: (line: string) => void;
  /** Delivers a failure record to an SQS queue or SNS topic ARN. */
  sendFailure: (destinationArn: string, body: string) => Promise<void>;
  /** The mapping's LastProcessingResult changed (`OK`, `PROBLEM: ...`). */
  onResult?: (result: string) => void;
}

type Condition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export class StreamPoller {
  readonly stats = new MappingStats();
  private stopped = false;
  private pokes = 0;
  private readonly waiters = new Set<() => void>();
  private loop: Promise<void> = Promise.resolve();
  private unwatch: () => void = () => undefined;
  private position = 0;
  private lastResult = '';
  private readyResolve: () => void = () => undefined;
  /** Resolves once the starting position is known (a LATEST mapping is Enabled only then, so no record written after slips by). */
  readonly ready: Promise<void> = new Promise((r) => (this.readyResolve = r));
  private readonly settings: StreamSettings;

  constructor(
    readonly spec: MappingSpec,
    private readonly reader: StreamReader,
    private readonly deps: StreamPollerDeps,
  ) {
    this.settings = spec.stream ?? { startingPosition: 'LATEST', bisectBatchOnFunctionError: false, maximumRetryAttempts: -1, maximumRecordAgeSeconds: -1, onFailure: undefined };
  }

  start(): void {
    try {
      this.unwatch = this.reader.watch(() => {
        this.pokes++;
        this.wakeAll();
      });
    } catch (e) {
      this.stats.problem((e as Error).message);
    }
    this.loop = this.run();
  }

  /** Stops reading; the batch in progress ends at its next attempt (uncommitted, so it comes again). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.readyResolve();
    this.unwatch();
    this.wakeAll();
    await this.loop;
  }

  async lag(): Promise<SourceLag | undefined> {
    try {
      return await this.reader.lag(this.position);
    } catch {
      return undefined;
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        this.position = await this.reader.checkpoint();
        this.readyResolve();
        break;
      } catch (e) {
        this.problem((e as Error).message);
        // The runner waits for `ready` before settling the mapping: it must not wait for a source that fails.
        this.readyResolve();
        await this.wait(ERROR_RETRY_MS);
      }
    }
    while (!this.stopped) {
      try {
        const batch = await this.gather();
        if (batch.length === 0) continue;
        const done = await this.handle(batch);
        if (!done) return;
        this.position = batch[batch.length - 1]!.position;
        await this.reader.commit(this.position);
      } catch (e) {
        this.problem((e as Error).message);
        await this.wait(ERROR_RETRY_MS);
      }
    }
  }

  private async gather(): Promise<StreamSourceRecord[]> {
    const { batchSize, batchingWindowMs } = this.spec;
    const records: StreamSourceRecord[] = [];
    let deadline: number | undefined;
    while (!this.stopped) {
      const seen = this.pokes;
      const after = records.length > 0 ? records[records.length - 1]!.position : this.position;
      const got = await this.reader.read(after, batchSize - records.length);
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

  /** The batch, filtered and delivered; false when the poller stopped before it was done. */
  private async handle(batch: StreamSourceRecord[]): Promise<boolean> {
    const matching = batch.filter((r) => matchesFilterCriteria(this.spec.filter, r.record as { body: string }));
    const filtered = batch.length - matching.length;
    if (matching.length === 0) {
      this.report({ records: 0, filtered, outcome: 'filtered', failed: 0, start: this.deps.clock.now(), chunk: [] });
      return true;
    }
    return this.deliver(matching, 0, filtered);
  }

  /**
   * Delivers records in order until they succeed or are given up on; `attempts` already made.
   * Returns false when the poller stopped first.
   */
  private async deliver(records: StreamSourceRecord[], attempts: number, filtered: number): Promise<boolean> {
    let pending = records;
    let pause = RETRY_FIRST_MS;
    while (pending.length > 0) {
      if (this.stopped) return false;
      const maxAge = this.settings.maximumRecordAgeSeconds;
      const start = this.deps.clock.now();
      if (maxAge !== -1 && start - pending[0]!.arrivedAt > maxAge * 1000) {
        await this.giveUp(pending, 'RecordAgeExceeded', attempts, undefined);
        return true;
      }
      const out = await this.deps.invoke(this.spec, this.reader.event(pending));
      const base = { records: pending.length, filtered, start, chunk: pending };
      filtered = 0;
      if (out.kind === 'throttled') {
        this.stats.throttled();
        await this.sleep(pause);
        pause = Math.min(pause * 2, RETRY_MAX_MS);
        continue;
      }
      let failedFrom = -1;
      let error: string | undefined;
      let functionError: string | undefined;
      if (out.kind === 'function-error' || out.kind === 'system-error') {
        failedFrom = 0;
        error = out.kind === 'system-error' ? out.message : errorSummary(out.payload);
        functionError = out.kind === 'function-error' ? 'Unhandled' : undefined;
      } else if (this.spec.reportBatchItemFailures) {
        const result = readBatchResult(out.payload, new Set(pending.map((r) => r.id)));
        if (result.kind === 'all-failed') {
          failedFrom = 0;
          error = `batch failed: ${result.reason}`;
        } else if (result.kind === 'partial') {
          // The lowest reported sequence number: everything before it is done.
          failedFrom = pending.findIndex((r) => result.failed.has(r.id));
          error = `${result.failed.size} of ${pending.length} records reported as failed`;
        }
      }
      if (failedFrom === -1) {
        this.report({ ...base, outcome: 'ok', failed: 0 });
        this.result('OK');
        return true;
      }
      this.report({ ...base, outcome: failedFrom === 0 ? 'failed' : 'partial', failed: pending.length - failedFrom, error });
      this.result('PROBLEM: Function call failed');
      if (failedFrom > 0) {
        this.position = pending[failedFrom - 1]!.position;
        await this.reader.commit(this.position);
        pending = pending.slice(failedFrom);
      }
      attempts++;
      if (out.kind !== 'ok' && this.settings.bisectBatchOnFunctionError && pending.length > 1) {
        const half = Math.ceil(pending.length / 2);
        const first = pending.slice(0, half);
        if (!(await this.deliver(first, attempts, 0))) return false;
        this.position = first[first.length - 1]!.position;
        await this.reader.commit(this.position);
        return this.deliver(pending.slice(half), attempts, 0);
      }
      const max = this.settings.maximumRetryAttempts;
      if (max !== -1 && attempts > max) {
        await this.giveUp(pending, 'RetryAttemptsExhausted', attempts, functionError);
        return true;
      }
      await this.sleep(pause);
      pause = Math.min(pause * 2, RETRY_MAX_MS);
    }
    return true;
  }

  /** Lambda's failure record for a batch it gives up on, to the OnFailure destination (if any). */
  private async giveUp(records: StreamSourceRecord[], condition: Condition, attempts: number, functionError: string | undefined): Promise<void> {
    const dest = this.settings.onFailure;
    this.deps.log(`esm ${this.spec.uuid}: ${records.length} records given up (${condition})${dest ? `, described to ${dest}` : ''}`);
    if (!dest) return;
    const body = {
      requestContext: {
        requestId: randomUUID(),
        functionArn: functionArn(this.spec, this.spec.functionName, this.spec.qualifier),
        condition,
        approximateInvokeCount: attempts,
      },
      responseContext: { statusCode: 200, executedVersion: this.spec.qualifier ?? '$LATEST', functionError: functionError ?? 'Unhandled' },
      version: '1.0',
      timestamp: new Date(this.deps.clock.now()).toISOString(),
      ...this.reader.batchInfo(records),
    };
    try {
      await this.deps.sendFailure(dest, JSON.stringify(body));
    } catch (e) {
      // AWS drops the record when its destination cannot take it; Nimbus says so.
      this.deps.log(`esm ${this.spec.uuid}: the failure record could not be delivered to ${dest}: ${(e as Error).message}`);
    }
  }

  private result(r: string): void {
    if (r === this.lastResult) return;
    this.lastResult = r;
    this.deps.onResult?.(r);
  }

  private problem(message: string): void {
    this.stats.problem(message);
    this.deps.log(`esm ${this.spec.uuid}: ${message}`);
  }

  private report(r: Omit<BatchReport, 'at' | 'durationMs' | 'delayMs'> & { start: number; chunk: StreamSourceRecord[] }): void {
    const { start, chunk, ...rest } = r;
    const oldest = chunk.length > 0 ? Math.min(...chunk.map((x) => x.arrivedAt)) : start;
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
