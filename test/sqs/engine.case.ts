/**
 * Queue semantics through the service's programmatic API, with time moved by hand: visibility
 * timeouts, delays, retention, long polls and wake-ups, redrive, FIFO ordering/blocking/dedup,
 * stale receipt handles, the 60-second rules, scoping. The same cases run against one node's
 * SQLite engine (engine-sqlite.test.ts) and the cluster's PostgreSQL engine (engine-postgres.test.ts).
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { SqsError } from '../../src/sqs/errors.js';
import type { SqsService } from '../../src/sqs/service.js';
import { settle as settleTurn, TestClock } from '../helpers/manual-clock.js';

const A = { accountId: '111111111111', region: 'us-east-1' };

/** Opens a fresh service on the clock given; closes it when the test ends. */
export type OpenService = (t: TestContext, clock: TestClock) => Promise<SqsService>;

export function runEngineSuite(name: string, openService: OpenService, opts: { settle?: () => Promise<void> } = {}): void {
/** Lets wake-ups and, on PostgreSQL, the round trips they start finish. */
const settle = opts.settle ?? settleTurn;
async function open(t: TestContext): Promise<{ sqs: SqsService; clock: TestClock }> {
  const clock = new TestClock();
  return { sqs: await openService(t, clock), clock };
}
const code = (c: string) => (e: unknown) => e instanceof SqsError && e.code === c;

test(`${name}: visibility timeout: a received message comes back when it ends, counted`, async (t) => {
  const { sqs, clock } = await open(t);
  await sqs.createQueue(A, 'q', { VisibilityTimeout: '30' });
  const sent = await sqs.send(A, 'q', 'hello');
  const [m] = await sqs.receive(A, 'q');
  assert.equal(m?.messageId, sent.messageId);
  assert.equal(m?.attributes['ApproximateReceiveCount'], '1');
  assert.deepEqual(await sqs.receive(A, 'q'), []);
  await clock.advance(29_999);
  assert.deepEqual(await sqs.receive(A, 'q'), []);
  await clock.advance(1);
  const [again] = await sqs.receive(A, 'q', { visibilityTimeout: 5 });
  assert.equal(again?.messageId, sent.messageId);
  assert.equal(again?.attributes['ApproximateReceiveCount'], '2');
  assert.equal(again?.attributes['ApproximateFirstReceiveTimestamp'], m?.attributes['ApproximateFirstReceiveTimestamp']);
  assert.notEqual(again?.receiptHandle, m?.receiptHandle);
  // ChangeMessageVisibility to 0 makes it visible at once.
  await sqs.changeVisibility(A, 'q', again?.receiptHandle ?? '', 0);
  assert.equal((await sqs.receive(A, 'q')).length, 1);
});

test(`${name}: delays: queue DelaySeconds and per-message DelaySeconds, counted as delayed`, async (t) => {
  const { sqs, clock } = await open(t);
  await sqs.createQueue(A, 'd', { DelaySeconds: '10' });
  await sqs.send(A, 'd', 'queue-delay');
  await sqs.send(A, 'd', 'own-delay', { delaySeconds: 2 });
  await sqs.send(A, 'd', 'no-delay', { delaySeconds: 0 });
  const attrs = async () => await sqs.engine.attributes(await sqs.queue(A, 'd'), ['All']);
  assert.equal((await attrs())['ApproximateNumberOfMessagesDelayed'], '2');
  assert.equal((await attrs())['ApproximateNumberOfMessages'], '1');
  assert.deepEqual((await sqs.receive(A, 'd', { max: 10 })).map((m) => m.body), ['no-delay']);
  await clock.advance(2000);
  assert.deepEqual((await sqs.receive(A, 'd', { max: 10 })).map((m) => m.body), ['own-delay']);
  await clock.advance(8000);
  assert.deepEqual((await sqs.receive(A, 'd', { max: 10 })).map((m) => m.body), ['queue-delay']);
  assert.equal((await attrs())['ApproximateNumberOfMessagesNotVisible'], '3');
});

test(`${name}: long polls wake on a send, on a visibility timeout ending, and end empty at their deadline`, async (t) => {
  const { sqs, clock } = await open(t);
  await sqs.createQueue(A, 'lp', { VisibilityTimeout: '10' });
  const waiting = sqs.receive(A, 'lp', { waitMs: 20_000 });
  await settle();
  const sent = await sqs.send(A, 'lp', 'wake');
  const [got] = await waiting;
  assert.equal(got?.messageId, sent.messageId);
  // In flight for 10 s: a poll waiting 20 s gets it back when the timeout ends.
  const again = sqs.receive(A, 'lp', { waitMs: 20_000 });
  await settle();
  await clock.advance(10_000);
  assert.equal((await again)[0]?.messageId, sent.messageId);
  const empty = sqs.receive(A, 'lp', { waitMs: 5_000, visibilityTimeout: 60 });
  await settle();
  await clock.advance(5_000);
  assert.deepEqual(await empty, []);
});

test(`${name}: a long poll ends when aborted and when the service closes, holding no transaction`, async (t) => {
  const { sqs } = await open(t);
  await sqs.createQueue(A, 'c');
  const ac = new AbortController();
  const aborted = sqs.receive(A, 'c', { waitMs: 20_000, signal: ac.signal });
  const closing = sqs.receive(A, 'c', { waitMs: 20_000 });
  await settle();
  // The database is usable while polls wait: nothing holds a transaction.
  await sqs.createQueue(A, 'other');
  await sqs.send(A, 'other', 'x');
  ac.abort();
  assert.deepEqual(await aborted, []);
  await sqs.close();
  assert.deepEqual(await closing, []);
  await assert.rejects(async () => await sqs.send(A, 'c', 'late'), code('ServiceUnavailable'));
});

test(`${name}: subscribers hear of sends and of delayed messages coming due`, async (t) => {
  const { sqs, clock } = await open(t);
  await sqs.createQueue(A, 's');
  let calls = 0;
  const unsubscribe = await sqs.subscribe(A, 's', () => calls++);
  await sqs.send(A, 's', 'now');
  await settle();
  assert.equal(calls, 1);
  // Consumed, so that only the delayed message can wake anyone later.
  const [first] = await sqs.receive(A, 's');
  await sqs.delete(A, 's', first?.receiptHandle ?? '');
  await sqs.send(A, 's', 'later', { delaySeconds: 30 });
  await settle();
  assert.equal(calls, 1, 'a delayed message is not visible yet');
  await clock.advance(30_000);
  await settle();
  assert.equal(calls, 2);
  unsubscribe();
  await sqs.send(A, 's', 'unheard');
  await settle();
  assert.equal(calls, 2);
});

test(`${name}: redrive: after maxReceiveCount receives the next receive moves the message to the DLQ`, async (t) => {
  const { sqs } = await open(t);
  const dlq = await sqs.createQueue(A, 'dlq');
  await sqs.createQueue(A, 'src', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }) });
  let dlqWakeups = 0;
  await sqs.subscribe(A, 'dlq', () => dlqWakeups++);
  const sent = await sqs.send(A, 'src', 'poison', { attributes: { k: { DataType: 'String', StringValue: 'v' } } });
  for (let i = 1; i <= 2; i++) {
    const [m] = await sqs.receive(A, 'src', { visibilityTimeout: 0 });
    assert.equal(m?.attributes['ApproximateReceiveCount'], String(i));
  }
  assert.deepEqual(await sqs.receive(A, 'src', { visibilityTimeout: 0 }), []);
  await settle();
  assert.equal(dlqWakeups, 1);
  const [d] = await sqs.receive(A, 'dlq');
  assert.equal(d?.messageId, sent.messageId);
  assert.equal(d?.body, 'poison');
  assert.deepEqual(d?.messageAttributes, { k: { DataType: 'String', StringValue: 'v' } });
  assert.equal(d?.attributes['ApproximateReceiveCount'], '3');
  assert.equal(d?.attributes['DeadLetterQueueSourceArn'], 'arn:aws:sqs:us-east-1:111111111111:src');
  assert.equal((await sqs.engine.attributes(await sqs.queue(A, 'src'), ['ApproximateNumberOfMessages']))['ApproximateNumberOfMessages'], '0');
});

