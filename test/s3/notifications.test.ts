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

  // Only Lambda destinations; a malformed ARN or an unknown event is InvalidArgument.
  await s3Rejects(s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'uploads', NotificationConfiguration: { QueueConfigurations: [{ QueueArn: 'arn:aws:sqs:us-east-1:000000000000:q', Events: ['s3:ObjectCreated:*'] }] } })), 'NotImplemented', 501);
  await s3Rejects(s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'uploads', NotificationConfiguration: { LambdaFunctionConfigurations: [{ LambdaFunctionArn: 'not-an-arn', Events: ['s3:ObjectCreated:*'] }] } })), 'InvalidArgument', 400);
  await s3Rejects(s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'uploads', NotificationConfiguration: { LambdaFunctionConfigurations: [{ LambdaFunctionArn: arn, Events: ['s3:Bogus:*' as 's3:ObjectCreated:*'] }] } })), 'InvalidArgument', 400);
  // An empty configuration turns notifications off.
  await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'uploads', NotificationConfiguration: {} }));
  assert.equal((await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'uploads' }))).LambdaFunctionConfigurations, undefined);
});
