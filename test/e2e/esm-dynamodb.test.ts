/**
 * DynamoDB Streams to Lambda through event-source mappings, end to end: items written with
 * @aws-sdk/client-dynamodb reach a real Node.js and a real Python function as Lambda's DynamoDB
 * event, in order; a partial batch response re-delivers from the failed sequence number; a
 * failing batch is bisected and, retries used up, described to an SQS OnFailure destination;
 * filters skip what they do not match; the mapping shows Lambda's stream members; bad settings
 * get Lambda's errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { BatchWriteItemCommand, CreateTableCommand, DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateEventSourceMappingCommand, CreateFunctionCommand, GetEventSourceMappingCommand, ListEventSourceMappingsCommand, type CreateEventSourceMappingCommandInput } from '@aws-sdk/client-lambda';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { rejects } from '../helpers/aws-errors.js';
import { ledgerDir, readLedger, waitFor, waitForAsync } from '../helpers/ledger.js';
import { startNimbus } from '../../src/app.js';
import { deployNode, makeZip, ROLE, sdkClient, startTestNimbus, type TestNimbus } from '../helpers/nimbus.js';
import { sdk } from '../helpers/sqs-clients.js';

const ACCOUNT = '000000000000';

/**
 * Records every event. A record whose NewImage has `fail` is reported in batchItemFailures the
 * first time it is seen (a marker file remembers); `poison` throws for the whole batch, always.
 */
const NODE = `const fs = require('fs');
process.umask(0);
exports.handler = async (event) => {
  fs.appendFileSync(process.env.LEDGER, JSON.stringify({ event }) + '\\n');
  const batchItemFailures = [];
  for (const r of event.Records) {
    const img = r.dynamodb.NewImage || {};
    if (img.poison) throw new Error('poison record');
    const marker = process.env.LEDGER + '.' + r.dynamodb.SequenceNumber;
    if (img.fail && !fs.existsSync(marker)) {
      fs.writeFileSync(marker, '');
      batchItemFailures.push({ itemIdentifier: r.dynamodb.SequenceNumber });
    }
  }
  return { batchItemFailures };
};`;

const PYTHON = `import json, os
def handler(event, context):
    with open(os.environ['LEDGER'], 'a') as f:
        f.write(json.dumps({'event': event}) + '\\n')
    return {'batchItemFailures': []}
`;

interface DdbRecord {
  eventID: string;
  eventName: string;
  eventVersion: string;
  eventSource: string;
  awsRegion: string;
  eventSourceARN: string;
  dynamodb: { Keys: Record<string, { S: string }>; NewImage?: Record<string, unknown>; OldImage?: Record<string, unknown>; SequenceNumber: string; SizeBytes: number; StreamViewType: string; ApproximateCreationDateTime: number };
}

async function setup(t: TestContext, name: string, runtime: 'node' | 'python' = 'node') {
  const dir = ledgerDir(`nimbus-esm-ddb-${name}-`);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ledgerFile = join(dir, 'ledger');
  const nimbus = await startTestNimbus(t, { isolation: 'process' });
  const ddb = new DynamoDBClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  t.after(() => ddb.destroy());
  const env = { Variables: { LEDGER: ledgerFile } };
  if (runtime === 'node') await deployNode(nimbus.lambda, name, { 'index.js': NODE }, { Timeout: 5, Environment: env });
  else {
    await nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'python3.13', Handler: 'app.handler', Role: ROLE, Code: { ZipFile: await makeZip({ 'app.py': PYTHON }) }, Timeout: 5, Environment: env }));
  }
  const created = await ddb.send(new CreateTableCommand({
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  }));
  const streamArn = created.TableDescription!.LatestStreamArn!;
  const records = (): DdbRecord[] => readLedger(ledgerFile).flatMap((l) => (l.event as unknown as { Records: DdbRecord[] }).Records);
  const batches = (): DdbRecord[][] => readLedger(ledgerFile).map((l) => (l.event as unknown as { Records: DdbRecord[] }).Records);
  const mapping = (input: Partial<CreateEventSourceMappingCommandInput> = {}) =>
    nimbus.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: streamArn, StartingPosition: 'TRIM_HORIZON', ...input }));
  return { nimbus, ddb, streamArn, records, batches, mapping, name };
}

const put = (ddb: DynamoDBClient, table: string, id: string, extra: Record<string, { S: string } | { N: string } | { BOOL: boolean }> = {}) =>
  ddb.send(new PutItemCommand({ TableName: table, Item: { id: { S: id }, ...extra } }));

