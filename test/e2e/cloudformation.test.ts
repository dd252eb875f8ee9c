/**
 * CloudFormation's API on Nimbus's endpoint (docs/cloudformation.md) end to end, with the clients
 * that deploy through it: @aws-sdk/client-cloudformation and its waiters, `aws cloudformation
 * deploy`/`package` (AWS CLI v2), and `sam deploy --resolve-s3`/`sam delete` (aws-sam-cli). A
 * stack deployed this way is a Nimbus stack (`GET /nimbus/v1/stacks`), its functions answer, a
 * failed deployment is rolled back, and bad input gets CloudFormation's XML errors.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
  GetTemplateSummaryCommand,
  ListStacksCommand,
  ValidateTemplateCommand,
  waitUntilChangeSetCreateComplete,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
  type Parameter,
} from '@aws-sdk/client-cloudformation';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { AWS_CLI, awsCliHome, haveAwsCli, runCli } from '../helpers/aws-cli.js';
import { makeZip, startTestNimbus } from '../helpers/nimbus.js';
import { startNimbus } from '../../src/app.js';
import { run as runSam, samOrSkip } from '../helpers/sam-cli.js';

const WAIT = { maxWaitTime: 120, minDelay: 1, maxDelay: 2 };

function cfnClient(url: string): CloudFormationClient {
  return new CloudFormationClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
}

/** A SAM app with inline code behind an implicit REST API; `Greeting` is what it answers. */
const SAM_TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: greeter
Parameters:
  Greeting:
    Type: String
    Default: hello
  Memory:
    Type: Number
    Default: 128
Resources:
  Greeter:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      # A first start on a loaded machine may take more than Lambda's default 3 s.
      Timeout: 30
      MemorySize: !Ref Memory
      InlineCode: |
        exports.handler = async () => ({ statusCode: 200, body: process.env.GREETING });
      Environment:
        Variables:
          GREETING: !Ref Greeting
      Events:
        Hi:
          Type: Api
          Properties: { Path: /hi, Method: get }
Outputs:
  HiUrl:
    Value: !Sub "https://\${ServerlessRestApi}.execute-api.\${AWS::Region}.amazonaws.com/Prod/hi"
  GreeterName:
    Value: !Ref Greeter
