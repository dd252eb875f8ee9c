/**
 * OpenAPI definitions of SAM APIs through both deployers: `aws cloudformation deploy` of a packaged
 * template whose HTTP APIs take their definitions from Nimbus's S3 (`DefinitionUri: s3://...` and
 * an `AWS::Include` of an S3 object, what `sam deploy` uploads), and `nimbus deploy -t` of
 * malformed definitions, refused with a message naming the place while the server keeps serving.
 * The sample-like apps (service integrations, authorizers, CORS) are in published-apps.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AWS_CLI, awsCliHome, haveAwsCli, runCli } from '../helpers/aws-cli.js';
import { startTestNimbus } from '../helpers/nimbus.js';
import { nimbusCli } from '../helpers/serve.js';

interface Apis {
  Apis: { ApiId: string; LogicalId: string; Stack: string; Routes: { RouteKey: string; FunctionName?: string; Integration?: { Subtype: string } }[] }[];
}

test('aws cloudformation deploy: HTTP APIs whose definitions are S3 objects (DefinitionUri, AWS::Include) serve their Lambda and SQS routes', async (t) => {
  if (!haveAwsCli(t)) return;
  const nimbus = await startTestNimbus(t);
  const cli = awsCliHome(t, 'nimbus-openapi-cfn-');
  const aws = (...args: string[]) => runCli(AWS_CLI, ['--endpoint-url', nimbus.url, ...args], { env: cli.env(), cwd: cli.home });
  writeFileSync(
    join(cli.home, 'greet.yaml'),
    `openapi: 3.0.1
paths:
  /greet/{name}:
    get:
      x-amazon-apigateway-integration:
        type: aws_proxy
        payloadFormatVersion: '2.0'
        uri: !Sub arn:aws:apigateway:\${AWS::Region}:lambda:path/2015-03-31/functions/\${Greeter.Arn}/invocations
`,
  );
  writeFileSync(
    join(cli.home, 'intake.yaml'),
    `openapi: 3.0.1
paths:
  /jobs:
    post:
      x-amazon-apigateway-integration:
        type: aws_proxy
        integrationSubtype: SQS-SendMessage
        payloadFormatVersion: '1.0'
        requestParameters:
          QueueUrl: { Ref: Jobs }
          MessageBody: $request.body.job
          MessageAttributes: '{"source": {"DataType": "String", "StringValue": "api"}}'
`,
  );
  assert.equal((await aws('s3', 'mb', 's3://defs')).code, 0);
  assert.equal((await aws('s3', 'cp', 'greet.yaml', 's3://defs/greet.yaml')).code, 0);
  assert.equal((await aws('s3', 'cp', 'intake.yaml', 's3://defs/intake.yaml')).code, 0);
  writeFileSync(
    join(cli.home, 'packaged.yaml'),
    `Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs: { Type: AWS::SQS::Queue, Properties: { QueueName: cfn-jobs } }
  Greeter:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Timeout: 30
      InlineCode: "exports.handler = async (e) => ({ statusCode: 200, body: 'hello ' + e.pathParameters.name + ' via ' + e.routeKey });"
  GreetApi:
    Type: AWS::Serverless::HttpApi
    Properties: { DefinitionUri: s3://defs/greet.yaml }
  IntakeApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionBody:
        Fn::Transform: { Name: AWS::Include, Parameters: { Location: s3://defs/intake.yaml } }
`,
  );
  const deployed = await aws('cloudformation', 'deploy', '--template-file', 'packaged.yaml', '--stack-name', 'defs', '--capabilities', 'CAPABILITY_IAM');
  assert.equal(deployed.code, 0, deployed.stderr + deployed.stdout);
  const apis = ((await (await fetch(`${nimbus.url}/nimbus/v1/apis`)).json()) as Apis).Apis;
  const greet = apis.find((a) => a.LogicalId === 'GreetApi')!;
  const intake = apis.find((a) => a.LogicalId === 'IntakeApi')!;
  assert.deepEqual(greet.Routes.map((r) => r.RouteKey), ['GET /greet/{name}']);
  assert.deepEqual(intake.Routes.map((r) => [r.RouteKey, r.Integration?.Subtype]), [['POST /jobs', 'SQS-SendMessage']]);
  const hello = await fetch(`${nimbus.url}/nimbus/v1/apis/${greet.ApiId}/greet/ann`);
  assert.equal(hello.status, 200);
  assert.equal(await hello.text(), 'hello ann via GET /greet/{name}');
  const sent = await fetch(`${nimbus.url}/nimbus/v1/apis/${intake.ApiId}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ job: { kind: 'resize', id: 4 } }) });
  assert.equal(sent.status, 200, await sent.clone().text());
  const answer = (await sent.json()) as { SendMessageResponse: { SendMessageResult: { MD5OfMessageAttributes: string | null; MessageId: string } } };
  assert.match(answer.SendMessageResponse.SendMessageResult.MD5OfMessageAttributes ?? '', /^[0-9a-f]{32}$/);
  const sqs = new SQSClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  t.after(() => sqs.destroy());
  const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: `${nimbus.url}/000000000000/cfn-jobs`, MessageAttributeNames: ['All'], WaitTimeSeconds: 5 }));
  assert.equal(got.Messages?.length, 1);
  // A member that is an object is sent as its JSON text, as API Gateway's $request.body.<path> gives it.
  assert.equal(got.Messages![0]!.Body, '{"kind":"resize","id":4}');
  assert.equal(got.Messages![0]!.MessageId, answer.SendMessageResponse.SendMessageResult.MessageId);
  assert.deepEqual(got.Messages![0]!.MessageAttributes, { source: { DataType: 'String', StringValue: 'api' } });

  // A definition that is not in S3 fails the change set with the transform's reason.
  writeFileSync(join(cli.home, 'missing.yaml'), `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn: { Type: AWS::Serverless::Function, Properties: { Runtime: nodejs20.x, Handler: index.handler, InlineCode: x } }
  Api: { Type: AWS::Serverless::HttpApi, Properties: { DefinitionUri: s3://defs/none.yaml } }
`);
  const missing = await aws('cloudformation', 'deploy', '--template-file', 'missing.yaml', '--stack-name', 'missing-def', '--capabilities', 'CAPABILITY_IAM');
  assert.notEqual(missing.code, 0);
  // The CLI's waiter prints the failed change set's reason.
  assert.match(missing.stderr + missing.stdout, /Api\.DefinitionUri: cannot read s3:\/\/defs\/none\.yaml \(not found in Nimbus's S3\)/);
});

test('nimbus deploy -t: a malformed OpenAPI definition is refused with its place named; nothing is deployed and the server keeps serving', async (t) => {
  const nimbus = await startTestNimbus(t);
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-openapi-bad-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cases: [string, string, RegExp][] = [
    ['not a mapping', 'just text\n', /Api: the OpenAPI definition must be a mapping/],
    ['broken YAML', 'paths: {/x: [\n', /openapi\.yaml is not valid YAML/],
    ['a missing parameter', 'openapi: 3.0.1\npaths:\n  /x:\n    post:\n      x-amazon-apigateway-integration: {type: aws_proxy, integrationSubtype: EventBridge-PutEvents, requestParameters: {Detail: $request.body}}\n', /Api: POST \/x: EventBridge-PutEvents needs requestParameters DetailType, Source/],
    ['no integration URI', 'openapi: 3.0.1\npaths:\n  /x:\n    get:\n      x-amazon-apigateway-integration: {type: aws_proxy}\n', /Api: GET \/x: an aws_proxy integration needs a uri/],
  ];
  const name = 'openapi.yaml';
  for (const [what, text, want] of cases) {
    writeFileSync(join(dir, name), text);
    writeFileSync(
      join(dir, 'template.yaml'),
      `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn: { Type: AWS::Serverless::Function, Properties: { Runtime: nodejs20.x, Handler: index.handler, InlineCode: x } }
  Api: { Type: AWS::Serverless::HttpApi, Properties: { DefinitionUri: ${name} } }
`,
    );
    const r = await nimbusCli(['--endpoint', nimbus.url, 'deploy', '-t', join(dir, 'template.yaml'), '--stack-name', 'bad']);
    assert.equal(r.code, 1, `${what}: ${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, want, what);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, `${what}: no stack trace`);
  }
  const stacks = (await (await fetch(`${nimbus.url}/nimbus/v1/stacks`)).json()) as { Stacks: unknown[] };
  assert.deepEqual(stacks.Stacks, []);
  assert.equal((await fetch(`${nimbus.url}/nimbus/v1/health`)).status, 200);
});