test('a Node.js function gets Lambda\'s DynamoDB event, in order, and the mapping shows the stream members', async (t) => {
  const { nimbus, ddb, streamArn, records, mapping, name } = await setup(t, 'ddb-node');
  // Written before the mapping: TRIM_HORIZON reads them too.
  await put(ddb, name, 'a', { n: { N: '1' } });
  const created = await mapping({ BatchSize: 2 });
  assert.equal(created.State, 'Creating');
  assert.equal(created.StartingPosition, 'TRIM_HORIZON');
  assert.equal(created.StateTransitionReason, 'User action');
  assert.equal(created.ParallelizationFactor, 1);
  assert.equal(created.BisectBatchOnFunctionError, false);
  assert.equal(created.MaximumRetryAttempts, -1);
  assert.equal(created.MaximumRecordAgeInSeconds, -1);
  assert.equal(created.TumblingWindowInSeconds, 0);
  assert.deepEqual(created.DestinationConfig, { OnFailure: {} });
  assert.equal(created.LastProcessingResult, 'No records processed');
  assert.deepEqual(created.FunctionResponseTypes, []);
  await ddb.send(new UpdateItemCommand({ TableName: name, Key: { id: { S: 'a' } }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': { N: '2' } } }));
  for (const id of ['b', 'c', 'd']) await put(ddb, name, id);
  await ddb.send(new DeleteItemCommand({ TableName: name, Key: { id: { S: 'b' } } }));
  assert.ok(await waitFor(() => records().length >= 6, 30_000), `got ${records().length} records`);
  const got = records();
  assert.deepEqual(got.map((r) => `${r.eventName} ${r.dynamodb.Keys['id']!.S}`), ['INSERT a', 'MODIFY a', 'INSERT b', 'INSERT c', 'INSERT d', 'REMOVE b']);
  const seqs = got.map((r) => BigInt(r.dynamodb.SequenceNumber));
  assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!));
  const modify = got[1]!;
  assert.equal(modify.eventVersion, '1.1');
  assert.equal(modify.eventSource, 'aws:dynamodb');
  assert.equal(modify.awsRegion, 'us-east-1');
  assert.equal(modify.eventSourceARN, streamArn);
  assert.match(modify.eventID, /^[0-9a-f]{32}$/);
  assert.deepEqual(modify.dynamodb.NewImage, { id: { S: 'a' }, n: { N: '2' } });
  assert.deepEqual(modify.dynamodb.OldImage, { id: { S: 'a' }, n: { N: '1' } });
  assert.equal(modify.dynamodb.StreamViewType, 'NEW_AND_OLD_IMAGES');
  assert.equal(typeof modify.dynamodb.ApproximateCreationDateTime, 'number');
  assert.ok(Number.isInteger(modify.dynamodb.ApproximateCreationDateTime));
  assert.ok(modify.dynamodb.SizeBytes > 0);
  const m = await waitForAsync(() => nimbus.lambda.send(new GetEventSourceMappingCommand({ UUID: created.UUID })), (x) => x.LastProcessingResult === 'OK', 10_000);
  assert.equal(m.State, 'Enabled');
  assert.equal(m.BatchSize, 2);
});

test('a Python function gets the records in order', async (t) => {
  const { ddb, records, mapping, name } = await setup(t, 'ddb-python', 'python');
  await mapping({ BatchSize: 3 });
  for (const id of ['1', '2', '3', '4', '5']) await put(ddb, name, id);
  assert.ok(await waitFor(() => records().length >= 5, 60_000), `got ${records().length} records`);
  assert.deepEqual(records().map((r) => r.dynamodb.Keys['id']!.S), ['1', '2', '3', '4', '5']);
});

test('a partial batch response re-delivers from the failed sequence number', async (t) => {
  const { ddb, batches, mapping, name } = await setup(t, 'ddb-partial');
  await ddb.send(new BatchWriteItemCommand({ RequestItems: { [name]: ['p1', 'p2', 'p3', 'p4'].map((id) => ({ PutRequest: { Item: { id: { S: id }, ...(id === 'p2' ? { fail: { BOOL: true } } : {}) } } })) } }));
  await mapping({ BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] });
  assert.ok(await waitFor(() => batches().length >= 2, 30_000));
  const [first, second] = batches();
  assert.deepEqual(first!.map((r) => r.dynamodb.Keys['id']!.S), ['p1', 'p2', 'p3', 'p4']);
  // p1 was done: the retry starts at p2, the record reported as failed.
  assert.deepEqual(second!.map((r) => r.dynamodb.Keys['id']!.S), ['p2', 'p3', 'p4']);
  assert.equal(batches().length, 2);
});

