/**
 * One node's queues: the synchronous SQLite engine (engine.ts) behind the Promise-returning
 * `SqsBackend`. Every call still runs to completion inside the engine in one turn (so a receive
 * is one short transaction and sends share group commits as before); only the answer is wrapped.
 */
import type { Clock } from '../core/clock.js';
import type { Page, SqsBackend } from './backend.js';
import { SqsEngine, type EngineOptions } from './engine.js';
import { serviceUnavailable } from './errors.js';
import type { InspectedMessage, OutgoingMessage, QueueOverview, QueueRecord, ReceivedMessage, ReceiveOptions, Scope, SentMessage } from './types.js';

export class SqliteSqsBackend implements SqsBackend {
  /** The synchronous engine, for tests that reach into it. */
  readonly engine: SqsEngine;

  constructor(opts: EngineOptions) {
    this.engine = new SqsEngine(opts);
  }

  get clock(): Clock {
    return this.engine.clock;
  }
  get isClosed(): boolean {
    return this.engine.isClosed;
  }
  get waitingReceives(): number {
    return this.engine.waitingReceives;
  }

  async queue(scope: Scope, ref: string): Promise<QueueRecord> {
    return this.engine.queue(scope, ref);
  }
  async getQueue(scope: Scope, name: string): Promise<QueueRecord> {
    this.assertOpen();
    return this.engine.admin.get(scope, name);
  }
  async createQueue(scope: Scope, name: string, attributes: Record<string, string>, tags: Record<string, string>): Promise<QueueRecord> {
    this.assertOpen();
    return this.engine.admin.create(scope, name, attributes, tags);
  }
  async listQueues(scope: Scope, prefix: string, maxResults: number | undefined, nextToken: string | undefined, limit: number): Promise<Page> {
    this.assertOpen();
    return this.engine.admin.list(scope, prefix, maxResults, nextToken, limit);
  }
  async attributes(q: QueueRecord, names: readonly string[]): Promise<Record<string, string>> {
    this.assertOpen();
    return this.engine.admin.attributes(q, names);
  }
  async setAttributes(q: QueueRecord, attributes: Record<string, string>): Promise<void> {
    this.assertOpen();
    this.engine.admin.setAttributes(q, attributes);
  }
  async purge(q: QueueRecord): Promise<void> {
    this.assertOpen();
    this.engine.admin.purge(q);
  }
  async tag(q: QueueRecord, tags: Record<string, string>): Promise<void> {
    this.assertOpen();
    this.engine.admin.tag(q, tags);
  }
  async untag(q: QueueRecord, keys: readonly string[]): Promise<void> {
    this.assertOpen();
    this.engine.admin.untag(q, keys);
  }
  async deadLetterSources(q: QueueRecord, maxResults: number | undefined, nextToken: string | undefined): Promise<Page> {
    this.assertOpen();
    return this.engine.admin.deadLetterSources(q, maxResults, nextToken);
  }
  async deleteQueue(q: QueueRecord): Promise<void> {
    this.engine.deleteQueue(q);
  }
  async send(q: QueueRecord, batch: readonly OutgoingMessage[], inBatch?: boolean): Promise<SentMessage[]> {
    return this.engine.send(q, batch, inBatch);
  }
  enqueueGrouped(q: QueueRecord, batch: readonly OutgoingMessage[]): Promise<SentMessage[]> {
    return this.engine.enqueueGrouped(q, batch);
  }
  receive(q: QueueRecord, opts?: ReceiveOptions): Promise<ReceivedMessage[]> {
    return this.engine.receive(q, opts);
  }
  async deleteMessage(q: QueueRecord, receiptHandle: string): Promise<void> {
    this.engine.deleteMessage(q, receiptHandle);
  }
  async changeVisibility(q: QueueRecord, receiptHandle: string, seconds: number): Promise<void> {
    this.engine.changeVisibility(q, receiptHandle, seconds);
  }
  subscribe(q: QueueRecord, fn: () => void): () => void {
    return this.engine.subscribe(q, fn);
  }
  async overview(scope: Scope): Promise<QueueOverview[]> {
    return this.engine.overview(scope);
  }
  async backlog(q: QueueRecord): Promise<QueueOverview> {
    return this.engine.backlog(q);
  }
  async inspect(q: QueueRecord, afterSeq: number, limit: number): Promise<InspectedMessage[]> {
    return this.engine.inspect(q, afterSeq, limit);
  }
  async discard(q: QueueRecord, seqs: readonly number[]): Promise<number> {
    return this.engine.discard(q, seqs);
  }
  arn(q: QueueRecord): string {
    return this.engine.arn(q);
  }
  defaultWaitSeconds(q: QueueRecord): number {
    return this.engine.defaultWaitSeconds(q);
  }
  endLongPolls(): void {
    this.engine.endLongPolls();
  }
  async close(): Promise<void> {
    this.engine.close();
  }

  private assertOpen(): void {
    if (this.engine.isClosed) throw serviceUnavailable();
  }
}
