/**
 * The shared engine cases (engine.case.ts) on one node's SQLite engine, and what only that engine
 * has: a private database file, group commits of one event-loop turn, sends written at close.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { SqsError } from '../../src/sqs/errors.js';
import { SqsService } from '../../src/sqs/service.js';
import { TestClock } from '../helpers/manual-clock.js';
import { runEngineSuite } from './engine.case.js';

const A = { accountId: '111111111111', region: 'us-east-1' };

function open(t: TestContext, clock = new TestClock()): { sqs: SqsService; clock: TestClock; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-sqs-engine-'));
  const file = join(dir, 'sqs.db');
  const logs: string[] = [];
  const sqs = new SqsService({ file, clock, log: (l) => logs.push(l) });
  t.after(async () => {
    await sqs.close();
    rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(logs, [], 'nothing unexpected was logged');
  });
  return { sqs, clock, file };
}

const code = (c: string) => (e: unknown) => e instanceof SqsError && e.code === c;

runEngineSuite('sqlite', async (t, clock) => open(t, clock).sqs);

test('the database file is private (0600)', (t) => {
  const { file } = open(t);
  assert.equal(statSync(file).mode & 0o777, 0o600);
});

test('sends of one event-loop turn share a commit; one failing send does not sink the others', async (t) => {
  const { sqs } = open(t);
  await sqs.createQueue(A, 'g');
  await sqs.createQueue(A, 'doomed');
  await sqs.createQueue(A, 'g.fifo', { FifoQueue: 'true' });
  const g = await sqs.queue(A, 'g');
  const doomed = await sqs.queue(A, 'doomed');
  const fifo = await sqs.queue(A, 'g.fifo');
  const sends = Array.from({ length: 20 }, (_, i) => sqs.engine.enqueueGrouped(g, [{ body: `m${i}` }]));
  const lost = sqs.engine.enqueueGrouped(doomed, [{ body: 'x' }]);
  const d1 = sqs.engine.enqueueGrouped(fifo, [{ body: 'a', groupId: 'g', deduplicationId: 'same' }]);
  const d2 = sqs.engine.enqueueGrouped(fifo, [{ body: 'b', groupId: 'g', deduplicationId: 'same' }]);
  // Deleted after the sends were accepted but before their shared commit ran.
  const deleting = sqs.engine.deleteQueue(doomed);
  const results = await Promise.all(sends);
  await deleting;
  await assert.rejects(lost, code('AWS.SimpleQueueService.NonExistentQueue'));
  assert.equal((await d1)[0]?.messageId, (await d2)[0]?.messageId, 'deduplicated within one shared commit');
  assert.equal(new Set(results.map((r) => r[0]?.messageId)).size, 20);
  const got = [...(await sqs.receive(A, 'g', { max: 10 })), ...(await sqs.receive(A, 'g', { max: 10 }))];
  assert.deepEqual(got.map((m) => m.body).sort(), Array.from({ length: 20 }, (_, i) => `m${i}`).sort());
});

test('close() writes sends already accepted before it closes the database', async (t) => {
  const { sqs, file } = open(t);
  await sqs.createQueue(A, 'last');
  const q = await sqs.queue(A, 'last');
  const pending = [1, 2, 3].map((i) => sqs.engine.enqueueGrouped(q, [{ body: `m${i}` }]));
  const closing = sqs.close();
  assert.equal((await Promise.all(pending)).length, 3);
  await closing;
  const reopened = new SqsService({ file, clock: new TestClock() });
  try {
    assert.deepEqual((await reopened.receive(A, 'last', { max: 10 })).map((m) => m.body), ['m1', 'm2', 'm3']);
  } finally {
    await reopened.close();
  }
});
