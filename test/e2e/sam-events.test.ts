/**
 * Issue 16 item 4 and issue 14: a SAM template with SQS, SNS, EventBridgeRule and CloudWatchEvent
 * events and its own queues, topic and event bus, deployed with `nimbus deploy -t` (the CLI
 * process) and driven with the AWS SDK for JavaScript as an app's users would: a message sent to
 * the queue URL the template's `Ref` gives (by a client with no endpoint set, as the SDK then
 * sends to the queue URL's host) is processed and a poison message is dead-lettered by the
 * queue's RedrivePolicy; an SNS publish that passes the filter policy invokes the function, one
 * that does not never does; PutEvents that match a rule invoke it, others do not. Then the stack
 * is updated in place, a failed update rolls every service resource back, and `stack rm`
 * deletes them all.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DescribeEventBusCommand, DescribeRuleCommand, EventBridgeClient, ListRulesCommand, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { GetSubscriptionAttributesCommand, GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startTestNimbus } from '../helpers/nimbus.js';
import { nimbusCli } from '../helpers/serve.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const region = 'us-east-1';

interface Events {
  visibility: number;
  batchSize: number;
  noteKind: string;
  bigTotal: number;
  withDefaultRule: boolean;
}

function template(e: Events): string {
  return `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Tag: { Type: String, Default: v1 }
Resources:
  Dlq:
    Type: AWS::SQS::Queue
  Orders:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: ${e.visibility}
      RedrivePolicy: { deadLetterTargetArn: !GetAtt Dlq.Arn, maxReceiveCount: 1 }
  Topic:
    Type: AWS::SNS::Topic
  Bus:
    Type: AWS::Events::EventBus
    Properties: { Name: !Sub '\${AWS::StackName}-bus' }
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: nodejs20.x
      Timeout: 3
      Environment: { Variables: { TAG: !Ref Tag } }
      Events:
        Queue:
          Type: SQS
          Properties: { Queue: !GetAtt Orders.Arn, BatchSize: ${e.batchSize}, FunctionResponseTypes: [ReportBatchItemFailures] }
        Notes:
          Type: SNS
          Properties: { Topic: !Ref Topic, FilterPolicy: { kind: [${e.noteKind}] } }
        Big:
          Type: EventBridgeRule
          Properties:
            EventBusName: !Ref Bus
            Pattern: { source: [shop], detail: { total: [{ numeric: ['>', ${e.bigTotal}] }] } }
${e.withDefaultRule ? '        Inventory:\n          Type: CloudWatchEvent\n          Properties: { Pattern: { source: [inventory] } }\n' : ''}Outputs:
  QueueUrl: { Value: !Ref Orders }
  TopicArn: { Value: !Ref Topic }
  BusName: { Value: !Ref Bus }
`;
}

const HANDLER = `export const handler = async (event) => {
  const tag = process.env.TAG;
  const first = event.Records?.[0];
  if (first?.eventSource === 'aws:sqs') {
    for (const r of event.Records) console.log(\`sqs \${tag} \${r.body} receive \${r.attributes.ApproximateReceiveCount}\`);
    return { batchItemFailures: event.Records.filter((r) => r.body.startsWith('poison')).map((r) => ({ itemIdentifier: r.messageId })) };
  }
  if (first?.EventSource === 'aws:sns') {
    for (const r of event.Records) console.log(\`sns \${tag} \${r.Sns.Message}\`);
    return;
  }
  if (event['detail-type'] !== undefined) console.log(\`events \${tag} \${event.source} \${JSON.stringify(event.detail)}\`);
};
`;

const V1: Events = { visibility: 5, batchSize: 5, noteKind: 'note', bigTotal: 100, withDefaultRule: true };
const V2: Events = { visibility: 10, batchSize: 2, noteKind: 'memo', bigTotal: 1000, withDefaultRule: false };

test('SAM SQS, SNS, EventBridgeRule and CloudWatchEvent events: deploy, run, update in place, roll back, rm', { timeout: 240_000 }, async (t) => {
  const nimbus = await startTestNimbus(t);
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-sam-events-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'app.mjs'), HANDLER);
  const deploy = async (e: Events, extra: string[] = []) => {
    writeFileSync(join(dir, 'template.yaml'), template(e));
    return nimbusCli(['--endpoint', nimbus.url, 'deploy', '-t', join(dir, 'template.yaml'), '--stack-name', 'shop', ...extra]);
  };
  const sqs = new SQSClient({ endpoint: nimbus.url, region, credentials });
  const sns = new SNSClient({ endpoint: nimbus.url, region, credentials });
  const events = new EventBridgeClient({ endpoint: nimbus.url, region, credentials });
  t.after(() => [sqs, sns, events].forEach((c) => c.destroy()));
  const stack = async () => (await (await fetch(`${nimbus.url}/nimbus/v1/stacks/shop`)).json()) as {
    StackStatus: string;
    Outputs: { OutputKey: string; OutputValue: string }[];
    Resources: { LogicalResourceId: string; PhysicalResourceId: string; ResourceType: string }[];
  };
  const physical = async (logicalId: string): Promise<string> => {
    const r = (await stack()).Resources.find((x) => x.LogicalResourceId === logicalId);
    assert.ok(r, `no resource ${logicalId}`);
    return r.PhysicalResourceId;
  };
  const output = async (key: string): Promise<string> => (await stack()).Outputs.find((o) => o.OutputKey === key)!.OutputValue;
  const logs = async (fn: string): Promise<string> => {
    const r = (await (await fetch(`${nimbus.url}/nimbus/v1/functions/${fn}/logs?limit=1000`)).json()) as { events: { text: string }[] };
    return r.events.map((e) => e.text).join('\n');
  };
  const waitForLog = async (fn: string, pattern: RegExp): Promise<string> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const text = await logs(fn);
      if (pattern.test(text)) return text;
      if (Date.now() > deadline) assert.fail(`${fn}'s logs never matched ${pattern}:\n${text.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  let worker = '';
  let mappingUuid = '';

  await t.test('the deployment creates the queues, topic, bus, subscription, rules and mapping', async () => {
    const r = await deploy(V1);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /Stack shop: CREATE_COMPLETE/);
    assert.match(r.stdout, /Orders: SQS queue shop-Orders-[A-Za-z0-9]{12}/);
    assert.match(r.stdout, /WorkerQueue: event-source mapping arn:aws:sqs:us-east-1:000000000000:shop-Orders-\S+ -> arn:aws:lambda:us-east-1:000000000000:function:shop-Worker-\S+ \([0-9a-f-]{36}\)/);
    assert.match(r.stdout, /WorkerBig: rule shop-WorkerBig-[A-Za-z0-9]{12} on bus shop-bus -> /);
    worker = await physical('Worker');
    mappingUuid = await physical('WorkerQueue');
    assert.equal(await output('QueueUrl'), `${nimbus.url}/000000000000/${await physical('Orders')}`);
    assert.equal(await output('BusName'), 'shop-bus');
    const types = (await stack()).Resources.map((x) => `${x.LogicalResourceId} ${x.ResourceType}`).sort();
    for (const want of ['Bus AWS::Events::EventBus', 'Dlq AWS::SQS::Queue', 'Topic AWS::SNS::Topic', 'WorkerBig AWS::Events::Rule', 'WorkerInventory AWS::Events::Rule', 'WorkerNotes AWS::SNS::Subscription', 'WorkerQueue AWS::Lambda::EventSourceMapping']) {
      assert.ok(types.includes(want), `missing ${want} in ${types.join(', ')}`);
    }
  });

  await t.test("a message sent to the queue's Ref URL is processed; a poison one goes to the dead-letter queue", async () => {
    // No endpoint: the SDK sends to the queue URL's own host, which must be Nimbus.
    const plain = new SQSClient({ region, credentials });
    t.after(() => plain.destroy());
    const url = await output('QueueUrl');
    await plain.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'order-1' }));
    await plain.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison-1' }));
    await waitForLog(worker, /sqs v1 order-1 receive 1/);
    const dlq = (await sqs.send(new GetQueueUrlCommand({ QueueName: await physical('Dlq') }))).QueueUrl!;
    let bodies: string[] = [];
    for (let i = 0; i < 3 && bodies.length === 0; i++) {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq, WaitTimeSeconds: 10 }));
      bodies = (got.Messages ?? []).map((m) => m.Body!);
    }
    assert.deepEqual(bodies, ['poison-1']);
    assert.match(await logs(worker), /sqs v1 poison-1 receive 1/);
  });

  await t.test("an SNS publish that passes the subscription's filter policy invokes the function; one that does not never does", async () => {
    const topic = await output('TopicArn');
    await sns.send(new PublishCommand({ TopicArn: topic, Message: 'other-1', MessageAttributes: { kind: { DataType: 'String', StringValue: 'other' } } }));
    await sns.send(new PublishCommand({ TopicArn: topic, Message: 'note-1', MessageAttributes: { kind: { DataType: 'String', StringValue: 'note' } } }));
    const text = await waitForLog(worker, /sns v1 note-1/);
    // Filtering happens at Publish: the filtered message was never queued for delivery.
    assert.doesNotMatch(text, /other-1/);
  });

  await t.test('PutEvents matching a rule invoke the function, on the custom bus and the default one; others do not', async () => {
    const r = await events.send(
      new PutEventsCommand({
        Entries: [
          { EventBusName: 'shop-bus', Source: 'shop', DetailType: 'Order', Detail: JSON.stringify({ id: 'small', total: 50 }) },
          { EventBusName: 'shop-bus', Source: 'shop', DetailType: 'Order', Detail: JSON.stringify({ id: 'big', total: 500 }) },
          { Source: 'inventory', DetailType: 'Stock', Detail: JSON.stringify({ sku: 'a' }) },
        ],
      }),
    );
    assert.equal(r.FailedEntryCount, 0);
    await waitForLog(worker, /events v1 shop \{"id":"big","total":500\}/);
    const text = await waitForLog(worker, /events v1 inventory \{"sku":"a"\}/);
    assert.doesNotMatch(text, /"id":"small"/);
  });

  await t.test('a redeployment updates the queue, mapping, subscription and rule in place and deletes the rule it dropped', async () => {
    const subscription = await physical('WorkerNotes');
    const r = await deploy(V2, ['--parameter-overrides', 'Tag=v2']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal((await stack()).StackStatus, 'UPDATE_COMPLETE');
    const url = await output('QueueUrl');
    const attrs = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout', 'RedrivePolicy'] }))).Attributes!;
    assert.equal(attrs['VisibilityTimeout'], '10');
    assert.match(attrs['RedrivePolicy']!, /"maxReceiveCount":1/);
    assert.equal(await physical('WorkerQueue'), mappingUuid, 'the same mapping, updated');
    const mappings = await nimbus.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: worker }));
    assert.deepEqual(mappings.EventSourceMappings?.map((m) => [m.UUID, m.BatchSize]), [[mappingUuid, 2]]);
    assert.equal(await physical('WorkerNotes'), subscription);
    const sub = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: subscription }));
    assert.equal(sub.Attributes?.['FilterPolicy'], '{"kind":["memo"]}');
    const [bus, big] = (await physical('WorkerBig')).split('|') as [string, string];
    const rule = await events.send(new DescribeRuleCommand({ EventBusName: bus, Name: big }));
    assert.equal(rule.EventPattern, '{"source":["shop"],"detail":{"total":[{"numeric":[">",1000]}]}}');
    const rules = await events.send(new ListRulesCommand({}));
    assert.deepEqual(rules.Rules?.filter((x) => x.Name?.startsWith('shop-')), [], 'the dropped CloudWatchEvent rule is gone from the default bus');
    await sns.send(new PublishCommand({ TopicArn: await output('TopicArn'), Message: 'memo-1', MessageAttributes: { kind: { DataType: 'String', StringValue: 'memo' } } }));
    await waitForLog(worker, /sns v2 memo-1/);
  });

  await t.test('a failed update rolls the queue, subscription, rule and mapping back to what they were', async () => {
    // A batch of 20 needs a batching window: Lambda refuses the mapping update, after the queue and subscription changed.
    const r = await deploy({ ...V2, visibility: 20, batchSize: 20, noteKind: 'nothing', bigTotal: 5000 });
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /WorkerQueue: Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10/);
    assert.match(r.stderr, /The stack was rolled back to its previous state/);
    assert.equal((await stack()).StackStatus, 'UPDATE_ROLLBACK_COMPLETE');
    const url = await output('QueueUrl');
    assert.equal((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout'] }))).Attributes?.['VisibilityTimeout'], '10');
    const sub = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: await physical('WorkerNotes') }));
    assert.equal(sub.Attributes?.['FilterPolicy'], '{"kind":["memo"]}');
    const [bus, big] = (await physical('WorkerBig')).split('|') as [string, string];
    assert.match((await events.send(new DescribeRuleCommand({ EventBusName: bus, Name: big }))).EventPattern!, /">",1000\]/);
    const mappings = await nimbus.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: worker }));
    assert.deepEqual(mappings.EventSourceMappings?.map((m) => [m.UUID, m.BatchSize]), [[mappingUuid, 2]]);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'order-2' }));
    await waitForLog(worker, /sqs v2 order-2 receive 1/);
  });

  await t.test('a queue that exists outside any stack is not taken over', async () => {
    await sqs.send(new CreateQueueCommand({ QueueName: 'loner' }));
    const other = mkdtempSync(join(tmpdir(), 'nimbus-sam-loner-'));
    t.after(() => rmSync(other, { recursive: true, force: true }));
    mkdirSync(join(other, 'src'));
    writeFileSync(join(other, 'src', 'app.mjs'), HANDLER);
    writeFileSync(join(other, 'template.yaml'), template(V1).replace('  Dlq:\n    Type: AWS::SQS::Queue\n', '  Dlq:\n    Type: AWS::SQS::Queue\n    Properties: { QueueName: loner }\n'));
    const r = await nimbusCli(['--endpoint', nimbus.url, 'deploy', '-t', join(other, 'template.yaml'), '--stack-name', 'thief']);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /Dlq: queue loner already exists and is not part of stack thief/);
    assert.equal((await fetch(`${nimbus.url}/nimbus/v1/stacks/thief`)).status, 404);
  });

  await t.test('a failed first deployment deletes the queues, topic and bus it created', async () => {
    const other = mkdtempSync(join(tmpdir(), 'nimbus-sam-first-'));
    t.after(() => rmSync(other, { recursive: true, force: true }));
    mkdirSync(join(other, 'src'));
    writeFileSync(join(other, 'src', 'app.mjs'), HANDLER);
    writeFileSync(join(other, 'template.yaml'), template({ ...V1, batchSize: 50 }));
    const r = await nimbusCli(['--endpoint', nimbus.url, 'deploy', '-t', join(other, 'template.yaml'), '--stack-name', 'first']);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /Everything the deployment created was deleted/);
    assert.equal((await fetch(`${nimbus.url}/nimbus/v1/stacks/first`)).status, 404);
    const left = (await (await fetch(`${nimbus.url}/nimbus/v1/queues`)).json()) as { queues: { name: string }[] };
    assert.deepEqual(left.queues.filter((q) => q.name.startsWith('first-')), []);
    await assert.rejects(events.send(new DescribeEventBusCommand({ Name: 'first-bus' })), { name: 'ResourceNotFoundException' });
  });

  await t.test('stack rm deletes the queues, topic, subscription, bus, rules and mapping', async () => {
    const s = await stack();
    const byType = (type: string) => s.Resources.filter((x) => x.ResourceType === type).map((x) => x.PhysicalResourceId);
    const topic = await output('TopicArn');
    const queueArn = `arn:aws:sqs:us-east-1:000000000000:${await physical('Orders')}`;
    const rm = await nimbusCli(['--endpoint', nimbus.url, 'stack', 'rm', 'shop']);
    assert.equal(rm.code, 0, rm.stderr);
    for (const q of byType('AWS::SQS::Queue')) await assert.rejects(sqs.send(new GetQueueUrlCommand({ QueueName: q })), { name: 'QueueDoesNotExist' });
    await assert.rejects(sns.send(new GetTopicAttributesCommand({ TopicArn: topic })), { name: 'NotFoundException' });
    await assert.rejects(sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topic })), { name: 'NotFoundException' });
    await assert.rejects(events.send(new DescribeEventBusCommand({ Name: 'shop-bus' })), { name: 'ResourceNotFoundException' });
    assert.deepEqual((await events.send(new ListRulesCommand({}))).Rules?.filter((x) => x.Name?.startsWith('shop-')), []);
    // A deleted mapping goes through Deleting, then is gone.
    const deadline = Date.now() + 10_000;
    let left = -1;
    while (left !== 0 && Date.now() < deadline) {
      left = (await nimbus.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: queueArn }))).EventSourceMappings?.length ?? 0;
      if (left !== 0) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(left, 0);
  });
});
