/**
 * SAM templates end to end: `nimbus deploy -t` (the real CLI) against a real Nimbus, then plain
 * `fetch` on the routes it registered (on their API's path form, the stack record says where),
 * the URL it configured and the alias it published.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { GetAliasCommand, GetFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { readStack } from '../helpers/apps/deploy-output.js';
import { startTestNimbus } from '../helpers/nimbus.js';
import { NIMBUS_BIN, nimbusCli } from '../helpers/serve.js';

/** The `sam init` Hello World (Node.js 20) template, as generated. */
const HELLO_TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: >
  sam-app

  Sample SAM Template for sam-app

Globals:
  Function:
    Timeout: 3

Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello-world/
      Handler: app.lambdaHandler
      Runtime: nodejs20.x
      Architectures:
        - x86_64
      Events:
        HelloWorld:
          Type: Api
          Properties:
            Path: /hello
            Method: get

Outputs:
  HelloWorldApi:
    Description: "API Gateway endpoint URL for Prod stage for Hello World function"
    Value: !Sub "https://\${ServerlessRestApi}.execute-api.\${AWS::Region}.amazonaws.com/Prod/hello/"
  HelloWorldFunction:
    Description: "Hello World Lambda Function ARN"
    Value: !GetAtt HelloWorldFunction.Arn
  HelloWorldFunctionIamRole:
    Description: "Implicit IAM Role created for Hello World function"
    Value: !GetAtt HelloWorldFunctionRole.Arn
`;

const HELLO_APP = `export const lambdaHandler = async (event, context) => {
  const response = {
    statusCode: 200,
    body: JSON.stringify({
      message: 'hello world',
    })
  };
  return response;
};
`;

const SHOP_TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: dev
Globals:
  Function:
    Runtime: nodejs20.x
    MemorySize: 256
    Environment:
      Variables:
        STAGE: !Ref Stage
        SHARED: global
Resources:
  ItemsFunction:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub "\${AWS::StackName}-items"
      CodeUri: src
      Handler: items.handler
      Timeout: 5
      AutoPublishAlias: live
      FunctionUrlConfig:
        AuthType: NONE
        Cors:
          AllowOrigins: ["*"]
      Environment:
        Variables:
          TABLE: !Ref ItemsTable
          SELF: !GetAtt ItemsFunction.Arn
      Events:
        GetItem:
          Type: HttpApi
          Properties:
            Path: /items/{id}
            Method: get
        AnyProxy:
          Type: HttpApi
          Properties:
            Path: /files/{proxy+}
            Method: ANY
        Legacy:
          Type: HttpApi
          Properties:
            Path: /legacy/{id}
            Method: post
            PayloadFormatVersion: "1.0"
        Nightly:
          Type: Schedule
          Properties:
            Schedule: rate(1 day)
  ItemsTable:
    Type: AWS::DynamoDB::Table
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
      KeySchema: [{ AttributeName: id, KeyType: HASH }]
`;

const ITEMS_APP = `exports.handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    version: event.version,
    routeKey: event.routeKey ?? null,
    resource: event.resource ?? null,
    pathParameters: event.pathParameters ?? null,
    method: event.requestContext.http ? event.requestContext.http.method : event.httpMethod,
    body: event.body ?? null,
    env: { STAGE: process.env.STAGE, SHARED: process.env.SHARED, TABLE: process.env.TABLE ?? null, SELF: process.env.SELF },
    fnVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memory: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
  }),
});
`;

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-sam-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

