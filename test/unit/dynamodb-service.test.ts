/**
 * DynamoDbService without the HTTP server (src/dynamodb): the in-memory engine (no data dir), one
 * store per account and region, the cluster refusal, and the ARNs identity policies are checked
 * against. The wire, the SDKs and the data directory are the e2e suites' (test/e2e/dynamodb*.test.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DynamoDbService, dynamoResources } from '../../src/dynamodb/service.js';

const request = (op: string, body: unknown, scope = { accountId: '111111111111', region: 'eu-west-1' }) => ({
  method: 'POST',
  path: '/',
  headers: { 'x-amz-target': `DynamoDB_20120810.${op}` },
  body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  ...scope,
});
const json = (r: { body: Buffer }): Record<string, unknown> => JSON.parse(r.body.toString('utf8')) as Record<string, unknown>;
const TABLE = { TableName: 'things', AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' };

test('without a directory the tables live in memory, one store per account and region, with ARNs that name them', async (t) => {
  const ddb = new DynamoDbService({ dir: undefined, log: () => undefined });
  t.after(() => ddb.close());
  const created = json(await ddb.handle(request('CreateTable', TABLE)));
  assert.equal((created['TableDescription'] as { TableArn: string }).TableArn, 'arn:aws:dynamodb:eu-west-1:111111111111:table/things');
  assert.equal((await ddb.handle(request('PutItem', { TableName: 'things', Item: { id: { S: '1' } } }))).status, 200);
  assert.deepEqual(json(await ddb.handle(request('ListTables', {}, { accountId: '222222222222', region: 'eu-west-1' }))), { TableNames: [] });
  assert.deepEqual(json(await ddb.handle(request('ListTables', {}, { accountId: '111111111111', region: 'us-east-1' }))), { TableNames: [] });
  const other = json(await ddb.handle(request('CreateTable', TABLE, { accountId: '222222222222', region: 'eu-west-1' })));
  assert.equal((other['TableDescription'] as { TableArn: string }).TableArn, 'arn:aws:dynamodb:eu-west-1:222222222222:table/things');
  assert.deepEqual(json(await ddb.handle(request('GetItem', { TableName: 'things', Key: { id: { S: '1' } } }, { accountId: '222222222222', region: 'eu-west-1' }))), {});
  const again = await ddb.handle(request('CreateTable', TABLE));
  assert.equal(again.status, 400);
  assert.equal(again.headers['x-amzn-ErrorType'], 'ResourceInUseException');
  assert.deepEqual(json(again), { __type: 'com.amazonaws.dynamodb.v20120810#ResourceInUseException', message: 'Table already exists: things' });
  const empty = await ddb.handle(request('ListTables', ''));
  assert.equal(json(empty)['__type'], 'com.amazon.coral.service#SerializationException');
});

test('a cluster node refuses DynamoDB: its tables would be its own', async (t) => {
  const ddb = new DynamoDbService({ dir: undefined, clustered: true, log: () => undefined });
  t.after(() => ddb.close());
  const r = await ddb.handle(request('ListTables', {}));
  assert.equal(r.status, 400);
  assert.equal(json(r)['__type'], 'com.amazon.coral.validate#ValidationException');
  assert.match(String(json(r)['message']), /single node only/);
  assert.equal(ddb.engine.started, false, 'dynalite was not even loaded');
});

test('the ARNs a request acts on, as IAM names DynamoDB resources', () => {
  const scope = { accountId: '111111111111', region: 'eu-west-1' };
  const arn = 'arn:aws:dynamodb:eu-west-1:111111111111:table';
  const of = (op: string, body: unknown): string[] => dynamoResources(Buffer.from(JSON.stringify(body)), scope, op);
  assert.deepEqual(of('GetItem', { TableName: 'a' }), [`${arn}/a`]);
  assert.deepEqual(of('Query', { TableName: 'a', IndexName: 'i' }), [`${arn}/a/index/i`]);
  assert.deepEqual(of('BatchWriteItem', { RequestItems: { a: [], b: [] } }), [`${arn}/a`, `${arn}/b`]);
  assert.deepEqual(of('TagResource', { ResourceArn: `${arn}/c` }), [`${arn}/c`]);
  assert.deepEqual(of('ListTables', {}), ['*']);
  assert.deepEqual(dynamoResources(Buffer.from('{oops'), scope, 'GetItem'), ['*']);
});
