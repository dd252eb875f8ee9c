/**
 * DynamoDB Streams on Nimbus's endpoint (docs/dynamodb.md, "Streams") end to end: a real Nimbus
 * with a temp data dir, tables made and written with @aws-sdk/client-dynamodb, the stream read
 * with @aws-sdk/client-dynamodb-streams, the AWS CLI v2 and boto3. Each view type keeps the images
 * it names; a write that changes nothing records nothing; GetRecords iterates in order from every
 * iterator type; disabling closes the shard; records survive a restart; bad input gets
 * DynamoDB's errors.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
  UpdateTableCommand,
  type StreamViewType,
} from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { startNimbus } from '../../src/app.js';
import { AWS_CLI, awsCliAt, awsCliHome } from '../helpers/aws-cli.js';
import { rejects } from '../helpers/aws-errors.js';
import { startTestNimbus } from '../helpers/nimbus.js';

const CI = process.env['CI'] === 'true';
const CREDS = { accessKeyId: 'test', secretAccessKey: 'test' };
const PYTHON = '/usr/bin/python3';

function clients(url: string): { ddb: DynamoDBClient; streams: DynamoDBStreamsClient; destroy: () => void } {
  const ddb = new DynamoDBClient({ endpoint: url, region: 'us-east-1', credentials: CREDS, maxAttempts: 1 });
  const streams = new DynamoDBStreamsClient({ endpoint: url, region: 'us-east-1', credentials: CREDS, maxAttempts: 1 });
  return { ddb, streams, destroy: () => (ddb.destroy(), streams.destroy()) };
}

const table = (name: string, view?: StreamViewType) => ({
  TableName: name,
  AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' as const }],
  KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' as const }],
  BillingMode: 'PAY_PER_REQUEST' as const,
  ...(view ? { StreamSpecification: { StreamEnabled: true, StreamViewType: view } } : {}),
});

/** Every record of the stream's one shard, from TRIM_HORIZON, following NextShardIterator until a page is empty. */
async function readAll(streams: DynamoDBStreamsClient, arn: string): Promise<_Record[]> {
  const d = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
  const shard = d.StreamDescription!.Shards![0]!.ShardId!;
  let it = (await streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shard, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
  const out: _Record[] = [];
  while (it) {
    const page = await streams.send(new GetRecordsCommand({ ShardIterator: it, Limit: 2 }));
    out.push(...(page.Records ?? []));
    if ((page.Records ?? []).length === 0) break;
    it = page.NextShardIterator;
  }
  return out;
}

/** Insert, modify, a no-op put, a no-op update, remove, a delete of a missing item. */
async function writeSequence(ddb: DynamoDBClient, name: string): Promise<void> {
  await ddb.send(new PutItemCommand({ TableName: name, Item: { id: { S: 'a' }, n: { N: '1' }, tags: { SS: ['x', 'y'] } } }));
  await ddb.send(new UpdateItemCommand({ TableName: name, Key: { id: { S: 'a' } }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': { N: '2' } } }));
  // Changes nothing: the same item again (its set in another order), and a SET to the value it has.
  await ddb.send(new PutItemCommand({ TableName: name, Item: { id: { S: 'a' }, n: { N: '2' }, tags: { SS: ['y', 'x'] } } }));
  await ddb.send(new UpdateItemCommand({ TableName: name, Key: { id: { S: 'a' } }, UpdateExpression: 'SET n = :n', ExpressionAttributeValues: { ':n': { N: '2' } } }));
  await ddb.send(new DeleteItemCommand({ TableName: name, Key: { id: { S: 'a' } } }));
  await ddb.send(new DeleteItemCommand({ TableName: name, Key: { id: { S: 'missing' } } }));
}

test('each view type records INSERT, MODIFY and REMOVE with the images it keeps, and nothing for writes that change nothing', async (t) => {
  const nimbus = await startTestNimbus(t);
  const { ddb, streams, destroy } = clients(nimbus.url);
  t.after(destroy);
  const key = { id: { S: 'a' } };
  const v1 = { id: { S: 'a' }, n: { N: '1' }, tags: { SS: ['x', 'y'] } };
  const v2 = { id: { S: 'a' }, n: { N: '2' }, tags: { SS: ['x', 'y'] } };
  // The no-op put left the set in its own order: the item DynamoDB then removes.
  const v2r = { id: { S: 'a' }, n: { N: '2' }, tags: { SS: ['y', 'x'] } };
  const expected: Record<StreamViewType, Array<{ NewImage?: unknown; OldImage?: unknown }>> = {
    KEYS_ONLY: [{}, {}, {}],
    NEW_IMAGE: [{ NewImage: v1 }, { NewImage: v2 }, {}],
    OLD_IMAGE: [{}, { OldImage: v1 }, { OldImage: v2r }],
    NEW_AND_OLD_IMAGES: [{ NewImage: v1 }, { NewImage: v2, OldImage: v1 }, { OldImage: v2r }],
  };
  for (const view of Object.keys(expected) as StreamViewType[]) {
    const name = `t-${view.toLowerCase().replace(/_/g, '-')}`;
    const created = await ddb.send(new CreateTableCommand(table(name, view)));
    const arn = created.TableDescription?.LatestStreamArn;
    assert.match(arn ?? '', new RegExp(`^arn:aws:dynamodb:us-east-1:000000000000:table/${name}/stream/\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}$`));
    assert.deepEqual(created.TableDescription?.StreamSpecification, { StreamEnabled: true, StreamViewType: view });
    assert.equal(arn, `${created.TableDescription?.TableArn}/stream/${created.TableDescription?.LatestStreamLabel}`);
    await writeSequence(ddb, name);
    const records = await readAll(streams, arn!);
    assert.deepEqual(records.map((r) => r.eventName), ['INSERT', 'MODIFY', 'REMOVE'], view);
    records.forEach((r, i) => {
      assert.equal(r.eventSource, 'aws:dynamodb');
      assert.equal(r.eventVersion, '1.1');
      assert.equal(r.awsRegion, 'us-east-1');
      assert.match(r.eventID ?? '', /^[0-9a-f]{32}$/);
      const d = r.dynamodb!;
      assert.deepEqual(d.Keys, key);
      assert.equal(d.StreamViewType, view);
      assert.ok(d.ApproximateCreationDateTime instanceof Date && Math.abs(d.ApproximateCreationDateTime.getTime() - Date.now()) < 600_000);
      assert.ok((d.SizeBytes ?? 0) > 0);
      assert.deepEqual({ ...(d.NewImage ? { NewImage: d.NewImage } : {}), ...(d.OldImage ? { OldImage: d.OldImage } : {}) }, expected[view][i], `${view} record ${i}`);
    });
    const seqs = records.map((r) => BigInt(r.dynamodb!.SequenceNumber!));
    assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), 'sequence numbers increase');
  }
});

test('BatchWriteItem records each item it changes; a table without a stream records nothing; UpdateTable enables and disables', async (t) => {
  const nimbus = await startTestNimbus(t);
  const { ddb, streams, destroy } = clients(nimbus.url);
  t.after(destroy);
  await ddb.send(new CreateTableCommand(table('plain')));
  assert.equal((await ddb.send(new DescribeTableCommand({ TableName: 'plain' }))).Table?.LatestStreamArn, undefined);
  await ddb.send(new PutItemCommand({ TableName: 'plain', Item: { id: { S: 'before' } } }));
  const on = await ddb.send(new UpdateTableCommand({ TableName: 'plain', StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' } }));
  const arn = on.TableDescription!.LatestStreamArn!;
  assert.deepEqual(on.TableDescription?.StreamSpecification, { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
  await rejects(
    ddb.send(new UpdateTableCommand({ TableName: 'plain', StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } })),
    'ValidationException',
    'Table already has an enabled stream: TableName: plain',
    400,
  );
  await ddb.send(new BatchWriteItemCommand({
    RequestItems: { plain: [{ PutRequest: { Item: { id: { S: 'b1' } } } }, { PutRequest: { Item: { id: { S: 'b2' } } } }, { DeleteRequest: { Key: { id: { S: 'before' } } } }] },
  }));
  const got = await readAll(streams, arn);
  assert.deepEqual(got.map((r) => [r.eventName, r.dynamodb?.Keys?.['id']?.S]), [['INSERT', 'b1'], ['INSERT', 'b2'], ['REMOVE', 'before']]);
  assert.deepEqual(got[2]!.dynamodb?.OldImage, { id: { S: 'before' } });

  const described = (await ddb.send(new DescribeTableCommand({ TableName: 'plain' }))).Table!;
  assert.equal(described.LatestStreamArn, arn);
  const listed = await streams.send(new ListStreamsCommand({ TableName: 'plain' }));
  assert.deepEqual(listed.Streams, [{ StreamArn: arn, TableName: 'plain', StreamLabel: described.LatestStreamLabel }]);

  // Disabled: the shard closes at its last record and a read to its end has no next iterator.
  const off = await ddb.send(new UpdateTableCommand({ TableName: 'plain', StreamSpecification: { StreamEnabled: false } }));
  assert.equal(off.TableDescription?.StreamSpecification, undefined);
  assert.equal(off.TableDescription?.LatestStreamArn, arn);
  await ddb.send(new PutItemCommand({ TableName: 'plain', Item: { id: { S: 'after' } } }));
  const d = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription!;
  assert.equal(d.StreamStatus, 'DISABLED');
  assert.equal(d.StreamViewType, 'NEW_AND_OLD_IMAGES');
  assert.equal(d.TableName, 'plain');
  assert.deepEqual(d.KeySchema, [{ AttributeName: 'id', KeyType: 'HASH' }]);
  assert.equal(d.Shards?.length, 1);
  assert.equal(d.Shards![0]!.SequenceNumberRange?.EndingSequenceNumber, got[2]!.dynamodb?.SequenceNumber);
  const it = (await streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: d.Shards![0]!.ShardId!, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: got[2]!.dynamodb!.SequenceNumber! }))).ShardIterator;
  const end = await streams.send(new GetRecordsCommand({ ShardIterator: it! }));
  assert.deepEqual(end.Records, []);
  assert.equal(end.NextShardIterator, undefined);
  // Enabled again: a new stream with a new label.
  const again = await ddb.send(new UpdateTableCommand({ TableName: 'plain', StreamSpecification: { StreamEnabled: true, StreamViewType: 'KEYS_ONLY' } }));
  assert.notEqual(again.TableDescription?.LatestStreamArn, arn);
  assert.equal((await streams.send(new ListStreamsCommand({ TableName: 'plain' }))).Streams?.length, 2);
});

test('GetShardIterator: LATEST, AT_ and AFTER_SEQUENCE_NUMBER position the reader; bad input gets DynamoDB errors', async (t) => {
  const nimbus = await startTestNimbus(t);
  const { ddb, streams, destroy } = clients(nimbus.url);
  t.after(destroy);
  const arn = (await ddb.send(new CreateTableCommand(table('pos', 'KEYS_ONLY')))).TableDescription!.LatestStreamArn!;
  for (const id of ['1', '2', '3']) await ddb.send(new PutItemCommand({ TableName: 'pos', Item: { id: { S: id } } }));
  const shard = (await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription!.Shards![0]!.ShardId!;
  const iter = async (type: 'LATEST' | 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER' | 'TRIM_HORIZON', seq?: string) =>
    (await streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shard, ShardIteratorType: type, ...(seq ? { SequenceNumber: seq } : {}) }))).ShardIterator!;
  const ids = async (it: string) => (await streams.send(new GetRecordsCommand({ ShardIterator: it }))).Records!.map((r) => r.dynamodb!.Keys!['id']!.S);
  const all = (await streams.send(new GetRecordsCommand({ ShardIterator: await iter('TRIM_HORIZON') }))).Records!;
  const second = all[1]!.dynamodb!.SequenceNumber!;
  assert.deepEqual(await ids(await iter('AT_SEQUENCE_NUMBER', second)), ['2', '3']);
  assert.deepEqual(await ids(await iter('AFTER_SEQUENCE_NUMBER', second)), ['3']);
  const latest = await iter('LATEST');
  assert.deepEqual(await ids(latest), []);
  await ddb.send(new PutItemCommand({ TableName: 'pos', Item: { id: { S: '4' } } }));
  assert.deepEqual(await ids(latest), ['4']);

  await rejects(streams.send(new DescribeStreamCommand({ StreamArn: `${arn.slice(0, -3)}999` })), 'ResourceNotFoundException', /Requested resource not found/, 400);
  await rejects(streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: 'shardId-nope', ShardIteratorType: 'LATEST' })), 'ResourceNotFoundException', undefined, 400);
  await rejects(streams.send(new GetShardIteratorCommand({ StreamArn: arn, ShardId: shard, ShardIteratorType: 'SIDEWAYS' as 'LATEST' })), 'ValidationException', /shardIteratorType/, 400);
  await rejects(streams.send(new GetRecordsCommand({ ShardIterator: 'garbage' })), 'ValidationException', undefined, 400);
  await rejects(streams.send(new GetRecordsCommand({ ShardIterator: latest, Limit: 5000 })), 'ValidationException', /limit/, 400);
  await rejects(
    ddb.send(new CreateTableCommand({ ...table('bad'), StreamSpecification: { StreamEnabled: true, StreamViewType: 'EVERYTHING' as StreamViewType } })),
    'ValidationException',
    /streamSpecification.streamViewType/,
    400,
  );
  await rejects(ddb.send(new CreateTableCommand({ ...table('bad'), StreamSpecification: { StreamEnabled: true } })), 'ValidationException', /StreamViewType/, 400);
  // Deleting the table closes its stream.
  await ddb.send(new DeleteTableCommand({ TableName: 'pos' }));
  assert.equal((await streams.send(new DescribeStreamCommand({ StreamArn: arn }))).StreamDescription?.StreamStatus, 'DISABLED');
});

