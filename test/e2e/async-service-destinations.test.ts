/**
 * Async destinations that are not queues or functions, end to end with the AWS SDKs: an SNS topic
 * (OnSuccess, and a dead-letter topic with Lambda's message attributes), an EventBridge bus whose
 * rule forwards Lambda's "Invocation Result" events, and an S3 bucket for failures
 * (`aws/lambda/async/<function>/YYYY/MM/DD/…`). Each is observed the way a user would: an SQS
 * queue subscribed to the topic or targeted by the rule, and ListObjectsV2/GetObject.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { InvokeCommand, PutFunctionEventInvokeConfigCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { deployNode, startTestNimbus } from '../helpers/nimbus.js';
import { s3Client } from '../s3/helpers.js';

const creds = { accessKeyId: 'test', secretAccessKey: 'test' };
const FN_ARN = 'arn:aws:lambda:us-east-1:000000000000:function';

/** Receives until one message arrives (the outbox moves records within moments). */
async function receiveOne(sqs: SQSClient, queueUrl: string): Promise<Message> {
  for (let i = 0; i < 30; i++) {
    const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 2, MessageAttributeNames: ['All'] }));
    if (r.Messages?.length) return r.Messages[0]!;
  }
  assert.fail(`no message reached ${queueUrl}`);
}

test('async records reach SNS topics, EventBridge buses and (on failure) S3 buckets; a dead-letter topic gets the event with its attributes', async (t) => {
  const nimbus = await startTestNimbus(t);
  const cfg = { endpoint: nimbus.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 };
  const sqs = new SQSClient(cfg);
  const sns = new SNSClient(cfg);
  const events = new EventBridgeClient(cfg);
  const s3 = s3Client(nimbus.url);
  t.after(() => [sqs, sns, events, s3].forEach((c) => c.destroy()));

  // Observers: a queue behind the topic, a queue behind the bus's rule, a queue behind the dead-letter topic.
  const queue = async (name: string) => {
    const url = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl!;
    const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!['QueueArn']!;
    return { url, arn };
  };
  const fromTopic = await queue('from-topic');
  const fromBus = await queue('from-bus');
  const fromDlq = await queue('from-dlq');
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'results' }))).TopicArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: fromTopic.arn, Attributes: { RawMessageDelivery: 'true' } }));
  const dlqTopicArn = (await sns.send(new CreateTopicCommand({ Name: 'dead-letters' }))).TopicArn!;
  await sns.send(new SubscribeCommand({ TopicArn: dlqTopicArn, Protocol: 'sqs', Endpoint: fromDlq.arn }));
  const busArn = (await events.send(new CreateEventBusCommand({ Name: 'lambda-results' }))).EventBusArn!;
  await events.send(
    new PutRuleCommand({
      Name: 'failures',
      EventBusName: 'lambda-results',
      EventPattern: JSON.stringify({ source: ['lambda'], 'detail-type': ['Lambda Function Invocation Result - Failure'] }),
    }),
  );
  await events.send(new PutTargetsCommand({ Rule: 'failures', EventBusName: 'lambda-results', Targets: [{ Id: 'q', Arn: fromBus.arn }] }));
  await s3.send(new CreateBucketCommand({ Bucket: 'async-failures' }));

  await deployNode(nimbus.lambda, 'ok', { 'index.js': 'exports.handler = async (e) => ({ doubled: e.n * 2 });' });
  await deployNode(nimbus.lambda, 'boom', { 'index.js': 'exports.handler = async () => { throw new Error("boom"); };' });
  await nimbus.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'ok', DestinationConfig: { OnSuccess: { Destination: topicArn } } }));
  await nimbus.lambda.send(
    new PutFunctionEventInvokeConfigCommand({
      FunctionName: 'boom',
      MaximumRetryAttempts: 0,
      DestinationConfig: { OnSuccess: { Destination: topicArn }, OnFailure: { Destination: busArn } },
    }),
  );
  await nimbus.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'boom', DeadLetterConfig: { TargetArn: dlqTopicArn } }));

  // OnSuccess -> SNS: the invocation record is the message.
  await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'ok', InvocationType: 'Event', Payload: Buffer.from('{"n":21}') }));
  const record = JSON.parse((await receiveOne(sqs, fromTopic.url)).Body!) as Record<string, any>;
  assert.equal(record['version'], '1.0');
  assert.equal(record['requestContext'].condition, 'Success');
  assert.equal(record['requestContext'].functionArn, `${FN_ARN}:ok:$LATEST`);
  assert.deepEqual(record['requestPayload'], { n: 21 });
  assert.deepEqual(record['responsePayload'], { doubled: 42 });

  // OnFailure -> EventBridge: Lambda's event on the bus, forwarded by the rule.
  await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'boom', InvocationType: 'Event', Payload: Buffer.from('{"order":7}') }));
  const ev = JSON.parse((await receiveOne(sqs, fromBus.url)).Body!) as Record<string, any>;
  assert.equal(ev['source'], 'lambda');
  assert.equal(ev['detail-type'], 'Lambda Function Invocation Result - Failure');
  assert.deepEqual(ev['resources'], [busArn, `${FN_ARN}:boom:$LATEST`]);
  assert.equal(ev['detail'].requestContext.condition, 'RetriesExhausted');
  assert.equal(ev['detail'].responseContext.functionError, 'Unhandled');
  assert.deepEqual(ev['detail'].requestPayload, { order: 7 });
  // ... and the dead-letter topic has the event itself, with RequestID, ErrorCode and ErrorMessage.
  const envelope = JSON.parse((await receiveOne(sqs, fromDlq.url)).Body!) as { Message: string; MessageAttributes: Record<string, { Type: string; Value: string }> };
  assert.deepEqual(JSON.parse(envelope.Message), { order: 7 });
  assert.equal(envelope.MessageAttributes['RequestID']?.Value, ev['detail'].requestContext.requestId);
  assert.deepEqual(envelope.MessageAttributes['ErrorCode'], { Type: 'Number', Value: '200' });
  assert.match(envelope.MessageAttributes['ErrorMessage']!.Value, /boom/);

  // OnFailure -> S3: a JSON object under Lambda's prefix.
  await nimbus.lambda.send(
    new PutFunctionEventInvokeConfigCommand({ FunctionName: 'boom', MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: 'arn:aws:s3:::async-failures' } } }),
  );
  await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'boom', InvocationType: 'Event', Payload: Buffer.from('{"order":8}') }));
  let key: string | undefined;
  for (let i = 0; i < 60 && !key; i++) {
    key = (await s3.send(new ListObjectsV2Command({ Bucket: 'async-failures', Prefix: 'aws/lambda/async/boom/' }))).Contents?.[0]?.Key;
    if (!key) await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(key, 'a failure record was written to the bucket');
  assert.match(key, /^aws\/lambda\/async\/boom\/\d{4}\/\d{2}\/\d{2}\/\d{4}-\d{2}-\d{2}T\d{2}\.\d{2}\.\d{2}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const object = await s3.send(new GetObjectCommand({ Bucket: 'async-failures', Key: key }));
  assert.equal(object.ContentType, 'application/json');
  const stored = JSON.parse(await object.Body!.transformToString()) as Record<string, any>;
  assert.equal(stored['requestContext'].condition, 'RetriesExhausted');
  assert.deepEqual(stored['requestPayload'], { order: 8 });
});