`;

async function changeSet(cfn: CloudFormationClient, stack: string, name: string, type: 'CREATE' | 'UPDATE', parameters: Parameter[] = []) {
  return cfn.send(
    new CreateChangeSetCommand({
      StackName: stack,
      ChangeSetName: name,
      ChangeSetType: type,
      TemplateBody: SAM_TEMPLATE,
      Parameters: parameters,
      Capabilities: ['CAPABILITY_IAM'],
    }),
  );
}

test('SDK: change sets create, update, refuse a no-op, roll back a failed update, and delete a stack that Nimbus lists as its own', async (t) => {
  const nimbus = await startTestNimbus(t);
  const cfn = cfnClient(nimbus.url);

  const created = await changeSet(cfn, 'greeter', 'one', 'CREATE');
  assert.match(created.Id!, /^arn:aws:cloudformation:us-east-1:000000000000:changeSet\/one\//);
  assert.match(created.StackId!, /^arn:aws:cloudformation:us-east-1:000000000000:stack\/greeter\//);
  const review = await cfn.send(new DescribeStacksCommand({ StackName: 'greeter' }));
  assert.equal(review.Stacks![0]!.StackStatus, 'REVIEW_IN_PROGRESS');
  await waitUntilChangeSetCreateComplete({ client: cfn, ...WAIT }, { StackName: 'greeter', ChangeSetName: 'one' });
  const described = await cfn.send(new DescribeChangeSetCommand({ StackName: 'greeter', ChangeSetName: 'one' }));
  assert.equal(described.Status, 'CREATE_COMPLETE');
  assert.equal(described.ExecutionStatus, 'AVAILABLE');
  assert.deepEqual(
    described.Changes!.map((c) => [c.ResourceChange!.Action, c.ResourceChange!.LogicalResourceId, c.ResourceChange!.ResourceType]),
    [
      ['Add', 'Greeter', 'AWS::Lambda::Function'],
      ['Add', 'ServerlessRestApi', 'AWS::ApiGateway::RestApi'],
    ],
  );
  await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: created.Id! }));
  await waitUntilStackCreateComplete({ client: cfn, ...WAIT }, { StackName: 'greeter' });

  const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'greeter' }))).Stacks![0]!;
  assert.equal(stack.StackStatus, 'CREATE_COMPLETE');
  assert.equal(stack.StackId, created.StackId);
  assert.equal(stack.Description, 'greeter');
  const outputs = Object.fromEntries(stack.Outputs!.map((o) => [o.OutputKey, o.OutputValue]));
  // The API's URL is where Nimbus serves it: its own host, on this server's port.
  const port = new URL(nimbus.url).port;
  assert.match(outputs['HiUrl']!, new RegExp(`^http://[a-z0-9]{10}\\.execute-api\\.us-east-1\\.localhost:${port}/Prod/hi$`));
  assert.match(outputs['GreeterName']!, /^greeter-Greeter-[A-Za-z0-9]{12}$/);
  const apiId = new URL(outputs['HiUrl']!).hostname.split('.')[0]!;
  const hi = async (): Promise<string> => (await fetch(`${nimbus.url}/nimbus/v1/apis/${apiId}/Prod/hi`)).text();
  assert.equal(await hi(), 'hello');

  // The same stack on Nimbus's own API (what `nimbus stack ls` shows).
  const own = (await (await fetch(`${nimbus.url}/nimbus/v1/stacks/greeter`)).json()) as { StackId: string; StackStatus: string };
  assert.equal(own.StackId, created.StackId);
  const resources = await cfn.send(new DescribeStackResourcesCommand({ StackName: 'greeter' }));
  assert.deepEqual(resources.StackResources!.map((r) => [r.LogicalResourceId, r.ResourceType, r.ResourceStatus]).sort(), [
    ['Greeter', 'AWS::Lambda::Function', 'CREATE_COMPLETE'],
    ['ServerlessRestApi', 'AWS::ApiGateway::RestApi', 'CREATE_COMPLETE'],
  ]);
  assert.equal((await cfn.send(new GetTemplateCommand({ StackName: 'greeter' }))).TemplateBody, SAM_TEMPLATE);
  const summary = await cfn.send(new GetTemplateSummaryCommand({ StackName: 'greeter' }));
  assert.deepEqual(summary.Parameters!.map((p) => [p.ParameterKey, p.DefaultValue]), [['Greeting', 'hello'], ['Memory', '128']]);
  assert.deepEqual(summary.DeclaredTransforms, ['AWS::Serverless-2016-10-31']);
  const events = (await cfn.send(new DescribeStackEventsCommand({ StackName: 'greeter' }))).StackEvents!;
  // Newest first, the stack's own events last and first.
  assert.deepEqual([events[0]!.LogicalResourceId, events[0]!.ResourceStatus, events[0]!.ResourceType], ['greeter', 'CREATE_COMPLETE', 'AWS::CloudFormation::Stack']);
  assert.ok(events.some((e) => e.LogicalResourceId === 'Greeter' && e.ResourceStatus === 'CREATE_COMPLETE'));

  // An update: a parameter changes; the other keeps its previous value.
  await changeSet(cfn, 'greeter', 'two', 'UPDATE', [{ ParameterKey: 'Greeting', ParameterValue: 'bonjour' }, { ParameterKey: 'Memory', UsePreviousValue: true }]);
  await waitUntilChangeSetCreateComplete({ client: cfn, ...WAIT }, { StackName: 'greeter', ChangeSetName: 'two' });
  const two = await cfn.send(new DescribeChangeSetCommand({ StackName: 'greeter', ChangeSetName: 'two' }));
  assert.deepEqual(two.Changes!.map((c) => c.ResourceChange!.Action), ['Modify', 'Modify']);
  await cfn.send(new ExecuteChangeSetCommand({ StackName: 'greeter', ChangeSetName: 'two' }));
  await waitUntilStackUpdateComplete({ client: cfn, ...WAIT }, { StackName: 'greeter' });
  assert.equal(await hi(), 'bonjour');

  // The same template and values again: CloudFormation's "no changes" change set, which the waiter reports as failed.
  await changeSet(cfn, 'greeter', 'three', 'UPDATE', [{ ParameterKey: 'Greeting', ParameterValue: 'bonjour' }]);
  await assert.rejects(waitUntilChangeSetCreateComplete({ client: cfn, ...WAIT }, { StackName: 'greeter', ChangeSetName: 'three' }));
  const three = await cfn.send(new DescribeChangeSetCommand({ StackName: 'greeter', ChangeSetName: 'three' }));
  assert.equal(three.Status, 'FAILED');
  assert.equal(three.StatusReason, "The submitted information didn't contain changes. Submit different information to create a change set.");
  assert.equal(three.ExecutionStatus, 'UNAVAILABLE');
  await assert.rejects(cfn.send(new ExecuteChangeSetCommand({ StackName: 'greeter', ChangeSetName: 'three' })), (e: Error) => e.name === 'InvalidChangeSetStatusException');

  // A failing update (Lambda refuses 64 MB) is rolled back: the function answers as before.
  await changeSet(cfn, 'greeter', 'four', 'UPDATE', [{ ParameterKey: 'Greeting', ParameterValue: 'hola' }, { ParameterKey: 'Memory', ParameterValue: '64' }]);
  await waitUntilChangeSetCreateComplete({ client: cfn, ...WAIT }, { StackName: 'greeter', ChangeSetName: 'four' });
  await cfn.send(new ExecuteChangeSetCommand({ StackName: 'greeter', ChangeSetName: 'four' }));
  await assert.rejects(waitUntilStackUpdateComplete({ client: cfn, ...WAIT }, { StackName: 'greeter' }), /UPDATE_ROLLBACK_COMPLETE|FAILURE/);
  const rolledBack = (await cfn.send(new DescribeStacksCommand({ StackName: 'greeter' }))).Stacks![0]!;
  assert.equal(rolledBack.StackStatus, 'UPDATE_ROLLBACK_COMPLETE');
  assert.match(rolledBack.StackStatusReason!, /Greeter.*memorySize/);
  const failedEvent = (await cfn.send(new DescribeStackEventsCommand({ StackName: 'greeter' }))).StackEvents!.find((e) => e.ResourceStatus === 'UPDATE_FAILED');
  assert.equal(failedEvent?.LogicalResourceId, 'Greeter');
  assert.equal(await hi(), 'bonjour');

  // Delete: the functions go, the stack is DELETE_COMPLETE by its id and unknown by its name.
  await cfn.send(new DeleteStackCommand({ StackName: 'greeter' }));
  await waitUntilStackDeleteComplete({ client: cfn, ...WAIT }, { StackName: 'greeter' });
  await assert.rejects(cfn.send(new DescribeStacksCommand({ StackName: 'greeter' })), (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(e.name, 'ValidationError');
    assert.equal(e.message, 'Stack with id greeter does not exist');
    assert.equal(e.$metadata?.httpStatusCode, 400);
    return true;
  });
  const byId = (await cfn.send(new DescribeStacksCommand({ StackName: created.StackId! }))).Stacks![0]!;
  assert.equal(byId.StackStatus, 'DELETE_COMPLETE');
  assert.equal((await fetch(`${nimbus.url}/nimbus/v1/stacks/greeter`)).status, 404);
  await assert.rejects(nimbus.lambda.send(new InvokeCommand({ FunctionName: outputs['GreeterName']! })), (e: Error) => e.name === 'ResourceNotFoundException');
  const listed = await cfn.send(new ListStacksCommand({ StackStatusFilter: ['DELETE_COMPLETE'] }));
  assert.deepEqual(listed.StackSummaries!.map((s) => s.StackName), ['greeter']);
  // Deleting it again is fine, as on AWS.
  await cfn.send(new DeleteStackCommand({ StackName: 'greeter' }));
});

