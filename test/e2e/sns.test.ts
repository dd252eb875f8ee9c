/**
 * The SNS subset through @aws-sdk/client-sns and /usr/bin/aws (both speak the Query protocol)
 * against a real Nimbus: a Lambda subscription with a filter policy gets matching messages only,
 * as SNS's Records envelope through the async queue; SQS subscriptions get the JSON notification
 * or, raw, the message itself; errors in SNS's shapes.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  GetSubscriptionAttributesCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { awsCliAt, haveAwsCli } from '../helpers/aws-cli.js';
import { LEDGER_HANDLER, ledgerDir, readLedger, waitFor } from '../helpers/ledger.js';
import { deployNode, startTestNimbus } from '../helpers/nimbus.js';
import { rejects } from '../helpers/aws-errors.js';
import { sdk } from '../helpers/sqs-clients.js';

const ACCOUNT = '000000000000';

function client(url: string): SNSClient {
  return new SNSClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
}

/** The call fails with AWS error `name`, HTTP `status` and `message` (exactly, or matching). */
const fails = (p: Promise<unknown>, name: string, status: number, message: string | RegExp): Promise<void> => rejects(p, name, message, status);

test('SNS: a filter policy lets matching messages only reach the function; SQS subscribers get notifications', async (t) => {
  const dir = ledgerDir('nimbus-sns-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ledger = join(dir, 'ledger');
  const nimbus = await startTestNimbus(t, { isolation: 'process' });
  const sns = client(nimbus.url);
  const sqs = sdk(nimbus.url);
  t.after(() => [sns, sqs].forEach((c) => c.destroy()));
  await deployNode(nimbus.lambda, 'reds', { 'index.js': LEDGER_HANDLER }, { Environment: { Variables: { LEDGER: ledger } } });
  for (const q of ['all-notes', 'raw-x']) await sqs.send(new CreateQueueCommand({ QueueName: q }));

  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'paint', Tags: [{ Key: 'team', Value: 'a' }] }));
  assert.equal(TopicArn, `arn:aws:sns:us-east-1:${ACCOUNT}:paint`);
  assert.equal((await sns.send(new CreateTopicCommand({ Name: 'paint' }))).TopicArn, TopicArn, 'CreateTopic is idempotent');
  const fnSub = await sns.send(
    new SubscribeCommand({
      TopicArn,
      Protocol: 'lambda',
      Endpoint: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:reds`,
      Attributes: { FilterPolicy: JSON.stringify({ color: ['red'], size: [{ numeric: ['>=', 10] }] }) },
      ReturnSubscriptionArn: true,
    }),
  );
  assert.match(fnSub.SubscriptionArn ?? '', new RegExp(`^${TopicArn}:[0-9a-f-]{36}$`));
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: `arn:aws:sqs:us-east-1:${ACCOUNT}:all-notes` }));
  const raw = await sns.send(
    new SubscribeCommand({
      TopicArn,
      Protocol: 'sqs',
      Endpoint: `arn:aws:sqs:us-east-1:${ACCOUNT}:raw-x`,
      Attributes: { RawMessageDelivery: 'true', FilterPolicyScope: 'MessageBody', FilterPolicy: JSON.stringify({ kind: ['x'] }) },
    }),
  );
  assert.equal((await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions?.length, 3);
  const attrs = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: raw.SubscriptionArn }))).Attributes;
  assert.equal(attrs?.['RawMessageDelivery'], 'true');
  assert.equal(attrs?.['FilterPolicyScope'], 'MessageBody');
  assert.equal((await sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes?.['SubscriptionsConfirmed'], '3');

  const red = await sns.send(
    new PublishCommand({ TopicArn, Message: '{"kind":"x","paint":"red"}', Subject: 'paint', MessageAttributes: { color: { DataType: 'String', StringValue: 'red' }, size: { DataType: 'Number', StringValue: '12' } } }),
  );
  await sns.send(new PublishCommand({ TopicArn, Message: '{"kind":"y"}', MessageAttributes: { color: { DataType: 'String', StringValue: 'blue' }, size: { DataType: 'Number', StringValue: '12' } } }));
  await sns.send(new PublishCommand({ TopicArn, Message: 'small red', MessageAttributes: { color: { DataType: 'String', StringValue: 'red' }, size: { DataType: 'Number', StringValue: '3' } } }));

  assert.ok(await waitFor(() => readLedger(ledger).length === 1, 15_000), 'the matching message invoked the function');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(readLedger(ledger).length, 1, 'the others did not match the filter policy');
  const event = readLedger(ledger)[0]!.event as { Records: { EventSource: string; EventVersion: string; EventSubscriptionArn: string; Sns: Record<string, unknown> }[] };
  assert.equal(event.Records.length, 1);
  const rec = event.Records[0]!;
  assert.deepEqual(Object.keys(rec), ['EventVersion', 'EventSubscriptionArn', 'EventSource', 'Sns']);
  assert.equal(rec.EventSource, 'aws:sns');
  assert.equal(rec.EventSubscriptionArn, fnSub.SubscriptionArn);
  assert.deepEqual(Object.keys(rec.Sns), ['SignatureVersion', 'Timestamp', 'Signature', 'SigningCertUrl', 'MessageId', 'Message', 'MessageAttributes', 'Type', 'UnsubscribeUrl', 'TopicArn', 'Subject']);
  assert.equal(rec.Sns['MessageId'], red.MessageId);
  assert.equal(rec.Sns['Message'], '{"kind":"x","paint":"red"}');
  assert.equal(rec.Sns['Subject'], 'paint');
  assert.equal(rec.Sns['Type'], 'Notification');
  assert.equal(rec.Sns['TopicArn'], TopicArn);
  assert.deepEqual(rec.Sns['MessageAttributes'], { color: { Type: 'String', Value: 'red' }, size: { Type: 'Number', Value: '12' } });
  const events = (await (await fetch(`${nimbus.url}/nimbus/v1/events?function=reds`)).json()) as { events: { source: string }[] };
  assert.deepEqual(events.events.map((e) => e.source), ['sns:paint'], 'delivered through the durable async queue');

  const notes = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: `${nimbus.url}/${ACCOUNT}/all-notes`, MaxNumberOfMessages: 10 }))).Messages ?? [];
  assert.equal(notes.length, 3, 'no filter: every message');
  const first = notes.map((m) => JSON.parse(m.Body!) as Record<string, unknown>).find((n) => n['MessageId'] === red.MessageId)!;
  assert.equal(first['Type'], 'Notification');
  assert.equal(first['Subject'], 'paint');
  assert.deepEqual(first['MessageAttributes'], { color: { Type: 'String', Value: 'red' }, size: { Type: 'Number', Value: '12' } });
  const rawGot = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: `${nimbus.url}/${ACCOUNT}/raw-x`, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }))).Messages ?? [];
  assert.deepEqual(rawGot.map((m) => m.Body), ['{"kind":"x","paint":"red"}'], 'raw delivery of the body-matching message only');
  assert.equal(rawGot[0]?.MessageAttributes?.['color']?.StringValue, 'red');

  // Errors in SNS's shapes.
  const missingTopic = `arn:aws:sns:us-east-1:${ACCOUNT}:nope`;
  await fails(sns.send(new PublishCommand({ TopicArn: missingTopic, Message: 'x' })), 'NotFoundException', 404, 'Topic does not exist');
  await fails(sns.send(new PublishCommand({ TopicArn, Message: '' })), 'InvalidParameterException', 400, 'Invalid parameter: Empty message');
  await fails(sns.send(new PublishCommand({ TopicArn, Message: 'x', MessageAttributes: { a: { DataType: 'Date', StringValue: '1' } } })), 'InvalidParameterValueException', 400,
    "The message attribute 'a' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.");
  await fails(sns.send(new SubscribeCommand({ TopicArn, Protocol: 'carrier-pigeon', Endpoint: 'x' })), 'InvalidParameterException', 400,
    'Invalid parameter: Amazon SNS does not support this protocol string: carrier-pigeon');
  await fails(sns.send(new SetSubscriptionAttributesCommand({ SubscriptionArn: fnSub.SubscriptionArn, AttributeName: 'FilterPolicy', AttributeValue: '{"color": "red"}' })), 'InvalidParameterException', 400,
    /^Invalid parameter: FilterPolicy: /);
  await fails(sns.send(new CreateTopicCommand({ Name: 'bad name!' })), 'InvalidParameterException', 400, 'Invalid parameter: Topic Name');
  await fails(sns.send(new UnsubscribeCommand({ SubscriptionArn: `${TopicArn}:00000000-0000-0000-0000-000000000000` })), 'NotFoundException', 404, 'Subscription does not exist');

  // The AWS CLI (Debian's 2.9, Query protocol) publishes with attributes too.
  if (haveAwsCli(t)) {
    const out = await awsCliAt(nimbus.url, dir, 'sns', 'publish', '--topic-arn', TopicArn!, '--message', 'from the cli', '--message-attributes', '{"color":{"DataType":"String","StringValue":"red"},"size":{"DataType":"Number","StringValue":"50"}}');
    assert.equal(out.code, 0, out.stderr);
    assert.ok(await waitFor(() => readLedger(ledger).length === 2, 15_000));
    const listed = await awsCliAt(nimbus.url, dir, 'sns', 'list-topics');
    assert.deepEqual((JSON.parse(listed.stdout) as { Topics: { TopicArn: string }[] }).Topics, [{ TopicArn }]);
    const bad = await awsCliAt(nimbus.url, dir, 'sns', 'publish', '--topic-arn', missingTopic, '--message', 'x');
    assert.match(bad.stderr, /An error occurred \(NotFound\) when calling the Publish operation(?: \(reached max retries: 0\))?: Topic does not exist/);
  }

  await sns.send(new DeleteTopicCommand({ TopicArn }));
  assert.deepEqual((await sns.send(new ListTopicsCommand({}))).Topics ?? [], []);
});
