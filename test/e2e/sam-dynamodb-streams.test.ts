/**
 * A SAM app in the style of the serverless-patterns "DynamoDB Streams to Lambda" apps, deployed
 * with `nimbus deploy -t` against a real Nimbus: an `AWS::DynamoDB::Table` with a
 * StreamSpecification, a function with `Events: Type: DynamoDB` on `!GetAtt Table.StreamArn`
 * (with an OnFailure queue, as the patterns add), written with @aws-sdk/client-dynamodb. The
 * StreamArn the template sees is the table's LatestStreamArn, and stays the same when the stack
 * is deployed again.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DescribeTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ListEventSourceMappingsCommand } from '@aws-sdk/client-lambda';
import { ledgerDir, readLedger, waitFor } from '../helpers/ledger.js';
import { startTestNimbus } from '../helpers/nimbus.js';
import { nimbusCli } from '../helpers/serve.js';

const template = (ledger: string, batchSize: number): string => `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: Orders table streamed to a function
Resources:
  OrdersTable:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{ AttributeName: pk, AttributeType: S }]
      KeySchema: [{ AttributeName: pk, KeyType: HASH }]
      BillingMode: PAY_PER_REQUEST
      StreamSpecification:
        StreamViewType: NEW_AND_OLD_IMAGES
  FailedRecords:
    Type: AWS::SQS::Queue
  StreamConsumer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Environment: { Variables: { LEDGER: ${ledger} } }
      InlineCode: |
        const fs = require('fs');
        process.umask(0);
        exports.handler = async (event) => {
          fs.appendFileSync(process.env.LEDGER, JSON.stringify(event) + '\\n');
        };
      Events:
        OrdersStream:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt OrdersTable.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: ${batchSize}
            MaximumRetryAttempts: 2
            BisectBatchOnFunctionError: true
            FilterCriteria:
              Filters:
                - Pattern: '{"eventName": ["INSERT", "MODIFY"]}'
            DestinationConfig:
              OnFailure:
                Type: SQS
                Destination: !GetAtt FailedRecords.Arn
Outputs:
  StreamArn: { Value: !GetAtt OrdersTable.StreamArn }
  TableName: { Value: !Ref OrdersTable }
`;

test('a SAM app with a streamed table and a DynamoDB event deploys and delivers; redeploying keeps the stream', async (t) => {
  const nimbus = await startTestNimbus(t, { isolation: 'process' });
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-sam-ddbs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const ledgers = ledgerDir('nimbus-sam-ddbs-ledger-');
  t.after(() => rmSync(ledgers, { recursive: true, force: true }));
  const ledger = join(ledgers, 'ledger');
  const ddb = new DynamoDBClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  t.after(() => ddb.destroy());
  const deploy = async (batchSize: number) => {
    writeFileSync(join(dir, 'template.yaml'), template(ledger, batchSize));
    const r = await nimbusCli(['--endpoint', nimbus.url, 'deploy', '-t', join(dir, 'template.yaml'), '--stack-name', 'orders']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /DynamoDB|StreamSpecification/, 'nothing about the stream is skipped');
    const stack = (await (await fetch(`${nimbus.url}/nimbus/v1/stacks/orders`)).json()) as { Outputs: { OutputKey: string; OutputValue: string }[] };
    return Object.fromEntries(stack.Outputs.map((o) => [o.OutputKey, o.OutputValue]));
  };

  const out = await deploy(10);
  const table = out['TableName']!;
  const described = (await ddb.send(new DescribeTableCommand({ TableName: table }))).Table!;
  assert.equal(described.LatestStreamArn, out['StreamArn']);
  assert.deepEqual(described.StreamSpecification, { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
  const mappings = (await nimbus.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: out['StreamArn'] }))).EventSourceMappings ?? [];
  assert.equal(mappings.length, 1);
  assert.equal(mappings[0]!.StartingPosition, 'TRIM_HORIZON');
  assert.equal(mappings[0]!.MaximumRetryAttempts, 2);
  assert.equal(mappings[0]!.BisectBatchOnFunctionError, true);
  assert.match(mappings[0]!.DestinationConfig?.OnFailure?.Destination ?? '', /^arn:aws:sqs:us-east-1:000000000000:orders-FailedRecords-/);

  await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'order-1' }, total: { N: '10' } } }));
  await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'order-1' }, total: { N: '12' } } }));
  const records = () => readLedger(ledger).flatMap((l) => (l as unknown as { Records: Array<{ eventName: string; eventSourceARN: string; dynamodb: { NewImage: { total: { N: string } } } }> }).Records);
  assert.ok(await waitFor(() => records().length >= 2, 60_000), `got ${records().length}`);
  assert.deepEqual(records().map((r) => [r.eventName, r.dynamodb.NewImage.total.N]), [['INSERT', '10'], ['MODIFY', '12']]);
  assert.equal(records()[0]!.eventSourceARN, out['StreamArn']);

  // Deployed again with another batch size: the same stream, the mapping updated, nothing delivered twice.
  const again = await deploy(5);
  assert.equal(again['StreamArn'], out['StreamArn']);
  const after = (await nimbus.lambda.send(new ListEventSourceMappingsCommand({ EventSourceArn: out['StreamArn'] }))).EventSourceMappings ?? [];
  assert.deepEqual(after.map((m) => [m.UUID, m.BatchSize]), [[mappings[0]!.UUID, 5]]);
  await ddb.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'order-2' }, total: { N: '3' } } }));
  assert.ok(await waitFor(() => records().length >= 3, 60_000));
  assert.deepEqual(records().map((r) => r.dynamodb.NewImage.total.N), ['10', '12', '3']);
});
