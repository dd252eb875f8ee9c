/**
 * The EventBridge subset through @aws-sdk/client-eventbridge and /usr/bin/aws (JSON 1.1) against
 * a real Nimbus: a rule with a content pattern on a custom bus delivers matching events only - to
 * a Lambda function through the async queue (with an input transformer) and to an SQS queue -
 * entry errors and request errors in AWS's shapes, and a scheduled rule firing through
 * Nimbus's scheduler.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CreateEventBusCommand,
  DeleteRuleCommand,
  DescribeRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { ManualClock } from '../../src/core/clock.js';
import { awsCliAt, haveAwsCli } from '../helpers/aws-cli.js';
import { LEDGER_HANDLER, ledgerDir, readLedger, waitFor } from '../helpers/ledger.js';
import { deployNode, startTestNimbus } from '../helpers/nimbus.js';
import { rejects } from '../helpers/aws-errors.js';
import { sdk } from '../helpers/sqs-clients.js';

const ACCOUNT = '000000000000';
const FN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function`;

function client(url: string): EventBridgeClient {
  return new EventBridgeClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
}

/** The call fails with AWS error `name`, HTTP 400 and `message` (exactly, or matching). */
const fails = (p: Promise<unknown>, name: string, message: string | RegExp): Promise<void> => rejects(p, name, message, 400);