test('destination checks: S3 only on failure, ARNs Nimbus cannot reach are refused, a dead-letter topic is accepted', async (t) => {
  const nimbus = await startTestNimbus(t);
  await deployNode(nimbus.lambda, 'f', { 'index.js': 'exports.handler = async () => ({});' });
  await assert.rejects(
    nimbus.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'f', DestinationConfig: { OnSuccess: { Destination: 'arn:aws:s3:::b-ucket' } } })),
    (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, 'InvalidParameterValueException');
      assert.match(e.message, /S3 buckets are supported only for on-failure destinations/);
      assert.equal(e.$metadata?.httpStatusCode, 400);
      return true;
    },
  );
  await assert.rejects(
    nimbus.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'f', DestinationConfig: { OnFailure: { Destination: 'arn:aws:sns:us-east-1:000000000000:topic/with/slash' } } })),
    (e: Error) => e.name === 'InvalidParameterValueException',
  );
  await assert.rejects(
    nimbus.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'f', DeadLetterConfig: { TargetArn: 'arn:aws:events:us-east-1:000000000000:event-bus/default' } })),
    (e: Error) => e.name === 'InvalidParameterValueException' && /SQS queues and SNS topics/.test(e.message),
  );
  const ok = await nimbus.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'f', DeadLetterConfig: { TargetArn: 'arn:aws:sns:us-east-1:000000000000:dlq' } }));
  assert.equal(ok.DeadLetterConfig?.TargetArn, 'arn:aws:sns:us-east-1:000000000000:dlq');
});

test('a destination topic or bus that does not exist drops the record (logged) and later records still flow', async (t) => {
  const lines: string[] = [];
  const nimbus = await startTestNimbus(t, { log: (l: string) => lines.push(l) });
  const cfg = { endpoint: nimbus.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 };
  const sqs = new SQSClient(cfg);
  t.after(() => sqs.destroy());
  await deployNode(nimbus.lambda, 'f', { 'index.js': 'exports.handler = async () => ({ ok: true });' });
  await nimbus.lambda.send(
    new PutFunctionEventInvokeConfigCommand({ FunctionName: 'f', DestinationConfig: { OnSuccess: { Destination: 'arn:aws:sns:us-east-1:000000000000:nobody' } } }),
  );
  await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'f', InvocationType: 'Event', Payload: Buffer.from('{}') }));
  for (let i = 0; i < 80 && !lines.some((l) => l.includes('nobody') && l.includes('dropped')); i++) await new Promise((r) => setTimeout(r, 250));
  assert.ok(lines.some((l) => l.includes('arn:aws:sns:us-east-1:000000000000:nobody') && l.includes('dropped')), lines.join('\n'));
  // The outbox is not stuck behind it: a queue destination still receives.
  const url = (await sqs.send(new CreateQueueCommand({ QueueName: 'after' }))).QueueUrl!;
  await nimbus.lambda.send(
    new PutFunctionEventInvokeConfigCommand({ FunctionName: 'f', DestinationConfig: { OnSuccess: { Destination: 'arn:aws:sqs:us-east-1:000000000000:after' } } }),
  );
  await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'f', InvocationType: 'Event', Payload: Buffer.from('{}') }));
  const m = await receiveOne(sqs, url);
  assert.equal((JSON.parse(m.Body!) as { requestContext: { condition: string } }).requestContext.condition, 'Success');
});