test('the template of the last deployment survives a restart: GetTemplate, a no-op redeploy, UsePreviousTemplate', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-cfn-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const opts = { port: 0, dataDir, log: () => undefined, shutdownGraceMs: 2000 };
  let nimbus = await startNimbus(opts);
  let cfn = cfnClient(nimbus.url);
  try {
    await changeSet(cfn, 'kept', 'one', 'CREATE');
    await waitUntilChangeSetCreateComplete({ client: cfn, ...WAIT }, { StackName: 'kept', ChangeSetName: 'one' });
    await cfn.send(new ExecuteChangeSetCommand({ StackName: 'kept', ChangeSetName: 'one' }));
    await waitUntilStackCreateComplete({ client: cfn, ...WAIT }, { StackName: 'kept' });
  } finally {
    cfn.destroy();
    await nimbus.close();
  }

  nimbus = await startNimbus(opts);
  cfn = cfnClient(nimbus.url);
  t.after(async () => {
    cfn.destroy();
    await nimbus.close();
  });
  assert.equal((await cfn.send(new GetTemplateCommand({ StackName: 'kept' }))).TemplateBody, SAM_TEMPLATE);
  const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'kept' }))).Stacks![0]!;
  assert.equal(stack.StackStatus, 'CREATE_COMPLETE');
  assert.deepEqual(stack.Capabilities, ['CAPABILITY_IAM']);
  // The same template and values: no changes, as before the restart (not a Modify of everything).
  await changeSet(cfn, 'kept', 'same', 'UPDATE');
  await assert.rejects(waitUntilChangeSetCreateComplete({ client: cfn, ...WAIT }, { StackName: 'kept', ChangeSetName: 'same' }));
  const same = await cfn.send(new DescribeChangeSetCommand({ StackName: 'kept', ChangeSetName: 'same' }));
  assert.equal(same.Status, 'FAILED');
  assert.equal(same.StatusReason, "The submitted information didn't contain changes. Submit different information to create a change set.");
  // UsePreviousTemplate reads the kept template: only the changed parameter makes a change.
  await cfn.send(
    new CreateChangeSetCommand({
      StackName: 'kept',
      ChangeSetName: 'previous',
      ChangeSetType: 'UPDATE',
      UsePreviousTemplate: true,
      Parameters: [{ ParameterKey: 'Greeting', ParameterValue: 'salut' }],
      Capabilities: ['CAPABILITY_IAM'],
    }),
  );
  await waitUntilChangeSetCreateComplete({ client: cfn, ...WAIT }, { StackName: 'kept', ChangeSetName: 'previous' });
  const previous = await cfn.send(new DescribeChangeSetCommand({ StackName: 'kept', ChangeSetName: 'previous' }));
  assert.ok(previous.Changes!.some((c) => c.ResourceChange!.LogicalResourceId === 'Greeter' && c.ResourceChange!.Action === 'Modify'));
});