test('a failing batch is bisected; the poison record, retries used up, is described to the SQS OnFailure destination', async (t) => {
  const { nimbus, ddb, batches, mapping, name, streamArn } = await setup(t, 'ddb-bisect');
  const sqs = sdk(nimbus.url);
  t.after(() => sqs.destroy());
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'ddb-failures' }))).QueueUrl!;
  await ddb.send(new BatchWriteItemCommand({ RequestItems: { [name]: ['b1', 'b2', 'b3', 'b4'].map((id) => ({ PutRequest: { Item: { id: { S: id }, ...(id === 'b3' ? { poison: { BOOL: true } } : {}) } } })) } }));
  const created = await mapping({
    BatchSize: 4,
    BisectBatchOnFunctionError: true,
    MaximumRetryAttempts: 1,
    DestinationConfig: { OnFailure: { Destination: `arn:aws:sqs:us-east-1:${ACCOUNT}:ddb-failures` } },
  });
  assert.equal(created.BisectBatchOnFunctionError, true);
  assert.equal(created.MaximumRetryAttempts, 1);
  assert.deepEqual(created.DestinationConfig, { OnFailure: { Destination: `arn:aws:sqs:us-east-1:${ACCOUNT}:ddb-failures` } });
  const msg = await waitForAsync(() => sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 })), (r) => (r.Messages ?? []).length > 0, 30_000);
  const failure = JSON.parse(msg.Messages![0]!.Body!) as Record<string, Record<string, unknown>>;
  assert.equal(failure['requestContext']!['condition'], 'RetryAttemptsExhausted');
  assert.equal(failure['requestContext']!['functionArn'], `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${name}`);
  assert.equal(failure['version'] as unknown, '1.0');
  const info = failure['DDBStreamBatchInfo']!;
  assert.equal(info['batchSize'], 1);
  assert.equal(info['streamArn'], streamArn);
  assert.equal(info['startSequenceNumber'], info['endSequenceNumber']);
  assert.match(String(info['shardId']), /^shardId-/);
  // b4 comes after the poison record: it is processed once b3 is given up on.
  assert.ok(await waitFor(() => batches().some((b) => b.length === 1 && b[0]!.dynamodb.Keys['id']!.S === 'b4'), 30_000));
  const sizes = batches().map((b) => b.map((r) => r.dynamodb.Keys['id']!.S).join(','));
  assert.equal(sizes[0], 'b1,b2,b3,b4');
  assert.ok(sizes.includes('b1,b2'), sizes.join(' | '));
  assert.ok(sizes.includes('b3,b4'), sizes.join(' | '));
  // The poison record was the failing batch's first; the one given up on is b3's.
  const b3 = batches().flat().find((r) => r.dynamodb.Keys['id']!.S === 'b3')!;
  assert.equal(info['startSequenceNumber'], b3.dynamodb.SequenceNumber);
});

test('FilterCriteria: only matching records reach the function', async (t) => {
  const { ddb, records, mapping, name } = await setup(t, 'ddb-filter');
  await mapping({ FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ eventName: ['INSERT'], dynamodb: { NewImage: { kind: { S: ['keep'] } } } }) }] } });
  await put(ddb, name, 'x1', { kind: { S: 'drop' } });
  await put(ddb, name, 'x2', { kind: { S: 'keep' } });
  await put(ddb, name, 'x2', { kind: { S: 'keep' }, v: { N: '1' } });
  await put(ddb, name, 'x3', { kind: { S: 'keep' } });
  assert.ok(await waitFor(() => records().length >= 2, 30_000));
  // Give the poller the chance to deliver anything it should not have: x3 comes after the others.
  assert.deepEqual(records().map((r) => `${r.eventName} ${r.dynamodb.Keys['id']!.S}`), ['INSERT x2', 'INSERT x3']);
});

