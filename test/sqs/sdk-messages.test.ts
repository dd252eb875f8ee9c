/**
 * Message operations end to end with `@aws-sdk/client-sqs`: send/receive/delete/visibility,
 * their batch forms, attribute filters and MD5s (the SDK verifies body MD5s itself and throws on
 * a mismatch), and bad input: sizes, characters, attributes, batch rules - AWS's codes and words.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BatchEntryIdsNotDistinct,
  BatchRequestTooLong,
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  EmptyBatchRequest,
  InvalidBatchEntryId,
  InvalidMessageContents,
  type QueueAttributeName,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  TooManyEntriesInBatchRequest,
} from '@aws-sdk/client-sqs';
import { md5OfAttributes } from '../../src/sqs/md5.js';
import { startSqsServer } from '../helpers/sqs-server.js';
import { sdk } from '../helpers/sqs-clients.js';

async function rejects(p: Promise<unknown>, cls: abstract new (...a: never[]) => Error, code: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    assert.equal((e as { Code?: string }).Code, code);
    if (typeof message === 'string') assert.equal((e as Error).message, message);
    else if (message) assert.match((e as Error).message, message);
    return true;
  });
}

test('send, receive with attribute filters, change visibility, delete - with the SDK', async (t) => {
  const srv = await startSqsServer(t);
  const sqs = sdk(srv.url);
  t.after(() => sqs.destroy());
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'msgs', Attributes: { VisibilityTimeout: '0' } }));
  const body = 'héllo 😀 <xml> & \r\n\ttabs';
  const sent = await sqs.send(new SendMessageCommand({
    QueueUrl,
    MessageBody: body,
    MessageAttributes: {
      'Help.Me': { DataType: 'String', StringValue: 'Me' },
      Hello: { DataType: 'String', StringValue: 'There' },
      General: { DataType: 'String', StringValue: 'Kenobi' },
      n: { DataType: 'Number.int', StringValue: '42' },
      bin: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 2, 255]) },
    },
    MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1' } },
  }));
  assert.match(sent.MessageId ?? '', /^[0-9a-f-]{36}$/);
  assert.equal(sent.MD5OfMessageAttributes, md5OfAttributes({
    'Help.Me': { DataType: 'String', StringValue: 'Me' }, Hello: { DataType: 'String', StringValue: 'There' }, General: { DataType: 'String', StringValue: 'Kenobi' },
    n: { DataType: 'Number.int', StringValue: '42' }, bin: { DataType: 'Binary', BinaryValue: Buffer.from([0, 1, 2, 255]).toString('base64') },
  }));
  assert.equal(sent.MD5OfMessageSystemAttributes, md5OfAttributes({ AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1' } }));

  const receive = (extra: Partial<ConstructorParameters<typeof ReceiveMessageCommand>[0]>) =>
    sqs.send(new ReceiveMessageCommand({ QueueUrl, ...extra })).then((r) => {
      assert.equal(r.Messages?.length, 1);
      return r.Messages?.[0] ?? {};
    });
  const none = await receive({});
  assert.equal(none.Body, body, 'CR, tab, non-BMP characters survive (and the SDK checked the MD5)');
  assert.equal(none.MessageAttributes, undefined);
  assert.equal(none.Attributes, undefined);
  const all = await receive({ MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] });
  assert.equal(all.MD5OfMessageAttributes, sent.MD5OfMessageAttributes);
  assert.deepEqual(all.MessageAttributes?.['bin']?.BinaryValue, new Uint8Array([0, 1, 2, 255]));
  assert.deepEqual(Object.keys(all.Attributes ?? {}).sort(), ['AWSTraceHeader', 'ApproximateFirstReceiveTimestamp', 'ApproximateReceiveCount', 'SenderId', 'SentTimestamp']);
  assert.equal(all.Attributes?.['ApproximateReceiveCount'], '2');
  assert.equal(all.Attributes?.['SenderId'], '000000000000');
  // Recorded filters and digests: names, "Prefix.*", unknown names; the digest covers what is returned.
  const only = await receive({ MessageAttributeNames: ['Hello', 'General'], // The deprecated AttributeNames is typed as queue attribute names, yet carries message ones (recorded).
    AttributeNames: ['SenderId', 'SequenceNumber'] as unknown as QueueAttributeName[] });
  assert.deepEqual(Object.keys(only.MessageAttributes ?? {}).sort(), ['General', 'Hello']);
  assert.equal(only.MD5OfMessageAttributes, 'fca026605781cb4126a1e9044df24232');
  assert.deepEqual(only.Attributes, { SenderId: '000000000000' });
  const prefix = await receive({ MessageAttributeNames: ['Hel.*'] });
  assert.equal(prefix.MD5OfMessageAttributes, '83fee93c1bcd8b9a5a923ffacdc636c7');
  const unknown = await receive({ MessageAttributeNames: ['Foo', 'AWS.', '..foo'] });
  assert.equal(unknown.MessageAttributes, undefined);
  assert.equal(unknown.MD5OfMessageAttributes, undefined);

  await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { VisibilityTimeout: '30' } }));
  const held = await receive({});
  assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages, undefined, 'in flight');
  await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: held.ReceiptHandle, VisibilityTimeout: 0 }));
  const back = await receive({});
  await rejects(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: back.ReceiptHandle, VisibilityTimeout: 43201 })), Error, 'InvalidParameterValue');
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: back.ReceiptHandle }));
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: back.ReceiptHandle }));
  await rejects(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: back.ReceiptHandle, VisibilityTimeout: 5 })), Error, 'InvalidParameterValue',
    `Value ${back.ReceiptHandle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`);
  await rejects(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'garbage' })), ReceiptHandleIsInvalid, 'ReceiptHandleIsInvalid',
    'The input receipt handle "garbage" is not a valid receipt handle.');
  await rejects(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: 'INVALID', VisibilityTimeout: 60 })), ReceiptHandleIsInvalid, 'ReceiptHandleIsInvalid');
  assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages, undefined);
});

test('bad messages: AWS codes and words for size, characters, attributes and receive ranges', async (t) => {
  const srv = await startSqsServer(t);
  const sqs = sdk(srv.url);
  t.after(() => sqs.destroy());
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'strict' }));
  const send = (input: Partial<ConstructorParameters<typeof SendMessageCommand>[0]>) => sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', ...input }));
  await rejects(send({ MessageBody: 'a'.repeat(1_048_577) }), Error, 'InvalidParameterValue', 'One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.');
  await send({ MessageBody: 'a'.repeat(1_048_576) });
  await rejects(send({ MessageBody: '' }), Error, 'MissingParameter', 'The request must contain the parameter MessageBody.');
  await rejects(send({ MessageBody: `Invalid-${String.fromCharCode(0)}-${String.fromCharCode(8)}` }), InvalidMessageContents, 'InvalidMessageContents', /#x9 \| #xA \| #xD \| #x20 to #xD7FF/);
  await rejects(send({ MessageBody: 'lone \ud800 surrogate' }), InvalidMessageContents, 'InvalidMessageContents');
  await rejects(send({ MessageAttributes: { ErrorDetails: { DataType: 'String', StringValue: '' } } }), Error, 'InvalidParameterValue',
    "Message (user) attribute 'ErrorDetails' must contain a non-empty value of type 'String'.");
  await rejects(send({ MessageAttributes: { 'AWS.reserved': { DataType: 'String', StringValue: 'v' } } }), Error, 'InvalidParameterValue', /reserved for internal use/);
  await rejects(send({ MessageAttributes: { 'Invalid.': { DataType: 'String', StringValue: 'v' } } }), Error, 'InvalidParameterValue');
  await rejects(send({ MessageAttributes: { a: { DataType: 'Text', StringValue: 'v' } } }), Error, 'InvalidParameterValue');
  await rejects(send({ MessageAttributes: { a: { DataType: 'Number', StringValue: 'twelve' } } }), Error, 'InvalidParameterValue');
  await rejects(send({ MessageSystemAttributes: { Other: { DataType: 'String', StringValue: 'v' } } as never }), Error, 'InvalidParameterValue');
  await rejects(send({ DelaySeconds: 901 }), Error, 'InvalidParameterValue');
  await rejects(send({ MessageDeduplicationId: 'd' }), Error, 'InvalidParameterValue',
    'Value d for parameter MessageDeduplicationId is invalid. Reason: The request includes a parameter that is not valid for this queue type.');
  await rejects(send({ MessageGroupId: 'group 123' }), Error, 'InvalidParameterValue',
    'Value group 123 for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.');
  // Standard queues take a MessageGroupId (fair queues) and report it back (recorded).
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { MaximumMessageSize: '1024' } }));
  await rejects(send({ MessageBody: 'a'.repeat(1020), MessageAttributes: { k: { DataType: 'String', StringValue: 'x' } } }), Error, 'InvalidParameterValue',
    'One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.');
  await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 })).then(async (r) => {
    for (const m of r.Messages ?? []) await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
  });
  await send({ MessageBody: 'fair', MessageGroupId: 'tenant-1' });
  const fair = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageSystemAttributeNames: ['MessageGroupId'] }));
  assert.deepEqual(fair.Messages?.[0]?.Attributes, { MessageGroupId: 'tenant-1' });

  const receive = (input: Partial<ConstructorParameters<typeof ReceiveMessageCommand>[0]>) => sqs.send(new ReceiveMessageCommand({ QueueUrl, ...input }));
  await rejects(receive({ MaxNumberOfMessages: 11 }), Error, 'InvalidParameterValue', 'Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.');
  await rejects(receive({ WaitTimeSeconds: 21 }), Error, 'InvalidParameterValue', 'Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.');
  await rejects(receive({ WaitTimeSeconds: -1 }), Error, 'InvalidParameterValue', 'Value -1 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.');
  await rejects(receive({ VisibilityTimeout: 43201 }), Error, 'InvalidParameterValue');
});

test('batches: per-entry results and failures, and the batch-wide rules', async (t) => {
  const srv = await startSqsServer(t);
  const sqs = sdk(srv.url);
  t.after(() => sqs.destroy());
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'batch', Attributes: { MaximumMessageSize: '1024' } }));
  const sent = await sqs.send(new SendMessageBatchCommand({
    QueueUrl,
    Entries: [
      { Id: 'ok-1', MessageBody: 'a'.repeat(1024) },
      { Id: 'too-big', MessageBody: 'a'.repeat(1025) },
      { Id: 'bad_chars', MessageBody: '\u0001' },
      { Id: 'ok-2', MessageBody: 'two', MessageAttributes: { k: { DataType: 'String', StringValue: 'x' } }, DelaySeconds: 0 },
    ],
  }));
  assert.deepEqual(sent.Successful?.map((s) => s.Id), ['ok-1', 'ok-2']);
  assert.equal(sent.Successful?.[1]?.MD5OfMessageAttributes, 'a45daa70926828a2f0a1db3418e6feb4');
  assert.deepEqual(sent.Failed, [
    { Id: 'too-big', SenderFault: true, Code: 'InvalidParameterValue', Message: 'One or more parameters cannot be validated. Reason: Message must be shorter than 1024 bytes.' },
    { Id: 'bad_chars', SenderFault: true, Code: 'InvalidMessageContents', Message: sent.Failed?.[1]?.Message },
  ]);
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 30 }));
  assert.equal(got.Messages?.length, 2);
  const [m1, m2] = got.Messages ?? [];
  const vis = await sqs.send(new ChangeMessageVisibilityBatchCommand({
    QueueUrl,
    Entries: [
      { Id: 'a', ReceiptHandle: m1?.ReceiptHandle, VisibilityTimeout: 0 },
      { Id: 'b', ReceiptHandle: 'garbage', VisibilityTimeout: 0 },
    ],
  }));
  assert.deepEqual(vis.Successful, [{ Id: 'a' }]);
  assert.deepEqual(vis.Failed, [{ Id: 'b', SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: 'The input receipt handle "garbage" is not a valid receipt handle.' }]);
  const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
  assert.equal(again.Messages?.[0]?.MessageId, m1?.MessageId);
  const del = await sqs.send(new DeleteMessageBatchCommand({
    QueueUrl,
    Entries: [
      { Id: 'x', ReceiptHandle: again.Messages?.[0]?.ReceiptHandle },
      { Id: 'y', ReceiptHandle: m2?.ReceiptHandle },
      { Id: 'z', ReceiptHandle: 'garbage' },
    ],
  }));
  assert.deepEqual(del.Successful, [{ Id: 'x' }, { Id: 'y' }]);
  assert.equal(del.Failed?.[0]?.Code, 'ReceiptHandleIsInvalid');

  const entries = (n: number) => Array.from({ length: n }, (_, i) => ({ Id: `message-${i}`, MessageBody: `messageBody-${i}` }));
  await rejects(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries(20) })), TooManyEntriesInBatchRequest,
    'AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 'Maximum number of entries per request are 10. You have sent 20.');
  await rejects(sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: entries(20).map((e) => ({ Id: e.Id, ReceiptHandle: 'h' })) })), TooManyEntriesInBatchRequest,
    'AWS.SimpleQueueService.TooManyEntriesInBatchRequest');
  await rejects(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [] })), EmptyBatchRequest, 'AWS.SimpleQueueService.EmptyBatchRequest');
  await rejects(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'same', MessageBody: '1' }, { Id: 'same', MessageBody: '2' }] })),
    BatchEntryIdsNotDistinct, 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct');
  for (const id of ['', 'invalid:id', 'testLongId'.repeat(10)]) {
    await rejects(sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: [{ Id: id, ReceiptHandle: 'h' }] })), InvalidBatchEntryId,
      'AWS.SimpleQueueService.InvalidBatchEntryId', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
  }
  // The batch total is limited to 1 MiB whatever the queue's own limit (recorded: 1048577 bytes).
  await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { MaximumMessageSize: '1048576' } }));
  const big = 'a'.repeat(1_048_576 - 'kStringx'.length);
  await rejects(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: '1', MessageBody: big, MessageAttributes: { k: { DataType: 'String', StringValue: 'x' } } }, { Id: '2', MessageBody: 'a' }] })),
    BatchRequestTooLong, 'AWS.SimpleQueueService.BatchRequestTooLong', 'Batch requests cannot be longer than 1048576 bytes. You have sent 1048577 bytes.');
});