test('SDK: a failed creation ends in ROLLBACK_COMPLETE with nothing left, and the stack can then be deleted', async (t) => {
  const nimbus = await startTestNimbus(t);
  const cfn = cfnClient(nimbus.url);
  await changeSet(cfn, 'broken', 'one', 'CREATE', [{ ParameterKey: 'Memory', ParameterValue: '1' }]);
  await waitUntilChangeSetCreateComplete({ client: cfn, ...WAIT }, { StackName: 'broken', ChangeSetName: 'one' });
  await cfn.send(new ExecuteChangeSetCommand({ StackName: 'broken', ChangeSetName: 'one' }));
  await assert.rejects(waitUntilStackCreateComplete({ client: cfn, ...WAIT }, { StackName: 'broken' }));
  const s = (await cfn.send(new DescribeStacksCommand({ StackName: 'broken' }))).Stacks![0]!;
  assert.equal(s.StackStatus, 'ROLLBACK_COMPLETE');
  assert.match(s.StackStatusReason!, /^The following resource\(s\) failed to create: \[Greeter\]\. /);
  const statuses = (await cfn.send(new DescribeStackEventsCommand({ StackName: 'broken' }))).StackEvents!.map((e) => `${e.LogicalResourceId} ${e.ResourceStatus}`);
  assert.deepEqual(statuses.slice(0, 3), ['broken ROLLBACK_COMPLETE', 'broken ROLLBACK_IN_PROGRESS', 'Greeter CREATE_FAILED']);
  // A stack in ROLLBACK_COMPLETE cannot be updated, only deleted (as on AWS).
  await assert.rejects(changeSet(cfn, 'broken', 'two', 'UPDATE'), /is in ROLLBACK_COMPLETE state and can not be updated/);
  assert.equal((await fetch(`${nimbus.url}/nimbus/v1/stacks/broken`)).status, 404, 'no stack record is left');
  await cfn.send(new DeleteStackCommand({ StackName: 'broken' }));
  await waitUntilStackDeleteComplete({ client: cfn, ...WAIT }, { StackName: 'broken' });
});

