/**
 * SQS-to-Lambda through event-source mappings, end to end: messages sent with
 * @aws-sdk/client-sqs to Nimbus's endpoint reach a function as Lambda's SQS event; partial
 * batch failures keep only the reported messages; a poison message ends in the dead-letter queue
 * after maxReceiveCount receives; filters delete what they do not match; FIFO groups stay in
 * order; a batching window gathers; throttling (reserved concurrency) loses nothing; a mapping
 * survives a restart.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { CreateEventSourceMappingCommand, GetEventSourceMappingCommand, PutFunctionConcurrencyCommand, UpdateEventSourceMappingCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ledgerDir, readLedger, waitFor } from '../helpers/ledger.js';
import { deployNode, startTestNimbus, type TestNimbus } from '../helpers/nimbus.js';
import { nimbusCli } from '../helpers/serve.js';
import { sdk, until } from '../helpers/sqs-clients.js';

const ACCOUNT = '000000000000';
const arn = (name: string): string => `arn:aws:sqs:us-east-1:${ACCOUNT}:${name}`;

/**
 * Records every event; a record whose JSON body says `fail` is reported in batchItemFailures,
 * `throw` fails the whole invocation, `ms` sleeps first.
 */
const HANDLER = `const fs = require('fs');
process.umask(0);
exports.handler = async (event, context) => {
  fs.appendFileSync(process.env.LEDGER, JSON.stringify({ id: context.awsRequestId, event }) + '\\n');
  const batchItemFailures = [];
  for (const r of event.Records || []) {
    let b = {};
    try { b = JSON.parse(r.body); } catch {}
    if (b.ms) await new Promise((res) => setTimeout(res, b.ms));
    if (b.throw) throw new Error('asked to fail');
    if (b.fail) batchItemFailures.push({ itemIdentifier: r.messageId });
  }
  return { batchItemFailures };
};`;

interface Invocation {
  id: string;
  event: { Records: { messageId: string; body: string; attributes: Record<string, string>; [k: string]: unknown }[] };
}

async function setup(t: TestContext, name: string): Promise<{ nimbus: TestNimbus; lambda: LambdaClient; sqs: SQSClient; ledger: () => Invocation[]; ledgerFile: string }> {
  const dir = ledgerDir(`nimbus-esm-${name}-`);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ledgerFile = join(dir, 'ledger');
  const nimbus = await startTestNimbus(t, { isolation: 'process' });
  const sqs = sdk(nimbus.url);
  t.after(() => sqs.destroy());
  await deployNode(nimbus.lambda, name, { 'index.js': HANDLER }, { Timeout: 1, Environment: { Variables: { LEDGER: ledgerFile } } });
  return { nimbus, lambda: nimbus.lambda, sqs, ledger: () => readLedger(ledgerFile) as unknown as Invocation[], ledgerFile };
}

const urlOf = (n: TestNimbus, q: string): string => `${n.url}/${ACCOUNT}/${q}`;

async function counts(sqs: SQSClient, url: string): Promise<[number, number]> {
  const a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))).Attributes ?? {};
  return [Number(a['ApproximateNumberOfMessages']), Number(a['ApproximateNumberOfMessagesNotVisible'])];
}

