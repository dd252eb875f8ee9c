/**
 * Events, schedules and configs for the shared queue suite (queue.case.ts), and the factory type
 * every implementation's test file passes to it.
 */
import type { TestContext } from 'node:test';
import type { Scope } from '../../src/core/model.js';
import type { EventQueue, InvokeConfig, InvokeConfigStore, NewEvent, NewMessage, Schedule, ScheduleStore, Settlement } from '../../src/queue/types.js';

/** The queue's three contracts; one implementation may serve all three from one object. */
export interface Queues {
  events: EventQueue;
  configs: InvokeConfigStore;
  schedules: ScheduleStore;
}

/** An open queue: `reopen` closes it and opens the same data again (a restart); `close` ends it. */
export interface QueueUnderTest extends Queues {
  reopen(): Promise<Queues>;
  close(): Promise<void>;
}

export type NewQueue = () => QueueUnderTest;

/** A fresh queue that closes when the test ends. */
export function open(t: TestContext, newQueue: NewQueue): QueueUnderTest {
  const q = newQueue();
  t.after(async () => await q.close());
  return q;
}

export const A: Scope = { accountId: '111111111111', region: 'us-east-1' };
export const A2: Scope = { accountId: '111111111111', region: 'eu-west-1' };
export const B: Scope = { accountId: '222222222222', region: 'us-east-1' };

export const T0 = Date.UTC(2026, 0, 1);

export function event(scope: Scope, id: string, over: Partial<NewEvent> = {}): NewEvent {
  return { ...scope, id, functionName: 'fn', qualifier: undefined, payload: Buffer.from(`{"id":"${id}"}`), source: 'invoke', enqueuedAt: T0, ...over };
}

export function message(scope: Scope, queue: string, body: string, over: Partial<NewMessage> = {}): NewMessage {
  return { ...scope, queue, body, attributes: { RequestID: `req-${body}` }, sentAt: T0, ...over };
}

/** A settlement that ends an event with success after `attempts` attempts. */
export function done(id: string, attempts: number, at: number, over: Partial<Settlement> = {}): Settlement {
  return {
    id,
    status: 'succeeded',
    attempts,
    functionErrors: 0,
    throttles: 0,
    notBefore: at,
    lastError: undefined,
    condition: 'Success',
    finishedAt: at,
    events: [],
    messages: [],
    ...over,
  };
}

export function config(scope: Scope, functionName: string, qualifier: string, over: Partial<InvokeConfig> = {}): InvokeConfig {
  return {
    ...scope,
    functionName,
    qualifier,
    maximumRetryAttempts: undefined,
    maximumEventAgeInSeconds: undefined,
    onSuccess: undefined,
    onFailure: undefined,
    lastModified: T0,
    ...over,
  };
}

export function schedule(scope: Scope, name: string, nextAt: number, over: Partial<Schedule> = {}): Schedule {
  return {
    ...scope,
    name,
    expression: 'rate(1 minute)',
    functionName: 'fn',
    qualifier: undefined,
    input: undefined,
    enabled: true,
    createdAt: T0,
    nextAt,
    lastRunAt: undefined,
    missed: 0,
    ...over,
  };
}
