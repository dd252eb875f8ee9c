/**
 * Authentication and authorisation with `--auth keys` (docs/auth.md), end to end with real
 * clients and real keys: the JS SDK, the AWS CLI v2, boto3 and Nimbus's own CLI. Unsigned, wrongly
 * signed, expired and wrongly scoped requests are refused with AWS's errors on every API (Lambda,
 * SQS JSON and Query, SNS, EventBridge, /nimbus/v1); another account reaches a function only
 * through its resource policy; identity policies limit a key; an AWS_IAM function URL takes
 * signed requests only; the audit log records who did what. The AWS CLI and boto3 are CI
 * dependencies: missing, they fail the test under CI=true and skip it elsewhere.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { EventBridgeClient, ListEventBusesCommand } from '@aws-sdk/client-eventbridge';
import {
  AddPermissionCommand,
  CreateFunctionUrlConfigCommand,
  GetFunctionCommand,
  InvokeCommand,
  LambdaClient,
  ListFunctionsCommand,
  RemovePermissionCommand,
} from '@aws-sdk/client-lambda';
import { CreateTopicCommand, ListTopicsCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SQLITE_KEY_CHECK_MS, type NewKey } from '../../src/accounts/store.js';
import { awsCliHome } from '../helpers/aws-cli.js';
import { signRequest } from '../helpers/apps/sigv4.js';
import { deployNode, payloadJson, startTestNimbus, type TestNimbus } from '../helpers/nimbus.js';
import { outcome } from '../helpers/aws-errors.js';
import { signer, wireQuery } from '../helpers/sigv4.js';
import { NIMBUS_BIN, nimbusCli } from '../helpers/serve.js';

const run = promisify(execFile);
const CI = process.env['CI'] === 'true';
const HANDLER = 'exports.handler = async (e) => ({ ok: true, got: e });';
const URL_HANDLER = 'exports.handler = async () => ({ statusCode: 200, body: "hello from the url" });';

type Creds = { accessKeyId: string; secretAccessKey: string };
const credsOf = (k: NewKey): Creds => ({ accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey });

function lambda(url: string, credentials: Creds, region = 'us-east-1'): LambdaClient {
  return new LambdaClient({ endpoint: url, region, credentials, maxAttempts: 1 });
}

function tool(t: TestContext, path: string, what: string): boolean {
  if (existsSync(path)) return true;
  assert.ok(!CI, `${what} is a CI dependency (${path})`);
  t.skip(`${what} not installed`);
  return false;
}

interface World {
  nimbus: TestNimbus;
  a: NewKey;
  b: NewKey;
  accountB: string;
}

async function world(t: TestContext): Promise<World> {
  const nimbus = await startTestNimbus(t, { auth: 'keys', regions: ['us-east-1', 'eu-west-1'], allowPresigned: true });
  // Keys made with the CLI on the data directory, as an operator does; the running server sees them.
  const made = await nimbusCli(['keys', 'create', '--data-dir', nimbus.dataDir, '--json']);
  assert.equal(made.code, 0, made.stderr);
  const parsed = JSON.parse(made.stdout) as { AccessKeyId: string; SecretAccessKey: string; AccountId: string; Name: string };
  assert.match(parsed.AccessKeyId, /^NKIA[A-Z2-7]{16}$/);
  assert.equal(parsed.AccountId, '000000000000');
  const a = { accessKeyId: parsed.AccessKeyId, secretAccessKey: parsed.SecretAccessKey, accountId: parsed.AccountId, name: parsed.Name, status: 'Active', createdAt: 0 };
  const accountB = (await nimbus.accounts.createAccount('team-b')).accountId;
  const b = await nimbus.accounts.createKey('team-b', { name: 'bob' });
  return { nimbus, a, b, accountB };
}

test('with --auth keys, every API refuses unsigned and wrongly signed requests with AWS errors, and real keys work', async (t) => {
  const { nimbus, a, b, accountB } = await world(t);
  const url = nimbus.url;
  const la = lambda(url, credsOf(a));
  t.after(() => la.destroy());

  // The JS SDK with a real key: the function and its ARN belong to the key's account.
  await deployNode(la, 'hello', { 'index.js': HANDLER });
  const got = await la.send(new GetFunctionCommand({ FunctionName: 'hello' }));
  assert.equal(got.Configuration?.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:hello');
  const inv = await la.send(new InvokeCommand({ FunctionName: 'hello', Payload: Buffer.from('{"n":1}') }));
  assert.deepEqual(payloadJson(inv.Payload), { ok: true, got: { n: 1 } });

  // Unsigned: MissingAuthenticationToken on every API, each in its protocol's shape.
  const lambdaUnsigned = await fetch(`${url}/2015-03-31/functions`);
  assert.equal(lambdaUnsigned.status, 403);
  assert.equal(lambdaUnsigned.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
  assert.deepEqual(await lambdaUnsigned.json(), { Type: 'User', message: 'Missing Authentication Token' });
  const invokeUnsigned = await fetch(`${url}/2015-03-31/functions/hello/invocations`, { method: 'POST', body: '{}' });
  assert.equal(invokeUnsigned.status, 403);
  const nimbusUnsigned = await fetch(`${url}/nimbus/v1/stacks`);
  assert.equal(nimbusUnsigned.status, 403);
  assert.equal(nimbusUnsigned.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
  assert.equal((await fetch(`${url}/metrics`)).status, 403);
  assert.equal((await fetch(`${url}/nimbus/v1/health`)).status, 200, 'health stays public for probes');
  const sqsJson = await fetch(`${url}/`, { method: 'POST', headers: { 'x-amz-target': 'AmazonSQS.ListQueues', 'content-type': 'application/x-amz-json-1.0' }, body: '{}' });
  assert.equal(sqsJson.status, 403);
  assert.match(await sqsJson.text(), /MissingAuthenticationToken/);
  const sqsQuery = await fetch(`${url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ListQueues&Version=2012-11-05' });
  assert.equal(sqsQuery.status, 403);
  assert.match(await sqsQuery.text(), /<Code>MissingAuthenticationToken<\/Code>/);
  const snsQuery = await fetch(`${url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ListTopics&Version=2010-03-31' });
  assert.equal(snsQuery.status, 403);
  assert.match(await snsQuery.text(), /MissingAuthenticationToken/);
  const events = await fetch(`${url}/`, { method: 'POST', headers: { 'x-amz-target': 'AWSEvents.ListEventBuses', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
  assert.equal(events.status, 403);
  assert.match(await events.text(), /MissingAuthenticationTokenException/);

  // A wrong secret: InvalidSignatureException (Lambda) / SignatureDoesNotMatch (SQS, SNS); an unknown key: UnrecognizedClient.
  const wrong = { accessKeyId: a.accessKeyId, secretAccessKey: `${a.secretAccessKey}x` };
  const unknown = { accessKeyId: 'NKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'whatever' };
  const lw = lambda(url, wrong);
  const lu = lambda(url, unknown);
  t.after(() => (lw.destroy(), lu.destroy()));
  const bad = await outcome(lw.send(new ListFunctionsCommand({})));
  assert.equal(bad.name, 'InvalidSignatureException');
  assert.equal(bad.status, 403);
  assert.match(bad.message, /^The request signature we calculated does not match the signature you provided/);
  const badInvoke = await outcome(lw.send(new InvokeCommand({ FunctionName: 'hello', Payload: Buffer.from('{}') })));
  assert.equal(badInvoke.name, 'InvalidSignatureException');
  const unk = await outcome(lu.send(new ListFunctionsCommand({})));
  assert.equal(unk.name, 'UnrecognizedClientException');
  assert.equal(unk.message, 'The security token included in the request is invalid.');
  const sqsWrong = new SQSClient({ endpoint: url, region: 'us-east-1', credentials: wrong, maxAttempts: 1 });
  const snsWrong = new SNSClient({ endpoint: url, region: 'us-east-1', credentials: wrong, maxAttempts: 1 });
  const ebUnknown = new EventBridgeClient({ endpoint: url, region: 'us-east-1', credentials: unknown, maxAttempts: 1 });
  t.after(() => (sqsWrong.destroy(), snsWrong.destroy(), ebUnknown.destroy()));
  assert.equal((await outcome(sqsWrong.send(new ListQueuesCommand({})))).status, 403);
  assert.equal((await outcome(snsWrong.send(new ListTopicsCommand({})))).name, 'SignatureDoesNotMatch');
  assert.equal((await outcome(ebUnknown.send(new ListEventBusesCommand({})))).name, 'UnrecognizedClientException');

  // The right keys work on the services, each in its own account.
  const sqsA = new SQSClient({ endpoint: url, region: 'us-east-1', credentials: credsOf(a), maxAttempts: 1 });
  const sqsB = new SQSClient({ endpoint: url, region: 'us-east-1', credentials: credsOf(b), maxAttempts: 1 });
  t.after(() => (sqsA.destroy(), sqsB.destroy()));
  const qa = await sqsA.send(new CreateQueueCommand({ QueueName: 'orders' }));
  assert.match(qa.QueueUrl!, /\/000000000000\/orders$/);
  const qb = await sqsB.send(new CreateQueueCommand({ QueueName: 'orders' }));
  assert.match(qb.QueueUrl!, new RegExp(`/${accountB}/orders$`));
  assert.deepEqual((await sqsB.send(new ListQueuesCommand({}))).QueueUrls, [qb.QueueUrl]);

  // A body changed after signing is refused: the signature covers the body's hash.
  const path = '/2015-03-31/functions/hello/invocations';
  const signed = signRequest('POST', `${url}${path}`, {}, '{"a":1}', { service: 'lambda', region: 'us-east-1', credentials: credsOf(a) });
  const tampered = await fetch(`${url}${path}`, { method: 'POST', headers: signed, body: '{"a":2}' });
  assert.equal(tampered.status, 403);
  assert.equal(tampered.headers.get('x-amzn-errortype'), 'InvalidSignatureException');
  const intact = await fetch(`${url}${path}`, { method: 'POST', headers: signed, body: '{"a":1}' });
  assert.equal(intact.status, 200);

  // Clock skew past five minutes: AWS's "Signature expired" text.
  const old = signRequest('GET', `${url}/2015-03-31/functions`, {}, undefined, { service: 'lambda', region: 'us-east-1', credentials: credsOf(a), now: new Date(Date.now() - 10 * 60_000) });
  const expired = await fetch(`${url}/2015-03-31/functions`, { headers: old });
  assert.equal(expired.status, 403);
  assert.match(((await expired.json()) as { message: string }).message, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
  assert.ok(expired.headers.get('date'), 'a Date header lets SDKs correct their clock');

  // The region is checked against the configured ones, not believed.
  const far = lambda(url, credsOf(a), 'ap-south-1');
  t.after(() => far.destroy());
  const region = await outcome(far.send(new ListFunctionsCommand({})));
  assert.equal(region.name, 'InvalidSignatureException');
  assert.match(region.message, /Credential should be scoped to a valid region, not 'ap-south-1'/);
  const eu = lambda(url, credsOf(a), 'eu-west-1');
  t.after(() => eu.destroy());
  assert.deepEqual((await eu.send(new ListFunctionsCommand({}))).Functions, []);

  // Presigned (enabled here): a GET presigned by the SDK's signer works; with another secret it does not.
  const host = new URL(url).host;
  const presign = async (secret: string): Promise<Response> => {
    const req = { method: 'GET', protocol: 'http:', hostname: '127.0.0.1', port: nimbus.port, path: '/2015-03-31/functions', query: {}, headers: { host } };
    const p = await signer({ accessKeyId: a.accessKeyId, secret }).presign(req, { expiresIn: 300 });
    return fetch(`${url}${p.path}?${wireQuery(p.query as Record<string, string>)}`);
  };
  assert.equal((await presign(a.secretAccessKey)).status, 200);
  const badPresign = await presign('wrong');
  assert.equal(badPresign.status, 403);
  assert.equal(badPresign.headers.get('x-amzn-errortype'), 'InvalidSignatureException');

  // A key revoked or rotated with the CLI (another process writing auth.db) is refused by every
  // request authenticated SQLITE_KEY_CHECK_MS or more after the CLI committed; each key is warm
  // in the server's key cache first (several requests).
  const cliSettled = async (): Promise<void> => await new Promise((r) => setTimeout(r, SQLITE_KEY_CHECK_MS));
  const warmClient = async (k: NewKey): Promise<LambdaClient> => {
    const c = lambda(url, credsOf(k));
    t.after(() => c.destroy());
    for (let i = 0; i < 3; i++) assert.equal((await outcome(c.send(new ListFunctionsCommand({})))).name, 'ok');
    return c;
  };
  const temp = await nimbus.accounts.createKey('default', { name: 'temp' });
  const lt = await warmClient(temp);
  const revoked = await nimbusCli(['keys', 'revoke', temp.accessKeyId, '--data-dir', nimbus.dataDir]);
  assert.equal(revoked.code, 0, revoked.stderr);
  await cliSettled();
  assert.equal((await outcome(lt.send(new ListFunctionsCommand({})))).name, 'UnrecognizedClientException');
  const toRotate = await nimbus.accounts.createKey('default', { name: 'rotated' });
  const lr = await warmClient(toRotate);
  const rotated = await nimbusCli(['keys', 'rotate', toRotate.accessKeyId, '--data-dir', nimbus.dataDir, '--json']);
  assert.equal(rotated.code, 0, rotated.stderr);
  await cliSettled();
  assert.equal((await outcome(lr.send(new ListFunctionsCommand({})))).name, 'UnrecognizedClientException', 'the rotated-out key is refused');
  const next = JSON.parse(rotated.stdout) as { AccessKeyId: string; SecretAccessKey: string };
  const ln = lambda(url, { accessKeyId: next.AccessKeyId, secretAccessKey: next.SecretAccessKey });
  t.after(() => ln.destroy());
  assert.equal((await outcome(ln.send(new ListFunctionsCommand({})))).name, 'ok', 'the new key works');
  // Through the server's own store (in process): refused at the very next request.
  const viaApi = await nimbus.accounts.createKey('default', { name: 'api' });
  const lapi = await warmClient(viaApi);
  await nimbus.accounts.revokeKey(viaApi.accessKeyId);
  assert.equal((await outcome(lapi.send(new ListFunctionsCommand({})))).name, 'UnrecognizedClientException');

  // The audit log: who did what, and what was refused.
  const audit = await nimbusCli(['audit', '--data-dir', nimbus.dataDir, '--json', '--limit', '500']);
  assert.equal(audit.code, 0, audit.stderr);
  const entries = JSON.parse(audit.stdout) as { principal: string; action: string; resource: string; status: number; error: string; accountId: string }[];
  assert.ok(
    entries.some((e) => e.action === 'lambda:CreateFunction' && e.status === 201 && e.principal === 'arn:aws:iam::000000000000:user/admin'),
    'CreateFunction by the admin key is recorded',
  );
  assert.ok(entries.some((e) => e.status === 403 && e.error === 'MissingAuthenticationTokenException'), 'refusals are recorded');
  assert.ok(entries.some((e) => e.action === 'sqs:CreateQueue' && e.accountId === accountB && e.principal === `arn:aws:iam::${accountB}:user/bob`));
  assert.ok(!entries.some((e) => e.action === 'lambda:InvokeFunction'), 'invocations are data plane, not audited');
});

test('another account reaches a function only through its resource policy; identity policies limit a key', async (t) => {
  const { nimbus, a, b, accountB } = await world(t);
  const la = lambda(nimbus.url, credsOf(a));
  const lb = lambda(nimbus.url, credsOf(b));
  t.after(() => (la.destroy(), lb.destroy()));
  await deployNode(la, 'shared', { 'index.js': HANDLER });
  const arn = 'arn:aws:lambda:us-east-1:000000000000:function:shared';

  // By name, B means its own account: not found. By ARN: refused, naming the missing resource policy.
  assert.equal((await outcome(lb.send(new GetFunctionCommand({ FunctionName: 'shared' })))).name, 'ResourceNotFoundException');
  const denied = await outcome(lb.send(new InvokeCommand({ FunctionName: arn, Payload: Buffer.from('{}') })));
  assert.equal(denied.name, 'AccessDeniedException');
  assert.equal(denied.status, 403);
  assert.equal(
    denied.message,
    `User: arn:aws:iam::${accountB}:user/bob is not authorized to perform: lambda:InvokeFunction on resource: ${arn} because no resource-based policy allows the lambda:InvokeFunction action`,
  );
  assert.equal((await outcome(lb.send(new GetFunctionCommand({ FunctionName: arn })))).name, 'AccessDeniedException');

  // A's resource policy grants B's account Invoke: B invokes A's function by ARN, and only that.
  await la.send(new AddPermissionCommand({ FunctionName: 'shared', StatementId: 'b-invokes', Action: 'lambda:InvokeFunction', Principal: accountB }));
  const inv = await lb.send(new InvokeCommand({ FunctionName: arn, Payload: Buffer.from('{"from":"b"}') }));
  assert.deepEqual(payloadJson(inv.Payload), { ok: true, got: { from: 'b' } });
  assert.equal((await outcome(lb.send(new GetFunctionCommand({ FunctionName: arn })))).name, 'AccessDeniedException');
  await la.send(new RemovePermissionCommand({ FunctionName: 'shared', StatementId: 'b-invokes' }));
  assert.equal((await outcome(lb.send(new InvokeCommand({ FunctionName: arn, Payload: Buffer.from('{}') })))).name, 'AccessDeniedException');

  // An identity policy: invoke `shared` only; an explicit Deny wins over the Allow.
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['lambda:InvokeFunction', 'lambda:Get*'], Resource: 'arn:aws:lambda:*:000000000000:function:shar?d' },
      { Effect: 'Allow', Action: 'lambda:ListFunctions', Resource: '*' },
      { Effect: 'Deny', Action: 'lambda:GetFunction', Resource: '*' },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-policy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'invoker.json'), policy);
  const made = await nimbusCli(['keys', 'create', '--data-dir', nimbus.dataDir, '--name', 'invoker', '--policy', join(dir, 'invoker.json'), '--json']);
  assert.equal(made.code, 0, made.stderr);
  const k = JSON.parse(made.stdout) as { AccessKeyId: string; SecretAccessKey: string };
  const li = lambda(nimbus.url, { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey });
  t.after(() => li.destroy());
  assert.equal((await outcome(li.send(new InvokeCommand({ FunctionName: 'shared', Payload: Buffer.from('{}') })))).name, 'ok');
  assert.equal((await outcome(li.send(new ListFunctionsCommand({})))).name, 'ok');
  const create = await outcome(deployNode(li, 'other', { 'index.js': HANDLER }));
  assert.equal(create.name, 'AccessDeniedException');
  assert.match(create.message, /user\/invoker is not authorized to perform: lambda:CreateFunction on resource: \*/);
  const get = await outcome(li.send(new GetFunctionCommand({ FunctionName: 'shared' })));
  assert.equal(get.name, 'AccessDeniedException');
  assert.match(get.message, /with an explicit deny in an identity-based policy$/);
  const sqs = new SQSClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey }, maxAttempts: 1 });
  t.after(() => sqs.destroy());
  assert.equal((await outcome(sqs.send(new ListQueuesCommand({})))).status, 403, 'sqs:ListQueues is not granted');
});