test("bad input gets CloudFormation's errors and the server keeps serving", async (t) => {
  const nimbus = await startTestNimbus(t);
  const cfn = cfnClient(nimbus.url);
  const refused = async (p: Promise<unknown>, name: string, message: RegExp | string): Promise<void> => {
    await assert.rejects(p, (e: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(e.name, name, e.message);
      if (typeof message === 'string') assert.equal(e.message, message);
      else assert.match(e.message, message);
      return true;
    });
  };
  await refused(cfn.send(new DescribeStacksCommand({ StackName: 'nope' })), 'ValidationError', 'Stack with id nope does not exist');
  await refused(cfn.send(new DescribeStackEventsCommand({ StackName: 'nope' })), 'ValidationError', 'Stack with id nope does not exist');
  const create = (body: string, caps: string[] = []) => cfn.send(new CreateChangeSetCommand({ StackName: 'bad', ChangeSetName: 'c', ChangeSetType: 'CREATE', TemplateBody: body, Capabilities: caps as never }));
  await refused(create('Resources: [\n'), 'ValidationError', /^Template format error: /);
  await refused(create('Resources:\n  X:\n    Type: AWS::Nope::Thing\n  Y:\n    Type: Custom::Mine\n'), 'ValidationError', 'Template format error: Unrecognized resource types: [AWS::Nope::Thing, Custom::Mine]');
  await refused(create(SAM_TEMPLATE), 'InsufficientCapabilitiesException', 'Requires capabilities : [CAPABILITY_IAM]');
  await refused(create('Parameters:\n  P: { Type: String }\nResources:\n  Q: { Type: AWS::SQS::Queue }\n'), 'ValidationError', 'Parameters: [P] must have values');
  await refused(cfn.send(new CreateChangeSetCommand({ StackName: 'bad', ChangeSetName: 'c', ChangeSetType: 'UPDATE', TemplateBody: SAM_TEMPLATE })), 'ValidationError', 'Stack [bad] does not exist');
  await refused(cfn.send(new DescribeChangeSetCommand({ StackName: 'bad', ChangeSetName: 'nope' })), 'ChangeSetNotFoundException', /ChangeSet \[nope\] does not exist/);
  await refused(cfn.send(new CreateChangeSetCommand({ StackName: '9bad', ChangeSetName: 'c', TemplateBody: SAM_TEMPLATE })), 'ValidationError', /stackName/);
  // A template SAM's transform refuses: the change set fails and says why.
  await create('Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: { Runtime: nodejs20.x, Handler: a.b, CodeUri: ./src }\n', ['CAPABILITY_IAM']);
  const failed = await cfn.send(new DescribeChangeSetCommand({ StackName: 'bad', ChangeSetName: 'c' }));
  assert.equal(failed.Status, 'FAILED');
  assert.match(failed.StatusReason!, /^Transform AWS::Serverless-2016-10-31 failed with: .*\[F\] is invalid\. 'CodeUri' is not a valid S3 Uri/);
  const validated = await cfn.send(new ValidateTemplateCommand({ TemplateBody: SAM_TEMPLATE }));
  assert.deepEqual(validated.Capabilities, ['CAPABILITY_IAM']);
  assert.deepEqual(validated.Parameters!.map((p) => p.ParameterKey), ['Greeting', 'Memory']);

  // The raw wire: an unknown action, and the XML error shape.
  const raw = await fetch(nimbus.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'Action=DescribeStacks&Version=2010-05-15&StackName=nope',
  });
  assert.equal(raw.status, 400);
  const text = await raw.text();
  assert.match(text, /<ErrorResponse xmlns="http:\/\/cloudformation\.amazonaws\.com\/doc\/2010-05-15\/"><Error><Type>Sender<\/Type><Code>ValidationError<\/Code><Message>Stack with id nope does not exist<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>/);
  const unknown = await fetch(nimbus.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=Frobnicate&Version=2010-05-15' });
  assert.equal(unknown.status, 400);
  assert.match(await unknown.text(), /<Code>InvalidAction<\/Code>/);
  assert.equal((await fetch(`${nimbus.url}/nimbus/v1/health`)).status, 200);
});