test('a pattern rule on a custom bus delivers matching events only, transformed, to Lambda and SQS', async (t) => {
  const dir = ledgerDir('nimbus-eb-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ledger = join(dir, 'ledger');
  const nimbus = await startTestNimbus(t, { isolation: 'process' });
  const eb = client(nimbus.url);
  const sqs = sdk(nimbus.url);
  t.after(() => [eb, sqs].forEach((c) => c.destroy()));
  await deployNode(nimbus.lambda, 'consumer', { 'index.js': LEDGER_HANDLER }, { Environment: { Variables: { LEDGER: ledger } } });
  await sqs.send(new CreateQueueCommand({ QueueName: 'audit' }));

  const bus = await eb.send(new CreateEventBusCommand({ Name: 'orders' }));
  assert.equal(bus.EventBusArn, `arn:aws:events:us-east-1:${ACCOUNT}:event-bus/orders`);
  await fails(eb.send(new CreateEventBusCommand({ Name: 'orders' })), 'ResourceAlreadyExistsException', 'Event bus orders already exists.');
  const pattern = JSON.stringify({ source: ['shop.orders'], 'detail-type': ['OrderPlaced'], detail: { total: [{ numeric: ['>', 100] }] } });
  const rule = await eb.send(new PutRuleCommand({ Name: 'big-orders', EventBusName: 'orders', EventPattern: pattern }));
  assert.equal(rule.RuleArn, `arn:aws:events:us-east-1:${ACCOUNT}:rule/orders/big-orders`);
  const put = await eb.send(
    new PutTargetsCommand({
      Rule: 'big-orders',
      EventBusName: 'orders',
      Targets: [
        { Id: 'fn', Arn: `${FN}:consumer`, InputTransformer: { InputPathsMap: { id: '$.detail.id' }, InputTemplate: '{"order": <id>, "rule": "<aws.events.rule-name>", "n": 1}' } },
        { Id: 'audit', Arn: `arn:aws:sqs:us-east-1:${ACCOUNT}:audit` },
        { Id: 'elsewhere', Arn: `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/clicks` },
      ],
    }),
  );
  assert.equal(put.FailedEntryCount, 1);
  assert.equal(put.FailedEntries?.[0]?.TargetId, 'elsewhere');
  assert.deepEqual((await eb.send(new ListTargetsByRuleCommand({ Rule: 'big-orders', EventBusName: 'orders' }))).Targets?.map((x) => x.Id), ['audit', 'fn']);

  const sent = await eb.send(
    new PutEventsCommand({
      Entries: [
        { Source: 'shop.orders', DetailType: 'OrderPlaced', Detail: JSON.stringify({ id: 'small', total: 20 }), EventBusName: 'orders' },
        { Source: 'shop.orders', DetailType: 'OrderPlaced', Detail: JSON.stringify({ id: 'big', total: 250 }), EventBusName: 'orders', Resources: ['arn:x'] },
        { Source: 'shop.orders', Detail: '{}', EventBusName: 'orders' },
        { Source: 'shop.orders', DetailType: 'OrderPlaced', Detail: 'not json', EventBusName: 'orders' },
        { Source: 'shop.orders', DetailType: 'OrderPlaced', Detail: '{}', EventBusName: 'nope' },
      ],
    }),
  );
  assert.equal(sent.FailedEntryCount, 3);
  assert.ok(sent.Entries?.[0]?.EventId && sent.Entries[1]?.EventId);
  assert.deepEqual(sent.Entries?.slice(2).map((e) => [e.ErrorCode, e.ErrorMessage]), [
    ['InvalidArgument', 'Parameter DetailType is not valid. Reason: DetailType is a required argument.'],
    ['MalformedDetail', 'Detail is malformed.'],
    ['ResourceNotFoundException', 'Event bus nope does not exist.'],
  ]);
  assert.ok(await waitFor(() => readLedger(ledger).length === 1, 15_000), 'the matching event invoked the function');
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(readLedger(ledger).map((l) => l.event), [{ order: 'big', rule: 'big-orders', n: 1 }], 'only the matching event, transformed');
  const audit = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: `${nimbus.url}/${ACCOUNT}/audit`, MaxNumberOfMessages: 10 }))).Messages ?? [];
  assert.equal(audit.length, 1);
  const ev = JSON.parse(audit[0]!.Body!) as Record<string, unknown>;
  assert.deepEqual(Object.keys(ev), ['version', 'id', 'detail-type', 'source', 'account', 'time', 'region', 'resources', 'detail']);
  assert.deepEqual({ ...ev, time: undefined }, { version: '0', id: sent.Entries?.[1]?.EventId, 'detail-type': 'OrderPlaced', source: 'shop.orders', account: ACCOUNT, time: undefined, region: 'us-east-1', resources: ['arn:x'], detail: { id: 'big', total: 250 } });
  assert.match(String(ev['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const events = (await (await fetch(`${nimbus.url}/nimbus/v1/events?function=consumer`)).json()) as { events: { source: string }[] };
  assert.deepEqual(events.events.map((e) => e.source), ['events:big-orders'], 'delivered through the durable async queue');

  // Request errors in AWS's shapes.
  await fails(eb.send(new DescribeRuleCommand({ Name: 'nope', EventBusName: 'orders' })), 'ResourceNotFoundException', 'Rule nope does not exist on EventBus orders.');
  await fails(eb.send(new PutRuleCommand({ Name: 'bad', EventPattern: '{"source": "not-a-list"}' })), 'InvalidEventPatternException', /^Event pattern is not valid\. Reason: /);
  await fails(eb.send(new PutRuleCommand({ Name: 'bad', EventBusName: 'orders', ScheduleExpression: 'rate(1 minute)' })), 'ValidationException', 'ScheduleExpression is supported only on the default event bus.');
  await fails(eb.send(new PutRuleCommand({ Name: 'bad' })), 'ValidationException', 'Parameter(s) EventPattern or ScheduleExpression must be specified.');
  await fails(eb.send(new PutRuleCommand({ Name: 'bad', ScheduleExpression: 'rate(0 minutes)' })), 'ValidationException', 'Parameter ScheduleExpression is not valid.');
  await fails(eb.send(new DeleteRuleCommand({ Name: 'big-orders', EventBusName: 'orders' })), 'ValidationException', "Rule can't be deleted since it has targets.");
  assert.equal((await eb.send(new TestEventPatternCommand({ EventPattern: pattern, Event: JSON.stringify({ id: '1', account: ACCOUNT, source: 'shop.orders', time: '2026-01-01T00:00:00Z', region: 'us-east-1', 'detail-type': 'OrderPlaced', detail: { total: 101 } }) }))).Result, true);
  await eb.send(new RemoveTargetsCommand({ Rule: 'big-orders', EventBusName: 'orders', Ids: ['fn', 'audit'] }));
  await eb.send(new DeleteRuleCommand({ Name: 'big-orders', EventBusName: 'orders' }));
  assert.deepEqual((await eb.send(new ListRulesCommand({ EventBusName: 'orders' }))).Rules, []);

  // The AWS CLI speaks the same JSON 1.1.
  if (!haveAwsCli(t)) return;
  await eb.send(new PutRuleCommand({ Name: 'cli', EventPattern: JSON.stringify({ source: ['cli.test'] }) }));
  await eb.send(new PutTargetsCommand({ Rule: 'cli', Targets: [{ Id: 'fn', Arn: `${FN}:consumer` }] }));
  const out = await awsCliAt(nimbus.url, dir, 'events', 'put-events', '--entries', JSON.stringify([{ Source: 'cli.test', DetailType: 'x', Detail: '{"from":"cli"}' }]));
  assert.equal(out.code, 0, out.stderr);
  assert.equal((JSON.parse(out.stdout) as { FailedEntryCount: number }).FailedEntryCount, 0);
  assert.ok(await waitFor(() => readLedger(ledger).length === 2, 15_000));
  assert.deepEqual((readLedger(ledger)[1]!.event as { detail: unknown }).detail, { from: 'cli' });
  const missing = await awsCliAt(nimbus.url, dir, 'events', 'describe-rule', '--name', 'nope');
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /An error occurred \(ResourceNotFoundException\) when calling the DescribeRule operation(?: \(reached max retries: 0\))?: Rule nope does not exist on EventBus default\./);
});

