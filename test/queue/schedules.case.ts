/**
 * The shared queue suite, part two: async invoke configs (InvokeConfigStore) and schedules
 * (ScheduleStore), whose firing enqueues into the event queue. Run by queue.case.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { A, A2, B, config, event, open, schedule, T0, type NewQueue } from './fixtures.js';

const MIN = 60_000;

export function scheduleCases(newQueue: NewQueue): void {
  describe('async invoke configs', () => {
    it('put adds or replaces a config; get reads it back whole; delete says whether there was one', async (t) => {
      const { configs } = open(t, newQueue);
      assert.equal(await configs.getConfig(A, 'f', '$LATEST'), undefined);
      const full = config(A, 'f', '$LATEST', {
        maximumRetryAttempts: 0,
        maximumEventAgeInSeconds: 60,
        onSuccess: 'arn:aws:sqs:us-east-1:111111111111:ok',
        onFailure: 'arn:aws:lambda:us-east-1:111111111111:function:f2',
      });
      await configs.putConfig(full);
      assert.deepEqual(await configs.getConfig(A, 'f', '$LATEST'), full);
      const cleared = config(A, 'f', '$LATEST', { maximumRetryAttempts: 2, lastModified: T0 + 1 });
      await configs.putConfig(cleared);
      assert.deepEqual(await configs.getConfig(A, 'f', '$LATEST'), cleared, 'members left out are gone, not kept');
      assert.equal(await configs.deleteConfig(A, 'f', '$LATEST'), true);
      assert.equal(await configs.deleteConfig(A, 'f', '$LATEST'), false);
      assert.equal(await configs.getConfig(A, 'f', '$LATEST'), undefined);
    });

    it('listConfigs is one function of one scope in qualifier order; deleteConfigs removes all of them', async (t) => {
      const { configs } = open(t, newQueue);
      for (const q of ['live', '$LATEST', '2', '10']) await configs.putConfig(config(A, 'f', q));
      await configs.putConfig(config(A, 'g', '$LATEST'));
      await configs.putConfig(config(A2, 'f', '$LATEST'));
      await configs.putConfig(config(B, 'f', '$LATEST'));
      assert.deepEqual((await configs.listConfigs(A, 'f')).map((c) => c.qualifier), ['$LATEST', '10', '2', 'live']);
      assert.deepEqual((await configs.listConfigs(A2, 'f')).map((c) => c.region), [A2.region]);
      await configs.deleteConfigs(A, 'f');
      assert.deepEqual(await configs.listConfigs(A, 'f'), []);
      assert.equal((await configs.listConfigs(A, 'g')).length, 1);
      assert.equal((await configs.listConfigs(A2, 'f')).length, 1);
      assert.equal((await configs.listConfigs(B, 'f')).length, 1);
    });

    it('configs survive a restart', async (t) => {
      const q = open(t, newQueue);
      await q.configs.putConfig(config(A, 'f', 'live', { maximumRetryAttempts: 1 }));
      assert.deepEqual(await (await q.reopen()).configs.getConfig(A, 'f', 'live'), config(A, 'f', 'live', { maximumRetryAttempts: 1 }));
    });
  });

  describe('schedules', () => {
    it('put adds or replaces a schedule; get, list (name order, one scope) and delete', async (t) => {
      const { schedules } = open(t, newQueue);
      const nightly = schedule(A, 'nightly', T0 + MIN, { expression: 'cron(0 3 * * ? *)', qualifier: 'live', input: '{"k":1}', lastRunAt: T0, missed: 2 });
      await schedules.putSchedule(nightly);
      await schedules.putSchedule(schedule(A, 'alpha', T0 + MIN));
      await schedules.putSchedule(schedule(A2, 'elsewhere', T0 + MIN));
      assert.deepEqual(await schedules.getSchedule(A, 'nightly'), nightly);
      assert.equal(await schedules.getSchedule(B, 'nightly'), undefined);
      assert.deepEqual((await schedules.listSchedules(A)).map((s) => s.name), ['alpha', 'nightly']);
      await schedules.putSchedule(schedule(A, 'nightly', T0 + 2 * MIN, { enabled: false }));
      assert.deepEqual(await schedules.getSchedule(A, 'nightly'), schedule(A, 'nightly', T0 + 2 * MIN, { enabled: false }));
      assert.equal(await schedules.deleteSchedule(A, 'nightly'), true);
      assert.equal(await schedules.deleteSchedule(A, 'nightly'), false);
      assert.deepEqual((await schedules.listSchedules(A)).map((s) => s.name), ['alpha']);
      assert.deepEqual((await schedules.listSchedules(A2)).map((s) => s.name), ['elsewhere']);
    });

    it('dueSchedules: enabled ones of every scope due at a time, soonest first; nextScheduleAt the soonest enabled', async (t) => {
      const { schedules } = open(t, newQueue);
      assert.equal(await schedules.nextScheduleAt(), undefined);
      await schedules.putSchedule(schedule(A, 'later', T0 + 2 * MIN));
      await schedules.putSchedule(schedule(B, 'soon', T0 + MIN));
      await schedules.putSchedule(schedule(A2, 'now', T0));
      await schedules.putSchedule(schedule(A, 'off', T0 - MIN, { enabled: false }));
      assert.equal(await schedules.nextScheduleAt(), T0, 'a disabled schedule does not count');
      assert.deepEqual((await schedules.dueSchedules(T0 + MIN)).map((s) => `${s.accountId}/${s.region}/${s.name}`), [
        '111111111111/eu-west-1/now',
        '222222222222/us-east-1/soon',
      ]);
      assert.deepEqual(await schedules.dueSchedules(T0 - 1), []);
    });

    it('fire enqueues the run and moves the schedule on, once: a stale copy fires nothing', async (t) => {
      const { schedules, events } = open(t, newQueue);
      const s = schedule(A, 'tick', T0, { missed: 1 });
      await schedules.putSchedule(s);
      await schedules.fire(s, event(A, 'run-1', { source: 'schedule:tick', enqueuedAt: T0 + 5 }), T0 + MIN, 3);
      const moved = (await schedules.getSchedule(A, 'tick'))!;
      assert.deepEqual([moved.nextAt, moved.lastRunAt, moved.missed], [T0 + MIN, T0 + 5, 4]);
      assert.equal((await events.get(A, 'run-1'))?.source, 'schedule:tick');
      // The same slot again (another process, or a retry with the old schedule): nothing happens.
      await schedules.fire(s, event(A, 'run-2', { enqueuedAt: T0 + 6 }), T0 + 2 * MIN, 0);
      assert.equal(await events.get(A, 'run-2'), undefined);
      assert.equal((await schedules.getSchedule(A, 'tick'))?.nextAt, T0 + MIN);
      assert.equal(await schedules.nextScheduleAt(), T0 + MIN);
      assert.deepEqual(await schedules.dueSchedules(T0 + MIN - 1), []);
      await schedules.fire(moved, event(A, 'run-3', { enqueuedAt: T0 + MIN }), T0 + 2 * MIN, 0);
      assert.equal((await events.get(A, 'run-3'))?.status, 'queued');
    });

    it('schedules survive a restart', async (t) => {
      const q = open(t, newQueue);
      await q.schedules.putSchedule(schedule(A, 'tick', T0 + MIN));
      const { schedules } = await q.reopen();
      assert.deepEqual(await schedules.getSchedule(A, 'tick'), schedule(A, 'tick', T0 + MIN));
      assert.equal(await schedules.nextScheduleAt(), T0 + MIN);
    });
  });
}
