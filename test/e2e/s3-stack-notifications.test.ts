/**
 * A stack's S3 notifications over its life (`nimbus deploy -t`): a bucket's NotificationConfiguration
 * and a function's SAM S3 event become the bucket's configuration (read back with
 * GetBucketNotificationConfiguration, the queue gets S3's test event); a deployment that fails
 * puts the previous configuration back; one that drops them clears it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { GetBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startTestNimbus } from '../helpers/nimbus.js';
import { nimbusCli } from '../helpers/serve.js';
import { s3Client } from '../s3/helpers.js';

const template = (o: { queue: boolean; event: boolean; broken: boolean }): string => `Transform: AWS::Serverless-2016-10-31
Resources:
  Drops: { Type: AWS::SQS::Queue, Properties: { QueueName: drops } }
  Inbox:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: stack-inbox
${o.queue ? "      NotificationConfiguration:\n        QueueConfigurations:\n          - { Event: 's3:ObjectCreated:*', Queue: !GetAtt Drops.Arn, Filter: { S3Key: { Rules: [{ Name: prefix, Value: in/ }] } } }\n" : ''}${o.broken ? "  Other:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: stack-other\n      NotificationConfiguration:\n        QueueConfigurations: [{ Event: 's3:Bogus:*', Queue: !GetAtt Drops.Arn }]\n" : ''}  Handler:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      FunctionName: stack-inbox-handler
      InlineCode: "exports.handler = async () => 'ok';"
${o.event ? "      Events:\n        Upload: { Type: S3, Properties: { Bucket: !Ref Inbox, Events: ['s3:ObjectRemoved:*'] } }\n" : ''}`;

test("a stack's bucket notifications: set from the template, restored when a deployment fails, cleared when dropped", { timeout: 180_000 }, async (t) => {
  const nimbus = await startTestNimbus(t);
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-s3-stack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const s3 = s3Client(nimbus.url);
  const sqs = new SQSClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  t.after(() => [s3, sqs].forEach((c) => c.destroy()));
  const deploy = async (o: { queue: boolean; event: boolean; broken: boolean }) => {
    writeFileSync(join(dir, 'template.yaml'), template(o));
    return nimbusCli(['--endpoint', nimbus.url, 'deploy', '-t', join(dir, 'template.yaml'), '--stack-name', 'inbox']);
  };
  const config = async () => {
    const c = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'stack-inbox' }));
    return {
      queues: (c.QueueConfigurations ?? []).map((q) => `${q.Id} ${q.QueueArn} ${q.Events!.join(',')} ${(q.Filter?.Key?.FilterRules ?? []).map((r) => `${r.Name}=${r.Value}`).join(',')}`),
      functions: (c.LambdaFunctionConfigurations ?? []).map((f) => `${f.Id} ${f.LambdaFunctionArn} ${f.Events!.join(',')}`),
    };
  };
  const v1 = await deploy({ queue: true, event: true, broken: false });
  assert.equal(v1.code, 0, v1.stdout + v1.stderr);
  assert.match(v1.stdout, /Inbox: S3 bucket stack-inbox \(notifies s3:ObjectRemoved:\* -> arn:aws:lambda:us-east-1:000000000000:function:stack-inbox-handler, s3:ObjectCreated:\* -> arn:aws:sqs:us-east-1:000000000000:drops\)/);
  const first = { queues: ['InboxQueue1 arn:aws:sqs:us-east-1:000000000000:drops s3:ObjectCreated:* prefix=in/'], functions: ['HandlerUpload arn:aws:lambda:us-east-1:000000000000:function:stack-inbox-handler s3:ObjectRemoved:*'] };
  assert.deepEqual(await config(), first);
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: `${nimbus.url}/000000000000/drops`, WaitTimeSeconds: 10 }));
  assert.equal((JSON.parse(got.Messages![0]!.Body!) as { Event: string; Bucket: string }).Event, 's3:TestEvent');

  // The second bucket's configuration is refused by S3 after the first one's was replaced: it comes back.
  const failed = await deploy({ queue: false, event: true, broken: true });
  assert.equal(failed.code, 1, failed.stdout + failed.stderr);
  assert.match(failed.stderr, /S3 InvalidArgument: The event is not supported for notifications \(Event: s3:Bogus:\*\)/);
  assert.deepEqual(await config(), first);

  const dropped = await deploy({ queue: false, event: false, broken: false });
  assert.equal(dropped.code, 0, dropped.stdout + dropped.stderr);
  assert.deepEqual(await config(), { queues: [], functions: [] });
});
