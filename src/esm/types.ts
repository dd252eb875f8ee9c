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
  /** A stream mapping's own settings (absent for queues). */
  stream?: StreamSettings | undefined;
}

/** How a stream mapping retries and gives up (CreateEventSourceMapping's stream members). */
export interface StreamSettings {
  startingPosition: string;
  bisectBatchOnFunctionError: boolean;
  /** -1: until the record expires. */
  maximumRetryAttempts: number;
  /** -1: as long as the stream keeps it. */
  maximumRecordAgeSeconds: number;
  /** DestinationConfig.OnFailure.Destination: an SQS queue or SNS topic ARN. */
  onFailure: string | undefined;
}

/** One record read from a stream's shard. */
export interface StreamSourceRecord {
  /** Its position in the shard: what a checkpoint stores. */
  position: number;
  /** The id a partial batch response names (`itemIdentifier`): the record's sequence number. */
  id: string;
  /** The record as the function sees it, and as filters match it. */
  record: { readonly [field: string]: unknown };
  /** Epoch ms the record entered the stream. */
  arrivedAt: number;
}

/** A stream mapping's view of its source's one shard: read in order from a checkpoint. */
export interface StreamReader {
  /** The position after which processing goes on: the stored checkpoint, or the starting position (then stored). */
  checkpoint(): Promise<number>;
  /** Up to `max` records after `position` (never waits). */
  read(position: number, max: number): Promise<StreamSourceRecord[]>;
  /** Everything up to `position` was processed (or given up on). */
  commit(position: number): Promise<void>;
  /** Calls `fn` whenever records may have been added; returns the unsubscribe function. */
  watch(fn: () => void): () => void;
  /** The event for one invocation. */
  event(records: readonly StreamSourceRecord[]): Buffer;
  /** The source's part of a failure record (`DDBStreamBatchInfo` or `KinesisBatchInfo`), under its name. */
  batchInfo(records: readonly StreamSourceRecord[]): Record<string, unknown>;
  /** Records after `position`, and how old the oldest is. */
  lag(position: number): Promise<SourceLag>;
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
  /** A queue's reader (a stream kind throws: the runner opens its `openStream` instead). */
  open(spec: MappingSpec): SourceReader;
  /** A stream kind: its rules for the API, and its shard's reader. */
  readonly stream?: { startingPositions: readonly string[]; defaultBatchSize: number };
  openStream?(spec: MappingSpec): StreamReader;
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