test('an AWS_IAM function URL takes SigV4-signed requests allowed by policy, and refuses others', async (t) => {
  const { nimbus, a, b, accountB } = await world(t);
  const la = lambda(nimbus.url, credsOf(a));
  t.after(() => la.destroy());
  await deployNode(la, 'private-web', { 'index.js': URL_HANDLER });
  const cfg = await la.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'private-web', AuthType: 'AWS_IAM' }));
  const urlId = new URL(cfg.FunctionUrl!).hostname.split('.')[0]!;
  const target = `${nimbus.url}/nimbus/v1/url/${urlId}/path?x=1`;
  const sign = (c: Creds, body?: string): Record<string, string> => signRequest(body ? 'POST' : 'GET', target, {}, body, { service: 'lambda', region: 'us-east-1', credentials: c });

  const unsigned = await fetch(target);
  assert.equal(unsigned.status, 403);
  assert.equal(unsigned.headers.get('x-amzn-errortype'), 'AccessDeniedException');
  assert.match(((await unsigned.json()) as { Message: string }).Message, /^Forbidden\./);
  const owner = await fetch(target, { headers: sign(credsOf(a)) });
  assert.equal(owner.status, 200);
  assert.equal(await owner.text(), 'hello from the url');
  const posted = await fetch(target, { method: 'POST', headers: sign(credsOf(a), 'payload'), body: 'payload' });
  assert.equal(posted.status, 200);
  const tampered = await fetch(target, { method: 'POST', headers: sign(credsOf(a), 'payload'), body: 'other!!' });
  assert.equal(tampered.status, 403);
  const wrongService = await fetch(target, { headers: signRequest('GET', target, {}, undefined, { service: 'execute-api', region: 'us-east-1', credentials: credsOf(a) }) });
  assert.equal(wrongService.status, 403);
  const wrongSecret = await fetch(target, { headers: sign({ accessKeyId: a.accessKeyId, secretAccessKey: 'nope' }) });
  assert.equal(wrongSecret.status, 403);

  // Another account: only with lambda:InvokeFunctionUrl granted by the function's resource policy.
  assert.equal((await fetch(target, { headers: sign(credsOf(b)) })).status, 403);
  await la.send(
    new AddPermissionCommand({ FunctionName: 'private-web', StatementId: 'b-url', Action: 'lambda:InvokeFunctionUrl', Principal: accountB, FunctionUrlAuthType: 'AWS_IAM' }),
  );
  const cross = await fetch(target, { headers: sign(credsOf(b)) });
  assert.equal(cross.status, 200);
});

