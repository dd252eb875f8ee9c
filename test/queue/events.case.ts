/**
 * The shared queue suite, part one: the event queue (enqueue, claim, settle, requeue after a
 * crash, listing, counts, pruning) and the built-in message queues. Written against
 * EventQueue only. Run by queue.case.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NewEvent } from '../../src/queue/types.js';
import { A, A2, B, done, event, message, open, T0, type NewQueue } from './fixtures.js';

const ids = (events: readonly { id: string }[]): string[] => events.map((e) => e.id);

export function eventCases(newQueue: NewQueue): void {
  describe('events', () => {
    it('enqueue makes an event waiting at its enqueue time; get reads it back in its own scope only', async (t) => {
      const { events } = open(t, newQueue);
      const e = event(A, 'e1', { qualifier: 'live', payload: Buffer.from([0, 255, 10]), source: 'schedule:nightly' });
      await events.enqueue([e]);
      assert.deepEqual(await events.get(A, 'e1'), {
        ...e,
        status: 'queued',
        attempts: 0,
        functionErrors: 0,
        throttles: 0,
        notBefore: T0,
        lastError: undefined,
        condition: undefined,
        finishedAt: undefined,
        tenantId: undefined,
      });
      assert.equal(await events.get(A2, 'e1'), undefined);
      assert.equal(await events.get(B, 'e1'), undefined);
      assert.equal(await events.get(A, 'nope'), undefined);
      assert.equal(await events.nextDueAt(), T0);
    });

    it('an event keeps its tenant through claim and a restart (each attempt runs on that tenant\'s sandboxes)', async (t) => {
      const q = open(t, newQueue);
      await q.events.enqueue([event(A, 'blue', { tenantId: 'tenant-blue' }), event(A, 'none')]);
      const { events } = await q.reopen();
      assert.equal((await events.get(A, 'blue'))?.tenantId, 'tenant-blue');
      const claimed = await events.claim(T0, 10);
      assert.deepEqual(
        claimed.map((e) => [e.id, e.tenantId]),
        [['blue', 'tenant-blue'], ['none', undefined]],
      );
    });

    it('enqueueing an id again changes nothing: a retried accept does not run an event twice', async (t) => {
      const { events } = open(t, newQueue);
      await events.enqueue([event(A, 'e1', { functionName: 'first' })]);
      await events.claim(T0, 10);
      await events.enqueue([event(A, 'e1', { functionName: 'second' })]);
      const e = (await events.get(A, 'e1'))!;
      assert.deepEqual([e.functionName, e.status, e.attempts], ['first', 'running', 1]);
      assert.deepEqual(await events.claim(T0, 10), []);
    });

    it('a batch is all or nothing: an event that cannot be written fails the call, and none of the batch is kept', async (t) => {
      const { events } = open(t, newQueue);
      // Nothing stores a symbol as bytes: the write fails wherever the queue keeps its events.
      const bad = { ...event(A, 'bad'), payload: Symbol('not bytes') } as unknown as NewEvent;
      await assert.rejects(async () => await events.enqueue([event(A, 'good'), bad]));
      assert.equal(await events.get(A, 'good'), undefined);
      assert.equal(await events.nextDueAt(), undefined);
    });

    it(
      'an event missing a required member is refused, not dropped',
      async (t) => {
        const { events } = open(t, newQueue);
        const bad = { ...event(A, 'bad'), functionName: null } as unknown as NewEvent;
        await assert.rejects(async () => await events.enqueue([event(A, 'good'), bad]));
        assert.equal(await events.get(A, 'good'), undefined);
      },
    );

    it('claim takes due events, earliest first then in enqueue order, marks them running and counts the attempt', async (t) => {
      const { events } = open(t, newQueue);
      await events.enqueue([event(A, 'late', { enqueuedAt: T0 + 5000 }), event(A, 'x', { enqueuedAt: T0 + 1000 })]);
      await events.enqueue([event(B, 'y', { enqueuedAt: T0 + 1000 }), event(A2, 'first', { enqueuedAt: T0 })]);
      assert.deepEqual(await events.claim(T0 + 999, 0), []);
      const claimed = await events.claim(T0 + 1000, 2);
      assert.deepEqual(ids(claimed), ['first', 'x']);
      assert.ok(claimed.every((e) => e.status === 'running' && e.attempts === 1));
      assert.deepEqual(ids(await events.claim(T0 + 1000, 10)), ['y'], 'running events are not claimed again; late is not due');
      assert.equal((await events.get(A, 'x'))?.status, 'running');
      assert.equal((await events.get(A, 'late'))?.status, 'queued');
      assert.equal(await events.nextDueAt(), T0 + 5000);
      assert.deepEqual(ids(await events.claim(T0 + 10_000, 10)), ['late']);
      assert.equal(await events.nextDueAt(), undefined, 'nothing waits');
    });

    it('settle records a retry: the event waits until its time, then is claimed with the next attempt number', async (t) => {
      const { events } = open(t, newQueue);
      await events.enqueue([event(A, 'e1')]);
      await events.claim(T0, 10);
      await events.settle([
        { ...done('e1', 1, T0), status: 'retrying', condition: undefined, finishedAt: undefined, functionErrors: 1, notBefore: T0 + 60_000, lastError: 'Unhandled: boom' },
      ]);
      const waiting = (await events.get(A, 'e1'))!;
      assert.deepEqual([waiting.status, waiting.functionErrors, waiting.notBefore, waiting.lastError], ['retrying', 1, T0 + 60_000, 'Unhandled: boom']);
      assert.equal(await events.nextDueAt(), T0 + 60_000);
      assert.deepEqual(await events.claim(T0 + 59_999, 10), []);
      const [again] = await events.claim(T0 + 60_000, 10);
      assert.deepEqual([again?.id, again?.attempts, again?.functionErrors], ['e1', 2, 1]);
    });

    it('settle ends events and hands on events and messages with them, in one call for many', async (t) => {
      const { events } = open(t, newQueue);
      await events.enqueue([event(A, 'ok'), event(A, 'bad')]);
      await events.claim(T0, 10);
      const onward = event(B, 'onward', { functionName: 'next', source: 'destination', enqueuedAt: T0 + 10 });
      await events.settle([
        done('ok', 1, T0 + 10, { events: [onward] }),
        done('bad', 3, T0 + 20, { status: 'failed', condition: 'RetriesExhausted', functionErrors: 3, lastError: 'x', messages: [message(A, 'dlq', 'bad')] }),
      ]);
      const ok = (await events.get(A, 'ok'))!;
      assert.deepEqual([ok.status, ok.condition, ok.finishedAt, ok.attempts], ['succeeded', 'Success', T0 + 10, 1]);
      const bad = (await events.get(A, 'bad'))!;
      assert.deepEqual([bad.status, bad.condition, bad.finishedAt, bad.functionErrors], ['failed', 'RetriesExhausted', T0 + 20, 3]);
      assert.equal((await events.get(B, 'onward'))?.status, 'queued');
      assert.deepEqual(ids(await events.claim(T0 + 10, 10)), ['onward'], 'ended events are never claimed');
      assert.deepEqual((await events.readMessages(A, 'dlq', 0, 10)).map((m) => m.body), ['bad']);
      await events.settle([]);
    });

    it('requeueRunning puts events left running back in line, due now at the latest, and says how many', async (t) => {
      const { events } = open(t, newQueue);
      await events.enqueue([event(A, 'a'), event(B, 'b'), event(A, 'waiting', { enqueuedAt: T0 + 100_000 })]);
      await events.claim(T0, 10);
      assert.equal(await events.requeueRunning(T0 + 500), 2);
      assert.equal((await events.get(A, 'a'))?.status, 'retrying');
      assert.equal((await events.get(A, 'a'))?.notBefore, T0, 'an earlier due time is kept');
      assert.equal((await events.get(A, 'waiting'))?.status, 'queued', 'waiting events are not touched');
      const again = await events.claim(T0 + 500, 10);
      assert.deepEqual(ids(again).sort(), ['a', 'b']);
      assert.ok(again.every((e) => e.attempts === 2), 'the interrupted attempt counts');
      assert.equal(await events.requeueRunning(T0 + 600), 2);
      assert.equal(await events.requeueRunning(T0 + 600), 0);
    });

    it('what was enqueued, claimed and settled is there after a restart', async (t) => {
      const q = open(t, newQueue);
      await q.events.enqueue([event(A, 'done'), event(A, 'running'), event(A, 'later', { enqueuedAt: T0 + 5000 })]);
      await q.events.claim(T0, 2);
      await q.events.settle([done('done', 1, T0 + 1, { messages: [message(A, 'q', 'm1')] })]);
      const { events } = await q.reopen();
      assert.equal((await events.get(A, 'done'))?.status, 'succeeded');
      assert.equal((await events.get(A, 'running'))?.status, 'running');
      assert.equal((await events.get(A, 'later'))?.status, 'queued');
      assert.deepEqual((await events.readMessages(A, 'q', 0, 10)).map((m) => m.body), ['m1']);
      assert.equal(await events.requeueRunning(T0 + 2), 1);
      assert.deepEqual(ids(await events.claim(T0 + 2, 10)), ['running']);
    });

    it('list: newest first, or oldest first from `since`; filtered by function and status; in its scope', async (t) => {
      const { events } = open(t, newQueue);
      await events.enqueue([
        event(A, 'a1', { enqueuedAt: T0 + 1 }),
        event(A, 'g1', { enqueuedAt: T0 + 2, functionName: 'g' }),
        event(A, 'a2', { enqueuedAt: T0 + 3 }),
        event(A, 'a3', { enqueuedAt: T0 + 3 }),
        event(A2, 'other', { enqueuedAt: T0 + 2 }),
        event(B, 'otherb', { enqueuedAt: T0 + 2 }),
      ]);
      await events.claim(T0 + 1, 1);
      assert.deepEqual(ids(await events.list(A, { limit: 10 })), ['a3', 'a2', 'g1', 'a1'], 'a tie goes to the later enqueue');
      assert.deepEqual(ids(await events.list(A, { limit: 2 })), ['a3', 'a2']);
      assert.deepEqual(ids(await events.list(A, { since: T0 + 2, limit: 10 })), ['g1', 'a2', 'a3']);
      assert.deepEqual(ids(await events.list(A, { since: T0 + 2, limit: 1 })), ['g1']);
      assert.deepEqual(ids(await events.list(A, { functionName: 'fn', limit: 10 })), ['a3', 'a2', 'a1']);
      assert.deepEqual(ids(await events.list(A, { status: 'running', limit: 10 })), ['a1']);
      assert.deepEqual(ids(await events.list(A, { functionName: 'g', status: 'queued', since: T0, limit: 10 })), ['g1']);
      assert.deepEqual(ids(await events.list(A2, { limit: 10 })), ['other']);
      assert.deepEqual(await events.list(A, { functionName: 'nope', limit: 10 }), []);
    });

    it('counts gives every state, for a scope or one function of it', async (t) => {
      const { events } = open(t, newQueue);
      await events.enqueue([event(A, 'a'), event(A, 'b'), event(A, 'c'), event(A, 'g', { functionName: 'g' }), event(B, 'x')]);
      await events.claim(T0, 2);
      await events.settle([done('a', 1, T0)]);
      assert.deepEqual(await events.counts(A), { queued: 2, running: 1, retrying: 0, succeeded: 1, failed: 0 });
      assert.deepEqual(await events.counts(A, 'g'), { queued: 1, running: 0, retrying: 0, succeeded: 0, failed: 0 });
      assert.deepEqual(await events.counts(A2), { queued: 0, running: 0, retrying: 0, succeeded: 0, failed: 0 });
      assert.deepEqual(await events.counts(B, 'fn'), { queued: 1, running: 0, retrying: 0, succeeded: 0, failed: 0 });
    });

    it('prune deletes events that finished before a time, and nothing still in flight', async (t) => {
      const { events } = open(t, newQueue);
      await events.enqueue([event(A, 'old'), event(A, 'recent'), event(B, 'oldb'), event(A, 'running'), event(A, 'queued', { enqueuedAt: T0 + 1 })]);
      await events.claim(T0, 4);
      await events.settle([done('old', 1, T0 + 10), done('recent', 1, T0 + 100), done('oldb', 1, T0 + 10, { status: 'failed', condition: 'EventAgeExceeded' })]);
      assert.equal(await events.prune(T0 + 100), 2);
      assert.deepEqual(ids(await events.list(A, { limit: 10 })).sort(), ['queued', 'recent', 'running']);
      assert.equal(await events.get(B, 'oldb'), undefined);
      assert.equal(await events.prune(T0 + 100), 0);
    });

    it('what is read is a copy: changing it changes nothing stored', async (t) => {
      const { events } = open(t, newQueue);
      const given = event(A, 'e1', { payload: Buffer.from('abc') });
      await events.enqueue([given]);
      given.payload.fill(0x78);
      given.functionName = 'changed';
      for (const e of [(await events.get(A, 'e1'))!, ...await events.list(A, { limit: 1 })]) {
        e.payload.fill(0x79);
        e.status = 'failed';
      }
      const e = (await events.get(A, 'e1'))!;
      assert.deepEqual([e.payload.toString(), e.functionName, e.status], ['abc', 'fn', 'queued']);
    });
  });

  describe('built-in message queues', () => {
    it('readMessages reads one queue of one scope after an id, oldest first; ids increase', async (t) => {
      const { events } = open(t, newQueue);
      await events.enqueue([event(A, 'e1'), event(A, 'e2')]);
      await events.claim(T0, 2);
      await events.settle([
        done('e1', 1, T0, { messages: [message(A, 'dlq', 'm1', { attributes: { ErrorCode: '200', RequestID: 'e1' } }), message(A, 'other', 'o1')] }),
        done('e2', 1, T0, { messages: [message(A, 'dlq', 'm2', { sentAt: T0 + 5 }), message(A2, 'dlq', 'x'), message(B, 'dlq', 'y')] }),
      ]);
      const all = await events.readMessages(A, 'dlq', 0, 10);
      assert.deepEqual(all.map((m) => m.body), ['m1', 'm2']);
      assert.deepEqual(all[0], { ...message(A, 'dlq', 'm1', { attributes: { ErrorCode: '200', RequestID: 'e1' } }), id: all[0]!.id });
      assert.ok(all[1]!.id > all[0]!.id);
      assert.deepEqual((await events.readMessages(A, 'dlq', all[0]!.id, 10)).map((m) => m.body), ['m2']);
      assert.deepEqual((await events.readMessages(A, 'dlq', 0, 1)).map((m) => m.body), ['m1']);
      assert.deepEqual((await events.readMessages(A2, 'dlq', 0, 10)).map((m) => m.body), ['x']);
      assert.deepEqual(await events.readMessages(A, 'nope', 0, 10), []);
    });

    it('queues lists the non-empty queues of a scope by name, with sizes; deleteMessages counts what it deleted', async (t) => {
      const { events } = open(t, newQueue);
      assert.deepEqual(await events.queues(A), []);
      await events.enqueue([event(A, 'e1')]);
      await events.claim(T0, 1);
      await events.settle([done('e1', 1, T0, { messages: [message(A, 'zeta', '1'), message(A, 'alpha', '2'), message(A, 'zeta', '3'), message(B, 'beta', '4')] })]);
      assert.deepEqual(await events.queues(A), [{ name: 'alpha', messages: 1 }, { name: 'zeta', messages: 2 }]);
      assert.deepEqual(await events.queues(B), [{ name: 'beta', messages: 1 }]);
      const zeta = (await events.readMessages(A, 'zeta', 0, 10)).map((m) => m.id);
      const alpha = (await events.readMessages(A, 'alpha', 0, 10)).map((m) => m.id);
      const beta = (await events.readMessages(B, 'beta', 0, 10)).map((m) => m.id);
      // Ids of another queue or another scope are not this queue's to delete.
      assert.equal(await events.deleteMessages(A, 'zeta', [...zeta, ...alpha, ...beta, 999_999]), 2);
      assert.equal(await events.deleteMessages(A, 'zeta', zeta), 0);
      assert.deepEqual(await events.queues(A), [{ name: 'alpha', messages: 1 }], 'an emptied queue is not listed');
      assert.deepEqual(await events.queues(B), [{ name: 'beta', messages: 1 }]);
    });
  });
}
