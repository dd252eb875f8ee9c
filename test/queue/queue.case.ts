/**
 * The one queue suite, written against the queue's contracts only (EventQueue, InvokeConfigStore
 * and ScheduleStore in src/queue/types.ts) and run against every implementation: SQLite's today
 * (sqlite.test.ts), a server database's later. A factory makes an empty queue that can also be
 * reopened over the same data, so durability across a restart is part of the contract tested.
 */
import { describe } from 'node:test';
import { eventCases } from './events.case.js';
import type { NewQueue } from './fixtures.js';
import { scheduleCases } from './schedules.case.js';

export type { NewQueue, Queues, QueueUnderTest } from './fixtures.js';

/** Runs every case against queues made by `newQueue`, under a heading named `name`. */
export function runQueueSuite(name: string, newQueue: NewQueue): void {
  describe(`queue contract: ${name}`, () => {
    eventCases(newQueue);
    scheduleCases(newQueue);
  });
}