test('the AWS CLI v2 and boto3 work with real keys and are refused with a wrong one', async (t) => {
  const { nimbus, a } = await world(t);
  const la = lambda(nimbus.url, credsOf(a));
  t.after(() => la.destroy());
  await deployNode(la, 'tools', { 'index.js': HANDLER });
  const cliHome = awsCliHome(t, 'nimbus-auth-tools-');
  const home = cliHome.home;
  const env = (c: Creds): NodeJS.ProcessEnv => cliHome.env({ AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey });
  const wrong = { accessKeyId: a.accessKeyId, secretAccessKey: 'not-the-secret' };

  await t.test('AWS CLI v2', async (t) => {
    if (!tool(t, '/usr/bin/aws', 'the AWS CLI v2')) return;
    const cli = async (c: Creds, ...args: string[]) => {
      try {
        return { code: 0, ...(await run('/usr/bin/aws', ['--endpoint-url', nimbus.url, '--output', 'json', ...args], { env: env(c), cwd: home })) };
      } catch (e) {
        const err = e as { code: number; stdout: string; stderr: string };
        return { code: err.code, stdout: err.stdout, stderr: err.stderr };
      }
    };
    const list = await cli(credsOf(a), 'lambda', 'list-functions');
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual((JSON.parse(list.stdout) as { Functions: { FunctionName: string }[] }).Functions.map((f) => f.FunctionName), ['tools']);
    // An ARN path (double-encoded in the canonical request) and a body.
    const out = join(home, 'out.json');
    const invoke = await cli(credsOf(a), 'lambda', 'invoke', '--function-name', 'arn:aws:lambda:us-east-1:000000000000:function:tools', '--cli-binary-format', 'raw-in-base64-out', '--payload', '{"via":"cli"}', out);
    assert.equal(invoke.code, 0, invoke.stderr);
    const queue = await cli(credsOf(a), 'sqs', 'create-queue', '--queue-name', 'cli-q');
    assert.equal(queue.code, 0, queue.stderr);
    const refused = await cli(wrong, 'lambda', 'list-functions');
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /InvalidSignatureException/);
  });

  await t.test('boto3', async (t) => {
    if (!tool(t, '/usr/bin/python3', 'python3')) return;
    const script = `
import boto3, json, sys
c = boto3.client('lambda', endpoint_url=sys.argv[1], region_name='us-east-1')
try:
    names = [f['FunctionName'] for f in c.list_functions()['Functions']]
    r = c.invoke(FunctionName='tools', Payload=b'{"via":"boto3"}')
    print(json.dumps({'names': names, 'payload': json.loads(r['Payload'].read())}))
except Exception as e:
    print(json.dumps({'error': getattr(e, 'response', {}).get('Error', {}).get('Code', str(e))}))
`;
    const py = async (c: Creds) => JSON.parse((await run('/usr/bin/python3', ['-c', script, nimbus.url], { env: env(c) })).stdout) as Record<string, unknown>;
    let good: Record<string, unknown>;
    try {
      good = await py(credsOf(a));
    } catch (e) {
      if (/No module named 'boto3'/.test(String((e as { stderr?: string }).stderr))) {
        assert.ok(!CI, 'boto3 is a CI dependency');
        t.skip('boto3 not installed');
        return;
      }
      throw e;
    }
    assert.deepEqual(good, { names: ['tools'], payload: { ok: true, got: { via: 'boto3' } } });
    assert.deepEqual(await py(wrong), { error: 'InvalidSignatureException' });
  });

  await t.test("Nimbus's own CLI signs with NIMBUS_ACCESS_KEY_ID", async () => {
    const withKey = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [NIMBUS_BIN, '--endpoint', nimbus.url, 'ls'],
        { env: { ...process.env, NIMBUS_ACCESS_KEY_ID: a.accessKeyId, NIMBUS_SECRET_ACCESS_KEY: a.secretAccessKey } },
        (e, stdout, stderr) => resolve({ code: e ? 1 : 0, stdout, stderr }),
      ),
    );
    assert.equal(withKey.code, 0, withKey.stderr);
    assert.match(withKey.stdout, /tools/);
    const without = await nimbusCli(['--endpoint', nimbus.url, 'ls']);
    assert.equal(without.code, 1);
    assert.match(without.stderr, /UnrecognizedClientException/);
  });
});