test('aws cloudformation deploy: a plain CloudFormation template (Code.ZipFile), no-op redeploy, a packaged template read from S3, delete', async (t) => {
  if (!haveAwsCli(t)) return;
  const nimbus = await startTestNimbus(t);
  const cli = awsCliHome(t, 'nimbus-cfn-cli-');
  const aws = (...args: string[]) => runCli(AWS_CLI, ['--endpoint-url', nimbus.url, ...args], { env: cli.env(), cwd: cli.home });
  writeFileSync(
    join(cli.home, 'plain.yaml'),
    `Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: 'sts:AssumeRole' }] }
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: plain-fn
      Timeout: 30
      Runtime: python3.12
      Handler: index.handler
      Role: !GetAtt Role.Arn
      Code:
        ZipFile: |
          def handler(event, context):
              return {"plain": event["n"] * 2}
Outputs:
  FnArn:
    Value: !GetAtt Fn.Arn
`,
  );
  const first = await aws('cloudformation', 'deploy', '--template-file', 'plain.yaml', '--stack-name', 'plain', '--capabilities', 'CAPABILITY_IAM');
  assert.equal(first.code, 0, first.stderr + first.stdout);
  assert.match(first.stdout, /Successfully created\/updated stack - plain/);
  const r = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'plain-fn', Payload: Buffer.from('{"n":21}') }));
  assert.deepEqual(JSON.parse(Buffer.from(r.Payload!).toString()), { plain: 42 });
  const again = await aws('cloudformation', 'deploy', '--template-file', 'plain.yaml', '--stack-name', 'plain', '--capabilities', 'CAPABILITY_IAM');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /No changes to deploy\. Stack plain is up to date/);

  // A packaged SAM template: its code is a zip in Nimbus's S3 (what `sam package`/`aws cloudformation
  // package` upload; this CLI, 2.9, cannot point their S3 client at another endpoint, so the test uploads it).
  // Its layer is a zip in S3 too, published through the Lambda API when the stack is deployed.
  writeFileSync(join(cli.home, 'app.zip'), await makeZip({ 'app.js': "const greet = require('greet');\nexports.handler = async (e) => ({ packaged: e.n + 1, greet: greet() });\n" }));
  writeFileSync(join(cli.home, 'layer.zip'), await makeZip({ 'nodejs/node_modules/greet/index.js': "module.exports = () => 'from the layer';\n" }));
  assert.equal((await aws('s3', 'mb', 's3://artifacts')).code, 0);
  assert.equal((await aws('s3', 'cp', 'app.zip', 's3://artifacts/code/app.zip')).code, 0);
  assert.equal((await aws('s3', 'cp', 'layer.zip', 's3://artifacts/code/layer.zip')).code, 0);
  writeFileSync(
    join(cli.home, 'packaged.yaml'),
    `Transform: AWS::Serverless-2016-10-31
Resources:
  GreetLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: { LayerName: greet, ContentUri: s3://artifacts/code/layer.zip, CompatibleRuntimes: [nodejs20.x] }
  Packaged:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: s3://artifacts/code/app.zip, Handler: app.handler, Runtime: nodejs20.x, Timeout: 30, FunctionName: packaged-fn, Layers: [!Ref GreetLayer] }
Outputs:
  Layer:
    Value: !Ref GreetLayer
`,
  );
  const deployed = await aws('cloudformation', 'deploy', '--template-file', 'packaged.yaml', '--stack-name', 'packaged', '--capabilities', 'CAPABILITY_IAM');
  assert.equal(deployed.code, 0, deployed.stderr + deployed.stdout);
  const p = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'packaged-fn', Payload: Buffer.from('{"n":1}') }));
  assert.deepEqual(JSON.parse(Buffer.from(p.Payload!).toString()), { packaged: 2, greet: 'from the layer' });
  const layerOut = await aws('cloudformation', 'describe-stacks', '--stack-name', 'packaged', '--query', 'Stacks[0].Outputs[0].OutputValue', '--output', 'text');
  assert.equal(layerOut.stdout.trim(), 'arn:aws:lambda:us-east-1:000000000000:layer:greet:1');
  // A template read from S3 (TemplateURL, path style on Nimbus's endpoint), as sam passes one over 51,200 bytes.
  assert.equal((await aws('s3', 'cp', 'plain.yaml', 's3://artifacts/templates/plain.yaml')).code, 0);
  const cfn = cfnClient(nimbus.url);
  await cfn.send(new CreateChangeSetCommand({ StackName: 'from-url', ChangeSetName: 'u', ChangeSetType: 'CREATE', TemplateURL: `${nimbus.url}/artifacts/templates/plain.yaml`, Capabilities: ['CAPABILITY_IAM'] }));
  const fromUrl = await cfn.send(new DescribeChangeSetCommand({ StackName: 'from-url', ChangeSetName: 'u' }));
  assert.equal(fromUrl.Status, 'CREATE_COMPLETE', fromUrl.StatusReason);
  assert.deepEqual(fromUrl.Changes!.map((c) => c.ResourceChange!.LogicalResourceId), ['Role', 'Fn']);
  await assert.rejects(
    cfn.send(new CreateChangeSetCommand({ StackName: 'from-url', ChangeSetName: 'v', ChangeSetType: 'CREATE', TemplateURL: `https://artifacts.s3.amazonaws.com/templates/none.yaml` })),
    (e: Error) => e.name === 'ValidationError' && /NoSuchKey/.test(e.message),
  );
  await cfn.send(new DeleteStackCommand({ StackName: 'from-url' }));

  // A code location that does not exist fails the deployment with S3's reason.
  writeFileSync(join(cli.home, 'missing.yaml'), readFileSync(join(cli.home, 'packaged.yaml'), 'utf8').replace('code/app.zip', 'code/none.zip').replace('packaged-fn', 'missing-fn').replace('LayerName: greet', 'LayerName: greet2'));
  const missing = await aws('cloudformation', 'deploy', '--template-file', 'missing.yaml', '--stack-name', 'missing', '--capabilities', 'CAPABILITY_IAM');
  assert.notEqual(missing.code, 0);
  const events = await aws('cloudformation', 'describe-stack-events', '--stack-name', 'missing', '--output', 'json');
  assert.match(events.stdout, /Packaged[\s\S]*CREATE_FAILED[\s\S]*S3 Error Code: NoSuchKey/);

  // A failed deployment: the CLI exits non-zero and points at the events.
  writeFileSync(join(cli.home, 'broken.yaml'), readFileSync(join(cli.home, 'plain.yaml'), 'utf8').replace('FunctionName: plain-fn', 'FunctionName: broken-fn').replace('Timeout: 30', 'Timeout: 0').replace('Role:\n', 'Role2:\n').replace('Role.Arn', 'Role2.Arn'));
  const broken = await aws('cloudformation', 'deploy', '--template-file', 'broken.yaml', '--stack-name', 'broken', '--capabilities', 'CAPABILITY_IAM');
  assert.notEqual(broken.code, 0);
  assert.match(broken.stderr + broken.stdout, /describe-stack-events --stack-name broken/);

  for (const stack of ['plain', 'packaged', 'broken', 'missing']) {
    assert.equal((await aws('cloudformation', 'delete-stack', '--stack-name', stack)).code, 0);
    const waited = await aws('cloudformation', 'wait', 'stack-delete-complete', '--stack-name', stack);
    assert.equal(waited.code, 0, waited.stderr);
  }
  await assert.rejects(nimbus.lambda.send(new InvokeCommand({ FunctionName: 'plain-fn' })), (e: Error) => e.name === 'ResourceNotFoundException');
  const stacks = (await (await fetch(`${nimbus.url}/nimbus/v1/stacks`)).json()) as { Stacks: unknown[] };
  assert.deepEqual(stacks.Stacks, []);
});

