/**
 * SQS queue policies and SNS topic policies enforced with `--auth keys` (src/sqs/policy.ts,
 * src/sns/policy.ts), end to end with the JS SDK and the AWS CLI v2: another account reaches a
 * queue or topic only through its policy, and only for what the policy grants; an explicit Deny
 * refuses the owner too; a topic of another account delivers to a queue only when the queue's
 * policy lets sns.amazonaws.com send for that topic. The AWS CLI is a CI dependency: missing,
 * that step fails under CI=true and is left out elsewhere.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { CreateEventBusCommand, EventBridgeClient, PutEventsCommand, PutRuleCommand } from '@aws-sdk/client-eventbridge';
import { CreateTopicCommand, PublishCommand, SetTopicAttributesCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { NewKey } from '../../src/accounts/store.js';
import { startTestNimbus } from '../helpers/nimbus.js';
import { outcome } from '../helpers/aws-errors.js';

const run = promisify(execFile);
const CI = process.env['CI'] === 'true';
const AWS = '/usr/bin/aws';

const creds = (k: NewKey) => ({ accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey });

const policy = (...statements: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement: statements });

test('queue and topic policies decide what another account may do', async (t) => {
  const nimbus = await startTestNimbus(t, { auth: 'keys' });
  const a = await nimbus.accounts.createKey('default', { name: 'alice' });
  const accountB = (await nimbus.accounts.createAccount('team-b')).accountId;
  const b = await nimbus.accounts.createKey('team-b', { name: 'bob' });
  const client = <C>(make: new (o: object) => C, k: NewKey): C => new make({ endpoint: nimbus.url, region: 'us-east-1', credentials: creds(k), maxAttempts: 1 });
  const sqsA = client(SQSClient, a);
  const sqsB = client(SQSClient, b);
  const snsA = client(SNSClient, a);
  const snsB = client(SNSClient, b);
  t.after(() => [sqsA, sqsB, snsA, snsB].forEach((c) => c.destroy()));

  // SQS: without a policy, another account's queue is refused with AccessDenied.
  const { QueueUrl: url } = await sqsA.send(new CreateQueueCommand({ QueueName: 'shared' }));
  const arn = (await sqsA.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes!['QueueArn']!;
  const refused = await outcome(sqsB.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'from b' })));
  assert.equal(refused.status, 403, refused.message);
  assert.match(refused.name, /AccessDenied/);
  assert.equal(
    refused.message,
    `User: arn:aws:iam::${accountB}:user/bob is not authorized to perform: sqs:sendmessage on resource: ${arn} because no resource-based policy allows the sqs:sendmessage action`,
  );

  // A policy granting account B SendMessage: B may send, and only send.
  await sqsA.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountB}:root` }, Action: 'sqs:SendMessage', Resource: arn }) } }));
  assert.equal((await outcome(sqsB.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'from b' })))).name, 'ok');
  assert.equal((await outcome(sqsB.send(new ReceiveMessageCommand({ QueueUrl: url })))).status, 403, 'ReceiveMessage is not granted');
  assert.equal((await outcome(sqsB.send(new GetQueueUrlCommand({ QueueName: 'shared', QueueOwnerAWSAccountId: '000000000000' })))).status, 403, 'GetQueueUrl is not granted');
  const got = await sqsA.send(new ReceiveMessageCommand({ QueueUrl: url, MessageSystemAttributeNames: ['SenderId'] }));
  assert.equal(got.Messages?.[0]?.Body, 'from b');
  assert.equal(got.Messages?.[0]?.Attributes?.['SenderId'], accountB);
  // A policy cannot hand another account the queue's configuration, whatever it says.
  await sqsA.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: policy({ Effect: 'Allow', Principal: '*', Action: 'sqs:*', Resource: arn }) } }));
  assert.equal((await outcome(sqsB.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { VisibilityTimeout: '5' } })))).status, 403);
  assert.equal((await outcome(sqsB.send(new GetQueueUrlCommand({ QueueName: 'shared', QueueOwnerAWSAccountId: '000000000000' })))).name, 'ok');

  // The AWS CLI v2 as account B, through the same policy.
  if (existsSync(AWS)) {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: b.accessKeyId, AWS_SECRET_ACCESS_KEY: b.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    const sent = await run(AWS, ['sqs', 'send-message', '--endpoint-url', nimbus.url, '--queue-url', url!, '--message-body', 'from the cli', '--output', 'json'], { env });
    assert.match(sent.stdout, /MessageId/);
  } else assert.ok(!CI, `the AWS CLI v2 is a CI dependency (${AWS})`);

  // An explicit Deny refuses the owner's own key too.
  await sqsA.send(
    new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: policy({ Effect: 'Deny', Principal: { AWS: `arn:aws:iam::000000000000:user/alice` }, Action: 'sqs:ReceiveMessage', Resource: arn }) } }),
  );
  const denied = await outcome(sqsA.send(new ReceiveMessageCommand({ QueueUrl: url })));
  assert.equal(denied.status, 403);
  assert.match(denied.message, /with an explicit deny in a resource-based policy/);

  // SNS: another account's topic is refused with AuthorizationError until its policy allows.
  const { TopicArn: topic } = await snsA.send(new CreateTopicCommand({ Name: 'news' }));
  const noPublish = await outcome(snsB.send(new PublishCommand({ TopicArn: topic, Message: 'hi' })));
  assert.equal(noPublish.status, 403, noPublish.message);
  assert.equal(noPublish.name, 'AuthorizationErrorException');
  assert.match(noPublish.message, new RegExp(`^User: arn:aws:iam::${accountB}:user/bob is not authorized to perform: SNS:Publish on resource: ${topic}`));
  await snsA.send(
    new SetTopicAttributesCommand({
      TopicArn: topic,
      AttributeName: 'Policy',
      AttributeValue: policy({ Effect: 'Allow', Principal: { AWS: accountB }, Action: ['sns:Publish', 'sns:Subscribe'], Resource: topic }),
    }),
  );
  assert.equal((await outcome(snsB.send(new PublishCommand({ TopicArn: topic, Message: 'hi' })))).name, 'ok');

  // B subscribes its own queue to A's topic: SNS delivers only once the queue's policy lets
  // sns.amazonaws.com send for that topic.
  const { QueueUrl: inbox } = await sqsB.send(new CreateQueueCommand({ QueueName: 'inbox' }));
  const inboxArn = (await sqsB.send(new GetQueueAttributesCommand({ QueueUrl: inbox, AttributeNames: ['QueueArn'] }))).Attributes!['QueueArn']!;
  await snsB.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: inboxArn, Attributes: { RawMessageDelivery: 'true' } }));
  await snsA.send(new PublishCommand({ TopicArn: topic, Message: 'one' }));
  assert.equal((await sqsB.send(new ReceiveMessageCommand({ QueueUrl: inbox, WaitTimeSeconds: 1 }))).Messages, undefined, 'no policy: not delivered');
  await sqsB.send(
    new SetQueueAttributesCommand({
      QueueUrl: inbox,
      Attributes: { Policy: policy({ Effect: 'Allow', Principal: { Service: 'sns.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: inboxArn, Condition: { ArnEquals: { 'aws:SourceArn': topic } } }) },
    }),
  );
  await snsA.send(new PublishCommand({ TopicArn: topic, Message: 'two' }));
  const delivered = await sqsB.send(new ReceiveMessageCommand({ QueueUrl: inbox, WaitTimeSeconds: 5, MaxNumberOfMessages: 10 }));
  assert.deepEqual(delivered.Messages?.map((m) => m.Body), ['two']);
});

test('identity policies scoped to one queue, topic, rule or bus allow that resource only (SDK and AWS CLI v2)', async (t) => {
  const nimbus = await startTestNimbus(t, { auth: 'keys' });
  const admin = await nimbus.accounts.createKey('default', { name: 'admin' });
  const arn = (service: string, resource: string): string => `arn:aws:${service}:us-east-1:000000000000:${resource}`;
  const scoped = await nimbus.accounts.createKey('default', {
    name: 'scoped',
    policy: policy(
      { Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:GetQueueUrl'], Resource: arn('sqs', 'orders') },
      { Effect: 'Allow', Action: 'sns:Publish', Resource: arn('sns', 'news-*') },
      { Effect: 'Allow', Action: 'events:PutRule', Resource: arn('events', 'rule/nightly') },
      { Effect: 'Allow', Action: 'events:PutEvents', Resource: arn('events', 'event-bus/app') },
      { Effect: 'Deny', Action: 'sqs:*', Resource: arn('sqs', 'orders-secret') },
    ),
  });
  const client = <C>(make: new (o: object) => C, k: NewKey): C => new make({ endpoint: nimbus.url, region: 'us-east-1', credentials: creds(k), maxAttempts: 1 });
  const [sqsAdmin, sqs, snsAdmin, sns, ebAdmin, eb] = [client(SQSClient, admin), client(SQSClient, scoped), client(SNSClient, admin), client(SNSClient, scoped), client(EventBridgeClient, admin), client(EventBridgeClient, scoped)];
  t.after(() => [sqsAdmin, sqs, snsAdmin, sns, ebAdmin, eb].forEach((c) => c.destroy()));

  const { QueueUrl: orders } = await sqsAdmin.send(new CreateQueueCommand({ QueueName: 'orders' }));
  const { QueueUrl: other } = await sqsAdmin.send(new CreateQueueCommand({ QueueName: 'other' }));
  assert.equal((await outcome(sqs.send(new SendMessageCommand({ QueueUrl: orders, MessageBody: 'x' })))).name, 'ok');
  assert.equal((await outcome(sqs.send(new GetQueueUrlCommand({ QueueName: 'orders' })))).name, 'ok');
  const refused = await outcome(sqs.send(new SendMessageCommand({ QueueUrl: other, MessageBody: 'x' })));
  assert.equal(refused.status, 403, refused.message);
  assert.match(refused.message, new RegExp(`not authorized to perform: sqs:SendMessage on resource: ${arn('sqs', 'other')} because no identity-based policy allows`));
  assert.equal((await outcome(sqs.send(new ReceiveMessageCommand({ QueueUrl: orders })))).status, 403, 'ReceiveMessage is not granted');
  assert.equal((await outcome(sqs.send(new CreateQueueCommand({ QueueName: 'orders-new' })))).status, 403, 'CreateQueue is checked against the new queue');
  const { QueueUrl: secret } = await sqsAdmin.send(new CreateQueueCommand({ QueueName: 'orders-secret' }));
  assert.match((await outcome(sqs.send(new SendMessageCommand({ QueueUrl: secret, MessageBody: 'x' })))).message, /explicit deny in an identity-based policy/);

  const { TopicArn: news } = await snsAdmin.send(new CreateTopicCommand({ Name: 'news-eu' }));
  const { TopicArn: billing } = await snsAdmin.send(new CreateTopicCommand({ Name: 'billing' }));
  assert.equal((await outcome(sns.send(new PublishCommand({ TopicArn: news, Message: 'hi' })))).name, 'ok');
  const noPublish = await outcome(sns.send(new PublishCommand({ TopicArn: billing, Message: 'hi' })));
  assert.equal(noPublish.status, 403, noPublish.message);
  assert.match(noPublish.message, new RegExp(`on resource: ${billing}`));

  assert.equal((await outcome(eb.send(new PutRuleCommand({ Name: 'nightly', ScheduleExpression: 'rate(1 day)' })))).name, 'ok');
  assert.equal((await outcome(eb.send(new PutRuleCommand({ Name: 'hourly', ScheduleExpression: 'rate(1 hour)' })))).status, 403);
  assert.equal((await outcome(eb.send(new PutRuleCommand({ Name: 'nightly', EventBusName: 'app', EventPattern: '{"source":["x"]}' })))).status, 403, 'a rule of the same name on another bus is another resource');
  const entry = (bus?: string) => ({ Source: 'app', DetailType: 'x', Detail: '{}', ...(bus ? { EventBusName: bus } : {}) });
  await ebAdmin.send(new CreateEventBusCommand({ Name: 'app' }));
  assert.equal((await outcome(eb.send(new PutEventsCommand({ Entries: [entry('app')] })))).name, 'ok');
  assert.equal((await outcome(eb.send(new PutEventsCommand({ Entries: [entry()] })))).status, 403, 'the default bus is not granted');
  assert.equal((await outcome(eb.send(new PutEventsCommand({ Entries: [entry('app'), entry()] })))).status, 403, 'every bus of a batch is checked');

  // The AWS CLI v2 (Query or JSON protocol, whichever it speaks) is checked against the same ARNs.
  if (existsSync(AWS)) {
    const env = { ...process.env, AWS_ACCESS_KEY_ID: scoped.accessKeyId, AWS_SECRET_ACCESS_KEY: scoped.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    const sent = await run(AWS, ['sqs', 'send-message', '--endpoint-url', nimbus.url, '--queue-url', orders!, '--message-body', 'cli', '--output', 'json'], { env });
    assert.match(sent.stdout, /MessageId/);
    await assert.rejects(run(AWS, ['sqs', 'send-message', '--endpoint-url', nimbus.url, '--queue-url', other!, '--message-body', 'cli'], { env }), (e: { stderr: string }) => /AccessDenied/.test(e.stderr));
    await assert.rejects(run(AWS, ['sns', 'publish', '--endpoint-url', nimbus.url, '--topic-arn', billing!, '--message', 'cli'], { env }), (e: { stderr: string }) => /AuthorizationError/.test(e.stderr));
  } else assert.ok(!CI, `the AWS CLI v2 is a CI dependency (${AWS})`);
});
