/**
 * Roles (docs/auth.md, "Roles"), end to end with `--auth keys` and real clients: IAM's roles API
 * through the AWS CLI v2 and boto3 (shapes and IAM's errors), and a function whose execution role
 * Nimbus has: from inside the function, the JS SDK with the function's own credentials may send
 * to the queue its role allows and is refused (AccessDenied, AWS's shape) on another; a policy put
 * or attached with `aws iam` changes what the running function may do. A function whose role
 * Nimbus does not have keeps its account's administrator, as before roles existed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { builtinRuntimes } from '../../src/runtimes/registry.js';
import { awsCliHome, haveAwsCli, AWS_CLI, runCli, type AwsCliHome } from '../helpers/aws-cli.js';
import { makeZip, payloadJson, startTestNimbus, type TestNimbus } from '../helpers/nimbus.js';

const CI = process.env['CI'] === 'true';
const PYTHON = '/usr/bin/python3';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const sendTo = (...queues: string[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queues.map((q) => `arn:aws:sqs:us-east-1:000000000000:${q}`) }] });

/** Sends to the queue the event names with the SDK the runtime provides and the function's own credentials. */
const SENDER = `import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
const sqs = new SQSClient({ maxAttempts: 1 });
export const handler = async (event) => {
  try {
    const out = await sqs.send(new SendMessageCommand({ QueueUrl: event.queueUrl, MessageBody: event.body }));
    return { sent: out.MessageId };
  } catch (e) {
    return { error: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
};
`;

function needsNode(t: TestContext): boolean {
  const a = builtinRuntimes().get('nodejs22.x')!.availability!('nodejs22.x');
  if (a.ok && a.sdk) return true;
  assert.ok(!CI, 'nodejs22.x with its SDK is a CI dependency (node scripts/provision-test-runtimes.mjs)');
  t.skip('nodejs22.x or its SDK not installed here');
  return false;
}

interface World {
  nimbus: TestNimbus;
  creds: { accessKeyId: string; secretAccessKey: string };
  cli: AwsCliHome;
  /** `aws iam <args> --endpoint-url <nimbus>` with the key; resolves with the parsed JSON output (or {}), rejects with stderr. */
  iam(...args: string[]): Promise<Record<string, unknown>>;
}

