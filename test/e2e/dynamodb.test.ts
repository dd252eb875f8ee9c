/**
 * DynamoDB on Nimbus's endpoint (docs/dynamodb.md) end to end: a real Nimbus with a temp data
 * dir, and the clients apps use: @aws-sdk/client-dynamodb with @aws-sdk/lib-dynamodb, the AWS
 * CLI v2 (`aws dynamodb ...`) and boto3. Errors are DynamoDB's; tables are kept apart by account
 * and region and survive a restart; with `--auth keys` requests are signed and identity policies
 * decide by table ARN.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { test } from 'node:test';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  QueryCommand,
  type DynamoDBClientConfig,
} from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand as DocQuery, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { startNimbus } from '../../src/app.js';
import { AWS_CLI, awsCliHome, runCli } from '../helpers/aws-cli.js';
import { rejects } from '../helpers/aws-errors.js';
import { startTestNimbus } from '../helpers/nimbus.js';

const CI = process.env['CI'] === 'true';
const PYTHON = '/usr/bin/python3';
const TEST_CREDS = { accessKeyId: 'test', secretAccessKey: 'test' };

function client(url: string, o: Partial<DynamoDBClientConfig> = {}): DynamoDBClient {
  return new DynamoDBClient({ endpoint: url, region: 'us-east-1', credentials: TEST_CREDS, maxAttempts: 1, ...o });
}

const ORDERS = {
  TableName: 'orders',
  AttributeDefinitions: [
    { AttributeName: 'customer', AttributeType: 'S' as const },
    { AttributeName: 'orderId', AttributeType: 'S' as const },
    { AttributeName: 'status', AttributeType: 'S' as const },
  ],
  KeySchema: [
    { AttributeName: 'customer', KeyType: 'HASH' as const },
    { AttributeName: 'orderId', KeyType: 'RANGE' as const },
  ],
  GlobalSecondaryIndexes: [{ IndexName: 'by-status', KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' as const }], Projection: { ProjectionType: 'ALL' as const } }],
  BillingMode: 'PAY_PER_REQUEST' as const,
};

test('dynalite is loaded by the first DynamoDB request, not when Nimbus starts', async (t) => {
  // This Nimbus runs in this process, so its CommonJS loads show in this process's require cache.
  const dynaliteLoaded = (): boolean => Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes(`${sep}dynalite${sep}`));
  const nimbus = await startTestNimbus(t);
  assert.equal((await fetch(`${nimbus.url}/nimbus/v1/health`)).status, 200);
  assert.equal(dynaliteLoaded(), false, 'dynalite was loaded before any DynamoDB request');
  const r = await fetch(`${nimbus.url}/`, { method: 'POST', headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables', 'content-type': 'application/x-amz-json-1.0' }, body: '{}' });
  assert.equal(r.status, 200);
  assert.equal(dynaliteLoaded(), true);
});

test('the JS SDK (client-dynamodb and lib-dynamodb) creates a table and reads and writes items through Nimbus', async (t) => {
  const nimbus = await startTestNimbus(t);
  const ddb = client(nimbus.url);
  const doc = DynamoDBDocumentClient.from(ddb);
  t.after(() => ddb.destroy());

  const created = await ddb.send(new CreateTableCommand(ORDERS));
  assert.equal(created.TableDescription?.TableArn, 'arn:aws:dynamodb:us-east-1:000000000000:table/orders');
  // Usable at once, as in DynamoDB Local.
  await doc.send(new PutCommand({ TableName: 'orders', Item: { customer: 'ana', orderId: '1', status: 'open', total: 12.5, lines: [{ sku: 'a', n: 2 }] } }));
  await doc.send(new PutCommand({ TableName: 'orders', Item: { customer: 'ana', orderId: '2', status: 'shipped', total: 3 } }));
  await ddb.send(new BatchWriteItemCommand({ RequestItems: { orders: [{ PutRequest: { Item: { customer: { S: 'bo' }, orderId: { S: '1' }, status: { S: 'open' } } } }] } }));

  const got = await doc.send(new GetCommand({ TableName: 'orders', Key: { customer: 'ana', orderId: '1' } }));
  assert.deepEqual(got.Item, { customer: 'ana', orderId: '1', status: 'open', total: 12.5, lines: [{ sku: 'a', n: 2 }] });
  const updated = await doc.send(new UpdateCommand({
    TableName: 'orders', Key: { customer: 'ana', orderId: '2' }, UpdateExpression: 'SET #t = #t + :d', ExpressionAttributeNames: { '#t': 'total' }, ExpressionAttributeValues: { ':d': 4 }, ReturnValues: 'ALL_NEW',
  }));
  assert.equal(updated.Attributes?.['total'], 7);
  const mine = await doc.send(new DocQuery({ TableName: 'orders', KeyConditionExpression: 'customer = :c', ExpressionAttributeValues: { ':c': 'ana' } }));
  assert.deepEqual(mine.Items?.map((i) => i['orderId']), ['1', '2']);
  const open = await ddb.send(new QueryCommand({ TableName: 'orders', IndexName: 'by-status', KeyConditionExpression: '#s = :s', ExpressionAttributeNames: { '#s': 'status' }, ExpressionAttributeValues: { ':s': { S: 'open' } } }));
  assert.equal(open.Count, 2);
  await rejects(
    doc.send(new PutCommand({ TableName: 'orders', Item: { customer: 'ana', orderId: '1' }, ConditionExpression: 'attribute_not_exists(orderId)' })),
    'ConditionalCheckFailedException',
  );
  await doc.send(new DeleteCommand({ TableName: 'orders', Key: { customer: 'bo', orderId: '1' } }));
  assert.equal((await doc.send(new ScanCommand({ TableName: 'orders' }))).Count, 2);

  // DynamoDB's errors, by name and message.
  await rejects(doc.send(new GetCommand({ TableName: 'nope', Key: { id: 'x' } })), 'ResourceNotFoundException', /Requested resource not found/);
  await rejects(ddb.send(new CreateTableCommand(ORDERS)), 'ResourceInUseException', /orders/);
  await rejects(doc.send(new PutCommand({ TableName: 'orders', Item: { customer: 'ana' } })), 'ValidationException');
  // An item over 400 KB is refused, and the server goes on.
  await rejects(doc.send(new PutCommand({ TableName: 'orders', Item: { customer: 'big', orderId: '1', blob: 'x'.repeat(410 * 1024) } })), 'ValidationException', /size/);
  assert.equal((await ddb.send(new DescribeTableCommand({ TableName: 'orders' }))).Table?.TableStatus, 'ACTIVE');
});

test('bad requests get DynamoDB-shaped errors and never harm the server', async (t) => {
  const nimbus = await startTestNimbus(t);
  const post = async (target: string, body: string): Promise<{ status: number; type: string | null; json: Record<string, unknown> }> => {
    const r = await fetch(`${nimbus.url}/`, { method: 'POST', headers: { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.0' }, body });
    return { status: r.status, type: r.headers.get('x-amzn-errortype'), json: (await r.json()) as Record<string, unknown> };
  };
  const bad = await post('DynamoDB_20120810.ListTables', '{not json');
  assert.equal(bad.status, 400);
  assert.equal(bad.json['__type'], 'com.amazon.coral.service#SerializationException');
  assert.equal(bad.type, 'SerializationException');
  const unknown = await post('DynamoDB_20120810.ExecuteStatement', '{"Statement":"SELECT * FROM t"}');
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json['__type'], 'com.amazon.coral.service#UnknownOperationException');
  assert.match(String(unknown.json['message']), /does not implement ExecuteStatement/);
  const wrongTypes = await post('DynamoDB_20120810.PutItem', '{"TableName": 5, "Item": []}');
  assert.equal(wrongTypes.status, 400);
  assert.match(String(wrongTypes.json['__type']), /SerializationException|ValidationException/);
  const missing = await post('DynamoDB_20120810.DescribeTable', '{"TableName":"ghost"}');
  assert.equal(missing.status, 400);
  assert.equal(missing.json['__type'], 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException');
  assert.equal(missing.type, 'ResourceNotFoundException');
  // Still serving.
  const list = await post('DynamoDB_20120810.ListTables', '{}');
  assert.equal(list.status, 200);
  assert.deepEqual(list.json, { TableNames: [] });
});

test('each account and region has its own tables, and they survive a restart', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-ddb-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  let nimbus = await startNimbus({ port: 0, dataDir, log: () => undefined, shutdownGraceMs: 2000, auth: 'keys' });
  t.after(() => nimbus.close());
  const teamB = (await nimbus.accounts.createAccount('team-b')).accountId;
  const a = await nimbus.accounts.createKey('default', { name: 'a' });
  const b = await nimbus.accounts.createKey('team-b', { name: 'b' });
  const as = (k: { accessKeyId: string; secretAccessKey: string }, region = 'us-east-1'): DynamoDBClient =>
    client(nimbus.url, { region, credentials: { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey } });
  const ca = as(a);
  const cb = as(b);
  const caWest = as(a, 'eu-west-1');
  t.after(() => [ca, cb, caWest].forEach((c) => c.destroy()));
  const table = { TableName: 'shared-name', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' as const }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' as const }], BillingMode: 'PAY_PER_REQUEST' as const };
  assert.equal((await ca.send(new CreateTableCommand(table))).TableDescription?.TableArn, 'arn:aws:dynamodb:us-east-1:000000000000:table/shared-name');
  assert.equal((await cb.send(new CreateTableCommand(table))).TableDescription?.TableArn, `arn:aws:dynamodb:us-east-1:${teamB}:table/shared-name`);
  assert.deepEqual((await caWest.send(new ListTablesCommand({}))).TableNames, []);
  await DynamoDBDocumentClient.from(ca).send(new PutCommand({ TableName: 'shared-name', Item: { id: '1', who: 'a' } }));
  assert.equal((await DynamoDBDocumentClient.from(cb).send(new GetCommand({ TableName: 'shared-name', Key: { id: '1' } }))).Item, undefined);

  // A wrong secret is refused before DynamoDB sees the request.
  const wrong = as({ accessKeyId: a.accessKeyId, secretAccessKey: 'not-the-secret' });
  t.after(() => wrong.destroy());
  await rejects(wrong.send(new ListTablesCommand({})), 'InvalidSignatureException');
  const unsigned = await fetch(`${nimbus.url}/`, { method: 'POST', headers: { 'x-amz-target': 'DynamoDB_20120810.ListTables', 'content-type': 'application/x-amz-json-1.0' }, body: '{}' });
  // DynamoDB answers its front end's refusals with 400.
  assert.equal(unsigned.status, 400);
  assert.equal(unsigned.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
  assert.equal(((await unsigned.json()) as { __type: string }).__type, 'com.amazon.coral.service#MissingAuthenticationTokenException');

  await nimbus.close();
  nimbus = await startNimbus({ port: 0, dataDir, log: () => undefined, shutdownGraceMs: 2000, auth: 'keys' });
  const again = client(nimbus.url, { credentials: { accessKeyId: a.accessKeyId, secretAccessKey: a.secretAccessKey } });
  t.after(() => again.destroy());
  assert.deepEqual((await DynamoDBDocumentClient.from(again).send(new GetCommand({ TableName: 'shared-name', Key: { id: '1' } }))).Item, { id: '1', who: 'a' });
});

test('identity policies decide by table ARN (dynamodb:<Operation>)', async (t) => {
  const nimbus = await startTestNimbus(t, { auth: 'keys' });
  const admin = await nimbus.accounts.createKey('default', { name: 'admin' });
  const creds = (k: { accessKeyId: string; secretAccessKey: string }) => ({ accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey });
  const ca = client(nimbus.url, { credentials: creds(admin) });
  t.after(() => ca.destroy());
  const table = (name: string) => ({ TableName: name, AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' as const }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' as const }], BillingMode: 'PAY_PER_REQUEST' as const });
  await ca.send(new CreateTableCommand(table('mine')));
  await ca.send(new CreateTableCommand(table('theirs')));
  const reader = await nimbus.accounts.createKey('default', {
    name: 'reader',
    policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:PutItem'], Resource: 'arn:aws:dynamodb:us-east-1:000000000000:table/mine' }] }),
  });
  const cr = DynamoDBDocumentClient.from(client(nimbus.url, { credentials: creds(reader) }));
  t.after(() => cr.destroy());
  await cr.send(new PutCommand({ TableName: 'mine', Item: { id: '1' } }));
  assert.deepEqual((await cr.send(new GetCommand({ TableName: 'mine', Key: { id: '1' } }))).Item, { id: '1' });
  await rejects(cr.send(new GetCommand({ TableName: 'theirs', Key: { id: '1' } })), 'AccessDeniedException', /dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table\/theirs/);
  await rejects(cr.send(new DeleteCommand({ TableName: 'mine', Key: { id: '1' } })), 'AccessDeniedException', /dynamodb:DeleteItem/);
  await rejects(cr.send(new ScanCommand({ TableName: 'mine' })), 'AccessDeniedException', undefined, 400);
});

test('the AWS CLI and boto3 speak to the same tables', async (t) => {
  const nimbus = await startTestNimbus(t);
  if (!existsSync(AWS_CLI)) {
    assert.ok(!CI, `${AWS_CLI} is a CI dependency`);
    t.skip('no AWS CLI here');
    return;
  }
  const home = awsCliHome(t, 'nimbus-ddb-cli-');
  const aws = (...args: string[]) => runCli(AWS_CLI, ['--endpoint-url', nimbus.url, '--output', 'json', 'dynamodb', ...args], { env: home.env({ AWS_MAX_ATTEMPTS: '1' }), cwd: home.home });
  const made = await aws('create-table', '--table-name', 'notes', '--attribute-definitions', 'AttributeName=id,AttributeType=S', '--key-schema', 'AttributeName=id,KeyType=HASH', '--billing-mode', 'PAY_PER_REQUEST');
  assert.equal(made.code, 0, made.stderr);
  assert.equal((JSON.parse(made.stdout) as { TableDescription: { TableName: string } }).TableDescription.TableName, 'notes');
  const waited = await aws('wait', 'table-exists', '--table-name', 'notes');
  assert.equal(waited.code, 0, waited.stderr);
  const put = await aws('put-item', '--table-name', 'notes', '--item', '{"id":{"S":"n1"},"text":{"S":"from the CLI"}}');
  assert.equal(put.code, 0, put.stderr);
  const missing = await aws('describe-table', '--table-name', 'ghost');
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /ResourceNotFoundException/);

  if (!existsSync(PYTHON)) {
    assert.ok(!CI, `${PYTHON} with boto3 is a CI dependency`);
    return;
  }
  const script = `
import boto3, json, sys
from botocore.exceptions import ClientError
d = boto3.resource('dynamodb', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')
t = d.Table('notes')
item = t.get_item(Key={'id': 'n1'})['Item']
t.put_item(Item={'id': 'n2', 'text': 'from boto3', 'n': 3})
with t.batch_writer() as b:
    for i in range(30):
        b.put_item(Item={'id': 'b%d' % i})
count = t.scan(Select='COUNT')['Count']
try:
    d.Table('ghost').get_item(Key={'id': 'x'})
    err = None
except ClientError as e:
    err = e.response['Error']['Code']
print(json.dumps({'item': item['text'], 'count': count, 'err': err}))
`;
  const r = await runCli(PYTHON, ['-c', script, nimbus.url], { env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' }, cwd: '/' });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { item: 'from the CLI', count: 32, err: 'ResourceNotFoundException' });
  const scan = await aws('get-item', '--table-name', 'notes', '--key', '{"id":{"S":"n2"}}');
  assert.equal(scan.code, 0, scan.stderr);
  assert.equal((JSON.parse(scan.stdout) as { Item: { text: { S: string } } }).Item.text.S, 'from boto3');
});

test('random requests of every served operation get 200 or a 4xx in DynamoDB shape, never a 5xx or a crash', async (t) => {
  const nimbus = await startTestNimbus(t);
  const post = async (op: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const r = await fetch(`${nimbus.url}/`, { method: 'POST', headers: { 'x-amz-target': `DynamoDB_20120810.${op}`, 'content-type': 'application/x-amz-json-1.0' }, body: JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };
  assert.equal((await post('CreateTable', { ...ORDERS, TableName: 'fuzzed' })).status, 200);
  // A seeded generator: the same requests every run (a failure names the one that broke).
  let seed = 20261203;
  const next = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(next() * a.length)]!;
  const values: unknown[] = [null, 1, -1, 1e308, '', 'x', [], {}, { S: 'a' }, { N: '1' }, { N: 'abc' }, { B: '!!' }, { L: [{ S: 'a' }] }, { M: { a: { S: 'b' } } }, { SS: [] }, { NS: ['1', '1'] }, { NULL: true }, { BOOL: 'x' }, true,
    'customer', '#s', ':v', 'a.b[0]', 'SET #s = :v', 'attribute_exists(customer)', 'customer = :v AND orderId BETWEEN :v AND :v', 'REMOVE a[99999999]', 'SET a = list_append(a, :v)', 'ADD n :v', 'DELETE s :v', 'begins_with(orderId, :v)', 'size(a) > :v', 'by-status'];
  const members = ['TableName', 'Key', 'Item', 'KeyConditionExpression', 'FilterExpression', 'UpdateExpression', 'ConditionExpression', 'ExpressionAttributeValues', 'ExpressionAttributeNames', 'ProjectionExpression', 'IndexName', 'ExclusiveStartKey', 'Limit', 'Select',
    'Segment', 'TotalSegments', 'ReturnValues', 'RequestItems', 'AttributeUpdates', 'Expected', 'KeyConditions', 'ScanFilter', 'QueryFilter', 'AttributesToGet', 'ScanIndexForward', 'ReturnConsumedCapacity'];
  const random = (depth: number): unknown => {
    const r = next();
    if (depth > 2 || r < 0.5) return pick(values);
    if (r < 0.75) return Object.fromEntries([0, 1, 2].map(() => [pick([...members, 'customer', 'orderId', ':v', '#s', 'fuzzed']), random(depth + 1)]));
    return [random(depth + 1), random(depth + 1)];
  };
  const base = { TableName: 'fuzzed', Key: { customer: { S: 'a' }, orderId: { S: '1' } }, Item: { customer: { S: 'a' }, orderId: { S: '1' }, status: { S: 'open' }, a: { L: [] } }, ExpressionAttributeValues: { ':v': { S: 'a' } }, ExpressionAttributeNames: { '#s': 'status' } };
  const ops = ['PutItem', 'GetItem', 'UpdateItem', 'DeleteItem', 'Query', 'Scan', 'BatchGetItem', 'BatchWriteItem', 'DescribeTable', 'UpdateTable', 'TagResource', 'ListTables'];
  const seen = new Set<number>();
  for (let i = 0; i < 600; i++) {
    const op = pick(ops);
    const body: Record<string, unknown> = { ...base };
    for (let k = 0, n = 1 + Math.floor(next() * 4); k < n; k++) body[pick(members)] = random(0);
    const r = await post(op, body);
    seen.add(r.status);
    assert.ok(r.status < 500, `${op} ${JSON.stringify(body)} -> ${r.status} ${JSON.stringify(r.json)}`);
    if (r.status !== 200) assert.equal(typeof r.json['__type'], 'string', `${op} ${JSON.stringify(body)}: ${JSON.stringify(r.json)}`);
  }
  assert.ok(seen.has(200) && seen.has(400), `the requests reached both outcomes: ${[...seen].join(', ')}`);
  assert.equal((await post('DescribeTable', { TableName: 'fuzzed' })).json['Table'] !== undefined, true);
});
