/**
 * The durable queue's delivery rules with an injected clock and a scripted function: Lambda's
 * retry schedule, maximum event age, the separate throttle backoff, reserved concurrency 0,
 * destinations and dead letters, one request id for every attempt, crash recovery, group commit.
 * The queue is the real SQLite one in a temporary directory.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { Acceptor } from '../../src/queue/acceptor.js';
import { Dispatcher } from '../../src/queue/dispatcher.js';
import { backoffMs, DEFAULT_CONFIG, type AttemptOutcome, type EffectiveConfig } from '../../src/queue/retry.js';
import { SqliteQueue } from '../../src/queue/sqlite-queue.js';
import type { AsyncEvent, NewEvent } from '../../src/queue/types.js';

const SCOPE = { accountId: '000000000000', region: 'us-east-1' };
const T0 = Date.UTC(2026, 0, 1);

/** Lets setImmediate-batched work (claims, settlements) run. */
async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

interface Harness {
  clock: ManualClock;
  queue: SqliteQueue;
  dispatcher: Dispatcher;
  /** Every attempt: when it ran and with which request id. */
  calls: { at: number; id: string }[];
  enqueue(ev?: Partial<NewEvent>): Promise<string>;
  /** Moves the clock in steps, letting the dispatcher work between them. */
  advance(ms: number, step?: number): Promise<void>;
  file: string;
}

let seq = 0;

