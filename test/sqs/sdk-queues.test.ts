/**
 * Queue operations end to end with `@aws-sdk/client-sqs` (JSON protocol) against the service on
 * a real socket, errors included: each error must reach the SDK as its modeled exception, with
 * the Query code in `e.Code` and AWS's wording (recorded in LocalStack's AWS-validated snapshots).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AddPermissionCommand,
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  InvalidAttributeName,
  InvalidAttributeValue,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  PurgeQueueInProgress,
  QueueDeletedRecently,
  QueueDoesNotExist,
  QueueNameExists,
  SendMessageCommand,
  SetQueueAttributesCommand,
  StartMessageMoveTaskCommand,
  TagQueueCommand,
  UnsupportedOperation,
  UntagQueueCommand,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import { startSqsServer } from '../helpers/sqs-server.js';
import { sdk } from '../helpers/sqs-clients.js';

/** Asserts the SDK threw its modeled error `cls` with this Query code, status and message. */
async function rejects(p: Promise<unknown>, cls: abstract new (...a: never[]) => Error, code: string, status: number, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    const err = e as Error & { Code?: string; $metadata: { httpStatusCode?: number } };
    assert.equal(err.Code, code);
    assert.equal(err.$metadata.httpStatusCode, status);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

test('create, find, list, attributes, tags, purge, delete - and their errors - with the SDK', async (t) => {
  const srv = await startSqsServer(t);
  const sqs = sdk(srv.url);
  t.after(() => sqs.destroy());

  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '20', ReceiveMessageWaitTimeSeconds: '1' }, tags: { team: 'a', env: '' } }));
  assert.equal(QueueUrl, `${srv.url}/000000000000/orders`);
  // Idempotent with the same attributes; QueueNameExists (code QueueAlreadyExists) with others.
  assert.equal((await sqs.send(new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '20' } }))).QueueUrl, QueueUrl);
  await rejects(sqs.send(new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '21' } })), QueueNameExists, 'QueueAlreadyExists', 400,
    'A queue already exists with the same name and a different value for attribute VisibilityTimeout');
  await rejects(sqs.send(new CreateQueueCommand({ QueueName: 'bad name!' })), Error, 'InvalidParameterValue', 400,
    'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
  await rejects(sqs.send(new CreateQueueCommand({ QueueName: 'plain', Attributes: { FifoQueue: 'false' } })), InvalidAttributeName, 'InvalidAttributeName', 400, 'Unknown Attribute FifoQueue.');
  await rejects(sqs.send(new CreateQueueCommand({ QueueName: 'plain', Attributes: { DeduplicationScope: 'queue' } })), InvalidAttributeName, 'InvalidAttributeName', 400,
    'You can specify the DeduplicationScope only when FifoQueue is set to true.');
  await rejects(sqs.send(new CreateQueueCommand({ QueueName: 'nofifo', Attributes: { FifoQueue: 'true' } })), Error, 'InvalidParameterValue', 400, /must end with \.fifo suffix/);

  assert.equal((await sqs.send(new GetQueueUrlCommand({ QueueName: 'orders' }))).QueueUrl, QueueUrl);
  await rejects(sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' })), QueueDoesNotExist, 'AWS.SimpleQueueService.NonExistentQueue', 400, 'The specified queue does not exist.');

  // The attributes a new queue reports, as recorded on AWS (defaults + what was set).
  const all = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes ?? {};
  assert.deepEqual(Object.keys(all).sort(), [
    'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed', 'ApproximateNumberOfMessagesNotVisible', 'CreatedTimestamp',
    'DelaySeconds', 'LastModifiedTimestamp', 'MaximumMessageSize', 'MessageRetentionPeriod', 'QueueArn', 'ReceiveMessageWaitTimeSeconds',
    'SqsManagedSseEnabled', 'VisibilityTimeout',
  ]);
  assert.deepEqual({ ...all, CreatedTimestamp: 'ts', LastModifiedTimestamp: 'ts' }, {
    ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesDelayed: '0', ApproximateNumberOfMessagesNotVisible: '0',
    CreatedTimestamp: 'ts', DelaySeconds: '0', LastModifiedTimestamp: 'ts', MaximumMessageSize: '1048576', MessageRetentionPeriod: '345600',
    QueueArn: 'arn:aws:sqs:us-east-1:000000000000:orders', ReceiveMessageWaitTimeSeconds: '1', SqsManagedSseEnabled: 'true', VisibilityTimeout: '20',
  });
  assert.ok(Math.abs(Number(all['CreatedTimestamp']) - Date.now() / 1000) < 60, 'CreatedTimestamp is epoch seconds');
  await rejects(sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Foobar' as 'All'] })), InvalidAttributeName, 'InvalidAttributeName', 400, 'Unknown Attribute Foobar.');

  await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { DelaySeconds: '420', MaximumMessageSize: '2048', VisibilityTimeout: '69' } }));
  const some = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['DelaySeconds', 'MaximumMessageSize', 'VisibilityTimeout', 'QueueArn'] }))).Attributes;
  assert.deepEqual(some, { DelaySeconds: '420', MaximumMessageSize: '2048', VisibilityTimeout: '69', QueueArn: 'arn:aws:sqs:us-east-1:000000000000:orders' });
  await rejects(sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: '43201' } })), InvalidAttributeValue, 'InvalidAttributeValue', 400, 'Invalid value for the parameter VisibilityTimeout.');
  await rejects(sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { MaximumMessageSize: '1048577' } })), InvalidAttributeValue, 'InvalidAttributeValue', 400);
  await rejects(sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { FifoQueue: 'true' } })), InvalidAttributeName, 'InvalidAttributeName', 400, 'Unknown Attribute FifoQueue.');
  await rejects(sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { KmsMasterKeyId: 'k', SqsManagedSseEnabled: 'true' } })), InvalidAttributeName, 'InvalidAttributeName', 400,
    'You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.');
  // KMS SSE replaces SQS SSE and back (recorded).
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { KmsMasterKeyId: 'testKeyId', KmsDataKeyReusePeriodSeconds: '6000' } }));
  const sse = ['KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled'] as const;
  assert.deepEqual((await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: [...sse] }))).Attributes,
    { KmsMasterKeyId: 'testKeyId', KmsDataKeyReusePeriodSeconds: '6000', SqsManagedSseEnabled: 'false' });
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { SqsManagedSseEnabled: 'true' } }));
  assert.deepEqual((await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: [...sse] }))).Attributes, { SqsManagedSseEnabled: 'true' });

  // Tags (recorded: an empty value is a tag; no Tags member once all are gone).
  assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags, { team: 'a', env: '' });
  await sqs.send(new TagQueueCommand({ QueueUrl, Tags: { owner: 'b' } }));
  await sqs.send(new UntagQueueCommand({ QueueUrl, TagKeys: ['team', 'absent'] }));
  assert.deepEqual((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags, { env: '', owner: 'b' });
  await sqs.send(new UntagQueueCommand({ QueueUrl, TagKeys: ['env', 'owner'] }));
  assert.equal((await sqs.send(new ListQueueTagsCommand({ QueueUrl }))).Tags, undefined);

  // Listing: prefix, and paging with MaxResults/NextToken (recorded: NextToken only when more exist).
  for (const n of ['list-0', 'list-1', 'list-2']) await sqs.send(new CreateQueueCommand({ QueueName: n }));
  const names = (urls: string[] | undefined) => (urls ?? []).map((u) => u.split('/').pop());
  assert.deepEqual(names((await sqs.send(new ListQueuesCommand({}))).QueueUrls), ['list-0', 'list-1', 'list-2', 'orders']);
  const page1 = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'list-', MaxResults: 2 }));
  assert.deepEqual(names(page1.QueueUrls), ['list-0', 'list-1']);
  assert.ok(page1.NextToken);
  const page2 = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'list-', MaxResults: 2, NextToken: page1.NextToken }));
  assert.deepEqual(names(page2.QueueUrls), ['list-2']);
  assert.equal(page2.NextToken, undefined);
  assert.equal((await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'zzz' }))).QueueUrls, undefined);
  await rejects(sqs.send(new ListQueuesCommand({ MaxResults: 0 })), Error, 'InvalidParameterValue', 400);

  // Dead-letter sources.
  const dlqArn = 'arn:aws:sqs:us-east-1:000000000000:list-0';
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '5' }) } }));
  const redrive = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['RedrivePolicy'] }))).Attributes?.['RedrivePolicy'];
  assert.deepEqual(JSON.parse(redrive ?? ''), { deadLetterTargetArn: dlqArn, maxReceiveCount: 5 });
  assert.deepEqual((await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: `${srv.url}/000000000000/list-0` }))).queueUrls, [QueueUrl]);
  assert.deepEqual((await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: `${srv.url}/000000000000/list-1` }))).queueUrls, []);
  await rejects(sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 0 }) } })),
    Error, 'InvalidParameterValue', 400, /Reason: Invalid value for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive\.$/);
  await rejects(sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:ghost', maxReceiveCount: 1 }) } })),
    Error, 'InvalidParameterValue', 400);
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { RedrivePolicy: '' } }));
  assert.equal((await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }))).Attributes?.['RedrivePolicy'], undefined);

  // Purge: once per 60 s (403).
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'to be purged', DelaySeconds: 0 }));
  await sqs.send(new PurgeQueueCommand({ QueueUrl }));
  assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }))).Messages, undefined);
  await rejects(sqs.send(new PurgeQueueCommand({ QueueUrl })), PurgeQueueInProgress, 'AWS.SimpleQueueService.PurgeQueueInProgress', 403,
    'Only one PurgeQueue operation on orders is allowed every 60 seconds.');

  // Refused operations.
  // No queue names list-0 as its dead-letter queue any more: nothing to redrive from it.
  await rejects(sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn })), Error, 'InvalidParameterValue', 400, 'Source queue must be configured as a Dead Letter Queue.');
  await rejects(sqs.send(new AddPermissionCommand({ QueueUrl, Label: 'l', AWSAccountIds: ['111111111111'], Actions: ['SendMessage'] })), UnsupportedOperation, 'AWS.SimpleQueueService.UnsupportedOperation', 400);

  // Delete; the name stays blocked for 60 s.
  await sqs.send(new DeleteQueueCommand({ QueueUrl }));
  await rejects(sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] })), QueueDoesNotExist, 'AWS.SimpleQueueService.NonExistentQueue', 400);
  await rejects(sqs.send(new DeleteQueueCommand({ QueueUrl })), QueueDoesNotExist, 'AWS.SimpleQueueService.NonExistentQueue', 400);
  await rejects(sqs.send(new CreateQueueCommand({ QueueName: 'orders' })), QueueDeletedRecently, 'AWS.SimpleQueueService.QueueDeletedRecently', 400,
    'You must wait 60 seconds after deleting a queue before you can create another with the same name.');
});