test('SAM templates with nimbus deploy -t', async (t) => {
  const nimbus = await startTestNimbus(t);
  const dirs: string[] = [];
  t.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const make = (files: Record<string, string>): string => {
    const d = project(files);
    dirs.push(d);
    return d;
  };
  const cli = (args: string[]) => nimbusCli(['--endpoint', nimbus.url, ...args]);

  /** Where the stack's only API answers (path form, stage included), with no trailing slash. */
  const apiBase = async (stack: string): Promise<string> => {
    const d = await readStack(nimbus.url, stack);
    assert.equal(d.apis.size, 1, `stack ${stack} has ${d.apis.size} APIs`);
    return [...d.apis.values()][0]!.pathUrl.replace(/\/$/, '');
  };

  await t.test('the sam init hello-world template deploys and answers on its route', async () => {
    const dir = make({ 'template.yaml': HELLO_TEMPLATE, 'hello-world/app.mjs': HELLO_APP, 'hello-world/package.json': '{"type":"module"}' });
    const r = await cli(['deploy', '-t', join(dir, 'template.yaml'), '--stack-name', 'sam-app']);
    assert.equal(r.code, 0, r.stderr);
    const fn = /HelloWorldFunction: function (sam-app-HelloWorldFunction-[A-Za-z0-9]{12})\n/.exec(r.stdout)?.[1];
    assert.ok(fn, r.stdout);
    assert.match(r.stdout, /ServerlessRestApi: REST API [a-z0-9]{10}, stage Prod/);
    assert.match(r.stdout, /GET +\/hello -> sam-app-HelloWorldFunction-[A-Za-z0-9]{12} \(payload 1\.0\)/);
    // The template's output, and where Nimbus serves it.
    assert.match(r.stdout, /HelloWorldApi: https:\/\/[a-z0-9]{10}\.execute-api\.us-east-1\.amazonaws\.com\/Prod\/hello\/\n {4}local: http:\/\/[a-z0-9]{10}\.execute-api\.us-east-1\.localhost:\d+\/Prod\/hello\//);
    const base = await apiBase('sam-app');
    assert.match(base, /\/nimbus\/v1\/apis\/[a-z0-9]{10}\/Prod$/);
    const res = await fetch(`${base}/hello`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { message: 'hello world' });
    // The Api event is GET only: a REST API answers anything else as API Gateway does.
    const post = await fetch(`${base}/hello`, { method: 'POST' });
    assert.equal(post.status, 403);
    assert.deepEqual(await post.json(), { message: 'Missing Authentication Token' });
    // Routes live on their API only: on Nimbus's own host, /hello is no Lambda API operation.
    const main = await fetch(`${nimbus.url}/hello`);
    assert.equal(main.status, 404);
    assert.equal(main.headers.get('x-amzn-errortype'), 'UnknownOperationException');
    const cfg = await nimbus.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn }));
    assert.equal(cfg.Timeout, 3);
  });

  await t.test('routes, globals, aliases, URLs and warnings from a richer template', async () => {
    const dir = make({ 'template.yaml': SHOP_TEMPLATE, 'src/items.js': ITEMS_APP });
    const r = await cli(['deploy', '-t', join(dir, 'template.yaml'), '--stack-name', 'shop']);
    assert.equal(r.code, 0, r.stderr);
    const schedule = /schedule (shop-ItemsFunctionNightly-[A-Za-z0-9]{12}): rate\(1 day\) -> shop-items:live/.exec(r.stdout)?.[1];
    assert.ok(schedule, r.stdout);
    const sch = (await (await fetch(`${nimbus.url}/nimbus/v1/schedules/${schedule}`)).json()) as Record<string, unknown>;
    assert.deepEqual([sch['ScheduleExpression'], sch['FunctionName'], sch['Qualifier'], sch['State']], ['rate(1 day)', 'shop-items', 'live', 'ENABLED']);
    // The table is one of Nimbus's DynamoDB tables (docs/dynamodb.md), named as CloudFormation names it.
    const table = /ItemsTable: DynamoDB table (shop-ItemsTable-[A-Za-z0-9]{12})/.exec(r.stdout)?.[1];
    assert.ok(table, r.stdout);
    assert.doesNotMatch(r.stderr, /ItemsTable/);
    assert.match(r.stdout, /version 1 \(alias live\)/);
    // The implicit HTTP API's $default stage: no stage in the path.
    const base = await apiBase('shop');
    assert.match(base, /\/nimbus\/v1\/apis\/[a-z0-9]{10}$/);

    const item = (await (await fetch(`${base}/items/42?x=1`)).json()) as Record<string, unknown>;
    assert.equal(item['version'], '2.0');
    assert.equal(item['routeKey'], 'GET /items/{id}');
    assert.deepEqual(item['pathParameters'], { id: '42' });
    assert.deepEqual(item['env'], { STAGE: 'dev', SHARED: 'global', TABLE: table, SELF: 'arn:aws:lambda:us-east-1:000000000000:function:shop-items' });
    assert.equal(item['fnVersion'], '1');
    assert.equal(item['memory'], '256');

    const proxied = (await (await fetch(`${base}/files/a/b%20c.txt`, { method: 'DELETE' })).json()) as Record<string, unknown>;
    assert.deepEqual(proxied['pathParameters'], { proxy: 'a/b c.txt' });
    assert.equal(proxied['method'], 'DELETE');
    const none = await fetch(`${base}/files/`);
    assert.equal(none.status, 404);
    assert.deepEqual(await none.json(), { message: 'Not Found' });

    const legacy = (await (await fetch(`${base}/legacy/7`, { method: 'POST', body: 'hi', headers: { 'content-type': 'text/plain' } })).json()) as Record<string, unknown>;
    assert.equal(legacy['version'], '1.0');
    assert.equal(legacy['resource'], '/legacy/{id}');
    assert.equal(legacy['method'], 'POST');
    assert.equal(legacy['body'], 'hi');

    const alias = await nimbus.lambda.send(new GetAliasCommand({ FunctionName: 'shop-items', Name: 'live' }));
    assert.equal(alias.FunctionVersion, '1');
    const urlLine = /url (http:\/\/\S+)/.exec(r.stdout);
    assert.ok(urlLine, r.stdout);
    const host = new URL(urlLine[1]!).hostname;
    const viaUrl = await fetch(`${nimbus.url}/nimbus/v1/url/${host.split('.')[0]!}/anything`, { headers: { origin: 'https://x.example' } });
    assert.equal(viaUrl.status, 200);
    assert.equal(viaUrl.headers.get('access-control-allow-origin'), '*');

    // A second deploy with new code publishes version 2 and moves the alias and the routes to it.
    writeFileSync(join(dir, 'src/items.js'), ITEMS_APP.replace('version: event.version', "version: 'changed'"));
    const again = await cli(['deploy', '-t', join(dir, 'template.yaml'), '--stack-name', 'shop']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /version 2 \(alias live\)/);
    assert.match(again.stdout, /Stack shop: UPDATE_COMPLETE/);
    assert.equal(await apiBase('shop'), base, 'a redeployment keeps the API id');
    const after = (await (await fetch(`${base}/items/1`)).json()) as Record<string, unknown>;
    assert.equal(after['version'], 'changed');
    assert.equal(after['fnVersion'], '2');
  });

  await t.test('invalid templates get clear errors', async () => {
    const cases: [string, RegExp][] = [
      ['Resources: [unclosed', /is not valid YAML/],
      ['Transform: AWS::Serverless-2016-10-31\nResources: {}\n', /has no Resources/],
      ['Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: .\n      Runtime: nodejs20.x\n', /F\.Handler is required/],
      ['Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: s3://bucket/key.zip\n      Handler: a.b\n      Runtime: nodejs20.x\n', /F: CodeUri s3:\/\/bucket\/key\.zip: S3 locations are not supported by nimbus deploy -t/],
      ['Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: a.b\n      Runtime: nodejs99.x\n', /InvalidParameterValue|nodejs99\.x/],
      ['Resources:\n  Q:\n    Type: AWS::SQS::Queue\n', /no AWS::Serverless::Function resources/],
    ];
    for (const [text, message] of cases) {
      const dir = make({ 'template.yaml': text });
      const r = await cli(['deploy', '-t', join(dir, 'template.yaml')]);
      assert.equal(r.code, 1, `${text}\n${r.stdout}`);
      assert.match(r.stderr, message);
    }
    const missing = await cli(['deploy', '-t', '/nonexistent/template.yaml']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /cannot read \/nonexistent\/template\.yaml/);
  });

  await t.test('--watch redeploys on file changes', async () => {
    const dir = make({
      'template.yaml': 'Transform: AWS::Serverless-2016-10-31\nResources:\n  W:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: fn\n      Handler: index.handler\n      Runtime: nodejs20.x\n      Events:\n        Root:\n          Type: HttpApi\n          Properties:\n            Path: /watched\n            Method: get\n',
      'fn/index.js': "exports.handler = async () => 'first';",
    });
    const child = spawn(process.execPath, [NIMBUS_BIN, '--endpoint', nimbus.url, 'deploy', '-t', join(dir, 'template.yaml'), '--watch'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    const exited = new Promise((r) => child.once('exit', r));
    t.after(async () => {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    });
    const until = async (cond: () => boolean | Promise<boolean>, what: string): Promise<void> => {
      for (let i = 0; i < 200; i++) {
        if (await cond()) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.fail(`gave up waiting for ${what}; output: ${out}`);
    };
    await until(() => out.includes('Watching'), 'the first deployment');
    // The stack is named after the template's folder.
    const base = await apiBase(basename(dir).replace(/[^A-Za-z0-9-]/g, '-').replace(/^[^A-Za-z]+/, ''));
    assert.equal(await (await fetch(`${base}/watched`)).text(), 'first');
    writeFileSync(join(dir, 'fn/index.js'), "exports.handler = async () => 'second';");
    await until(async () => (await (await fetch(`${base}/watched`)).text()) === 'second', 'the redeployment');
    child.kill('SIGTERM');
    await exited;
  });
});