test('partial batch failures, the SQS event shape, and a poison message in the DLQ after maxReceiveCount', async (t) => {
  const { nimbus, lambda, sqs, ledger } = await setup(t, 'worker');
  await sqs.send(new CreateQueueCommand({ QueueName: 'work-dlq' }));
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: 'work', Attributes: { VisibilityTimeout: '2', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn('work-dlq'), maxReceiveCount: 2 }) } }),
  );
  // The example of the SQS developer guide, whose attribute digest AWS delivered as d25a6aea... (recorded).
  const attrs = {
    Title: { DataType: 'String', StringValue: 'The Whistler' },
    Author: { DataType: 'String', StringValue: 'John Grisham' },
    WeeksOn: { DataType: 'Number', StringValue: '6' },
  };
  const shaped = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ n: 0 }), MessageAttributes: attrs }));
  const good = [shaped.MessageId!];
  for (let n = 1; n < 5; n++) good.push((await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ n }) }))).MessageId!);
  const poison = (await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ fail: true }) }))).MessageId!;

  const m = await lambda.send(new CreateEventSourceMappingCommand({ EventSourceArn: arn('work'), FunctionName: 'worker', FunctionResponseTypes: ['ReportBatchItemFailures'] }));
  // The poison message goes to the DLQ once its second receive has failed too.
  const dlqUrl = urlOf(nimbus, 'work-dlq');
  let dead: { MessageId?: string; Body?: string; Attributes?: Record<string, string> }[] = [];
  await until(async () => {
    dead = (await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MessageSystemAttributeNames: ['All'], VisibilityTimeout: 60 }))).Messages ?? [];
    return dead.length > 0;
  }, 'the poison message in the DLQ', 30_000);
  assert.equal(dead[0]?.MessageId, poison);
  assert.equal(dead[0]?.Attributes?.['DeadLetterQueueSourceArn'], arn('work'));
  assert.deepEqual(await counts(sqs, QueueUrl!), [0, 0], 'the source queue is empty');

  const records = ledger().flatMap((l) => l.event.Records);
  for (const id of good) assert.equal(records.filter((r) => r.messageId === id).length, 1, `good message ${id} processed once`);
  const poisonSeen = records.filter((r) => r.messageId === poison);
  assert.deepEqual(poisonSeen.map((r) => r.attributes['ApproximateReceiveCount']), ['1', '2'], 'the poison message was offered maxReceiveCount times');

  // Lambda's SQS event, member by member and in AWS's order.
  const r = records.find((x) => x.messageId === shaped.MessageId)!;
  assert.deepEqual(Object.keys(r), ['messageId', 'receiptHandle', 'body', 'attributes', 'messageAttributes', 'md5OfMessageAttributes', 'md5OfBody', 'eventSource', 'eventSourceARN', 'awsRegion']);
  assert.deepEqual(Object.keys(r.attributes), ['ApproximateReceiveCount', 'SentTimestamp', 'SenderId', 'ApproximateFirstReceiveTimestamp']);
  assert.equal(r.attributes['ApproximateReceiveCount'], '1');
  assert.equal(r.attributes['SenderId'], ACCOUNT);
  assert.deepEqual(r['messageAttributes'], {
    Title: { stringValue: 'The Whistler', stringListValues: [], binaryListValues: [], dataType: 'String' },
    Author: { stringValue: 'John Grisham', stringListValues: [], binaryListValues: [], dataType: 'String' },
    WeeksOn: { stringValue: '6', stringListValues: [], binaryListValues: [], dataType: 'Number' },
  });
  assert.equal(r['md5OfMessageAttributes'], 'd25a6aea97eb8f585bfa92d314504a92');
  assert.equal(r['md5OfBody'], shaped.MD5OfMessageBody);
  assert.equal(r['eventSource'], 'aws:sqs');
  assert.equal(r['eventSourceARN'], arn('work'));
  assert.equal(r['awsRegion'], 'us-east-1');
  const plain = records.find((x) => x.messageId === good[1])!;
  assert.equal(plain['md5OfMessageAttributes'], null, 'null without attributes (recorded)');
  assert.deepEqual(plain['messageAttributes'], {});

  // What `nimbus esm` shows: batches, the partial failures, no lag left.
  const own = (await (await fetch(`${nimbus.url}/nimbus/v1/event-source-mappings/${m.UUID!}`)).json()) as {
    Nimbus: { stats: { records: number; failed: number; recent: { outcome: string }[] }; lag: { waiting: number; inFlight: number } };
  };
  assert.ok(own.Nimbus.stats.records >= 7, `records ${own.Nimbus.stats.records}`);
  assert.equal(own.Nimbus.stats.failed, 2, 'the poison message failed twice');
  assert.ok(own.Nimbus.stats.recent.some((b) => b.outcome === 'partial'));
  assert.deepEqual(own.Nimbus.lag, { waiting: 0, inFlight: 0 }, 'no lag: nothing waits (no oldest message)');

  // The same through the CLI: `nimbus esm`, one mapping in detail, and `nimbus queues`.
  const listed = await nimbusCli(['esm'], { endpoint: nimbus.url });
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /UUID +FUNCTION +SOURCE +STATE +BATCHES +RECORDS +FAILED/);
  assert.match(listed.stdout, new RegExp(`${m.UUID!} +worker +work +Enabled +\\d+ +\\d+ +2 +0 +0 +0 +0 +- +PROBLEM: 1 of \\d+ records reported as failed|${m.UUID!} +worker +work +Enabled .* OK`));
  const detail = await nimbusCli(['esm', m.UUID!], { endpoint: nimbus.url });
  assert.match(detail.stdout, /Recent batches \(oldest first\):/);
  assert.match(detail.stdout, / partial +1 /);
  const queues = await nimbusCli(['queues'], { endpoint: nimbus.url });
  assert.match(queues.stdout, new RegExp(`^work +0 +0 +0 +${nimbus.url}/${ACCOUNT}/work$`, 'm'));
  assert.match(queues.stdout, new RegExp(`^work-dlq +0 +1 +0 +${nimbus.url}/${ACCOUNT}/work-dlq$`, 'm'), 'the dead letter is in flight (received by the test)');
});