test('the AWS CLI and boto3 read the stream; records survive a restart', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-ddb-streams-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  let nimbus = await startNimbus({ port: 0, dataDir, log: () => undefined, shutdownGraceMs: 2000 });
  let { ddb, destroy } = clients(nimbus.url);
  const arn = (await ddb.send(new CreateTableCommand(table('cli', 'NEW_IMAGE')))).TableDescription!.LatestStreamArn!;
  await ddb.send(new PutItemCommand({ TableName: 'cli', Item: { id: { S: 'k' }, v: { N: '7' } } }));
  destroy();
  await nimbus.close();
  nimbus = await startNimbus({ port: 0, dataDir, log: () => undefined, shutdownGraceMs: 2000 });
  t.after(() => nimbus.close());
  ({ ddb, destroy } = clients(nimbus.url));
  t.after(destroy);
  await ddb.send(new PutItemCommand({ TableName: 'cli', Item: { id: { S: 'k' }, v: { N: '8' } } }));

  if (!existsSync(AWS_CLI)) {
    if (CI) assert.fail(`${AWS_CLI} is missing`);
  } else {
    const home = awsCliHome(t, 'nimbus-ddbs-cli-');
    const cli = async (...args: string[]) => {
      const r = await awsCliAt(nimbus.url, home.home, ...args);
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const d = (await cli('dynamodbstreams', 'describe-stream', '--stream-arn', arn)) as { StreamDescription: { Shards: Array<{ ShardId: string }> } };
    const it = (await cli('dynamodbstreams', 'get-shard-iterator', '--stream-arn', arn, '--shard-id', d.StreamDescription.Shards[0]!.ShardId, '--shard-iterator-type', 'TRIM_HORIZON')) as { ShardIterator: string };
    const got = (await cli('dynamodbstreams', 'get-records', '--shard-iterator', it.ShardIterator)) as { Records: Array<{ eventName: string; dynamodb: { NewImage: unknown } }> };
    assert.deepEqual(got.Records.map((r) => [r.eventName, r.dynamodb.NewImage]), [['INSERT', { id: { S: 'k' }, v: { N: '7' } }], ['MODIFY', { id: { S: 'k' }, v: { N: '8' } }]]);
  }

  if (!existsSync(PYTHON)) {
    if (CI) assert.fail(`${PYTHON} is missing`);
    return;
  }
  const script = `
import boto3, json, sys
c = boto3.client('dynamodbstreams', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')
arn = c.list_streams(TableName='cli')['Streams'][0]['StreamArn']
shard = c.describe_stream(StreamArn=arn)['StreamDescription']['Shards'][0]['ShardId']
it = c.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType='TRIM_HORIZON')['ShardIterator']
print(json.dumps([r['eventName'] for r in c.get_records(ShardIterator=it)['Records']]))
`;
  // Not execFileSync: this Nimbus runs in this process and must answer boto3 meanwhile.
  const { stdout: out } = await promisify(execFile)(PYTHON, ['-c', script, nimbus.url], { encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), ['INSERT', 'MODIFY']);
});
