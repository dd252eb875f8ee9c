/** EventBridge schedule expressions, and the scheduler's firing and missed-run handling with an injected clock. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { parseSchedule, ScheduleExpressionError } from '../../src/queue/schedule-expr.js';
import { Scheduler } from '../../src/queue/scheduler.js';
import { SqliteQueue } from '../../src/queue/sqlite-queue.js';
import type { Schedule } from '../../src/queue/types.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString());

/** The next `n` runs after `from`. */
function runs(expr: string, from: string, n: number): (string | undefined)[] {
  const e = parseSchedule(expr);
  const out: (string | undefined)[] = [];
  let t: number | undefined = at(from);
  for (let i = 0; i < n && t !== undefined; i++) {
    t = e.next(t, at(from));
    out.push(iso(t));
  }
  return out;
}

test('rate() counts whole periods from the schedule creation', () => {
  assert.deepEqual(runs('rate(5 minutes)', '2026-03-01T10:00:30.000Z', 3), ['2026-03-01T10:05:30.000Z', '2026-03-01T10:10:30.000Z', '2026-03-01T10:15:30.000Z']);
  assert.deepEqual(runs('rate(1 hour)', '2026-03-01T10:00:00.000Z', 1), ['2026-03-01T11:00:00.000Z']);
  assert.deepEqual(runs('rate(2 days)', '2026-03-01T10:00:00.000Z', 1), ['2026-03-03T10:00:00.000Z']);
});

test('rate() takes the singular unit for 1 and the plural otherwise, like EventBridge', () => {
  for (const bad of ['rate(1 minutes)', 'rate(5 minute)', 'rate(0 minutes)', 'rate(-1 minutes)', 'rate(5 seconds)', 'rate(5minutes)', 'every 5 minutes']) {
    assert.throws(() => parseSchedule(bad), ScheduleExpressionError, bad);
  }
});

test('cron() fields: minutes, hours, day of month, month, day of week, year (UTC)', () => {
  // Every day at 12:00.
  assert.deepEqual(runs('cron(0 12 * * ? *)', '2026-03-01T12:00:00.000Z', 2), ['2026-03-02T12:00:00.000Z', '2026-03-03T12:00:00.000Z']);
  // Every 15 minutes.
  assert.deepEqual(runs('cron(0/15 * * * ? *)', '2026-03-01T10:07:00.000Z', 3), ['2026-03-01T10:15:00.000Z', '2026-03-01T10:30:00.000Z', '2026-03-01T10:45:00.000Z']);
  // 10:15 Monday to Friday (SUN = 1): 2026-03-06 is a Friday.
  assert.deepEqual(runs('cron(15 10 ? * MON-FRI *)', '2026-03-06T11:00:00.000Z', 2), ['2026-03-09T10:15:00.000Z', '2026-03-10T10:15:00.000Z']);
  assert.deepEqual(runs('cron(15 10 ? * 2-6 *)', '2026-03-06T11:00:00.000Z', 1), ['2026-03-09T10:15:00.000Z']);
  // The last day of the month, and the first Monday of the month.
  assert.deepEqual(runs('cron(0 18 L * ? *)', '2026-02-01T00:00:00.000Z', 2), ['2026-02-28T18:00:00.000Z', '2026-03-31T18:00:00.000Z']);
  assert.deepEqual(runs('cron(0 9 ? * MON#1 *)', '2026-03-03T00:00:00.000Z', 1), ['2026-04-06T09:00:00.000Z']);
  assert.deepEqual(runs('cron(0 9 ? * 6L *)', '2026-03-01T00:00:00.000Z', 1), ['2026-03-27T09:00:00.000Z']);
  // Lists, month names and a year.
  assert.deepEqual(runs('cron(0 8 1 JAN,JUL ? 2027)', '2026-03-01T00:00:00.000Z', 3), ['2027-01-01T08:00:00.000Z', '2027-07-01T08:00:00.000Z', undefined]);
});

