/**
 * The durable async queue's contracts. SQLite is the embedded implementation
 * (src/queue/sqlite-queue.ts); a message broker or server database can implement the same
 * interfaces later. Every record is scoped by account and region like the store's.
 *
 * An event's life: queued -> running -> (succeeded | failed), or running -> retrying -> running
 * ... Only `succeeded` and `failed` are terminal; anything else is picked up again after a crash.
 */
import type { Scope } from '../core/model.js';

export type EventStatus = 'queued' | 'running' | 'retrying' | 'succeeded' | 'failed';

/** Why an event ended, in the words of Lambda's invocation record. */
export type Condition = 'Success' | 'RetriesExhausted' | 'EventAgeExceeded';

/** An event as it is accepted: the request id is fixed here and carried by every attempt. */
export interface NewEvent extends Scope {
  id: string;
  functionName: string;
  qualifier: string | undefined;
  payload: Buffer;
  /** `invoke`, `schedule:<name>` or `destination`. */
  source: string;
  enqueuedAt: number;
  /** X-Amz-Tenant-Id of an Event invoke of a tenant-isolated function: every attempt runs on that tenant's sandboxes. */
  tenantId?: string | undefined;
}

export interface AsyncEvent extends NewEvent {
  status: EventStatus;
  /** Attempts that reached (or were about to reach) the function: Lambda's approximateInvokeCount. */
  attempts: number;
  /** Attempts that ended in a function error: these use up MaximumRetryAttempts. */
  functionErrors: number;
  /** Throttles and system errors so far: they drive the exponential backoff, not the retry budget. */
  throttles: number;
  /** Epoch ms before which the event is not run. */
  notBefore: number;
  lastError: string | undefined;
  condition: Condition | undefined;
  finishedAt: number | undefined;
}

/** A message in a built-in Nimbus queue (an on-success/on-failure destination or dead-letter queue). */
export interface NewMessage extends Scope {
  queue: string;
  body: string;
  attributes: Record<string, string>;
  sentAt: number;
}

export interface StoredMessage extends NewMessage {
  id: number;
}

/** What an attempt's end changes: the event row, plus anything it hands on, in one transaction. */
export interface Settlement {
  id: string;
  status: EventStatus;
  attempts: number;
  functionErrors: number;
  throttles: number;
  notBefore: number;
  lastError: string | undefined;
  condition: Condition | undefined;
  finishedAt: number | undefined;
  /** Events handed on (function destinations). */
  events: NewEvent[];
  /** Messages handed on (queue destinations, dead-letter queues). */
  messages: NewMessage[];
}

export interface EventFilter {
  functionName?: string | undefined;
  status?: EventStatus | undefined;
  /** Only events enqueued at or after this epoch ms, oldest first (otherwise newest first). */
  since?: number | undefined;
  limit: number;
}

/**
 * The durable event queue. Every method that writes is one transaction. `enqueue` returns only
 * once its events are on disk (fsynced); the delivery bookkeeping (`claim`, `settle`,
 * `requeueRunning`, `prune`) must survive a process crash and may reach the disk later, since
 * losing it only makes an event run again.
 */
export interface EventQueue {
  /** Makes events durable (one transaction for the whole batch). Throws when it cannot. */
  enqueue(events: readonly NewEvent[]): Promise<void>;
  /** Marks up to `limit` due events (notBefore <= now) running, counting the attempt, and returns them. */
  claim(now: number, limit: number): Promise<AsyncEvent[]>;
  /** Applies the ends of attempts, with what they hand on, in one transaction. */
  settle(settlements: readonly Settlement[]): Promise<void>;
  /** Puts events left running (a crash or a stop mid-attempt) back in line; returns how many. */
  requeueRunning(now: number): Promise<number>;
  /** The earliest notBefore of a waiting event, if any. */
  nextDueAt(): Promise<number | undefined>;
  get(scope: Scope, id: string): Promise<AsyncEvent | undefined>;
  /** Newest first, or oldest first from `filter.since`. */
  list(scope: Scope, filter: EventFilter): Promise<AsyncEvent[]>;
  /** How many events are in each state (of a function, or all). */
  counts(scope: Scope, functionName?: string): Promise<Record<EventStatus, number>>;
  /** Deletes terminal events that finished before `before`; returns how many. */
  prune(before: number): Promise<number>;

  /**
   * The outbox: messages handed on to queues (destinations, dead-letter queues), written with the
   * settlement that caused them and waiting to be moved into the queue service (outbox.ts).
   * Queues that hold at least one such message, with their sizes:
   */
  queues(scope: Scope): Promise<{ name: string; messages: number }[]>;
  readMessages(scope: Scope, queue: string, afterId: number, limit: number): Promise<StoredMessage[]>;
  /** The oldest outbox messages of every scope, by id. */
  pendingMessages(limit: number): Promise<StoredMessage[]>;
  deleteMessages(scope: Scope, queue: string, ids: readonly number[]): Promise<number>;

  close(): Promise<void>;
}

/** A function's (or one qualifier's) async settings as stored. */
export interface InvokeConfig extends Scope {
  functionName: string;
  qualifier: string;
  maximumRetryAttempts: number | undefined;
  maximumEventAgeInSeconds: number | undefined;
  onSuccess: string | undefined;
  onFailure: string | undefined;
  /** Epoch ms. */
  lastModified: number;
}

export interface InvokeConfigStore {
  getConfig(scope: Scope, functionName: string, qualifier: string): Promise<InvokeConfig | undefined>;
  putConfig(c: InvokeConfig): Promise<void>;
  deleteConfig(scope: Scope, functionName: string, qualifier: string): Promise<boolean>;
  listConfigs(scope: Scope, functionName: string): Promise<InvokeConfig[]>;
  deleteConfigs(scope: Scope, functionName: string): Promise<void>;
}

/** A schedule: an EventBridge rate()/cron() expression that invokes one function asynchronously. */
export interface Schedule extends Scope {
  name: string;
  expression: string;
  functionName: string;
  qualifier: string | undefined;
  /** The event sent instead of the scheduled-event shape (EventBridge's target Input). */
  input: string | undefined;
  enabled: boolean;
  createdAt: number;
  /** Epoch ms of the next run; advanced in the same transaction that enqueues a run. */
  nextAt: number;
  lastRunAt: number | undefined;
  /** Runs missed while Nimbus was down (counted, then coalesced into one run). */
  missed: number;
  /** On schedules an EventBridge rule owns (src/eventbridge): the rule's ARN, the event's `resources`. */
  ruleArn?: string;
  /** And its target's Input/InputPath/InputTransformer (JSON), rendered when a slot fires. */
  targetInput?: string;
}

export interface ScheduleStore {
  putSchedule(s: Schedule): Promise<void>;
  getSchedule(scope: Scope, name: string): Promise<Schedule | undefined>;
  listSchedules(scope: Scope): Promise<Schedule[]>;
  deleteSchedule(scope: Scope, name: string): Promise<boolean>;
  /** Schedules of every scope that are enabled and due at `now`. */
  dueSchedules(now: number): Promise<Schedule[]>;
  /**
   * Enqueues a run and moves the schedule on, atomically: a slot fires once, crash or not. Without
   * an event (its input could not be rendered) the slot passes with nothing enqueued, at `at`.
   */
  fire(s: Schedule, event: NewEvent | undefined, nextAt: number, missed: number, at?: number): Promise<void>;
  nextScheduleAt(): Promise<number | undefined>;
}