test('a function error fails the whole batch: every message comes back after the visibility timeout, then goes to the DLQ', async (t) => {
  const { nimbus, lambda, sqs, ledger } = await setup(t, 'thrower');
  await sqs.send(new CreateQueueCommand({ QueueName: 'dlq' }));
  const { QueueUrl } = await sqs.send(
    new CreateQueueCommand({ QueueName: 'src', Attributes: { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn('dlq'), maxReceiveCount: 2 }) } }),
  );
  await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', MessageBody: '{"throw":true}' }, { Id: 'b', MessageBody: '{"n":1}' }] }));
  // No ReportBatchItemFailures: a batch that throws fails as a whole, the good message included.
  await lambda.send(new CreateEventSourceMappingCommand({ EventSourceArn: arn('src'), FunctionName: 'thrower', BatchSize: 10 }));
  await until(async () => (await counts(sqs, urlOf(nimbus, 'dlq')))[0] === 2, 'both messages in the DLQ', 30_000);
  const batches = ledger().map((l) => l.event.Records.map((r) => r.attributes['ApproximateReceiveCount']));
  assert.ok(batches.length >= 2, `invocations: ${JSON.stringify(batches)}`);
  assert.deepEqual(batches.flat().sort(), ['1', '1', '2', '2']);
});

test('FilterCriteria: records that match no filter are deleted without an invocation', async (t) => {
  const { lambda, sqs, ledger, nimbus } = await setup(t, 'picky');
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'mixed' }));
  const filter = { Filters: [{ Pattern: JSON.stringify({ body: { kind: ['keep'] } }) }, { Pattern: JSON.stringify({ body: [{ prefix: 'plain-keep' }] }) }] };
  await lambda.send(new CreateEventSourceMappingCommand({ EventSourceArn: arn('mixed'), FunctionName: 'picky', FilterCriteria: filter }));
  const bodies = ['{"kind":"keep","n":1}', '{"kind":"drop","n":2}', 'plain-keep me', 'plain text', '{"kind":"keep","n":3}'];
  for (const b of bodies) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: b }));
  await until(async () => (await counts(sqs, QueueUrl!)).join() === '0,0', 'the queue to be empty', 15_000);
  const seen = ledger().flatMap((l) => l.event.Records.map((r) => r.body)).sort();
  assert.deepEqual(seen, ['plain-keep me', '{"kind":"keep","n":1}', '{"kind":"keep","n":3}'].sort());
  const own = (await (await fetch(`${nimbus.url}/nimbus/v1/event-source-mappings`)).json()) as { mappings: { Nimbus: { stats: { filtered: number } } }[] };
  assert.equal(own.mappings[0]?.Nimbus.stats.filtered, 2);
});

test('FIFO: each message group reaches the function in order', async (t) => {
  const { lambda, sqs, ledger } = await setup(t, 'ordered');
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'jobs.fifo', Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } }));
  const sent: Record<string, number[]> = { a: [], b: [], c: [] };
  for (let i = 0; i < 30; i++) {
    const g = ['a', 'b', 'c'][i % 3]!;
    sent[g]!.push(i);
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ g, i }), MessageGroupId: g }));
  }
  // A duplicate (content-based deduplication) is not delivered twice.
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ g: 'a', i: 0 }), MessageGroupId: 'a' }));
  await lambda.send(new CreateEventSourceMappingCommand({ EventSourceArn: arn('jobs.fifo'), FunctionName: 'ordered', BatchSize: 2, ScalingConfig: { MaximumConcurrency: 3 } }));
  await waitFor(() => ledger().flatMap((l) => l.event.Records).length >= 30, 30_000);
  const got: Record<string, number[]> = { a: [], b: [], c: [] };
  for (const inv of ledger()) {
    const groups = new Set(inv.event.Records.map((r) => r.attributes['MessageGroupId']));
    assert.equal(groups.size, 1, 'one message group per batch');
    for (const r of inv.event.Records) {
      const b = JSON.parse(r.body) as { g: string; i: number };
      got[b.g]!.push(b.i);
      assert.ok(r.attributes['SequenceNumber'] && r.attributes['MessageDeduplicationId'], 'FIFO attributes');
    }
  }
  assert.deepEqual(got, sent);
});