async function world(t: TestContext): Promise<World> {
  const nimbus = await startTestNimbus(t, { auth: 'keys' });
  const key = await nimbus.accounts.createKey('default', { name: 'admin' });
  const creds = { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
  const cli = awsCliHome(t, 'nimbus-iam-cli-');
  const env = cli.env({ AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey });
  const iam = async (...args: string[]): Promise<Record<string, unknown>> => {
    const r = await runCli(AWS_CLI, ['iam', ...args, '--endpoint-url', nimbus.url, '--output', 'json'], { env, cwd: cli.home });
    if (r.code !== 0) throw new Error(r.stderr.trim());
    return r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : {};
  };
  return { nimbus, creds, cli, iam };
}

test('the IAM roles API through the AWS CLI v2 and boto3, with IAM shapes and errors', async (t) => {
  if (!haveAwsCli(t)) return;
  const { nimbus, creds, cli, iam } = await world(t);
  const trustFile = join(cli.home, 'trust.json');
  writeFileSync(trustFile, TRUST);

  const created = (await iam('create-role', '--role-name', 'worker', '--path', '/app/', '--assume-role-policy-document', `file://${trustFile}`, '--description', 'sends'))['Role'] as Record<string, unknown>;
  assert.equal(created['Arn'], 'arn:aws:iam::000000000000:role/app/worker');
  assert.match(String(created['RoleId']), /^AROA[A-Z2-7]{17}$/);
  assert.match(String(created['CreateDate']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  assert.deepEqual(created['AssumeRolePolicyDocument'], JSON.parse(TRUST), 'the CLI decodes the URL-encoded document');
  assert.equal(created['Description'], 'sends');
  const got = (await iam('get-role', '--role-name', 'worker'))['Role'] as Record<string, unknown>;
  assert.equal(got['RoleId'], created['RoleId']);
  assert.deepEqual(((await iam('list-roles'))['Roles'] as { RoleName: string }[]).map((r) => r.RoleName), ['worker']);
  assert.deepEqual(((await iam('list-roles', '--path-prefix', '/other/'))['Roles'] as unknown[]).length, 0);

  await iam('put-role-policy', '--role-name', 'worker', '--policy-name', 'send', '--policy-document', sendTo('a'));
  const inline = await iam('get-role-policy', '--role-name', 'worker', '--policy-name', 'send');
  assert.deepEqual(inline, { RoleName: 'worker', PolicyName: 'send', PolicyDocument: JSON.parse(sendTo('a')) });
  assert.deepEqual((await iam('list-role-policies', '--role-name', 'worker'))['PolicyNames'], ['send']);
  await iam('attach-role-policy', '--role-name', 'worker', '--policy-arn', 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole');
  assert.deepEqual((await iam('list-attached-role-policies', '--role-name', 'worker'))['AttachedPolicies'], [
    { PolicyName: 'AWSLambdaBasicExecutionRole', PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole' },
  ]);

  // IAM's errors, as the CLI reports them.
  await assert.rejects(iam('create-role', '--role-name', 'worker', '--assume-role-policy-document', TRUST), /\(EntityAlreadyExists\).*Role with name worker already exists\./);
  await assert.rejects(iam('get-role', '--role-name', 'nobody'), /\(NoSuchEntity\).*The role with name nobody cannot be found\./);
  await assert.rejects(iam('delete-role', '--role-name', 'worker'), /\(DeleteConflict\).*must delete policies first/);
  await assert.rejects(iam('put-role-policy', '--role-name', 'worker', '--policy-name', 'x', '--policy-document', '{"Statement": ['), /\(MalformedPolicyDocument\)/);
  await assert.rejects(iam('attach-role-policy', '--role-name', 'worker', '--policy-arn', 'arn:aws:iam::aws:policy/NoSuchPolicy'), /\(NoSuchEntity\).*does not exist or is not attachable/);

  // boto3: the same API, its errors as ClientError codes with IAM's HTTP statuses.
  const script = `
import boto3, json, sys
from botocore.exceptions import ClientError
iam = boto3.client("iam", endpoint_url=sys.argv[1], region_name="us-east-1", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
out = {}
def code(fn):
    try:
        fn()
        return None
    except ClientError as e:
        return [e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"].get("Type")]
out["doc"] = iam.get_role_policy(RoleName="worker", PolicyName="send")["PolicyDocument"]
out["noRole"] = code(lambda: iam.get_role(RoleName="ghost"))
out["noPolicy"] = code(lambda: iam.get_role_policy(RoleName="worker", PolicyName="ghost"))
out["exists"] = code(lambda: iam.create_role(RoleName="WORKER", AssumeRolePolicyDocument=${JSON.stringify(TRUST)}))
out["conflict"] = code(lambda: iam.delete_role(RoleName="worker"))
out["malformed"] = code(lambda: iam.create_role(RoleName="bad", AssumeRolePolicyDocument="not json"))
iam.delete_role_policy(RoleName="worker", PolicyName="send")
out["detachConflict"] = code(lambda: iam.delete_role(RoleName="worker"))
iam.detach_role_policy(RoleName="worker", PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
out["notAttached"] = code(lambda: iam.detach_role_policy(RoleName="worker", PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"))
iam.delete_role(RoleName="worker")
out["gone"] = code(lambda: iam.get_role(RoleName="worker"))
out["roles"] = [r["RoleName"] for r in iam.list_roles()["Roles"]]
print(json.dumps(out))
`;
  const py = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(PYTHON, ['-c', script, nimbus.url, creds.accessKeyId, creds.secretAccessKey], { env: cli.env() }, (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr })),
  );
  if (py.code !== 0 && /No module named 'boto3'/.test(py.stderr)) {
    assert.ok(!CI, 'python3-boto3 is a CI dependency');
    return t.skip('boto3 not installed');
  }
  assert.equal(py.code, 0, py.stderr);
  const out = JSON.parse(py.stdout) as Record<string, unknown>;
  assert.deepEqual(out['doc'], JSON.parse(sendTo('a')), 'boto3 decodes the policy document too');
  assert.deepEqual(out['noRole'], ['NoSuchEntity', 404, 'Sender']);
  assert.deepEqual(out['noPolicy'], ['NoSuchEntity', 404, 'Sender']);
  assert.deepEqual(out['exists'], ['EntityAlreadyExists', 409, 'Sender'], 'role names are unique regardless of case');
  assert.deepEqual(out['conflict'], ['DeleteConflict', 409, 'Sender']);
  assert.deepEqual(out['malformed'], ['MalformedPolicyDocument', 400, 'Sender']);
  assert.deepEqual(out['detachConflict'], ['DeleteConflict', 409, 'Sender']);
  assert.deepEqual(out['notAttached'], ['NoSuchEntity', 404, 'Sender']);
  assert.deepEqual(out['gone'], ['NoSuchEntity', 404, 'Sender']);
  assert.deepEqual(out['roles'], []);

  // A key whose identity policy allows only reading roles: IAM's AccessDenied, in IAM's shape.
  const reader = await nimbus.accounts.createKey('default', { name: 'reader', policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }] }) });
  const readerEnv = cli.env({ AWS_ACCESS_KEY_ID: reader.accessKeyId, AWS_SECRET_ACCESS_KEY: reader.secretAccessKey });
  const listed = await runCli(AWS_CLI, ['iam', 'list-roles', '--endpoint-url', nimbus.url], { env: readerEnv, cwd: cli.home });
  assert.equal(listed.code, 0, listed.stderr);
  const denied = await runCli(AWS_CLI, ['iam', 'create-role', '--role-name', 'nope', '--assume-role-policy-document', TRUST, '--endpoint-url', nimbus.url], { env: readerEnv, cwd: cli.home });
  assert.notEqual(denied.code, 0);
  assert.match(denied.stderr, /\(AccessDenied\).*User: arn:aws:iam::000000000000:user\/reader is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::000000000000:role\/nope/);

  // An unsigned IAM request is refused like every other API's.
  const unsigned = await fetch(`${nimbus.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ListRoles&Version=2010-05-08' });
  assert.equal(unsigned.status, 403);
  assert.match(await unsigned.text(), /<Code>MissingAuthenticationToken<\/Code>/);
});

test("a function's own credentials carry its execution role's permissions; aws iam changes them for the running function", async (t) => {
  if (!haveAwsCli(t) || !needsNode(t)) return;
  const { nimbus, creds, iam } = await world(t);
  const lambda = new LambdaClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
  const sqs = new SQSClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
  t.after(() => (lambda.destroy(), sqs.destroy()));
  const a = (await sqs.send(new CreateQueueCommand({ QueueName: 'a' }))).QueueUrl!;
  const b = (await sqs.send(new CreateQueueCommand({ QueueName: 'b' }))).QueueUrl!;

  await iam('create-role', '--role-name', 'sender', '--assume-role-policy-document', TRUST);
  await iam('put-role-policy', '--role-name', 'sender', '--policy-name', 'send-a', '--policy-document', sendTo('a'));
  const code = await makeZip({ 'index.mjs': SENDER });
  await lambda.send(new CreateFunctionCommand({ FunctionName: 'scoped', Runtime: 'nodejs22.x', Handler: 'index.handler', Role: 'arn:aws:iam::000000000000:role/sender', Code: { ZipFile: code } }));
  // A role Nimbus does not have (what most templates and scripts pass): the account's administrator, as before.
  await lambda.send(new CreateFunctionCommand({ FunctionName: 'legacy', Runtime: 'nodejs22.x', Handler: 'index.handler', Role: 'arn:aws:iam::000000000000:role/anything', Code: { ZipFile: code } }));
  const send = async (fn: string, queueUrl: string, body: string): Promise<Record<string, unknown>> => {
    const out = await lambda.send(new InvokeCommand({ FunctionName: fn, Payload: Buffer.from(JSON.stringify({ queueUrl, body })) }));
    assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? []).toString());
    return payloadJson(out.Payload) as Record<string, unknown>;
  };
  const refused = (r: Record<string, unknown>, queue: string): void => {
    assert.equal(r['sent'], undefined, `sent to ${queue}: ${JSON.stringify(r)}`);
    assert.match(String(r['error']), /AccessDenied/);
    assert.equal(r['status'], 403);
    assert.match(String(r['message']), new RegExp(`assumed-role/sender/scoped is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:000000000000:${queue}`));
  };

  assert.ok((await send('scoped', a, 'to a'))['sent'], 'the role allows queue a');
  refused(await send('scoped', b, 'to b'), 'b');
  assert.ok((await send('legacy', b, 'legacy to b'))['sent'], 'a role Nimbus does not have: administrator');

  // A policy put with the CLI counts for the running function (the server's own write drops its cache at once).
  await iam('put-role-policy', '--role-name', 'sender', '--policy-name', 'send-b', '--policy-document', sendTo('b'));
  assert.ok((await send('scoped', b, 'to b, allowed now'))['sent'], 'send-b allows queue b');
  await iam('delete-role-policy', '--role-name', 'sender', '--policy-name', 'send-b');
  refused(await send('scoped', b, 'to b again'), 'b');
  // An attached managed policy counts the same; an explicit Deny inline wins over it.
  await iam('attach-role-policy', '--role-name', 'sender', '--policy-arn', 'arn:aws:iam::aws:policy/AmazonSQSFullAccess');
  assert.ok((await send('scoped', b, 'to b, full access'))['sent']);
  await iam('put-role-policy', '--role-name', 'sender', '--policy-name', 'deny-b', '--policy-document',
    JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'sqs:*', Resource: 'arn:aws:sqs:us-east-1:000000000000:b' }] }));
  refused(await send('scoped', b, 'denied'), 'b');
  assert.ok((await send('scoped', a, 'still a'))['sent']);

  // Deleted, the role grants nothing: its function does not fall back to the administrator.
  await iam('delete-role-policy', '--role-name', 'sender', '--policy-name', 'send-a');
  await iam('delete-role-policy', '--role-name', 'sender', '--policy-name', 'deny-b');
  await iam('detach-role-policy', '--role-name', 'sender', '--policy-arn', 'arn:aws:iam::aws:policy/AmazonSQSFullAccess');
  await iam('delete-role', '--role-name', 'sender');
  refused(await send('scoped', a, 'role deleted'), 'a');

  const bodies = async (url: string): Promise<string[]> => ((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }))).Messages ?? []).map((m) => m.Body!).sort();
  assert.deepEqual(await bodies(b), ['legacy to b', 'to b, allowed now', 'to b, full access']);
  assert.deepEqual(await bodies(a), ['still a', 'to a']);
});

test('IAM, which clients sign for us-east-1, answers when Nimbus serves only other regions', async (t) => {
  if (!haveAwsCli(t)) return;
  const nimbus = await startTestNimbus(t, { auth: 'keys', regions: ['eu-west-1'] });
  const key = await nimbus.accounts.createKey('default');
  const cli = awsCliHome(t, 'nimbus-iam-region-');
  const env = cli.env({ AWS_ACCESS_KEY_ID: key.accessKeyId, AWS_SECRET_ACCESS_KEY: key.secretAccessKey, AWS_DEFAULT_REGION: 'eu-west-1' });
  const made = await runCli(AWS_CLI, ['iam', 'create-role', '--role-name', 'r', '--assume-role-policy-document', TRUST, '--endpoint-url', nimbus.url, '--output', 'json'], { env, cwd: cli.home });
  assert.equal(made.code, 0, made.stderr);
  assert.equal((JSON.parse(made.stdout) as { Role: { Arn: string } }).Role.Arn, 'arn:aws:iam::000000000000:role/r');
  // Lambda is still held to the configured regions.
  const lambda = await runCli(AWS_CLI, ['lambda', 'list-functions', '--region', 'us-east-1', '--endpoint-url', nimbus.url], { env, cwd: cli.home });
  assert.notEqual(lambda.code, 0);
  assert.match(lambda.stderr, /Credential should be scoped to a valid region, not 'us-east-1'/);
});
