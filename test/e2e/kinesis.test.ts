/**
 * Kinesis Data Streams (the subset in docs/streams.md) on Nimbus's endpoint, end to end: streams
 * made, written and read with @aws-sdk/client-kinesis and the AWS CLI v2, records placed in shards
 * by the MD5 of their partition key and read back in order per shard; Kinesis's errors; and an
 * event-source mapping delivering Lambda's Kinesis event to a real function in order, retrying
 * from a reported failure.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
  ListStreamsCommand,
  PutRecordCommand,
  PutRecordsCommand,
} from '@aws-sdk/client-kinesis';
import { CreateEventSourceMappingCommand, GetEventSourceMappingCommand, ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { AWS_CLI, awsCliAt, awsCliHome } from '../helpers/aws-cli.js';
import { rejects } from '../helpers/aws-errors.js';
import { ledgerDir, readLedger, waitFor, waitForAsync } from '../helpers/ledger.js';
import { deployNode, startTestNimbus } from '../helpers/nimbus.js';
import { nimbusCli } from '../helpers/serve.js';

const CI = process.env['CI'] === 'true';
const ACCOUNT = '000000000000';
/** client-kinesis speaks HTTP/2 by default (for SubscribeToShard); Nimbus's endpoint is HTTP/1.1 (docs/streams.md). */
const client = (url: string) =>
  new KinesisClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1, requestHandler: new NodeHttpHandler() });