test('cron() rejects what EventBridge rejects (and W, which Nimbus does not do)', () => {
  for (const bad of ['cron(0 12 * * * *)', 'cron(0 12 ? * ? *)', 'cron(0 12 * *)', 'cron(60 12 * * ? *)', 'cron(0 24 * * ? *)', 'cron(0 12 32 * ? *)', 'cron(0 12 ? * 8 *)', 'cron(0 12 15W * ? *)', 'cron(5-1 * * * ? *)']) {
    assert.throws(() => parseSchedule(bad), ScheduleExpressionError, bad);
  }
});

function scheduleRow(over: Partial<Schedule>): Schedule {
  return {
    accountId: '000000000000',
    region: 'us-east-1',
    name: 'tick',
    expression: 'rate(1 minute)',
    functionName: 'fn',
    qualifier: undefined,
    input: undefined,
    enabled: true,
    createdAt: at('2026-03-01T10:00:00.000Z'),
    nextAt: at('2026-03-01T10:01:00.000Z'),
    lastRunAt: undefined,
    missed: 0,
    ...over,
  };
}

test('the scheduler enqueues EventBridge scheduled events through the queue, once per slot', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-sched-'));
  const queue = new SqliteQueue(join(dir, 'queue.db'));
  t.after(async () => {
    await queue.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const clock = new ManualClock(at('2026-03-01T10:00:00.000Z'));
  await queue.putSchedule(scheduleRow({}));
  let woken = 0;
  const s = new Scheduler({ store: queue, clock, onEnqueued: () => woken++ });
  await s.start();
  // In steps, letting each tick's store calls settle before the next slot's timer is due.
  for (let i = 0; i < 19; i++) {
    clock.advance(10_000);
    await new Promise((r) => setImmediate(r));
  }
  s.stop();
  const evs = (await queue.list({ accountId: '000000000000', region: 'us-east-1' }, { limit: 10 })).reverse();
  assert.equal(evs.length, 3);
  assert.equal(woken, 3);
  const first = JSON.parse(evs[0]!.payload.toString()) as Record<string, unknown>;
  assert.deepEqual(Object.keys(first).sort(), ['account', 'detail', 'detail-type', 'id', 'region', 'resources', 'source', 'time', 'version']);
  assert.equal(first['detail-type'], 'Scheduled Event');
  assert.equal(first['source'], 'aws.events');
  assert.equal(first['time'], '2026-03-01T10:01:00Z');
  assert.deepEqual(first['resources'], ['arn:aws:events:us-east-1:000000000000:rule/tick']);
  assert.deepEqual(evs.map((e) => e.source), ['schedule:tick', 'schedule:tick', 'schedule:tick']);
});

test('runs missed while Nimbus was down are coalesced into one run and counted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-sched-'));
  const queue = new SqliteQueue(join(dir, 'queue.db'));
  t.after(async () => {
    await queue.close();
    rmSync(dir, { recursive: true, force: true });
  });
  // Nimbus comes back at 10:30:30; the schedule's next slot was 10:01.
  const clock = new ManualClock(at('2026-03-01T10:30:30.000Z'));
  await queue.putSchedule(scheduleRow({ input: '{"custom":true}' }));
  const s = new Scheduler({ store: queue, clock, onEnqueued: () => undefined });
  await s.start();
  s.stop();
  const evs = await queue.list({ accountId: '000000000000', region: 'us-east-1' }, { limit: 100 });
  assert.equal(evs.length, 1, 'one catch-up run, not thirty');
  assert.equal(evs[0]!.payload.toString(), '{"custom":true}', 'Input replaces the scheduled event');
  const after = (await queue.getSchedule({ accountId: '000000000000', region: 'us-east-1' }, 'tick'))!;
  assert.equal(after.missed, 29);
  assert.equal(iso(after.nextAt), '2026-03-01T10:31:00.000Z');
});
