/**
 * DynamoDB tables as stack resources (docs/dynamodb.md), deployed with `nimbus deploy -t` against
 * a real Nimbus and read back with @aws-sdk/client-dynamodb: CloudFormation's names, tags updated
 * in place with the items kept, a table the template drops deleted, a change of keys refused with
 * the stack rolled back, and `DeletionPolicy: Retain` honoured by `nimbus stack rm`.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DescribeTableCommand, DynamoDBClient, ListTablesCommand, ListTagsOfResourceCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { startTestNimbus } from '../helpers/nimbus.js';
import { nimbusCli } from '../helpers/serve.js';

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