test('streams, shards, PutRecord(s), GetShardIterator and GetRecords through client-kinesis and the CLI; errors as Kinesis gives them', async (t) => {
  const nimbus = await startTestNimbus(t);
  const k = client(nimbus.url);
  t.after(() => k.destroy());
  await k.send(new CreateStreamCommand({ StreamName: 'clicks', ShardCount: 2 }));
  await rejects(k.send(new CreateStreamCommand({ StreamName: 'clicks', ShardCount: 1 })), 'ResourceInUseException', `Stream clicks under account ${ACCOUNT} already exists.`, 400);
  const d = (await k.send(new DescribeStreamCommand({ StreamName: 'clicks' }))).StreamDescription!;
  assert.equal(d.StreamARN, `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/clicks`);
  assert.equal(d.StreamStatus, 'ACTIVE');
  assert.deepEqual(d.Shards?.map((s) => s.ShardId), ['shardId-000000000000', 'shardId-000000000001']);
  assert.equal(d.Shards?.[1]?.HashKeyRange?.EndingHashKey, (2n ** 128n - 1n).toString());
  assert.equal((await k.send(new DescribeStreamSummaryCommand({ StreamName: 'clicks' }))).StreamDescriptionSummary?.OpenShardCount, 2);
  assert.deepEqual((await k.send(new ListStreamsCommand({}))).StreamNames, ['clicks']);
  assert.equal((await k.send(new ListShardsCommand({ StreamARN: d.StreamARN }))).Shards?.length, 2);

  const one = await k.send(new PutRecordCommand({ StreamName: 'clicks', PartitionKey: 'user-1', Data: Buffer.from('a1') }));
  assert.match(one.SequenceNumber ?? '', /^\d{56}$/);
  const batch = await k.send(new PutRecordsCommand({ StreamName: 'clicks', Records: ['a2', 'a3', 'b1'].map((x) => ({ PartitionKey: x.startsWith('a') ? 'user-1' : 'user-2', Data: Buffer.from(x) })) }));
  assert.equal(batch.FailedRecordCount, 0);
  // One partition key, one shard; the shard is the one holding the key's MD5.
  assert.equal(batch.Records![0]!.ShardId, one.ShardId);
  assert.equal(batch.Records![1]!.ShardId, one.ShardId);
  const it = (await k.send(new GetShardIteratorCommand({ StreamName: 'clicks', ShardId: one.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const got = await k.send(new GetRecordsCommand({ ShardIterator: it }));
  const mine = got.Records!.filter((r) => r.PartitionKey === 'user-1');
  assert.deepEqual(mine.map((r) => Buffer.from(r.Data!).toString()), ['a1', 'a2', 'a3']);
  assert.ok(got.Records![0]!.ApproximateArrivalTimestamp instanceof Date);
  const after = (await k.send(new GetShardIteratorCommand({ StreamName: 'clicks', ShardId: one.ShardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: one.SequenceNumber }))).ShardIterator;
  assert.deepEqual((await k.send(new GetRecordsCommand({ ShardIterator: after }))).Records!.filter((r) => r.PartitionKey === 'user-1').map((r) => Buffer.from(r.Data!).toString()), ['a2', 'a3']);
  const latest = (await k.send(new GetShardIteratorCommand({ StreamName: 'clicks', ShardId: one.ShardId, ShardIteratorType: 'LATEST' }))).ShardIterator;
  assert.deepEqual((await k.send(new GetRecordsCommand({ ShardIterator: latest }))).Records, []);

  await rejects(k.send(new DescribeStreamCommand({ StreamName: 'nope' })), 'ResourceNotFoundException', `Stream nope under account ${ACCOUNT} not found.`, 400);
  await rejects(k.send(new GetShardIteratorCommand({ StreamName: 'clicks', ShardId: 'shardId-000000000009', ShardIteratorType: 'LATEST' })), 'ResourceNotFoundException', undefined, 400);
  await rejects(k.send(new PutRecordCommand({ StreamName: 'clicks', PartitionKey: '', Data: Buffer.from('x') })), 'ValidationException', /partitionKey/, 400);
  await rejects(k.send(new GetRecordsCommand({ ShardIterator: 'not-an-iterator' })), 'ValidationException', undefined, 400);

  if (!existsSync(AWS_CLI)) {
    if (CI) assert.fail(`${AWS_CLI} is missing`);
    return;
  }
  const home = awsCliHome(t, 'nimbus-kinesis-cli-');
  const put = await awsCliAt(nimbus.url, home.home, 'kinesis', 'put-record', '--stream-name', 'clicks', '--partition-key', 'user-1', '--data', Buffer.from('cli').toString('base64'));
  assert.equal(put.code, 0, put.stderr);
  const seq = (JSON.parse(put.stdout) as { SequenceNumber: string }).SequenceNumber;
  const cit = await awsCliAt(nimbus.url, home.home, 'kinesis', 'get-shard-iterator', '--stream-name', 'clicks', '--shard-id', one.ShardId!, '--shard-iterator-type', 'AT_SEQUENCE_NUMBER', '--starting-sequence-number', seq);
  assert.equal(cit.code, 0, cit.stderr);
  const recs = await awsCliAt(nimbus.url, home.home, 'kinesis', 'get-records', '--shard-iterator', (JSON.parse(cit.stdout) as { ShardIterator: string }).ShardIterator);
  assert.equal(recs.code, 0, recs.stderr);
  assert.deepEqual((JSON.parse(recs.stdout) as { Records: Array<{ Data: string }> }).Records.map((r) => Buffer.from(r.Data, 'base64').toString()), ['cli']);
});

/** Records each event; a record whose data is `fail` is reported the first time it is seen. */
const HANDLER = `const fs = require('fs');
process.umask(0);
exports.handler = async (event) => {
  fs.appendFileSync(process.env.LEDGER, JSON.stringify(event) + '\\n');
  const batchItemFailures = [];
  for (const r of event.Records) {
    const marker = process.env.LEDGER + '.' + r.kinesis.sequenceNumber;
    if (Buffer.from(r.kinesis.data, 'base64').toString() === 'fail' && !fs.existsSync(marker)) {
      fs.writeFileSync(marker, '');
      batchItemFailures.push({ itemIdentifier: r.kinesis.sequenceNumber });
    }
  }
  return { batchItemFailures };
};`;

test('a Kinesis mapping delivers Lambda\'s Kinesis event in order and retries from a reported failure', async (t) => {
  const dir = ledgerDir('nimbus-esm-kinesis-');
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ledger = join(dir, 'ledger');
  const nimbus = await startTestNimbus(t, { isolation: 'process' });
  const k = client(nimbus.url);
  t.after(() => k.destroy());
  await deployNode(nimbus.lambda, 'kin', { 'index.js': HANDLER }, { Timeout: 5, Environment: { Variables: { LEDGER: ledger } } });
  await k.send(new CreateStreamCommand({ StreamName: 'orders', ShardCount: 1 }));
  const arn = `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/orders`;
  await k.send(new PutRecordsCommand({ StreamName: 'orders', Records: ['r1', 'fail', 'r3'].map((x) => ({ PartitionKey: 'p', Data: Buffer.from(x) })) }));
  const m = await nimbus.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'kin', EventSourceArn: arn, StartingPosition: 'TRIM_HORIZON', BatchSize: 10, FunctionResponseTypes: ['ReportBatchItemFailures'] }));
  assert.equal(m.BatchSize, 10);
  assert.equal(m.StartingPosition, 'TRIM_HORIZON');
  await rejects(
    nimbus.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'kin', EventSourceArn: arn })),
    'InvalidParameterValueException',
    "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.",
    400,
  );
  type Ev = { Records: Array<{ eventID: string; eventSource: string; eventName: string; eventSourceARN: string; kinesis: { kinesisSchemaVersion: string; partitionKey: string; sequenceNumber: string; data: string; approximateArrivalTimestamp: number } }> };
  const batches = () => readLedger(ledger).map((l) => (l as unknown as Ev).Records);
  assert.ok(await waitFor(() => batches().length >= 2, 30_000));
  const data = batches().map((b) => b.map((r) => Buffer.from(r.kinesis.data, 'base64').toString()));
  assert.deepEqual(data.slice(0, 2), [['r1', 'fail', 'r3'], ['fail', 'r3']]);
  const r = batches()[0]![0]!;
  assert.equal(r.eventSource, 'aws:kinesis');
  assert.equal(r.eventName, 'aws:kinesis:record');
  assert.equal(r.eventSourceARN, arn);
  assert.equal(r.kinesis.kinesisSchemaVersion, '1.0');
  assert.equal(r.kinesis.partitionKey, 'p');
  assert.equal(r.eventID, `shardId-000000000000:${r.kinesis.sequenceNumber}`);
  assert.equal(typeof r.kinesis.approximateArrivalTimestamp, 'number');
  // Later records follow, in order.
  await k.send(new PutRecordCommand({ StreamName: 'orders', PartitionKey: 'p', Data: Buffer.from('r4') }));
  assert.ok(await waitFor(() => batches().flat().some((x) => Buffer.from(x.kinesis.data, 'base64').toString() === 'r4'), 30_000));
  assert.deepEqual(batches().slice(2).flat().map((x) => Buffer.from(x.kinesis.data, 'base64').toString()), ['r4']);
});