async function harness(
  t: TestContext,
  script: (ev: AsyncEvent, n: number) => AttemptOutcome | Promise<AttemptOutcome>,
  cfg: Partial<EffectiveConfig> | ((ev: AsyncEvent) => Partial<EffectiveConfig>) = {},
  extra: { reserved?: number; file?: string; start?: boolean } = {},
): Promise<Harness> {
  // A caller that passes its own file owns its directory; only a directory made here is removed here.
  const dir = extra.file ? undefined : mkdtempSync(join(tmpdir(), 'nimbus-queue-'));
  const file = extra.file ?? join(dir!, 'queue.db');
  const clock = new ManualClock(T0);
  const queue = new SqliteQueue(file);
  const calls: { at: number; id: string }[] = [];
  const dispatcher = new Dispatcher({
    queue,
    clock,
    attempt: async (ev) => {
      calls.push({ at: clock.now(), id: ev.id });
      return script(ev, calls.length);
    },
    config: async (ev) => ({ ...DEFAULT_CONFIG, ...(typeof cfg === 'function' ? cfg(ev) : cfg) }),
    reservedConcurrency: () => extra.reserved,
  });
  t.after(async () => {
    await queue.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  if (extra.start !== false) await dispatcher.start();
  return {
    clock,
    queue,
    dispatcher,
    calls,
    file,
    async enqueue(ev = {}) {
      const id = ev.id ?? `req-${++seq}`;
      await queue.enqueue([{ id, ...SCOPE, functionName: 'fn', qualifier: undefined, payload: Buffer.from('{"k":1}'), source: 'invoke', enqueuedAt: clock.now(), ...ev }]);
      dispatcher.wake();
      return id;
    },
    async advance(ms, step = 1000) {
      for (let done = 0; done < ms; done += step) {
        clock.advance(Math.min(step, ms - done));
        await turns();
      }
      await turns();
    },
  };
}

const fnError: AttemptOutcome = { kind: 'function-error', payload: Buffer.from('{"errorType":"Error","errorMessage":"boom"}'), executedVersion: '$LATEST' };
const ok: AttemptOutcome = { kind: 'success', payload: Buffer.from('"done"'), executedVersion: '$LATEST' };

test('a failing function runs 3 times, 1 then 2 minutes apart, with one request id, then goes to OnFailure and the DLQ', async (t) => {
  const h = await harness(t, () => fnError, {
    onFailure: 'arn:aws:sqs:us-east-1:000000000000:failures',
    deadLetter: 'arn:aws:sqs:us-east-1:000000000000:dlq',
  });
  const id = await h.enqueue();
  await h.advance(10 * 60_000);
  assert.equal(h.calls.length, 3);
  assert.deepEqual(new Set(h.calls.map((c) => c.id)), new Set([id]));
  assert.deepEqual([h.calls[1]!.at - h.calls[0]!.at, h.calls[2]!.at - h.calls[1]!.at], [60_000, 120_000]);
  const ev = (await h.queue.get(SCOPE, id))!;
  assert.equal(ev.status, 'failed');
  assert.equal(ev.condition, 'RetriesExhausted');
  assert.equal(ev.attempts, 3);

  const [m] = await h.queue.readMessages(SCOPE, 'failures', 0, 10);
  const record = JSON.parse(m!.body) as Record<string, unknown>;
  assert.equal(record['version'], '1.0');
  assert.deepEqual(record['requestContext'], {
    requestId: id,
    functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn:$LATEST',
    condition: 'RetriesExhausted',
    approximateInvokeCount: 3,
  });
  assert.deepEqual(record['requestPayload'], { k: 1 });
  assert.deepEqual(record['responseContext'], { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' });
  assert.deepEqual(record['responsePayload'], { errorType: 'Error', errorMessage: 'boom' });

  const [dl] = await h.queue.readMessages(SCOPE, 'dlq', 0, 10);
  assert.equal(dl!.body, '{"k":1}');
  assert.equal(dl!.attributes['RequestID'], id);
  assert.equal(dl!.attributes['ErrorCode'], '200');
  assert.match(dl!.attributes['ErrorMessage']!, /boom/);
});

test('MaximumRetryAttempts 0: exactly one attempt, then failure handling', async (t) => {
  const h = await harness(t, () => fnError, { maxRetries: 0, onFailure: 'arn:aws:sqs:us-east-1:000000000000:f0' });
  const id = await h.enqueue();
  await h.advance(5 * 60_000);
  assert.equal(h.calls.length, 1);
  const rec = JSON.parse((await h.queue.readMessages(SCOPE, 'f0', 0, 10))[0]!.body) as { requestContext: { approximateInvokeCount: number; requestId: string } };
  assert.equal(rec.requestContext.approximateInvokeCount, 1);
  assert.equal(rec.requestContext.requestId, id);
});

test('a success goes to OnSuccess with the response, once', async (t) => {
  const h = await harness(t, () => ok, { onSuccess: 'arn:aws:sqs:us-east-1:000000000000:wins' });
  const id = await h.enqueue();
  await h.advance(3000);
  assert.equal(h.calls.length, 1);
  const msgs = await h.queue.readMessages(SCOPE, 'wins', 0, 10);
  assert.equal(msgs.length, 1);
  const rec = JSON.parse(msgs[0]!.body) as { requestContext: { condition: string }; responsePayload: unknown; responseContext: Record<string, unknown> };
  assert.equal(rec.requestContext.condition, 'Success');
  assert.equal(rec.responsePayload, 'done');
  assert.equal(rec.responseContext['functionError'], undefined);
  assert.equal((await h.queue.get(SCOPE, id))!.status, 'succeeded');
});

test('a function destination receives the record as a new async event', async (t) => {
  const h = await harness(t, () => ok, (ev) => (ev.functionName === 'fn' ? { onSuccess: 'arn:aws:lambda:us-east-1:000000000000:function:sink' } : {}));
  await h.enqueue();
  await h.advance(3000);
  const sink = await h.queue.list(SCOPE, { functionName: 'sink', limit: 10 });
  assert.equal(sink.length, 1);
  assert.equal(sink[0]!.status, 'succeeded', 'the sink ran it');
  assert.equal(h.calls.length, 2);
  assert.equal(sink[0]!.source, 'destination');
  assert.equal((JSON.parse(sink[0]!.payload.toString()) as { requestContext: { condition: string } }).requestContext.condition, 'Success');
});

test('throttles back off exponentially from 1 s, do not use up function retries, and stop at the maximum event age', async (t) => {
  const h = await harness(t, () => ({ kind: 'throttle', message: 'Rate Exceeded.' }), { maxAgeMs: 60_000, onFailure: 'arn:aws:sqs:us-east-1:000000000000:aged' });
  const id = await h.enqueue();
  await h.advance(3 * 60_000, 250);
  const gaps = h.calls.slice(1).map((c, i) => c.at - h.calls[i]!.at);
  assert.ok(h.calls.length > 3, `more throttled attempts than the function-error retry budget: ${h.calls.length}`);
  assert.deepEqual(gaps.slice(0, 5), [1000, 2000, 4000, 8000, 16000]);
  assert.ok(h.calls.every((c) => c.at - T0 < 60_000), 'nothing runs once the event is 60 s old');
  const ev = (await h.queue.get(SCOPE, id))!;
  assert.equal(ev.status, 'failed');
  assert.equal(ev.condition, 'EventAgeExceeded');
  assert.ok(ev.finishedAt! - T0 >= 60_000 && ev.finishedAt! - T0 <= 61_000, `failed at ${ev.finishedAt! - T0} ms`);
  const rec = JSON.parse((await h.queue.readMessages(SCOPE, 'aged', 0, 10))[0]!.body) as { requestContext: { condition: string; approximateInvokeCount: number } };
  assert.equal(rec.requestContext.condition, 'EventAgeExceeded');
  assert.equal(rec.requestContext.approximateInvokeCount, 0, 'throttled attempts never reached the function');
});

test('the backoff is capped at 5 minutes', () => {
  assert.deepEqual([1, 2, 3, 9, 10, 30].map(backoffMs), [1000, 2000, 4000, 256_000, 300_000, 300_000]);
});

test('throttles followed by a function error still get both retries', async (t) => {
  const h = await harness(t, (_ev, n) => (n <= 3 ? { kind: 'throttle', message: 'Rate Exceeded.' } : fnError));
  await h.enqueue();
  await h.advance(10 * 60_000);
  assert.equal(h.calls.length, 3 + 3);
});

test('reserved concurrency 0 sends events straight to failure handling, never running them', async (t) => {
  const h = await harness(t, () => ok, { onFailure: 'arn:aws:sqs:us-east-1:000000000000:zero' }, { reserved: 0 });
  const id = await h.enqueue();
  await h.advance(2000);
  assert.equal(h.calls.length, 0);
  assert.equal((await h.queue.get(SCOPE, id))!.status, 'failed');
  assert.equal((await h.queue.readMessages(SCOPE, 'zero', 0, 10)).length, 1);
});

test('an event running when the process died runs again after a restart, with the same request id', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-queue-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'queue.db');
  // The first "process" hangs in the function: the crash happens mid-attempt.
  const first = await harness(t, () => new Promise<AttemptOutcome>(() => undefined), {}, { file });
  const id = await first.enqueue();
  await first.advance(1000);
  assert.equal(first.calls.length, 1);
  assert.equal((await first.queue.get(SCOPE, id))!.status, 'running');
  await first.queue.close();

  const second = await harness(t, () => ok, {}, { file });
  await second.advance(2000);
  assert.deepEqual(second.calls.map((c) => c.id), [id]);
  const ev = (await second.queue.get(SCOPE, id))!;
  assert.equal(ev.status, 'succeeded');
  assert.equal(ev.attempts, 2, 'the interrupted attempt is counted');
});

test('group commit: many accepted events share few transactions, and a failed commit rejects every event in it', async (t) => {
  const h = await harness(t, () => ok, {}, { start: false });
  const acceptor = new Acceptor(h.queue, () => undefined);
  const ev = (i: number): NewEvent => ({ id: `g-${i}`, ...SCOPE, functionName: 'fn', qualifier: undefined, payload: Buffer.from('{}'), source: 'invoke', enqueuedAt: T0 });
  await Promise.all(Array.from({ length: 500 }, (_, i) => acceptor.accept(ev(i))));
  assert.equal(acceptor.stats.events, 500);
  assert.ok(acceptor.stats.commits <= 2, `${acceptor.stats.commits} commits for 500 events`);
  assert.equal((await h.queue.list(SCOPE, { limit: 1000 })).length, 500);

  const broken = new Acceptor({ ...h.queue, enqueue: () => { throw new Error('SQLITE_FULL: database or disk is full'); } } as unknown as SqliteQueue, () => undefined);
  const results = await Promise.allSettled([broken.accept(ev(1000)), broken.accept(ev(1001))]);
  assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
  assert.equal((results[0] as PromiseRejectedResult).reason.code, 'ERR_QUEUE_UNAVAILABLE');
});

test('a stop mid-attempt puts the event back without using up a retry', async (t) => {
  let release: (o: AttemptOutcome) => void = () => undefined;
  const h = await harness(t, () => new Promise<AttemptOutcome>((r) => (release = r)));
  const id = await h.enqueue();
  await h.advance(1000);
  const drained = h.dispatcher.drain(50);
  await drained;
  // The pool kills the sandbox: the attempt ends as a function error during the shutdown.
  release(fnError);
  await h.dispatcher.finish();
  const ev = (await h.queue.get(SCOPE, id))!;
  assert.equal(ev.status, 'retrying');
  assert.equal(ev.functionErrors, 0);
});
