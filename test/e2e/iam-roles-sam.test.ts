/**
 * SAM templates make real roles (docs/sam.md, docs/auth.md "Roles"): a function's `Policies`
 * (here the SQSSendMessagePolicy template) become the role SAM generates for it, and an
 * `AWS::IAM::Role` with inline `Policies` becomes a role of that name, named by a function's
 * `Role: !GetAtt`. Deployed with `nimbus deploy -t` against `--auth keys`, each function sends with
 * the JS SDK and its own credentials: allowed where its role allows, AccessDenied elsewhere; a
 * function with neither keeps the account's administrator. `stack rm` deletes the roles.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { builtinRuntimes } from '../../src/runtimes/registry.js';
import { payloadJson, startTestNimbus } from '../helpers/nimbus.js';
import { NIMBUS_BIN } from '../helpers/serve.js';

const CI = process.env['CI'] === 'true';

const TEMPLATE = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  A:
    Type: AWS::SQS::Queue
  B:
    Type: AWS::SQS::Queue
  ToA:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: to-a
      CodeUri: src/
      Handler: index.handler
      Runtime: nodejs22.x
      Policies:
        - SQSSendMessagePolicy: { QueueName: !GetAtt A.QueueName }
        - AWSLambdaBasicExecutionRole
  SendsToB:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement: [{ Effect: Allow, Principal: { Service: lambda.amazonaws.com }, Action: sts:AssumeRole }]
      Policies:
        - PolicyName: send-b
          PolicyDocument:
            Version: '2012-10-17'
            Statement: [{ Effect: Allow, Action: sqs:SendMessage, Resource: !GetAtt B.Arn }]
  ToB:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: to-b
      CodeUri: src/
      Handler: index.handler
      Runtime: nodejs22.x
      Role: !GetAtt SendsToB.Arn
  Anything:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: anything
      CodeUri: src/
      Handler: index.handler
      Runtime: nodejs22.x
Outputs:
  A: { Value: !Ref A }
  B: { Value: !Ref B }
  ToARole: { Value: !GetAtt ToARole.Arn }
`;

const SENDER = `import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
const sqs = new SQSClient({ maxAttempts: 1 });
export const handler = async (event) => {
  try {
    return { sent: (await sqs.send(new SendMessageCommand({ QueueUrl: event.queueUrl, MessageBody: 'x' }))).MessageId };
  } catch (e) {
    return { error: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
};
`;

test("a SAM template's Policies and AWS::IAM::Role resources become the roles its functions' credentials carry", async (t) => {
  const a = builtinRuntimes().get('nodejs22.x')!.availability!('nodejs22.x');
  if (!a.ok || !a.sdk) {
    assert.ok(!CI, 'nodejs22.x with its SDK is a CI dependency');
    return t.skip('nodejs22.x or its SDK not installed here');
  }
  const nimbus = await startTestNimbus(t, { auth: 'keys' });
  const key = await nimbus.accounts.createKey('default');
  const creds = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-sam-roles-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'index.mjs'), SENDER);
  writeFileSync(join(dir, 'template.yaml'), TEMPLATE);
  const cli = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) =>
      execFile(process.execPath, [NIMBUS_BIN, '--endpoint', nimbus.url, ...args], { env: { ...process.env, AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_SESSION_TOKEN: '' } }, (e, stdout, stderr) =>
        resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
  const deployed = await cli('deploy', '-t', join(dir, 'template.yaml'), '--stack-name', 'roles');
  assert.equal(deployed.code, 0, deployed.stderr + deployed.stdout);
  assert.doesNotMatch(deployed.stderr + deployed.stdout, /SendsToB: AWS::IAM::Role has no effect/);
  // The outputs as `nimbus deploy` prints them: `  Name: value` after the Outputs heading.
  const out = Object.fromEntries(
    deployed.stdout.slice(deployed.stdout.indexOf('Outputs')).split('\n').slice(1).map((l) => /^\s+(\w+): (\S+)$/.exec(l)).filter((m) => m !== null).map((m) => [m[1]!, m[2]!]),
  );
  assert.match(out['ToARole']!, /^arn:aws:iam::000000000000:role\/roles-ToARole-/);

  // The roles are real: the IAM API lists them with their policies.
  const generated = out['ToARole']!.slice(out['ToARole']!.lastIndexOf('/') + 1);
  assert.deepEqual(await nimbus.accounts.listAttachedRolePolicies('000000000000', generated), ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole']);
  const [inline] = await nimbus.accounts.listRolePolicies('000000000000', generated);
  const doc = JSON.parse((await nimbus.accounts.getRolePolicy('000000000000', generated, inline!))!) as { Statement: { Action: string[]; Resource: string }[] };
  assert.deepEqual(doc.Statement[0]!.Action, ['sqs:SendMessage*']);
  assert.equal(doc.Statement[0]!.Resource, `arn:aws:sqs:us-east-1:000000000000:${out['A']!.slice(out['A']!.lastIndexOf('/') + 1)}`);

  const lambda = new LambdaClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
  const sqs = new SQSClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
  t.after(() => (lambda.destroy(), sqs.destroy()));
  const outside = (await sqs.send(new CreateQueueCommand({ QueueName: 'outside' }))).QueueUrl!;
  const send = async (fn: string, queueUrl: string): Promise<Record<string, unknown>> => {
    const r = await lambda.send(new InvokeCommand({ FunctionName: fn, Payload: Buffer.from(JSON.stringify({ queueUrl })) }));
    assert.equal(r.FunctionError, undefined, Buffer.from(r.Payload ?? []).toString());
    return payloadJson(r.Payload) as Record<string, unknown>;
  };
  const refused = (r: Record<string, unknown>, fn: string): void => {
    assert.equal(r['sent'], undefined, JSON.stringify(r));
    assert.match(String(r['error']), /AccessDenied/);
    assert.equal(r['status'], 403);
    assert.match(String(r['message']), new RegExp(`assumed-role/[^/]+/${fn} is not authorized to perform: sqs:SendMessage`));
  };
  assert.ok((await send('to-a', out['A']!))['sent'], 'SQSSendMessagePolicy allows queue A');
  refused(await send('to-a', out['B']!), 'to-a');
  refused(await send('to-a', outside), 'to-a');
  assert.ok((await send('to-b', out['B']!))['sent'], 'the AWS::IAM::Role allows queue B');
  refused(await send('to-b', out['A']!), 'to-b');
  assert.ok((await send('anything', outside))['sent'], 'no Role, no Policies: the deploy role, the administrator');

  // `stack rm` deletes the roles with their policies.
  const rm = await cli('stack', 'rm', 'roles');
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(await nimbus.accounts.getRole('000000000000', generated), undefined);
  assert.deepEqual((await nimbus.accounts.listRoles('000000000000')).map((r) => r.name), []);
});
