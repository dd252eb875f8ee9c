/**
 * Issue 14, item 2: SAM templates deploy as stacks, the way CloudFormation deploys them. Two apps
 * with the same logical ids (two `sam init` hello worlds) are two stacks and both keep working; a
 * redeployment updates in place and deletes what the template dropped; a deployment that fails
 * half-way (an invalid setting on the second function, after the first was updated) leaves the
 * previous stack working and unchanged; a failed first deployment leaves nothing; names another
 * stack (or no stack) owns are refused; parameters are kept; `nimbus stack ls|describe|rm`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { GetAliasCommand, GetFunctionConfigurationCommand, ListFunctionsCommand, ListVersionsByFunctionCommand } from '@aws-sdk/client-lambda';
import { readStack } from '../helpers/apps/deploy-output.js';
import { deployNode, startTestNimbus } from '../helpers/nimbus.js';
import { nimbusCli } from '../helpers/serve.js';

/** A `sam init` hello world, with a second function, a schedule and a queue; `extra` goes under Resources. */
function helloTemplate(o: { secondMemory?: number; extra?: string; second?: boolean } = {}): string {
  return `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: hello world
Parameters:
  Greeting:
    Type: String
    Default: hello
Globals:
  Function:
    Timeout: 3
    Runtime: nodejs20.x
Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: hello-world/
      Handler: app.lambdaHandler
      AutoPublishAlias: live
      Environment:
        Variables:
          GREETING: !Ref Greeting
      Events:
        HelloWorld:
          Type: Api
          Properties:
            Path: /hello
            Method: get
${
  o.second === false
    ? ''
    : `  SecondFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: second/
      Handler: app.lambdaHandler
${o.secondMemory !== undefined ? `      MemorySize: ${o.secondMemory}\n` : ''}      Events:
        Tick:
          Type: Schedule
          Properties:
            Schedule: rate(1 hour)
`
}  Failures:
    Type: AWS::SQS::Queue
${o.extra ?? ''}
Outputs:
  HelloWorldApi:
    Value: !Sub "https://\${ServerlessRestApi}.execute-api.\${AWS::Region}.amazonaws.com/Prod/hello/"
`;
}

const app = (message: string): string => `export const lambdaHandler = async () => ({
  statusCode: 200,
  body: JSON.stringify({ message: '${message}', greeting: process.env.GREETING, name: process.env.AWS_LAMBDA_FUNCTION_NAME, version: process.env.AWS_LAMBDA_FUNCTION_VERSION }),
});
`;

function project(root: string, name: string, template: string, message: string): string {
  const dir = join(root, name);
  for (const sub of ['hello-world', 'second']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'template.yaml'), template);
  writeFileSync(join(dir, 'hello-world', 'app.mjs'), app(message));
  writeFileSync(join(dir, 'hello-world', 'package.json'), '{"type":"module"}');
  writeFileSync(join(dir, 'second', 'app.mjs'), app(`${message} (second)`));
  writeFileSync(join(dir, 'second', 'package.json'), '{"type":"module"}');
  return dir;
}