test(`${name}: FIFO: order within a group, a group blocked while in flight, other groups served`, async (t) => {
  const { sqs, clock } = await open(t);
  await sqs.createQueue(A, 'f.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true', VisibilityTimeout: '30' });
  for (const [g, b] of [['g1', 'a1'], ['g2', 'b1'], ['g1', 'a2'], ['g2', 'b2'], ['g1', 'a3']] as const) await sqs.send(A, 'f.fifo', b, { groupId: g });
  const first = await sqs.receive(A, 'f.fifo', { max: 1 });
  assert.deepEqual(first.map((m) => m.body), ['a1']);
  // g1 is blocked behind a1; g2 is served in order.
  assert.deepEqual((await sqs.receive(A, 'f.fifo', { max: 10 })).map((m) => m.body), ['b1', 'b2']);
  assert.deepEqual(await sqs.receive(A, 'f.fifo', { max: 10 }), []);
  await sqs.delete(A, 'f.fifo', first[0]?.receiptHandle ?? '');
  // The rest of g1, in order, in one receive (AWS returns several messages of a group at once).
  const rest = await sqs.receive(A, 'f.fifo', { max: 10 });
  assert.deepEqual(rest.map((m) => m.body), ['a2', 'a3']);
  const seqs = rest.map((m) => BigInt(m.attributes['SequenceNumber'] ?? '0'));
  assert.ok(seqs[0]! < seqs[1]!);
  assert.equal(rest[0]?.attributes['MessageGroupId'], 'g1');
  assert.match(rest[0]?.attributes['MessageDeduplicationId'] ?? '', /^[0-9a-f]{64}$/);
  await clock.advance(30_000);
  // Expired in flight: a FIFO handle from before is now stale.
  await assert.rejects(async () => await sqs.delete(A, 'f.fifo', rest[0]?.receiptHandle ?? ''), (e: unknown) => e instanceof SqsError && /The receipt handle has expired\.$/.test(e.message));
});

