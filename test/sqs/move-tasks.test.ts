/**
 * Dead-letter queue redrive (StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask)
 * with @aws-sdk/client-sqs (JSON protocol) and plain Query-protocol requests against a real
 * Nimbus: messages dead-lettered by a redrive policy go back to their source queue (no
 * DestinationArn) or to a destination, FIFO order and groups kept; tasks listed newest first;
 * refusals in SQS's shapes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CancelMessageMoveTaskCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  ListMessageMoveTasksCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { sdk, until } from '../helpers/sqs-clients.js';
import { startSqsServer } from '../helpers/sqs-server.js';

const ACCOUNT = '000000000000';
const arn = (name: string): string => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;

/** Receives and deletes every visible message (up to `n`), answering their bodies in order. */
async function drain(sqs: SQSClient, url: string, n: number, attributes = false): Promise<{ body: string; group?: string }[]> {
  const out: { body: string; group?: string }[] = [];
  for (let i = 0; i < 20 && out.length < n; i++) {
    const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, ...(attributes ? { MessageSystemAttributeNames: ['All'] } : {}) }))).Messages ?? [];
    for (const m of got) {
      out.push({ body: m.Body!, ...(m.Attributes?.['MessageGroupId'] ? { group: m.Attributes['MessageGroupId'] } : {}) });
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle! }));
    }
  }
  return out;
}

/** Receives the messages of `url` without deleting them until its redrive policy has dead-lettered them all. */
async function exhaust(sqs: SQSClient, url: string): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 0 }))).Messages ?? [];
    if (got.length === 0) return;
  }
  assert.fail(`${url} still has messages`);
}

test('a redrive moves dead-lettered messages back to their source queue, or to a destination; FIFO keeps order and groups', async (t) => {
  const srv = await startSqsServer(t);
  const sqs = sdk(srv.url);
  t.after(() => sqs.destroy());
  const url = (name: string): string => `${srv.url}/${ACCOUNT}/${name}`;
  await sqs.send(new CreateQueueCommand({ QueueName: 'dlq' }));
  await sqs.send(new CreateQueueCommand({ QueueName: 'orders', Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn('dlq'), maxReceiveCount: 1 }) } }));
  await sqs.send(new CreateQueueCommand({ QueueName: 'elsewhere' }));
  for (const body of ['a', 'b', 'c']) await sqs.send(new SendMessageCommand({ QueueUrl: url('orders'), MessageBody: body }));
  await exhaust(sqs, url('orders'));

  // Without a DestinationArn: back where they came from.
  const started = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('dlq') }));
  assert.ok(started.TaskHandle);
  await until(async () => (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arn('dlq') }))).Results?.[0]?.Status === 'COMPLETED', 'the task completes');
  const listed = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arn('dlq'), MaxResults: 10 }))).Results ?? [];
  assert.equal(listed.length, 1);
  assert.deepEqual({ ...listed[0], StartedTimestamp: undefined }, {
    Status: 'COMPLETED',
    SourceArn: arn('dlq'),
    ApproximateNumberOfMessagesMoved: 3,
    ApproximateNumberOfMessagesToMove: 3,
    StartedTimestamp: undefined,
  });
  assert.equal(typeof listed[0]!.StartedTimestamp, 'number');
  assert.deepEqual((await drain(sqs, url('orders'), 3)).map((m) => m.body).sort(), ['a', 'b', 'c']);
  assert.deepEqual(await drain(sqs, url('dlq'), 1), []);

  // With one: to that queue.
  await sqs.send(new SendMessageCommand({ QueueUrl: url('dlq'), MessageBody: 'straight in' }));
  await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('dlq'), DestinationArn: arn('elsewhere'), MaxNumberOfMessagesPerSecond: 50 }));
  assert.deepEqual((await drain(sqs, url('elsewhere'), 1)).map((m) => m.body), ['straight in']);
  const newest = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arn('dlq'), MaxResults: 10 }))).Results ?? [];
  assert.deepEqual(newest.map((r) => [r.DestinationArn, r.MaxNumberOfMessagesPerSecond]), [[arn('elsewhere'), 50], [undefined, undefined]], 'newest first');

  // FIFO: the group and the order within it are kept.
  await sqs.send(new CreateQueueCommand({ QueueName: 'dlq.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } }));
  await sqs.send(
    new CreateQueueCommand({
      QueueName: 'work.fifo',
      Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn('dlq.fifo'), maxReceiveCount: 1 }) },
    }),
  );
  await sqs.send(new CreateQueueCommand({ QueueName: 'replay.fifo', Attributes: { FifoQueue: 'true' } }));
  for (const body of ['1', '2', '3']) await sqs.send(new SendMessageCommand({ QueueUrl: url('dlq.fifo'), MessageBody: body, MessageGroupId: 'g1' }));
  await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('dlq.fifo'), DestinationArn: arn('replay.fifo') }));
  assert.deepEqual(await drain(sqs, url('replay.fifo'), 3, true), [{ body: '1', group: 'g1' }, { body: '2', group: 'g1' }, { body: '3', group: 'g1' }]);

  // Refusals.
  const refused = async (p: Promise<unknown>, name: string, status: number, message: string | RegExp): Promise<void> =>
    await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, name);
      assert.equal(e.$metadata?.httpStatusCode, status);
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
      return true;
    });
  await refused(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('elsewhere') })), 'InvalidParameterValue', 400, 'Source queue must be configured as a Dead Letter Queue.');
  await refused(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('ghost') })), 'ResourceNotFoundException', 404, "The resource that you specified for the SourceArn parameter doesn't exist.");
  await refused(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('dlq'), DestinationArn: arn('ghost') })), 'ResourceNotFoundException', 404, /DestinationArn/);
  await refused(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('dlq'), MaxNumberOfMessagesPerSecond: 501 })), 'InvalidParameterValue', 400, /MaxNumberOfMessagesPerSecond/);
  await refused(sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arn('dlq'), MaxResults: 11 })), 'InvalidParameterValue', 400, /MaxResults/);
  await refused(sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle: started.TaskHandle! })), 'UnsupportedOperation', 400, /COMPLETED/);
});

