/**
 * DynamoDB tables as stack resources (docs/dynamodb.md), deployed with `nimbus deploy -t` against
 * a real Nimbus and read back with @aws-sdk/client-dynamodb: CloudFormation's names, tags updated
 * in place with the items kept, a table the template drops deleted, a change of keys refused with
 * the stack rolled back, and `DeletionPolicy: Retain` honoured by `nimbus stack rm`.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DescribeTableCommand, DynamoDBClient, ListTablesCommand, ListTagsOfResourceCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { builtinRuntimes } from '../../src/runtimes/registry.js';
import { payloadJson, startTestNimbus } from '../helpers/nimbus.js';
import { NIMBUS_BIN, nimbusCli } from '../helpers/serve.js';

const CI = process.env['CI'] === 'true';

const template = (o: { keptTag: string; withGone: boolean; itemsKey?: string }): string => `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Environment: { Variables: { TABLE: !Ref Items } }
      InlineCode: "exports.handler = async () => process.env.TABLE;"
  Items:
    Type: AWS::Serverless::SimpleTable
${o.itemsKey ? `    Properties:\n      PrimaryKey: { Name: ${o.itemsKey}, Type: String }\n` : ''}  Kept:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    Properties:
      TableName: keep-me
      AttributeDefinitions: [{ AttributeName: pk, AttributeType: S }, { AttributeName: sk, AttributeType: N }]
      KeySchema: [{ AttributeName: pk, KeyType: HASH }, { AttributeName: sk, KeyType: RANGE }]
      LocalSecondaryIndexes:
        - IndexName: by-sk
          KeySchema: [{ AttributeName: pk, KeyType: HASH }, { AttributeName: sk, KeyType: RANGE }]
          Projection: { ProjectionType: KEYS_ONLY }
      ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 }
      Tags: [{ Key: team, Value: ${o.keptTag} }]
${o.withGone ? `  Gone:
    Type: AWS::Serverless::SimpleTable
    Properties:
      PrimaryKey: { Name: n, Type: Number }
` : ''}Outputs:
  ItemsName: { Value: !Ref Items }
  KeptArn: { Value: !GetAtt Kept.Arn }
`;

test('stack tables: created with CloudFormation names, updated in place, dropped, refused on a key change, retained', async (t) => {
  const nimbus = await startTestNimbus(t);
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-ddb-stack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ddb = new DynamoDBClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  const doc = DynamoDBDocumentClient.from(ddb);
  t.after(() => ddb.destroy());
  const deploy = async (text: string) => {
    writeFileSync(join(dir, 'template.yaml'), text);
    return await nimbusCli(['--endpoint', nimbus.url, 'deploy', '-t', join(dir, 'template.yaml'), '--stack-name', 'tables']);
  };
  const tables = async (): Promise<string[]> => ((await ddb.send(new ListTablesCommand({}))).TableNames ?? []).sort();
  const tags = async (name: string) => (await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: `arn:aws:dynamodb:us-east-1:000000000000:table/${name}` }))).Tags;

  const first = await deploy(template({ keptTag: 'a', withGone: true }));
  assert.equal(first.code, 0, first.stderr);
  const items = /Items: DynamoDB table (tables-Items-[A-Za-z0-9]{12})/.exec(first.stdout)?.[1];
  const gone = /Gone: DynamoDB table (tables-Gone-[A-Za-z0-9]{12})/.exec(first.stdout)?.[1];
  assert.ok(items && gone, first.stdout);
  assert.match(first.stdout, /Kept: DynamoDB table keep-me \(DeletionPolicy: Retain\)/);
  assert.doesNotMatch(first.stderr, /ProvisionedThroughput|Items|Kept|Gone/, 'throughput is taken quietly');
  assert.deepEqual(await tables(), [gone, items, 'keep-me'].sort());
  const goneKeys = (await ddb.send(new DescribeTableCommand({ TableName: gone }))).Table;
  assert.deepEqual(goneKeys?.KeySchema, [{ AttributeName: 'n', KeyType: 'HASH' }]);
  assert.deepEqual(goneKeys?.AttributeDefinitions, [{ AttributeName: 'n', AttributeType: 'N' }]);
  assert.equal((await ddb.send(new DescribeTableCommand({ TableName: 'keep-me' }))).Table?.LocalSecondaryIndexes?.[0]?.IndexName, 'by-sk');
  assert.deepEqual(await tags('keep-me'), [{ Key: 'team', Value: 'a' }]);
  const stack = (await (await fetch(`${nimbus.url}/nimbus/v1/stacks/tables`)).json()) as { Outputs: { OutputKey: string; OutputValue: string }[] };
  const outputs = Object.fromEntries(stack.Outputs.map((o) => [o.OutputKey, o.OutputValue]));
  assert.equal(outputs['ItemsName'], items);
  assert.equal(outputs['KeptArn'], 'arn:aws:dynamodb:us-east-1:000000000000:table/keep-me');
  await doc.send(new PutCommand({ TableName: items, Item: { id: 'x', v: 1 } }));

  // Redeployed: the same tables keep their items, tags follow the template, a dropped table goes.
  const second = await deploy(template({ keptTag: 'b', withGone: false }));
  assert.equal(second.code, 0, second.stderr);
  assert.deepEqual(await tables(), [items, 'keep-me'].sort());
  assert.deepEqual(await tags('keep-me'), [{ Key: 'team', Value: 'b' }]);
  assert.deepEqual((await doc.send(new GetCommand({ TableName: items, Key: { id: 'x' } }))).Item, { id: 'x', v: 1 });

  // Other keys need another table: refused, and the tag change of the same deployment undone.
  const third = await deploy(template({ keptTag: 'c', withGone: false, itemsKey: 'key' }));
  assert.equal(third.code, 1, third.stdout);
  assert.match(third.stderr, /Items: .*other keys or indexes/);
  assert.deepEqual(await tags('keep-me'), [{ Key: 'team', Value: 'b' }]);
  assert.deepEqual((await doc.send(new GetCommand({ TableName: items, Key: { id: 'x' } }))).Item, { id: 'x', v: 1 });

  // stack rm: the retained table stays, with its data.
  await doc.send(new PutCommand({ TableName: 'keep-me', Item: { pk: 'p', sk: 1 } }));
  const rm = await nimbusCli(['--endpoint', nimbus.url, 'stack', 'rm', 'tables']);
  assert.equal(rm.code, 0, rm.stderr);
  assert.deepEqual(await tables(), ['keep-me']);
  assert.deepEqual((await doc.send(new GetCommand({ TableName: 'keep-me', Key: { pk: 'p', sk: 1 } }))).Item, { pk: 'p', sk: 1 });
});

const KEYS_TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Writer:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: writer
      Runtime: nodejs20.x
      Handler: index.handler
      Timeout: 10
      Policies:
        - DynamoDBWritePolicy: { TableName: !Ref Items }
      InlineCode: |
        const { DynamoDBClient } = require('@aws-sdk/client-dynamodb');
        const { DynamoDBDocumentClient, GetCommand, PutCommand } = require('@aws-sdk/lib-dynamodb');
        const db = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 1 }));
        exports.handler = async (e) => {
          try {
            if (e.op === 'put') await db.send(new PutCommand({ TableName: e.table, Item: { id: 'w1' } }));
            else return { item: (await db.send(new GetCommand({ TableName: e.table, Key: { id: 'w1' } }))).Item ?? null };
            return { ok: true };
          } catch (err) {
            return { error: err.name, status: err.$metadata && err.$metadata.httpStatusCode, message: err.message };
          }
        };
  Items:
    Type: AWS::Serverless::SimpleTable
  Other:
    Type: AWS::Serverless::SimpleTable
    Properties:
      TableName: other-table
Outputs:
  ItemsName: { Value: !Ref Items }
`;

test('with --auth keys, a function writes with its role credentials only where its DynamoDB policy template allows', async (t) => {
  const a = builtinRuntimes().get('nodejs20.x')!.availability!('nodejs20.x');
  if (!a.ok || !a.sdk) {
    assert.ok(!CI, 'nodejs20.x with its SDK is a CI dependency');
    return t.skip('nodejs20.x or its SDK not installed here');
  }
  const nimbus = await startTestNimbus(t, { auth: 'keys' });
  const key = await nimbus.accounts.createKey('default');
  const creds = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-ddb-keys-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'template.yaml'), KEYS_TEMPLATE);
  const deployed = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [NIMBUS_BIN, '--endpoint', nimbus.url, 'deploy', '-t', join(dir, 'template.yaml'), '--stack-name', 'keyed'], { env: { ...process.env, AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_SESSION_TOKEN: '' } }, (e, stdout, stderr) =>
      resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
  assert.equal(deployed.code, 0, deployed.stderr + deployed.stdout);
  const items = /Items: DynamoDB table (keyed-Items-[A-Za-z0-9]{12})/.exec(deployed.stdout)?.[1];
  assert.ok(items, deployed.stdout);
  const lambda = new LambdaClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
  t.after(() => lambda.destroy());
  const call = async (op: string, table: string): Promise<Record<string, unknown>> => {
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'writer', Payload: Buffer.from(JSON.stringify({ op, table })) }));
    assert.equal(r.FunctionError, undefined, Buffer.from(r.Payload ?? []).toString());
    return payloadJson(r.Payload) as Record<string, unknown>;
  };
  assert.deepEqual(await call('put', items), { ok: true });
  const read = await call('get', items);
  assert.equal(read['error'], 'AccessDeniedException', JSON.stringify(read));
  assert.equal(read['status'], 400);
  assert.match(String(read['message']), new RegExp(`assumed-role/[^/]+/writer is not authorized to perform: dynamodb:GetItem on resource: arn:aws:dynamodb:us-east-1:000000000000:table/${items}`));
  const elsewhere = await call('put', 'other-table');
  assert.equal(elsewhere['error'], 'AccessDeniedException', JSON.stringify(elsewhere));
  // The item the function wrote is there, as the key's owner reads it.
  const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 }));
  t.after(() => ddb.destroy());
  assert.deepEqual((await ddb.send(new GetCommand({ TableName: items, Key: { id: 'w1' } }))).Item, { id: 'w1' });
});