test('sam deploy --resolve-s3: the managed stack and its bucket, the app, a redeploy with new code, sam delete', async (t) => {
  const sam = await samOrSkip(t);
  if (!sam) return;
  const nimbus = await startTestNimbus(t);
  const cli = awsCliHome(t, 'nimbus-cfn-sam-');
  const dir = cli.home;
  mkdirSync(join(dir, 'hello'));
  writeFileSync(join(dir, 'hello', 'app.mjs'), "export const handler = async () => ({ statusCode: 200, body: 'v1' });\n");
  writeFileSync(
    join(dir, 'template.yaml'),
    `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello/
      Handler: app.handler
      Runtime: nodejs20.x
      Timeout: 30
      Events:
        Hello:
          Type: Api
          Properties: { Path: /hello, Method: get }
Outputs:
  HelloApi:
    Value: !Sub "https://\${ServerlessRestApi}.execute-api.\${AWS::Region}.amazonaws.com/Prod/hello/"
`,
  );
  const env = { ...cli.env({ AWS_ENDPOINT_URL: nimbus.url, SAM_CLI_TELEMETRY: '0' }) };
  const deploy = () => runSam(sam, ['deploy', '--stack-name', 'hello-app', '--resolve-s3', '--capabilities', 'CAPABILITY_IAM', '--no-confirm-changeset'], dir, env);
  const first = await deploy();
  assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
  assert.match(first.stdout, /Successfully created\/updated stack - hello-app/);
  assert.match(first.stdout, /CREATE_COMPLETE\s+AWS::Lambda::Function\s+HelloFunction/);
  const url = /Value\s+(http:\/\/\S+\/Prod\/hello\/)/.exec(first.stdout)?.[1];
  assert.ok(url, first.stdout);
  const apiId = new URL(url).hostname.split('.')[0]!;
  const hello = async (): Promise<string> => (await fetch(`${nimbus.url}/nimbus/v1/apis/${apiId}/Prod/hello/`)).text();
  assert.equal(await hello(), 'v1');
  const stacks = (await (await fetch(`${nimbus.url}/nimbus/v1/stacks`)).json()) as { Stacks: { StackName: string }[] };
  assert.deepEqual(stacks.Stacks.map((s) => s.StackName), ['aws-sam-cli-managed-default', 'hello-app']);

  writeFileSync(join(dir, 'hello', 'app.mjs'), "export const handler = async () => ({ statusCode: 200, body: 'v2' });\n");
  // Over 51,200 bytes: sam uploads the template to the bucket and passes its TemplateURL.
  writeFileSync(join(dir, 'template.yaml'), `${readFileSync(join(dir, 'template.yaml'), 'utf8')}Metadata:\n  Padding: ${'x'.repeat(60_000)}\n`);
  const second = await deploy();
  assert.equal(second.code, 0, `${second.stdout}\n${second.stderr}`);
  assert.match(second.stdout, /\* Modify\s+HelloFunction/);
  assert.equal(await hello(), 'v2');
  const same = await deploy();
  assert.match(same.stdout + same.stderr, /No changes to deploy\. Stack hello-app is up to date/);

  const outputs = await runSam(sam, ['list', 'stack-outputs', '--stack-name', 'hello-app', '--output', 'json'], dir, env);
  assert.equal(outputs.code, 0, outputs.stderr);
  assert.deepEqual((JSON.parse(outputs.stdout) as { OutputKey: string; OutputValue: string }[]).map((o) => [o.OutputKey, o.OutputValue]), [['HelloApi', url]]);

  const deleted = await runSam(sam, ['delete', '--stack-name', 'hello-app', '--no-prompts'], dir, env);
  assert.equal(deleted.code, 0, `${deleted.stdout}\n${deleted.stderr}`);
  assert.match(deleted.stdout, /Deleted successfully/);
  const after = (await (await fetch(`${nimbus.url}/nimbus/v1/stacks`)).json()) as { Stacks: { StackName: string }[] };
  assert.deepEqual(after.Stacks.map((s) => s.StackName), ['aws-sam-cli-managed-default']);
});

