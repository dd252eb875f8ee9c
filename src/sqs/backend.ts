/**
 * What the SQS operations and Nimbus's own callers need from a queue engine, Promise-returning
 * so that one node's SQLite engine (engine.ts, behind sqlite-backend.ts) and a cluster's shared
 * PostgreSQL engine (pg/engine.ts) answer the same calls. Errors are `SqsError`s (rejections).
 */
import type { Clock } from '../core/clock.js';
import type { InspectedMessage, OutgoingMessage, QueueOverview, QueueRecord, ReceivedMessage, ReceiveOptions, Scope, SentMessage } from './types.js';

export interface Page {
  names: string[];
  nextToken?: string;
}

export interface SqsBackend {
  readonly clock: Clock;
  readonly isClosed: boolean;
  /** Long polls waiting now on this node (metrics, tests). */
  readonly waitingReceives: number;

  /** A queue by name (in `scope`), ARN or queue URL. */
  queue(scope: Scope, ref: string): Promise<QueueRecord>;
  /** A queue by name in `scope` (GetQueueUrl, QueueUrl resolution). */
  getQueue(scope: Scope, name: string): Promise<QueueRecord>;
  createQueue(scope: Scope, name: string, attributes: Record<string, string>, tags: Record<string, string>): Promise<QueueRecord>;
  listQueues(scope: Scope, prefix: string, maxResults: number | undefined, nextToken: string | undefined, limit: number): Promise<Page>;
  attributes(q: QueueRecord, names: readonly string[]): Promise<Record<string, string>>;
  setAttributes(q: QueueRecord, attributes: Record<string, string>): Promise<void>;
  purge(q: QueueRecord): Promise<void>;
  tag(q: QueueRecord, tags: Record<string, string>): Promise<void>;
  untag(q: QueueRecord, keys: readonly string[]): Promise<void>;
  deadLetterSources(q: QueueRecord, maxResults: number | undefined, nextToken: string | undefined): Promise<Page>;
  deleteQueue(q: QueueRecord): Promise<void>;

  /** Checks and enqueues messages (all or none); durable when it resolves. */
  send(q: QueueRecord, batch: readonly OutgoingMessage[], inBatch?: boolean): Promise<SentMessage[]>;
  /** Enqueues messages already checked with `checkOutgoing` (the HTTP operations); durable when it resolves. */
  enqueueGrouped(q: QueueRecord, batch: readonly OutgoingMessage[]): Promise<SentMessage[]>;
  receive(q: QueueRecord, opts?: ReceiveOptions): Promise<ReceivedMessage[]>;
  deleteMessage(q: QueueRecord, receiptHandle: string): Promise<void>;
  changeVisibility(q: QueueRecord, receiptHandle: string, seconds: number): Promise<void>;
  /** Calls `fn` when the queue may have gained visible messages; returns the unsubscribe function. */
  subscribe(q: QueueRecord, fn: () => void): () => void;

  overview(scope: Scope): Promise<QueueOverview[]>;
  backlog(q: QueueRecord): Promise<QueueOverview>;
  inspect(q: QueueRecord, afterSeq: number, limit: number): Promise<InspectedMessage[]>;
  discard(q: QueueRecord, seqs: readonly number[]): Promise<number>;

  arn(q: QueueRecord): string;
  /** The queue's ReceiveMessageWaitTimeSeconds, the long-poll default. */
  defaultWaitSeconds(q: QueueRecord): number;
  /** Ends the long polls waiting now (they answer with no messages); the engine stays open. */
  endLongPolls(): void;
  /** Ends long polls, writes accepted sends, releases the database. Idempotent. */
  close(): Promise<void>;
}
