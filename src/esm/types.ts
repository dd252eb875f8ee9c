/**
 * The contracts of event-source mappings' data plane. A source kind (SQS today; DynamoDB
 * Streams or Kinesis later, each one more file) knows how to check a mapping against its source,
 * read records from it, shape the event the function gets, and acknowledge what was processed.
 * The poller (poller.ts) and the state machine (runner.ts) know nothing of any one kind.
 */
import type { Scope } from '../core/model.js';
import type { CompiledFilterCriteria } from '../events/filter-criteria.js';

/** What a poller runs from: a mapping's settings, compiled. */
export interface MappingSpec extends Scope {
  uuid: string;
  functionName: string;
  qualifier: string | undefined;
  eventSourceArn: string;
  batchSize: number;
  /** 0 = invoke with what one read returns. */
  batchingWindowMs: number;
  filter: CompiledFilterCriteria;
  reportBatchItemFailures: boolean;
  /** Concurrent batches at most (ScalingConfig.MaximumConcurrency, or the default). */
  maximumConcurrency: number;
}

/** One record read from a source. */
export interface SourceRecord {
  /** The id a partial batch response names (`itemIdentifier`): SQS's messageId. */
  id: string;
  /** The record as the function sees it, and as filters match it. */
  record: { readonly body: string; readonly [field: string]: unknown };
  /** Records of one group are processed in order, one batch at a time (FIFO message groups). */
  group: string | undefined;
  /** Epoch ms the record entered the source (for lag and the message-to-invocation delay). */
  sentAt: number;
  /** Epoch ms by which it must be acknowledged before the source hands it out again. */
  deadline: number;
}

/** A mapping's view of its source. */
export interface SourceReader {
  /** Up to `max` records available now (never waits). */
  read(max: number): Promise<SourceRecord[]>;
  /** Processed (or filtered out): removed from the source. */
  ack(records: readonly SourceRecord[]): Promise<void>;
  /** Calls `fn` whenever records may have become available; returns the unsubscribe function. */
  watch(fn: () => void): () => void;
  /** The event for one invocation. */
  event(records: readonly SourceRecord[]): Buffer;
  /** Records waiting, in flight, and how old the oldest waiting one is. */
  lag(): Promise<SourceLag>;
}

export interface SourceLag {
  waiting: number;
  inFlight: number;
  oldestAgeMs: number | undefined;
}

/** What a mapping's settings are checked against at Create and Update. */
export interface MappingCheck extends Scope {
  eventSourceArn: string;
  batchSize: number;
  batchingWindowSeconds: number;
  /** The function's Timeout, seconds. */
  functionTimeout: number;
}

export interface SourceKind {
  /** As Lambda names the source in messages (`SQS`). */
  readonly name: string;
  accepts(eventSourceArn: string): boolean;
  /** Throws Lambda's errors (NimbusError) for a source that is missing or settings it cannot take. */
  check(m: MappingCheck): Promise<void>;
  /** Whether records of one group must stay in order (FIFO queues). */
  ordered(eventSourceArn: string, scope: Scope): Promise<boolean>;
  open(spec: MappingSpec): SourceReader;
}

/** How an invocation of a batch ended. */
export type InvokeOutcome =
  | { kind: 'ok'; payload: Buffer }
  | { kind: 'function-error'; payload: Buffer }
  /** 429: the function's concurrency is used up; retried while the records stay invisible. */
  | { kind: 'throttled'; message: string }
  /** Nimbus could not run it (the function is gone, a sandbox failed to start). */
  | { kind: 'system-error'; message: string };

/** Runs the mapping's function synchronously with a batch's event (the Invoke path, RequestResponse). */
export type BatchInvoker = (spec: MappingSpec, payload: Buffer) => Promise<InvokeOutcome>;