test('an SNS topic target: the event (or what InputPath makes of it) is published as the message; a scheduled rule cannot have one', async (t) => {
  const nimbus = await startTestNimbus(t, { isolation: 'process' });
  const eb = client(nimbus.url);
  const sqs = sdk(nimbus.url);
  const sns = new SNSClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  t.after(() => [eb, sqs, sns].forEach((c) => c.destroy()));
  const topic = (await sns.send(new CreateTopicCommand({ Name: 'alerts' }))).TopicArn!;
  const gone = (await sns.send(new CreateTopicCommand({ Name: 'gone' }))).TopicArn!;
  await sqs.send(new CreateQueueCommand({ QueueName: 'inbox' }));
  await sns.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'sqs', Endpoint: `arn:aws:sqs:us-east-1:${ACCOUNT}:inbox`, Attributes: { RawMessageDelivery: 'true' } }));
  await eb.send(new PutRuleCommand({ Name: 'alarms', EventPattern: JSON.stringify({ source: ['monitor'] }) }));
  const put = await eb.send(
    new PutTargetsCommand({
      Rule: 'alarms',
      Targets: [
        { Id: 'whole', Arn: topic },
        { Id: 'detail', Arn: topic, InputPath: '$.detail' },
        { Id: 'deleted', Arn: gone },
      ],
    }),
  );
  assert.equal(put.FailedEntryCount, 0);
  await sns.send(new DeleteTopicCommand({ TopicArn: gone }));
  const sent = await eb.send(new PutEventsCommand({ Entries: [{ Source: 'monitor', DetailType: 'Alarm', Detail: JSON.stringify({ level: 'high' }) }] }));
  // A target topic that no longer exists loses the event (logged), as on AWS; the entry still succeeds.
  assert.equal(sent.FailedEntryCount, 0);
  const bodies: string[] = [];
  for (let i = 0; i < 20 && bodies.length < 2; i++) {
    const got = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: `${nimbus.url}/${ACCOUNT}/inbox`, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }))).Messages ?? [];
    bodies.push(...got.map((m) => m.Body!));
  }
  const parsed = bodies.map((b) => JSON.parse(b) as Record<string, unknown>).sort((a, b) => Object.keys(a).length - Object.keys(b).length);
  assert.deepEqual(parsed[0], { level: 'high' });
  assert.equal(parsed[1]!['id'], sent.Entries?.[0]?.EventId);
  assert.deepEqual(parsed[1]!['detail'], { level: 'high' });
  assert.equal(parsed.length, 2);

  await eb.send(new PutRuleCommand({ Name: 'nightly', ScheduleExpression: 'rate(1 day)' }));
  const scheduled = await eb.send(new PutTargetsCommand({ Rule: 'nightly', Targets: [{ Id: 't', Arn: topic }] }));
  assert.deepEqual(scheduled.FailedEntries?.map((f) => [f.TargetId, f.ErrorCode]), [['t', 'InvalidArgument']]);
});