test('SAM stacks: two apps with the same logical ids, updates in place, rollback, ownership, stack ls/describe/rm', async (t) => {
  const nimbus = await startTestNimbus(t);
  const root = mkdtempSync(join(tmpdir(), 'nimbus-stacks-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const cli = (args: string[]) => nimbusCli(['--endpoint', nimbus.url, ...args]);
  const deploy = (dir: string, extra: string[] = []) => cli(['deploy', '-t', join(dir, 'template.yaml'), ...extra]);
  const hello = async (stack: string): Promise<Record<string, unknown>> => {
    const d = await readStack(nimbus.url, stack);
    const r = await fetch(`${d.apis.get('ServerlessRestApi')!.pathUrl}/hello`);
    assert.equal(r.status, 200, `${stack}: ${await r.clone().text()}`);
    return (await r.json()) as Record<string, unknown>;
  };
  const one = project(root, 'app-one', helloTemplate(), 'one');
  const two = project(root, 'app-two', helloTemplate(), 'two');

  await t.test('two apps with the same logical ids are two stacks, and both keep working', async () => {
    // Without --stack-name, each stack is named after its project folder.
    const a = await deploy(one);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /Creating stack app-one/);
    assert.match(a.stdout, /Stack app-one: CREATE_COMPLETE/);
    const b = await deploy(two);
    assert.equal(b.code, 0, b.stderr);
    const s1 = await readStack(nimbus.url, 'app-one');
    const s2 = await readStack(nimbus.url, 'app-two');
    const f1 = s1.functions.get('HelloWorldFunction')!.name;
    const f2 = s2.functions.get('HelloWorldFunction')!.name;
    assert.match(f1, /^app-one-HelloWorldFunction-[A-Za-z0-9]{12}$/);
    assert.match(f2, /^app-two-HelloWorldFunction-[A-Za-z0-9]{12}$/);
    assert.notEqual(s1.apis.get('ServerlessRestApi')!.url, s2.apis.get('ServerlessRestApi')!.url);
    assert.notEqual(s1.queues.get('Failures'), s2.queues.get('Failures'));
    assert.deepEqual(await hello('app-one'), { message: 'one', greeting: 'hello', name: f1, version: '1' });
    assert.deepEqual(await hello('app-two'), { message: 'two', greeting: 'hello', name: f2, version: '1' });
    const ls = await cli(['stack', 'ls']);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /^NAME +STATUS +RESOURCES +UPDATED\napp-one +CREATE_COMPLETE +\d+ +\S+\napp-two +CREATE_COMPLETE/);
  });

  await t.test('a redeployment updates in place, keeps names and parameters, and deletes what the template dropped', async () => {
    const before = await readStack(nimbus.url, 'app-one');
    const second = before.functions.get('SecondFunction')!.name;
    writeFileSync(join(one, 'hello-world', 'app.mjs'), app('one, again'));
    const r = await deploy(one, ['--parameter-overrides', 'Greeting=hi']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Updating stack app-one/);
    assert.deepEqual(await hello('app-one'), { message: 'one, again', greeting: 'hi', name: before.functions.get('HelloWorldFunction')!.name, version: '2' });
    // The override is kept: a deployment without it uses it again (CloudFormation's UsePreviousValue).
    writeFileSync(join(one, 'template.yaml'), helloTemplate({ second: false }));
    const again = await deploy(one);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await hello('app-one'))['greeting'], 'hi');
    const after = await readStack(nimbus.url, 'app-one');
    assert.equal(after.functions.has('SecondFunction'), false);
    assert.equal(after.functions.get('HelloWorldFunction')!.name, before.functions.get('HelloWorldFunction')!.name);
    await assert.rejects(nimbus.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: second })), { name: 'ResourceNotFoundException' });
    const schedules = (await (await fetch(`${nimbus.url}/nimbus/v1/schedules`)).json()) as { schedules: { Name: string; FunctionName: string }[] };
    assert.equal(schedules.schedules.some((s) => s.FunctionName === second), false, 'its schedule went with it');
    const describe = await cli(['stack', 'describe', 'app-one']);
    assert.equal(describe.code, 0, describe.stderr);
    assert.match(describe.stdout, /Stack app-one: UPDATE_COMPLETE/);
    assert.match(describe.stdout, /parameter Greeting = hi/);
    assert.match(describe.stdout, /HelloWorldFunctionAliaslive +AWS::Lambda::Alias +app-one-HelloWorldFunction-[A-Za-z0-9]{12}:live/);
    assert.match(describe.stdout, /API ServerlessRestApi \(REST, [a-z0-9]{10}, stage Prod\):\n {2}http:\/\/[a-z0-9]{10}\.execute-api\.us-east-1\.localhost:\d+\/Prod\n {2}http:\/\/127\.0\.0\.1:\d+\/nimbus\/v1\/apis\/[a-z0-9]{10}\/Prod\n {2}GET \/hello -> /);
    assert.deepEqual(await hello('app-two'), { message: 'two', greeting: 'hello', name: (await readStack(nimbus.url, 'app-two')).functions.get('HelloWorldFunction')!.name, version: '1' });
  });

  await t.test('a deployment that fails half-way rolls back: the previous stack keeps working, unchanged', async () => {
    const stack = await readStack(nimbus.url, 'app-two');
    const first = stack.functions.get('HelloWorldFunction')!.name;
    const secondName = stack.functions.get('SecondFunction')!.name;
    const cfg = async (name: string) => nimbus.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    const firstBefore = await cfg(first);
    const secondBefore = await cfg(secondName);
    const record = (await (await fetch(`${nimbus.url}/nimbus/v1/stacks/app-two`)).json()) as Record<string, unknown>;
    // New code for the first function, and a memory size Lambda refuses for the second (applied after the first).
    writeFileSync(join(two, 'hello-world', 'app.mjs'), app('two, broken release'));
    writeFileSync(join(two, 'template.yaml'), helloTemplate({ secondMemory: 20_000 }));
    const r = await deploy(two);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /Stack app-two: SecondFunction: .*MemorySize|memorySize/);
    assert.match(r.stderr, /The stack was rolled back to its previous state/);

    // The first function was changed, then put back: same code and settings, a new revision.
    const firstAfter = await cfg(first);
    assert.equal(firstAfter.CodeSha256, firstBefore.CodeSha256);
    for (const k of ['Handler', 'Runtime', 'MemorySize', 'Timeout', 'Environment', 'Description'] as const) assert.deepEqual(firstAfter[k], firstBefore[k], k);
    assert.notEqual(firstAfter.RevisionId, firstBefore.RevisionId, 'the update happened and was undone');
    const alias = await nimbus.lambda.send(new GetAliasCommand({ FunctionName: first, Name: 'live' }));
    assert.equal(alias.FunctionVersion, '1');
    const versions = await nimbus.lambda.send(new ListVersionsByFunctionCommand({ FunctionName: first }));
    assert.deepEqual(versions.Versions?.map((v) => v.Version), ['$LATEST', '1'], 'the version the failed deployment published is gone');
    const secondAfter = await cfg(secondName);
    assert.deepEqual([secondAfter.MemorySize, secondAfter.CodeSha256, secondAfter.RevisionId], [secondBefore.MemorySize, secondBefore.CodeSha256, secondBefore.RevisionId]);
    assert.deepEqual(await hello('app-two'), { message: 'two', greeting: 'hello', name: first, version: '1' });
    const now = (await (await fetch(`${nimbus.url}/nimbus/v1/stacks/app-two`)).json()) as Record<string, unknown>;
    assert.equal(now['StackStatus'], 'UPDATE_ROLLBACK_COMPLETE');
    assert.match(String(now['StackStatusReason']), /SecondFunction/);
    for (const k of ['StackId', 'Resources', 'Parameters', 'Outputs', 'Apis']) assert.deepEqual(now[k], record[k], k);

    // Fixed, it deploys; version 2 was used by the rolled-back deployment and is never reused.
    writeFileSync(join(two, 'template.yaml'), helloTemplate());
    const fixed = await deploy(two);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.deepEqual(await hello('app-two'), { message: 'two, broken release', greeting: 'hello', name: first, version: '3' });
  });

  await t.test('a failed first deployment leaves no stack and no functions', async () => {
    const dir = project(root, 'broken', helloTemplate({ secondMemory: 1 }), 'broken');
    const r = await deploy(dir);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /Everything the deployment created was deleted/);
    assert.equal((await fetch(`${nimbus.url}/nimbus/v1/stacks/broken`)).status, 404);
    const fns = await nimbus.lambda.send(new ListFunctionsCommand({}));
    assert.equal(fns.Functions?.some((f) => f.FunctionName?.startsWith('broken-')), false, JSON.stringify(fns.Functions?.map((f) => f.FunctionName)));
  });

  await t.test('a name another stack owns, or a function outside any stack, is refused before anything changes', async () => {
    const owner = project(root, 'owner', helloTemplate({ second: false, extra: '  Named:\n    Type: AWS::Serverless::Function\n    Properties: { CodeUri: second/, Handler: app.lambdaHandler, FunctionName: shared-name }\n' }), 'owner');
    assert.equal((await deploy(owner)).code, 0);
    const thief = project(root, 'thief', helloTemplate({ second: false, extra: '  Mine:\n    Type: AWS::Serverless::Function\n    Properties: { CodeUri: second/, Handler: app.lambdaHandler, FunctionName: shared-name }\n' }), 'thief');
    const r = await deploy(thief);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Mine: function shared-name belongs to stack owner/);
    assert.equal((await fetch(`${nimbus.url}/nimbus/v1/stacks/thief`)).status, 404);
    assert.equal((await hello('owner'))['message'], 'owner');
    await deployNode(nimbus.lambda, 'loner', { 'index.js': 'exports.handler = async () => "mine";' });
    writeFileSync(join(thief, 'template.yaml'), helloTemplate({ second: false, extra: '  Mine:\n    Type: AWS::Serverless::Function\n    Properties: { CodeUri: second/, Handler: app.lambdaHandler, FunctionName: loner }\n' }));
    const loner = await deploy(thief);
    assert.equal(loner.code, 1);
    assert.match(loner.stderr, /Mine: function loner already exists and is not part of stack thief/);
    const still = await nimbus.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'loner' }));
    assert.equal(still.Handler, 'index.handler');
  });

  await t.test('stack rm deletes everything a stack owns, and only that', async () => {
    const s = await readStack(nimbus.url, 'app-one');
    const api = s.apis.get('ServerlessRestApi')!;
    const rm = await cli(['stack', 'rm', 'app-one']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.equal((await fetch(`${nimbus.url}/nimbus/v1/stacks/app-one`)).status, 404);
    for (const f of s.functions.values()) {
      await assert.rejects(nimbus.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: f.name })), { name: 'ResourceNotFoundException' });
    }
    const gone = await fetch(`${api.pathUrl}/hello`);
    assert.equal(gone.status, 404);
    assert.deepEqual(await gone.json(), { message: 'Not Found' });
    assert.equal((await hello('app-two'))['message'], 'two, broken release');
    const missing = await cli(['stack', 'rm', 'app-one']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Stack with id app-one does not exist/);
  });
});