test('stream settings are checked with Lambda\'s errors', async (t) => {
  const { mapping, streamArn, nimbus, name } = await setup(t, 'ddb-errors');
  await rejects(mapping({ StartingPosition: undefined }), 'InvalidParameterValueException', "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.", 400);
  await rejects(mapping({ StartingPosition: 'invalid' as 'LATEST' }), 'ValidationException', "1 validation error detected: Value 'invalid' at 'startingPosition' failed to satisfy constraint: Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]", 400);
  await rejects(mapping({ StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: new Date() }), 'InvalidParameterValueException', `Unsupported starting position for arn type: ${streamArn}`, 400);
  await rejects(mapping({ MaximumRetryAttempts: -2 }), 'ValidationException', /maximumRetryAttempts/, 400);
  await rejects(mapping({ TumblingWindowInSeconds: 60 }), 'InvalidParameterValueException', /tumbling windows/, 400);
  await rejects(mapping({ DestinationConfig: { OnFailure: { Destination: 'arn:aws:s3:::bucket' } } }), 'InvalidParameterValueException', /destination config/, 400);
  await rejects(mapping({ EventSourceArn: `${streamArn.slice(0, -3)}999` }), 'InvalidParameterValueException', /Stream not found/, 400);
  // A queue mapping still refuses the stream members.
  const sqs = sdk(nimbus.url);
  t.after(() => sqs.destroy());
  await sqs.send(new CreateQueueCommand({ QueueName: 'q' }));
  await rejects(
    nimbus.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: name, EventSourceArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:q`, BisectBatchOnFunctionError: true })),
    'InvalidParameterValueException',
    'Unsupported BisectBatchOnFunctionError parameter for given event source mapping type.',
    400,
  );
  // Defaults: BatchSize 100 for a stream.
  const ok = await mapping({ StartingPosition: 'LATEST' });
  assert.equal(ok.BatchSize, 100);
  assert.equal(ok.StartingPosition, 'LATEST');
});

export type { TestNimbus };

test('a stream mapping goes on from its checkpoint after a restart: nothing delivered twice, nothing lost', async (t) => {
  const dir = ledgerDir('nimbus-esm-ddb-restart-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-esm-ddb-restart-data-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const ledgerFile = join(dir, 'ledger');
  const start = () => startNimbus({ port: 0, dataDir, log: () => undefined, shutdownGraceMs: 2000, isolation: 'process' });
  let nimbus = await start();
  const clients = (url: string) => ({
    ddb: new DynamoDBClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 }),
    lambda: sdkClient(url),
  });
  let c = clients(nimbus.url);
  await deployNode(c.lambda, 'restart', { 'index.js': NODE }, { Timeout: 5, Environment: { Variables: { LEDGER: ledgerFile } } });
  const arn = (await c.ddb.send(new CreateTableCommand({
    TableName: 'restart',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' },
  }))).TableDescription!.LatestStreamArn!;
  // TRIM_HORIZON: a checkpoint lost in the restart would deliver 'before' again.
  await c.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'restart', EventSourceArn: arn, StartingPosition: 'TRIM_HORIZON' }));
  const ids = () => readLedger(ledgerFile).flatMap((l) => (l.event as unknown as { Records: DdbRecord[] }).Records.map((r) => r.dynamodb.Keys['id']!.S));
  await waitForAsync(async () => (await c.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: arn }))).EventSourceMappings ?? [], (m) => m[0]?.State === 'Enabled', 30_000);
  await put(c.ddb, 'restart', 'before');
  assert.ok(await waitFor(() => ids().length >= 1, 30_000));
  c.ddb.destroy();
  c.lambda.destroy();
  await nimbus.close();
  nimbus = await start();
  t.after(() => nimbus.close());
  c = clients(nimbus.url);
  t.after(() => (c.ddb.destroy(), c.lambda.destroy()));
  await put(c.ddb, 'restart', 'after');
  assert.ok(await waitFor(() => ids().length >= 2, 30_000));
  assert.deepEqual(ids(), ['before', 'after']);
});

test('retries used up on a single poison record: the failure record goes to an SNS OnFailure topic', async (t) => {
  const { nimbus, ddb, mapping, name, streamArn } = await setup(t, 'ddb-sns');
  const sqs = sdk(nimbus.url);
  const sns = new SNSClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  t.after(() => (sqs.destroy(), sns.destroy()));
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'from-topic' }))).QueueUrl!;
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: 'stream-failures' }))).TopicArn!;
  await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: `arn:aws:sqs:us-east-1:${ACCOUNT}:from-topic`, Attributes: { RawMessageDelivery: 'true' } }));
  await put(ddb, name, 'bad', { poison: { BOOL: true } });
  await mapping({ MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: topicArn } } });
  const msg = await waitForAsync(() => sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 })), (r) => (r.Messages ?? []).length > 0, 30_000);
  const failure = JSON.parse(msg.Messages![0]!.Body!) as { requestContext: { condition: string; approximateInvokeCount: number }; responseContext: { functionError: string }; DDBStreamBatchInfo: { batchSize: number; streamArn: string } };
  assert.equal(failure.requestContext.condition, 'RetryAttemptsExhausted');
  // MaximumRetryAttempts 0: the first attempt is the only one.
  assert.equal(failure.requestContext.approximateInvokeCount, 1);
  assert.equal(failure.responseContext.functionError, 'Unhandled');
  assert.deepEqual([failure.DDBStreamBatchInfo.batchSize, failure.DDBStreamBatchInfo.streamArn], [1, streamArn]);
});