test('a scheduled rule fires through the scheduler, its target input rendered per run', async (t) => {
  const dir = ledgerDir('nimbus-eb-sched-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ledger = join(dir, 'ledger');
  // Now, not a fixed date: sandboxes compare their deadline with the real time.
  const clock = new ManualClock(Date.now());
  const nimbus = await startTestNimbus(t, { isolation: 'process', clock });
  const eb = client(nimbus.url);
  t.after(() => eb.destroy());
  await deployNode(nimbus.lambda, 'ticker', { 'index.js': LEDGER_HANDLER }, { Environment: { Variables: { LEDGER: ledger } } });
  await eb.send(new PutRuleCommand({ Name: 'every5', ScheduleExpression: 'rate(5 minutes)' }));
  await eb.send(
    new PutTargetsCommand({
      Rule: 'every5',
      Targets: [
        { Id: 'plain', Arn: `${FN}:ticker` },
        { Id: 'shaped', Arn: `${FN}:ticker`, InputTransformer: { InputPathsMap: { t: '$.time' }, InputTemplate: '{"at": <t>, "rule": "<aws.events.rule-arn>"}' } },
      ],
    }),
  );
  const schedules = (await (await fetch(`${nimbus.url}/nimbus/v1/schedules`)).json()) as { schedules: { Name: string; Arn: string }[] };
  assert.deepEqual(schedules.schedules.map((s) => [s.Name, s.Arn]), [
    ['rule/every5/plain', `arn:aws:events:us-east-1:${ACCOUNT}:rule/every5`],
    ['rule/every5/shaped', `arn:aws:events:us-east-1:${ACCOUNT}:rule/every5`],
  ]);
  clock.advance(5 * 60_000);
  const ran = await waitFor(() => readLedger(ledger).length === 2, 15_000);
  assert.ok(ran, `both targets ran once: ${JSON.stringify(await (await fetch(`${nimbus.url}/nimbus/v1/events`)).json())} ${JSON.stringify(await (await fetch(`${nimbus.url}/nimbus/v1/schedules`)).json())}`);
  const byShape = readLedger(ledger).map((l) => l.event);
  const plain = byShape.find((e) => e['detail-type'] === 'Scheduled Event');
  assert.deepEqual(plain?.['resources'], [`arn:aws:events:us-east-1:${ACCOUNT}:rule/every5`]);
  const shaped = byShape.find((e) => 'at' in e);
  assert.deepEqual(shaped, { at: plain?.['time'], rule: `arn:aws:events:us-east-1:${ACCOUNT}:rule/every5` });
  // Disabling the rule stops its schedules; deleting it (after its targets) removes them.
  await eb.send(new RemoveTargetsCommand({ Rule: 'every5', Ids: ['plain', 'shaped'] }));
  await eb.send(new DeleteRuleCommand({ Name: 'every5' }));
  const after = (await (await fetch(`${nimbus.url}/nimbus/v1/schedules`)).json()) as { schedules: unknown[] };
  assert.deepEqual(after.schedules, []);
});