test("a topic of another account reaches a function only when the function's resource policy allows sns.amazonaws.com", async (t) => {
  const { nimbus, a, b } = await world(t);
  const la = lambda(nimbus.url, credsOf(a));
  const snsB = new SNSClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: credsOf(b), maxAttempts: 1 });
  t.after(() => (la.destroy(), snsB.destroy()));
  await deployNode(la, 'listener', { 'index.js': 'exports.handler = async (e) => { console.log("GOT " + e.Records[0].Sns.Message); };' });
  const fnArn = 'arn:aws:lambda:us-east-1:000000000000:function:listener';
  const topic = (await snsB.send(new CreateTopicCommand({ Name: 'news' }))).TopicArn!;
  await snsB.send(new SubscribeCommand({ TopicArn: topic, Protocol: 'lambda', Endpoint: fnArn }));
  await snsB.send(new PublishCommand({ TopicArn: topic, Message: 'first, not allowed' }));
  await la.send(
    new AddPermissionCommand({ FunctionName: 'listener', StatementId: 'sns-b', Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com', SourceArn: topic }),
  );
  await snsB.send(new PublishCommand({ TopicArn: topic, Message: 'second, allowed' }));
  const logsPath = '/nimbus/v1/functions/listener/logs?limit=1000';
  let text = '';
  for (let i = 0; i < 300 && !text.includes('GOT second'); i++) {
    const r = await fetch(`${nimbus.url}${logsPath}`, { headers: signRequest('GET', `${nimbus.url}${logsPath}`, {}, undefined, { service: 'lambda', region: 'us-east-1', credentials: credsOf(a) }) });
    assert.equal(r.status, 200);
    text = ((await r.json()) as { events: { text: string }[] }).events.map((e) => e.text).join('');
    if (!text.includes('GOT second')) await new Promise((r) => setTimeout(r, 100));
  }
  assert.match(text, /GOT second, allowed/);
  assert.doesNotMatch(text, /GOT first/, 'the delivery the policy did not allow never happened');
});