test('a slow redrive can be cancelled and is listed as CANCELLED; the Query protocol drives it too', async (t) => {
  const srv = await startSqsServer(t);
  const sqs = sdk(srv.url);
  t.after(() => sqs.destroy());
  const url = (name: string): string => `${srv.url}/${ACCOUNT}/${name}`;
  await sqs.send(new CreateQueueCommand({ QueueName: 'dlq' }));
  await sqs.send(new CreateQueueCommand({ QueueName: 'src', Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn('dlq'), maxReceiveCount: 3 }) } }));
  await sqs.send(new CreateQueueCommand({ QueueName: 'dest' }));
  for (let i = 0; i < 30; i++) await sqs.send(new SendMessageCommand({ QueueUrl: url('dlq'), MessageBody: `m${i}` }));
  const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('dlq'), DestinationArn: arn('dest'), MaxNumberOfMessagesPerSecond: 2 }));
  await assert.rejects(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn('dlq'), DestinationArn: arn('dest') })), (e: Error) => e.name === 'UnsupportedOperation');
  const cancelled = await sqs.send(new CancelMessageMoveTaskCommand({ TaskHandle }));
  assert.ok((cancelled.ApproximateNumberOfMessagesMoved ?? -1) >= 0);
  await until(async () => (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arn('dlq') }))).Results?.[0]?.Status === 'CANCELLED', 'the task is cancelled');
  const task = (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arn('dlq') }))).Results![0]!;
  assert.equal(task.TaskHandle, undefined, 'a handle only while RUNNING');
  const moved = task.ApproximateNumberOfMessagesMoved!;
  assert.ok(moved < 30, `moved ${moved} of 30 before the cancel`);
  const left = (await drain(sqs, url('dlq'), 30 - moved)).length;
  assert.equal(left + moved, 30, 'every message is in one queue or the other');

  // The Query protocol (Debian's /usr/bin/aws 2.9 predates these operations; older SDKs speak it).
  const query = async (params: Record<string, string>): Promise<{ status: number; text: string }> => {
    const r = await fetch(srv.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Version: '2012-11-05', ...params }).toString(),
    });
    return { status: r.status, text: await r.text() };
  };
  await sqs.send(new SendMessageCommand({ QueueUrl: url('dlq'), MessageBody: 'via query' }));
  const start = await query({ Action: 'StartMessageMoveTask', SourceArn: arn('dlq'), DestinationArn: arn('dest') });
  assert.equal(start.status, 200, start.text);
  assert.match(start.text, /^<\?xml version="1\.0"\?><StartMessageMoveTaskResponse xmlns="http:\/\/queue\.amazonaws\.com\/doc\/2012-11-05\/"><StartMessageMoveTaskResult><TaskHandle>[A-Za-z0-9+/=]+<\/TaskHandle><\/StartMessageMoveTaskResult>/);
  await until(async () => (await query({ Action: 'ListMessageMoveTasks', SourceArn: arn('dlq') })).text.includes('<Status>COMPLETED</Status>'), 'the task completes');
  const listed = await query({ Action: 'ListMessageMoveTasks', SourceArn: arn('dlq'), MaxResults: '2' });
  assert.equal((listed.text.match(/<ListMessageMoveTasksResultEntry>/g) ?? []).length, 2, listed.text);
  assert.match(listed.text, /<ListMessageMoveTasksResult><ListMessageMoveTasksResultEntry><Status>COMPLETED<\/Status><SourceArn>arn:aws:sqs:us-east-1:000000000000:dlq<\/SourceArn><DestinationArn>arn:aws:sqs:us-east-1:000000000000:dest<\/DestinationArn><ApproximateNumberOfMessagesMoved>1<\/ApproximateNumberOfMessagesMoved>/);
  const bad = await query({ Action: 'CancelMessageMoveTask', TaskHandle: 'nope' });
  assert.equal(bad.status, 404);
  assert.match(bad.text, /<Code>ResourceNotFoundException<\/Code>/);
  assert.ok((await drain(sqs, url('dest'), moved + 1)).some((m) => m.body === 'via query'));
});