test('with --auth keys, CloudFormation takes signed requests only, and identity policies decide by stack', async (t) => {
  const nimbus = await startTestNimbus(t, { auth: 'keys' });
  const creds = (k: { accessKeyId: string; secretAccessKey: string }) => ({ accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey });
  const client = (k: { accessKeyId: string; secretAccessKey: string }) => {
    const c = new CloudFormationClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: creds(k), maxAttempts: 1 });
    t.after(() => c.destroy());
    return c;
  };
  const unsigned = await fetch(nimbus.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=DescribeStacks&Version=2010-05-15' });
  assert.equal(unsigned.status, 403);
  assert.match(await unsigned.text(), /<Code>MissingAuthenticationToken<\/Code>/);

  const admin = client(await nimbus.accounts.createKey('default', { name: 'admin' }));
  await changeSet(admin, 'mine', 'one', 'CREATE');
  await admin.send(new ExecuteChangeSetCommand({ StackName: 'mine', ChangeSetName: 'one' }));
  await waitUntilStackCreateComplete({ client: admin, ...WAIT }, { StackName: 'mine' });

  // A key that may only read stacks named `mine`.
  const reader = client(
    await nimbus.accounts.createKey('default', {
      name: 'reader',
      policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'cloudformation:Describe*', Resource: 'arn:aws:cloudformation:us-east-1:000000000000:stack/mine/*' }] }),
    }),
  );
  assert.equal((await reader.send(new DescribeStacksCommand({ StackName: 'mine' }))).Stacks![0]!.StackStatus, 'CREATE_COMPLETE');
  await assert.rejects(reader.send(new DeleteStackCommand({ StackName: 'mine' })), (e: Error) => e.name === 'AccessDenied' || e.name === 'AccessDeniedException');
  await assert.rejects(changeSet(reader, 'other', 'one', 'CREATE'), (e: Error) => /AccessDenied/.test(e.name) && /cloudformation:CreateChangeSet/.test(e.message));
  assert.equal((await admin.send(new DescribeStacksCommand({ StackName: 'mine' }))).Stacks![0]!.StackStatus, 'CREATE_COMPLETE');
});
