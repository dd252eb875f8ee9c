/**
 * Queue behaviour end to end with `@aws-sdk/client-sqs` in real time: FIFO order and
 * deduplication, redrive to a DLQ after maxReceiveCount, long polls woken by a send, visibility
 * timeouts ending, and a restart on the same database file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListQueueTagsCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { startSqsServer } from '../helpers/sqs-server.js';
import { sdk, until } from '../helpers/sqs-clients.js';

test('FIFO with the SDK: group order, deduplication, sequence numbers, FIFO-only rules', async (t) => {
  const srv = await startSqsServer(t);
  const sqs = sdk(srv.url);
  t.after(() => sqs.destroy());
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'jobs.fifo', Attributes: { FifoQueue: 'true', VisibilityTimeout: '30' } }));
  const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes ?? {};
  // Recorded defaults of a FIFO queue.
  assert.deepEqual([attrs['FifoQueue'], attrs['ContentBasedDeduplication'], attrs['DeduplicationScope'], attrs['FifoThroughputLimit']], ['true', 'false', 'queue', 'perQueue']);

  const batch = await sqs.send(new SendMessageBatchCommand({
    QueueUrl,
    Entries: ['a1', 'b1', 'a2', 'b2', 'a3'].map((b) => ({ Id: b, MessageBody: b, MessageGroupId: b[0] ?? '', MessageDeduplicationId: `d-${b}` })),
  }));
  const seqs = batch.Successful?.map((s) => BigInt(s.SequenceNumber ?? '0')) ?? [];
  assert.equal(seqs.length, 5);
  assert.ok(seqs.every((s, i) => i === 0 || s > (seqs[i - 1] ?? 0n)), 'sequence numbers grow');
  const dup = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'a1', MessageGroupId: 'a', MessageDeduplicationId: 'd-a1' }));
  assert.equal(dup.MessageId, batch.Successful?.[0]?.MessageId, 'a duplicate answers with the first message id');

  const take = async (max: number) =>
    (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: max, MessageSystemAttributeNames: ['MessageGroupId', 'SequenceNumber'] }))).Messages ?? [];
  const first = await take(1);
  assert.deepEqual(first.map((m) => m.Body), ['a1']);
  assert.equal(first[0]?.Attributes?.['SequenceNumber'], batch.Successful?.[0]?.SequenceNumber);
  assert.deepEqual((await take(10)).map((m) => m.Body), ['b1', 'b2'], 'group a is blocked while a1 is in flight');
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first[0]?.ReceiptHandle }));
  assert.deepEqual((await take(10)).map((m) => m.Body), ['a2', 'a3']);

  const fifoError = async (input: Partial<ConstructorParameters<typeof SendMessageCommand>[0]>, code: string, message: string) =>
    assert.rejects(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', ...input })), (e: unknown) =>
      (e as { Code?: string }).Code === code && (e as Error).message === message);
  await fifoError({ MessageDeduplicationId: 'x' }, 'MissingParameter', 'The request must contain the parameter MessageGroupId.');
  await fifoError({ MessageGroupId: 'g' }, 'InvalidParameterValue', 'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
  await fifoError({ MessageGroupId: 'g', MessageDeduplicationId: 'y', DelaySeconds: 2 }, 'InvalidParameterValue',
    'Value 2 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.');
  await fifoError({ MessageGroupId: 'g', MessageDeduplicationId: '' }, 'InvalidParameterValue',
    'Value  for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.');
  await assert.rejects(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: '1', MessageBody: 'x', MessageDeduplicationId: 'z' }] })), (e: unknown) =>
    (e as { Code?: string }).Code === 'InvalidParameterValue' && (e as Error).message === 'The request must contain the parameter MessageGroupId.');

  // Content-based deduplication: the same body within 5 minutes is one message.
  const cb = (await sqs.send(new CreateQueueCommand({ QueueName: 'cb.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } }))).QueueUrl;
  const x1 = await sqs.send(new SendMessageCommand({ QueueUrl: cb, MessageBody: '{"foo": "bar"}', MessageGroupId: 'group-1' }));
  const x2 = await sqs.send(new SendMessageCommand({ QueueUrl: cb, MessageBody: '{"foo": "bar"}', MessageGroupId: 'group-2' }));
  assert.equal(x2.MessageId, x1.MessageId);
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: cb, MaxNumberOfMessages: 10 }));
  assert.equal(got.Messages?.length, 1);
});

test('a message received maxReceiveCount times moves to the DLQ with its id and attributes', async (t) => {
  const srv = await startSqsServer(t);
  const sqs = sdk(srv.url);
  t.after(() => sqs.destroy());
  const dlq = (await sqs.send(new CreateQueueCommand({ QueueName: 'dl-queue' }))).QueueUrl;
  const src = (await sqs.send(new CreateQueueCommand({
    QueueName: 'work',
    Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:dl-queue', maxReceiveCount: 1 }) },
  }))).QueueUrl;
  // The recorded AWS scenario (test_dead_letter_queue_message_attributes): maxReceiveCount 1, every message received twice.
  const trace = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
  const one = await sqs.send(new SendMessageCommand({
    QueueUrl: src, MessageBody: 'message-1',
    MessageAttributes: { MyAttribute: { StringValue: 'foobar', DataType: 'String' } },
    MessageSystemAttributes: { AWSTraceHeader: { StringValue: trace, DataType: 'String' } },
  }));
  await sqs.send(new SendMessageCommand({ QueueUrl: src, MessageBody: 'message-2' }));
  const seen = [];
  for (let i = 0; i < 4; i++) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: src, VisibilityTimeout: 0, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }));
    seen.push(...(r.Messages ?? []));
  }
  assert.deepEqual(seen.map((m) => m.Body).sort(), ['message-1', 'message-2'], 'each delivered once, then redriven');
  const dead = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }))).Messages ?? [];
  dead.sort((a, b) => (a.Body ?? '').localeCompare(b.Body ?? ''));
  assert.deepEqual(dead.map((m) => m.Body), ['message-1', 'message-2']);
  const m1 = dead[0];
  assert.equal(m1?.MessageId, one.MessageId);
  assert.equal(m1?.MD5OfMessageAttributes, 'adb59cd4678ea5a855436b949cd07ab6');
  assert.equal(m1?.Attributes?.['ApproximateReceiveCount'], '2');
  assert.equal(m1?.Attributes?.['AWSTraceHeader'], trace);
  assert.equal(m1?.Attributes?.['DeadLetterQueueSourceArn'], 'arn:aws:sqs:us-east-1:000000000000:work');
  assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: src }))).Messages, undefined);
});

test('a long poll is woken by a send; a visibility timeout ending brings the message back', async (t) => {
  const srv = await startSqsServer(t);
  const sqs = sdk(srv.url);
  const sender = sdk(srv.url);
  t.after(() => [sqs, sender].forEach((c) => c.destroy()));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'lp', Attributes: { VisibilityTimeout: '1' } }));
  const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
  await until(async () => (await srv.waitingReceives()) === 1, 'the receive to be parked');
  const sent = await sender.send(new SendMessageCommand({ QueueUrl, MessageBody: 'wake up' }));
  const got = await polling;
  assert.equal(got.Messages?.[0]?.MessageId, sent.MessageId);
  assert.equal(await srv.waitingReceives(), 0);
  // In flight for 1 s: a 20-second poll started now gets it back when the timeout ends.
  const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
  assert.equal(again.Messages?.[0]?.MessageId, sent.MessageId);
  assert.equal(again.Messages?.[0]?.Attributes?.['ApproximateReceiveCount'], '2');
  // A client that gives up ends its poll on the server too.
  const ac = new AbortController();
  const abandoned = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20, VisibilityTimeout: 60 }), { abortSignal: ac.signal });
  await until(async () => (await srv.waitingReceives()) === 1, 'the second receive to be parked');
  ac.abort();
  await assert.rejects(abandoned);
  await until(async () => (await srv.waitingReceives()) === 0, 'the server to drop the abandoned poll');
});

test('restart: queues, sent messages and tags survive; in-flight messages return after their timeout', async (t) => {
  const srv = await startSqsServer(t);
  const sqs = sdk(srv.url);
  t.after(() => sqs.destroy());
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'durable', Attributes: { VisibilityTimeout: '2', DelaySeconds: '0' }, tags: { keep: 'me' } }));
  const fifo = (await sqs.send(new CreateQueueCommand({ QueueName: 'durable.fifo', Attributes: { FifoQueue: 'true' } }))).QueueUrl;
  const ids = [];
  for (const b of ['one', 'two', 'three']) ids.push((await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: b }))).MessageId);
  const fifoSent = await sqs.send(new SendMessageCommand({ QueueUrl: fifo, MessageBody: 'f', MessageGroupId: 'g', MessageDeduplicationId: 'once' }));
  const inFlight = (await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages?.[0];
  assert.equal(inFlight?.Body, 'one');

  await srv.restart();

  const counts = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'VisibilityTimeout'] }))).Attributes;
  assert.deepEqual(counts, { ApproximateNumberOfMessages: '2', ApproximateNumberOfMessagesNotVisible: '1', VisibilityTimeout: '2' });
  assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags, { keep: 'me' });
  const visible = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }))).Messages ?? [];
  assert.deepEqual(visible.map((m) => m.MessageId), ids.slice(1));
  const back = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 10, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }))).Messages?.[0];
  assert.equal(back?.MessageId, ids[0]);
  assert.equal(back?.Attributes?.['ApproximateReceiveCount'], '2');
  // The handle from before the restart is stale: it succeeds without deleting; the new one deletes.
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: inFlight?.ReceiptHandle }));
  await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: back?.ReceiptHandle, VisibilityTimeout: 0 }));
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: back?.ReceiptHandle }));
  assert.equal((await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }))).Attributes?.['ApproximateNumberOfMessagesNotVisible'], '2');
  // FIFO deduplication records survived too.
  const dupAfter = await sqs.send(new SendMessageCommand({ QueueUrl: fifo, MessageBody: 'f', MessageGroupId: 'g', MessageDeduplicationId: 'once' }));
  assert.equal(dupAfter.MessageId, fifoSent.MessageId);
});