for (const [position, expected] of [[0, []], [1, ['foo']], [2, ['foo', 'bar']]] as const) {
  test(`${name}: FIFO: extending message ${position} of a group keeps it and all after it invisible (recorded)`, async (t) => {
    const { sqs, clock } = await open(t);
    await sqs.createQueue(A, 'v.fifo', { FifoQueue: 'true', VisibilityTimeout: '1' });
    for (const b of ['foo', 'bar', 'baz']) await sqs.send(A, 'v.fifo', b, { groupId: '1', deduplicationId: b });
    const all = await sqs.receive(A, 'v.fifo', { max: 5 });
    assert.deepEqual(all.map((m) => m.body), ['foo', 'bar', 'baz']);
    await sqs.changeVisibility(A, 'v.fifo', all[position]?.receiptHandle ?? '', 4);
    await clock.advance(2500);
    assert.deepEqual((await sqs.receive(A, 'v.fifo', { max: 5 })).map((m) => m.body), expected);
  });
}

test(`${name}: FIFO deduplication: 5-minute window, explicit ids and content-based, per queue or per group`, async (t) => {
  const { sqs, clock } = await open(t);
  await sqs.createQueue(A, 'dd.fifo', { FifoQueue: 'true' });
  const one = await sqs.send(A, 'dd.fifo', 'x', { groupId: 'g1', deduplicationId: 'same' });
  const dup = await sqs.send(A, 'dd.fifo', 'other body', { groupId: 'g2', deduplicationId: 'same' });
  assert.equal(dup.messageId, one.messageId);
  assert.equal(dup.sequenceNumber, one.sequenceNumber);
  assert.equal(dup.md5OfBody, 'ab5b30d1c41106b54743053392b39cbf', 'the MD5 is of the body sent (the SDK checks it; printf | md5sum)');
  const [m] = await sqs.receive(A, 'dd.fifo', { max: 10 });
  await sqs.delete(A, 'dd.fifo', m?.receiptHandle ?? '');
  // Still deduplicated after the first was deleted (recorded), until 5 minutes passed.
  await sqs.send(A, 'dd.fifo', 'x', { groupId: 'g1', deduplicationId: 'same' });
  assert.deepEqual(await sqs.receive(A, 'dd.fifo'), []);
  await clock.advance(5 * 60_000);
  const fresh = await sqs.send(A, 'dd.fifo', 'x', { groupId: 'g1', deduplicationId: 'same' });
  assert.notEqual(fresh.messageId, one.messageId);
  assert.equal((await sqs.receive(A, 'dd.fifo')).length, 1);

  await sqs.createQueue(A, 'cb.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true', DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
  const a = await sqs.send(A, 'cb.fifo', 'body', { groupId: 'g1' });
  assert.equal((await sqs.send(A, 'cb.fifo', 'body', { groupId: 'g1' })).messageId, a.messageId);
  assert.notEqual((await sqs.send(A, 'cb.fifo', 'body', { groupId: 'g2' })).messageId, a.messageId, 'messageGroup scope');
  await assert.rejects(async () => await sqs.send(A, 'dd.fifo', 'no id', { groupId: 'g' }), (e: unknown) => e instanceof SqsError && e.message.startsWith('The queue should either have ContentBasedDeduplication'));
  await assert.rejects(async () => await sqs.send(A, 'dd.fifo', 'no group', { deduplicationId: 'i' }), code('MissingParameter'));
  await assert.rejects(async () => await sqs.send(A, 'dd.fifo', 'delayed', { groupId: 'g', deduplicationId: 'j', delaySeconds: 2 }), code('InvalidParameterValue'));
});

test(`${name}: FIFO ReceiveRequestAttemptId: a retried receive gets the same messages and handles`, async (t) => {
  const { sqs } = await open(t);
  await sqs.createQueue(A, 'r.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
  await sqs.send(A, 'r.fifo', 'one', { groupId: 'g' });
  await sqs.send(A, 'r.fifo', 'two', { groupId: 'g' });
  const first = await sqs.receive(A, 'r.fifo', { max: 10, receiveRequestAttemptId: 'attempt-1' });
  const retry = await sqs.receive(A, 'r.fifo', { max: 10, receiveRequestAttemptId: 'attempt-1' });
  assert.deepEqual(retry.map((m) => m.receiptHandle), first.map((m) => m.receiptHandle));
  assert.deepEqual(retry.map((m) => m.body), ['one', 'two']);
  assert.deepEqual(await sqs.receive(A, 'r.fifo', { max: 10, receiveRequestAttemptId: 'attempt-2' }), []);
  // Once a message was touched, the attempt id no longer replays.
  await sqs.delete(A, 'r.fifo', first[0]?.receiptHandle ?? '');
  assert.deepEqual(await sqs.receive(A, 'r.fifo', { max: 10, receiveRequestAttemptId: 'attempt-1' }), []);
});

test(`${name}: retention: messages older than MessageRetentionPeriod are gone`, async (t) => {
  const { sqs, clock } = await open(t);
  await sqs.createQueue(A, 'ret', { MessageRetentionPeriod: '60' });
  await sqs.send(A, 'ret', 'old');
  await clock.advance(30_000);
  await sqs.send(A, 'ret', 'young');
  await clock.advance(30_000);
  assert.deepEqual((await sqs.receive(A, 'ret', { max: 10, visibilityTimeout: 0 })).map((m) => m.body), ['young']);
  await clock.advance(30_000);
  assert.deepEqual(await sqs.receive(A, 'ret', { max: 10 }), []);
  assert.equal((await sqs.engine.attributes(await sqs.queue(A, 'ret'), ['ApproximateNumberOfMessages']))['ApproximateNumberOfMessages'], '0');
});

test(`${name}: stale receipt handles on a standard queue: old handles succeed without deleting`, async (t) => {
  const { sqs } = await open(t);
  await sqs.createQueue(A, 'h');
  await sqs.send(A, 'h', 'm');
  const [first] = await sqs.receive(A, 'h', { visibilityTimeout: 0 });
  const [second] = await sqs.receive(A, 'h', { visibilityTimeout: 0 });
  await sqs.delete(A, 'h', first?.receiptHandle ?? '');
  assert.equal((await sqs.receive(A, 'h', { visibilityTimeout: 0 })).length, 1, 'the older handle did not delete');
  await assert.rejects(async () => await sqs.changeVisibility(A, 'h', second?.receiptHandle ?? '', 10), (e: unknown) =>
    e instanceof SqsError && e.message.endsWith('Reason: Message does not exist or is not available for visibility timeout change.'));
  const [latest] = await sqs.receive(A, 'h');
  await sqs.delete(A, 'h', latest?.receiptHandle ?? '');
  await sqs.delete(A, 'h', latest?.receiptHandle ?? '');
  assert.deepEqual(await sqs.receive(A, 'h', { visibilityTimeout: 0 }), []);
  await sqs.createQueue(A, 'h2');
  await assert.rejects(async () => await sqs.delete(A, 'h2', latest?.receiptHandle ?? ''), code('ReceiptHandleIsInvalid'));
  await assert.rejects(async () => await sqs.delete(A, 'h', 'garbage'), code('ReceiptHandleIsInvalid'));
});

test(`${name}: one purge per 60 s; a deleted name is reusable after 60 s`, async (t) => {
  const { sqs, clock } = await open(t);
  await sqs.createQueue(A, 'p');
  await sqs.send(A, 'p', 'x');
  await sqs.engine.purge(await sqs.queue(A, 'p'));
  assert.deepEqual(await sqs.receive(A, 'p'), []);
  await assert.rejects(async () => await sqs.engine.purge(await sqs.queue(A, 'p')), (e: unknown) =>
    e instanceof SqsError && e.status === 403 && e.message === 'Only one PurgeQueue operation on p is allowed every 60 seconds.');
  await clock.advance(60_000);
  await sqs.engine.purge(await sqs.queue(A, 'p'));
  await sqs.engine.deleteQueue(await sqs.queue(A, 'p'));
  await assert.rejects(async () => await sqs.queue(A, 'p'), code('AWS.SimpleQueueService.NonExistentQueue'));
  await assert.rejects(async () => await sqs.createQueue(A, 'p'), code('AWS.SimpleQueueService.QueueDeletedRecently'));
  await clock.advance(60_000);
  await sqs.createQueue(A, 'p');
});

test(`${name}: queues are scoped by account and region; ARNs reach across for internal callers`, async (t) => {
  const { sqs } = await open(t);
  const B = { accountId: '222222222222', region: 'us-east-1' };
  const westA = { accountId: A.accountId, region: 'eu-west-1' };
  await sqs.createQueue(A, 'same');
  await sqs.createQueue(B, 'same');
  await sqs.send(A, 'same', 'for A');
  assert.deepEqual(await sqs.receive(B, 'same'), []);
  await assert.rejects(async () => await sqs.queue(westA, 'same'), code('AWS.SimpleQueueService.NonExistentQueue'));
  assert.equal((await sqs.receive(B, 'arn:aws:sqs:us-east-1:111111111111:same'))[0]?.body, 'for A');
  assert.equal((await sqs.queue(A, 'http://other-host:1234/111111111111/same')).accountId, A.accountId);
});

test(`${name}: CreateQueue is idempotent with the same attributes and refuses different ones`, async (t) => {
  const { sqs } = await open(t);
  const first = await sqs.createQueue(A, 'idem', { DelaySeconds: '1', ReceiveMessageWaitTimeSeconds: '1' });
  assert.equal((await sqs.createQueue(A, 'idem')).arn, first.arn);
  assert.equal((await sqs.createQueue(A, 'idem', { DelaySeconds: '1' })).arn, first.arn);
  await assert.rejects(async () => await sqs.createQueue(A, 'idem', { DelaySeconds: '2' }), (e: unknown) =>
    e instanceof SqsError && e.code === 'QueueAlreadyExists' && e.type === 'QueueNameExists' &&
    e.message === 'A queue already exists with the same name and a different value for attribute DelaySeconds');
});
}