test('accounts and regions see only their own queues; the queue URL host does not matter', async (t) => {
  // Several accounts: the service behind a bare adapter (Nimbus's gateway serves one account today).
  const srv = await startSqsServer(t, { via: 'adapter' });
  const a = sdk(srv.url, { account: '111111111111' });
  const b = sdk(srv.url, { account: '222222222222' });
  const west = sdk(srv.url, { account: '111111111111', region: 'eu-west-1' });
  t.after(() => [a, b, west].forEach((c) => c.destroy()));
  const { QueueUrl } = await a.send(new CreateQueueCommand({ QueueName: 'shared-name' }));
  assert.equal(QueueUrl, `${srv.url}/111111111111/shared-name`);
  await rejects(b.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })), QueueDoesNotExist, 'AWS.SimpleQueueService.NonExistentQueue', 400);
  await rejects(west.send(new GetQueueUrlCommand({ QueueName: 'shared-name' })), QueueDoesNotExist, 'AWS.SimpleQueueService.NonExistentQueue', 400);
  await rejects(b.send(new GetQueueUrlCommand({ QueueName: 'shared-name', QueueOwnerAWSAccountId: '111111111111' })), QueueDoesNotExist, 'AWS.SimpleQueueService.NonExistentQueue', 400);
  assert.equal((await b.send(new ListQueuesCommand({}))).QueueUrls, undefined);
  await b.send(new CreateQueueCommand({ QueueName: 'shared-name' }));
  // Another host name for the same server: resolved by the path.
  const other = `http://localhost:${srv.port}/111111111111/shared-name`;
  await a.send(new SendMessageCommand({ QueueUrl: other, MessageBody: 'via localhost' }));
  // Without an explicit endpoint the SDK sends to the QueueUrl's own origin (useQueueUrlAsEndpoint).
  const noEndpoint = sdk(srv.url, { account: '111111111111', endpoint: false });
  t.after(() => noEndpoint.destroy());
  const got = await noEndpoint.send(new ReceiveMessageCommand({ QueueUrl: other }));
  assert.equal(got.Messages?.[0]?.Body, 'via localhost');
  assert.equal((await b.send(new ReceiveMessageCommand({ QueueUrl: `${srv.url}/222222222222/shared-name` }))).Messages, undefined);
});