test('a batching window gathers a batch larger than one read', async (t) => {
  const { lambda, sqs, ledger } = await setup(t, 'gatherer');
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bulk' }));
  for (let k = 0; k < 3; k++) {
    await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: `{"n":${k * 10 + i}}` })) }));
  }
  await lambda.send(new CreateEventSourceMappingCommand({ EventSourceArn: arn('bulk'), FunctionName: 'gatherer', BatchSize: 30, MaximumBatchingWindowInSeconds: 1, ScalingConfig: { MaximumConcurrency: 2 } }));
  await waitFor(() => ledger().flatMap((l) => l.event.Records).length >= 30, 15_000);
  const sizes = ledger().map((l) => l.event.Records.length);
  assert.ok(sizes.some((n) => n > 10), `batch sizes ${JSON.stringify(sizes)}: one gathered more than one read's 10`);
  assert.equal(sizes.reduce((a, b) => a + b, 0), 30);
});

test('throttled by reserved concurrency: batches wait and retry, nothing is lost', async (t) => {
  const { lambda, sqs, ledger, nimbus } = await setup(t, 'narrow');
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'narrow', ReservedConcurrentExecutions: 1 }));
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'burst', Attributes: { VisibilityTimeout: '30' } }));
  for (let k = 0; k < 2; k++) {
    await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `m${i}`, MessageBody: JSON.stringify({ n: k * 10 + i, ms: 100 }) })) }));
  }
  const m = await lambda.send(new CreateEventSourceMappingCommand({ EventSourceArn: arn('burst'), FunctionName: 'narrow', BatchSize: 1, ScalingConfig: { MaximumConcurrency: 4 } }));
  await until(async () => (await counts(sqs, QueueUrl!)).join() === '0,0', 'the queue to drain', 30_000);
  const ns = ledger().flatMap((l) => l.event.Records.map((r) => (JSON.parse(r.body) as { n: number }).n)).sort((a, b) => a - b);
  assert.deepEqual(ns, Array.from({ length: 20 }, (_, i) => i), 'every message processed exactly once');
  const own = (await (await fetch(`${nimbus.url}/nimbus/v1/event-source-mappings/${m.UUID!}`)).json()) as { Nimbus: { stats: { throttles: number; failed: number } } };
  assert.ok(own.Nimbus.stats.throttles > 0, 'some invocations were throttled');
  assert.equal(own.Nimbus.stats.failed, 0);
});

test('a mapping survives a restart, and disabling it stops delivery', async (t) => {
  const dir = ledgerDir('nimbus-esm-restart-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ledgerFile = join(dir, 'ledger');
  const dataDir = join(dir, 'data');
  const { startNimbus } = await import('../../src/app.js');
  const { sdkClient } = await import('../helpers/nimbus.js');
  let nimbus = await startNimbus({ port: 0, dataDir, log: () => undefined, isolation: 'process', shutdownGraceMs: 2000 });
  t.after(() => nimbus.close());
  let lambda = sdkClient(nimbus.url);
  await deployNode(lambda, 'keeper', { 'index.js': HANDLER }, { Timeout: 1, Environment: { Variables: { LEDGER: ledgerFile } } });
  let sqs = sdk(nimbus.url);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'kept' }));
  const m = await lambda.send(new CreateEventSourceMappingCommand({ EventSourceArn: arn('kept'), FunctionName: 'keeper' }));
  await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"n":1}' }));
  await waitFor(() => readLedger(ledgerFile).length === 1, 10_000);
  [lambda, sqs].forEach((c) => c.destroy());
  await nimbus.close();

  nimbus = await startNimbus({ port: 0, dataDir, log: () => undefined, isolation: 'process', shutdownGraceMs: 2000 });
  lambda = sdkClient(nimbus.url);
  sqs = sdk(nimbus.url);
  t.after(() => [lambda, sqs].forEach((c) => c.destroy()));
  assert.equal((await lambda.send(new GetEventSourceMappingCommand({ UUID: m.UUID }))).State, 'Enabled');
  await sqs.send(new SendMessageCommand({ QueueUrl: urlOf(nimbus as TestNimbus, 'kept'), MessageBody: '{"n":2}' }));
  assert.ok(await waitFor(() => readLedger(ledgerFile).length === 2, 10_000), 'the mapping polls after the restart');

  await lambda.send(new UpdateEventSourceMappingCommand({ UUID: m.UUID, Enabled: false }));
  await until(async () => (await lambda.send(new GetEventSourceMappingCommand({ UUID: m.UUID }))).State === 'Disabled', 'Disabled');
  await sqs.send(new SendMessageCommand({ QueueUrl: urlOf(nimbus as TestNimbus, 'kept'), MessageBody: '{"n":3}' }));
  await until(async () => (await counts(sqs, urlOf(nimbus as TestNimbus, 'kept')))[0] === 1, 'the message to wait in the queue');
  assert.equal(readLedger(ledgerFile).length, 2, 'a disabled mapping delivers nothing');
});