const samTemplate = (ledger: string): string => `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  ClickStream:
    Type: AWS::Kinesis::Stream
    Properties:
      ShardCount: 2
  ClickConsumer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Environment: { Variables: { LEDGER: ${ledger} } }
      InlineCode: |
        const fs = require('fs');
        process.umask(0);
        exports.handler = async (event) => { fs.appendFileSync(process.env.LEDGER, JSON.stringify(event) + '\\n'); };
      Events:
        Clicks:
          Type: Kinesis
          Properties:
            Stream: !GetAtt ClickStream.Arn
            StartingPosition: LATEST
            BatchSize: 50
            MaximumRetryAttempts: 3
Outputs:
  StreamName: { Value: !Ref ClickStream }
  StreamArn: { Value: !GetAtt ClickStream.Arn }
`;

test('a SAM app with an AWS::Kinesis::Stream and a Kinesis event deploys, delivers, and goes with the stack', async (t) => {
  const nimbus = await startTestNimbus(t, { isolation: 'process' });
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-sam-kinesis-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ledgers = ledgerDir('nimbus-sam-kinesis-ledger-');
  t.after(() => rmSync(ledgers, { recursive: true, force: true }));
  const ledger = join(ledgers, 'ledger');
  const k = client(nimbus.url);
  t.after(() => k.destroy());
  writeFileSync(join(dir, 'template.yaml'), samTemplate(ledger));
  const r = await nimbusCli(['--endpoint', nimbus.url, 'deploy', '-t', join(dir, 'template.yaml'), '--stack-name', 'clicks']);
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /Kinesis/, 'nothing about the stream is skipped');
  const stack = (await (await fetch(`${nimbus.url}/nimbus/v1/stacks/clicks`)).json()) as { Outputs: { OutputKey: string; OutputValue: string }[] };
  const out = Object.fromEntries(stack.Outputs.map((o) => [o.OutputKey, o.OutputValue]));
  assert.equal(out['StreamArn'], `arn:aws:kinesis:us-east-1:${ACCOUNT}:stream/${out['StreamName']}`);
  assert.equal((await k.send(new DescribeStreamSummaryCommand({ StreamName: out['StreamName'] }))).StreamDescriptionSummary?.OpenShardCount, 2);
  const mappings = (await nimbus.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: out['StreamArn'] }))).EventSourceMappings ?? [];
  assert.deepEqual(mappings.map((m) => [m.StartingPosition, m.BatchSize, m.MaximumRetryAttempts]), [['LATEST', 50, 3]]);
  // LATEST: records put once the mapping is Enabled reach the function.
  await waitForAsync(() => nimbus.lambda.send(new GetEventSourceMappingCommand({ UUID: mappings[0]!.UUID })), (m) => m.State === 'Enabled', 30_000);
  for (const x of ['c1', 'c2', 'c3']) await k.send(new PutRecordCommand({ StreamName: out['StreamName'], PartitionKey: 'same-user', Data: Buffer.from(x) }));
  type Ev = { Records: Array<{ kinesis: { data: string } }> };
  const data = () => readLedger(ledger).flatMap((l) => (l as unknown as Ev).Records.map((x) => Buffer.from(x.kinesis.data, 'base64').toString()));
  assert.ok(await waitFor(() => data().length >= 3, 60_000), `got ${data().join(',')}`);
  assert.deepEqual(data(), ['c1', 'c2', 'c3']);

  const rm = await nimbusCli(['--endpoint', nimbus.url, 'stack', 'rm', 'clicks']);
  assert.equal(rm.code, 0, rm.stderr);
  await rejects(k.send(new DescribeStreamCommand({ StreamName: out['StreamName'] })), 'ResourceNotFoundException', undefined, 400);
});
