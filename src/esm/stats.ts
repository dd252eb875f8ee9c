/**
 * What a mapping has been doing, for `nimbus esm` and `/nimbus/v1/event-source-mappings`: the
 * last batches (size, outcome, how long the oldest record waited before the function got it),
 * running totals, and Lambda's `LastProcessingResult` wording (`OK`, `PROBLEM: ...`, `No records
 * processed`). Kept in memory: it describes this run of Nimbus.
 */

export type BatchOutcome = 'ok' | 'partial' | 'failed' | 'throttled' | 'filtered';

export interface BatchReport {
  /** Epoch ms the batch reached the function (or was settled without it). */
  at: number;
  records: number;
  /** Records deleted without an invocation: they did not match the mapping's FilterCriteria. */
  filtered: number;
  outcome: BatchOutcome;
  /** Records left in the source to be retried (all of a failed batch, the reported ones of a partial). */
  failed: number;
  durationMs: number;
  /** From the oldest record's arrival in the source to the invocation: the message-to-invocation delay. */
  delayMs: number;
  error?: string;
}

export interface StatsSnapshot {
  batches: number;
  records: number;
  succeeded: number;
  failed: number;
  filtered: number;
  throttles: number;
  lastProcessingResult: string;
  lastError: string | undefined;
  recent: BatchReport[];
}

const RECENT = 20;

export class MappingStats {
  private readonly recent: BatchReport[] = [];
  private totals = { batches: 0, records: 0, succeeded: 0, failed: 0, filtered: 0, throttles: 0 };
  private lastResult = 'No records processed';
  private lastError: string | undefined;

  record(b: BatchReport): void {
    this.recent.push(b);
    if (this.recent.length > RECENT) this.recent.shift();
    this.totals.filtered += b.filtered;
    if (b.outcome === 'filtered') return;
    this.totals.batches++;
    this.totals.records += b.records;
    this.totals.failed += b.failed;
    this.totals.succeeded += b.records - b.failed;
    if (b.outcome === 'throttled') this.totals.throttles++;
    if (b.outcome === 'ok') this.lastResult = 'OK';
    else {
      this.lastError = b.error;
      this.lastResult = `PROBLEM: ${b.error ?? b.outcome}`;
    }
  }

  /** A retry of a throttled invocation (the batch is reported once, when it settles). */
  throttled(): void {
    this.totals.throttles++;
  }

  /** Something kept the mapping from reading its source (the queue is gone, say). */
  problem(message: string): void {
    this.lastError = message;
    this.lastResult = `PROBLEM: ${message}`;
  }

  snapshot(): StatsSnapshot {
    return { ...this.totals, lastProcessingResult: this.lastResult, lastError: this.lastError, recent: [...this.recent] };
  }
}
