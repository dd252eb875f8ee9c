/**
 * S3 event notifications to Lambda, the classic S3 -> Lambda sample: a bucket's
 * LambdaFunctionConfigurations (events, prefix/suffix filters) turn object changes into
 * asynchronous invocations carrying S3's event record.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateBucketCommand, DeleteObjectCommand, GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand, PutObjectCommand, CopyObjectCommand } from '@aws-sdk/client-s3';
import { deployNode, startTestNimbus } from '../helpers/nimbus.js';
import { until } from '../helpers/until.js';
import { s3Client, s3Rejects } from './helpers.js';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';

interface Delivered {
  requestId: string;
  status: string;
  payload: string;
}

test('S3 event notifications invoke Lambda asynchronously with S3 event records, filtered by event, prefix and suffix', async (t) => {
  const nimbus = await startTestNimbus(t);
  const s3 = s3Client(nimbus.url);
  t.after(() => s3.destroy());
  await deployNode(nimbus.lambda, 'on-upload', { 'index.js': 'exports.handler = async (e) => { console.log(JSON.stringify(e)); return "ok"; };' });
  await s3.send(new CreateBucketCommand({ Bucket: 'uploads' }));
  const arn = 'arn:aws:lambda:us-east-1:000000000000:function:on-upload';
  await s3.send(new PutBucketNotificationConfigurationCommand({
    Bucket: 'uploads',
    NotificationConfiguration: {
      LambdaFunctionConfigurations: [
        { Id: 'created-txt', LambdaFunctionArn: arn, Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'in/' }, { Name: 'suffix', Value: '.txt' }] } } },
        { Id: 'removed', LambdaFunctionArn: arn, Events: ['s3:ObjectRemoved:Delete'] },
      ],
    },
  }));
  const conf = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'uploads' }));
  assert.deepEqual(conf.LambdaFunctionConfigurations?.map((c) => [c.Id, c.LambdaFunctionArn, c.Events]), [['created-txt', arn, ['s3:ObjectCreated:*']], ['removed', arn, ['s3:ObjectRemoved:Delete']]]);
  assert.deepEqual(conf.LambdaFunctionConfigurations?.[0]?.Filter?.Key?.FilterRules?.map((r) => [r.Name, r.Value]), [['prefix', 'in/'], ['suffix', '.txt']]);

  await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'in/a b.txt', Body: 'hello' }));
  await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'in/skip.bin', Body: 'no suffix match' }));
  await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'out/skip.txt', Body: 'no prefix match' }));
  await s3.send(new CopyObjectCommand({ Bucket: 'uploads', Key: 'in/copy.txt', CopySource: 'uploads/in/a%20b.txt' }));
  await s3.send(new DeleteObjectCommand({ Bucket: 'uploads', Key: 'out/skip.txt' }));

  const list = async (): Promise<Delivered[]> => {
    const r = (await (await fetch(`${nimbus.url}/nimbus/v1/events?function=on-upload`)).json()) as { events: { requestId: string; status: string }[] };
    return Promise.all(r.events.map(async (e) => (await (await fetch(`${nimbus.url}/nimbus/v1/events/${e.requestId}`)).json()) as Delivered));
  };
  const events = await until('three notifications delivered and run', async () => {
    const got = await list();
    return got.length >= 3 && got.every((e) => e.status === 'succeeded') ? got : undefined;
  });
  assert.equal(events.length, 3);
  const records = events.map((e) => (JSON.parse(e.payload) as { Records: Record<string, any>[] }).Records[0]!).sort((a, b) => String(a['s3'].object.key).localeCompare(String(b['s3'].object.key)));
  assert.deepEqual(records.map((r) => [r['eventName'], r['s3'].configurationId, r['s3'].object.key]), [
    ['ObjectCreated:Put', 'created-txt', 'in/a+b.txt'],
    ['ObjectCreated:Copy', 'created-txt', 'in/copy.txt'],
    ['ObjectRemoved:Delete', 'removed', 'out/skip.txt'],
  ]);
  const put = records[0]!;
  assert.equal(put['eventSource'], 'aws:s3');
  assert.equal(put['eventVersion'], '2.1');
  assert.equal(put['awsRegion'], 'us-east-1');
  assert.deepEqual(put['s3'].bucket, { name: 'uploads', ownerIdentity: { principalId: '000000000000' }, arn: 'arn:aws:s3:::uploads' });
  assert.equal(put['s3'].object.size, 5);
  assert.equal(put['s3'].object.eTag, '5d41402abc4b2a76b9719d911017c592');
  assert.equal(records[2]!['s3'].object.size, undefined);

  // No EventBridge destinations; a malformed ARN or an unknown event is InvalidArgument.
  await s3Rejects(s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'uploads', NotificationConfiguration: { EventBridgeConfiguration: {} } })), 'NotImplemented', 501);
  await s3Rejects(s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'uploads', NotificationConfiguration: { QueueConfigurations: [{ QueueArn: 'arn:aws:sns:us-east-1:000000000000:t', Events: ['s3:ObjectCreated:*'] }] } })), 'InvalidArgument', 400);
  await s3Rejects(s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'uploads', NotificationConfiguration: { LambdaFunctionConfigurations: [{ LambdaFunctionArn: 'not-an-arn', Events: ['s3:ObjectCreated:*'] }] } })), 'InvalidArgument', 400);
  await s3Rejects(s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'uploads', NotificationConfiguration: { LambdaFunctionConfigurations: [{ LambdaFunctionArn: arn, Events: ['s3:Bogus:*' as 's3:ObjectCreated:*'] }] } })), 'InvalidArgument', 400);
  // An empty configuration turns notifications off.
  await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'uploads', NotificationConfiguration: {} }));
  assert.equal((await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'uploads' }))).LambdaFunctionConfigurations, undefined);
});

test('S3 event notifications to SQS queues and SNS topics: the test event first, then S3 event records as messages', async (t) => {
  const nimbus = await startTestNimbus(t);
  const s3 = s3Client(nimbus.url);
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const sqs = new SQSClient({ endpoint: nimbus.url, region: 'us-east-1', credentials });
  const sns = new SNSClient({ endpoint: nimbus.url, region: 'us-east-1', credentials });
  t.after(() => [s3, sqs, sns].forEach((c) => c.destroy()));
  await s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
  const direct = (await sqs.send(new CreateQueueCommand({ QueueName: 'direct' }))).QueueUrl!;
  const viaTopic = (await sqs.send(new CreateQueueCommand({ QueueName: 'via-topic' }))).QueueUrl!;
  const topic = (await sns.send(new CreateTopicCommand({ Name: 'uploads' }))).TopicArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:via-topic' }));
  const receive = async (url: string, n: number): Promise<Message[]> => {
    const got: Message[] = [];
    for (let i = 0; i < 10 && got.length < n; i++) got.push(...((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 2, MaxNumberOfMessages: 10 }))).Messages ?? []));
    return got;
  };
  await s3.send(new PutBucketNotificationConfigurationCommand({
    Bucket: 'photos',
    NotificationConfiguration: {
      QueueConfigurations: [{ Id: 'jpgs', QueueArn: 'arn:aws:sqs:us-east-1:000000000000:direct', Events: ['s3:ObjectCreated:Put'], Filter: { Key: { FilterRules: [{ Name: 'suffix', Value: '.jpg' }] } } }],
      TopicConfigurations: [{ Id: 'all', TopicArn: topic, Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] }],
    },
  }));
  const conf = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'photos' }));
  assert.deepEqual(conf.QueueConfigurations?.map((c) => [c.Id, c.QueueArn, c.Events, c.Filter?.Key?.FilterRules?.map((r) => `${r.Name}=${r.Value}`)]), [['jpgs', 'arn:aws:sqs:us-east-1:000000000000:direct', ['s3:ObjectCreated:Put'], ['suffix=.jpg']]]);
  assert.deepEqual(conf.TopicConfigurations?.map((c) => [c.Id, c.TopicArn, c.Events]), [['all', topic, ['s3:ObjectCreated:*', 's3:ObjectRemoved:*']]]);
  // S3's test event, once per new destination.
  const [test1] = await receive(direct, 1);
  const testEvent = JSON.parse(test1!.Body!) as Record<string, string>;
  assert.deepEqual(Object.keys(testEvent), ['Service', 'Event', 'Time', 'Bucket', 'RequestId', 'HostId']);
  assert.deepEqual([testEvent['Service'], testEvent['Event'], testEvent['Bucket']], ['Amazon S3', 's3:TestEvent', 'photos']);
  const [test2] = await receive(viaTopic, 1);
  const envelope = JSON.parse(test2!.Body!) as { Type: string; Subject: string; Message: string; TopicArn: string };
  assert.equal(envelope.Subject, 'Amazon S3 Notification');
  assert.equal((JSON.parse(envelope.Message) as { Event: string }).Event, 's3:TestEvent');

  await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'cat.jpg', Body: 'meow' }));
  await s3.send(new PutObjectCommand({ Bucket: 'photos', Key: 'notes.txt', Body: 'x' }));
  await s3.send(new DeleteObjectCommand({ Bucket: 'photos', Key: 'notes.txt' }));
  const queued = await receive(direct, 1);
  assert.equal(queued.length, 1);
  const record = (JSON.parse(queued[0]!.Body!) as { Records: Record<string, any>[] }).Records[0]!;
  assert.deepEqual([record['eventName'], record['s3'].configurationId, record['s3'].object.key, record['s3'].object.size], ['ObjectCreated:Put', 'jpgs', 'cat.jpg', 4]);
  const published = (await receive(viaTopic, 3)).map((m) => JSON.parse((JSON.parse(m.Body!) as { Message: string }).Message) as { Records: Record<string, any>[] });
  assert.deepEqual(published.map((p) => `${p.Records[0]!['eventName']} ${p.Records[0]!['s3'].object.key}`).sort(), ['ObjectCreated:Put cat.jpg', 'ObjectCreated:Put notes.txt', 'ObjectRemoved:Delete notes.txt']);
  // Putting the same destinations again sends no second test event.
  await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'photos', NotificationConfiguration: { QueueConfigurations: conf.QueueConfigurations!, TopicConfigurations: conf.TopicConfigurations! } }));
  assert.equal((await sqs.send(new ReceiveMessageCommand({ QueueUrl: direct, WaitTimeSeconds: 2 }))).Messages, undefined);
});
