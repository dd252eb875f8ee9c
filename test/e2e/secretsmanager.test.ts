/**
 * Secrets Manager on Nimbus's endpoint with @aws-sdk/client-secrets-manager, the AWS CLI v2 and
 * boto3: create, read by name, ARN and partial ARN, rotation of AWSCURRENT/AWSPREVIOUS by
 * PutSecretValue, idempotent retries, binary secrets, describe/list with filters, scheduled and
 * immediate deletion and restore, tags, random passwords, and Secrets Manager's errors. Values are
 * sealed at rest.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { awsCliAt, awsCliHome, haveAwsCli } from '../helpers/aws-cli.js';
import { rejects as rejectsWith } from '../helpers/aws-errors.js';
import { startTestNimbus } from '../helpers/nimbus.js';

const client = (url: string): SecretsManagerClient =>
  new SecretsManagerClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });

/** Every error these suites expect is a 400. */
const rejects = (p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> => rejectsWith(p, name, message, 400);

test('the JS SDK: secrets, versions and staging labels, deletion and restore, listing, tags, errors; values sealed at rest', async (t) => {
  const nimbus = await startTestNimbus(t);
  const sm = client(nimbus.url);
  t.after(() => sm.destroy());

  const created = await sm.send(new CreateSecretCommand({ Name: 'prod/db', SecretString: '{"user":"app","password":"hunter2-0000"}', Description: 'the database', Tags: [{ Key: 'team', Value: 'data' }] }));
  assert.match(created.ARN!, /^arn:aws:secretsmanager:us-east-1:000000000000:secret:prod\/db-[A-Za-z0-9]{6}$/);
  assert.equal(created.Name, 'prod/db');
  assert.match(created.VersionId!, /^[0-9a-f-]{36}$/, 'the SDK fills ClientRequestToken, which becomes the version id');
  await rejects(sm.send(new CreateSecretCommand({ Name: 'prod/db', SecretString: 'x' })), 'ResourceExistsException', 'The operation failed because the secret prod/db already exists.');

  // By name, full ARN and partial ARN.
  for (const id of ['prod/db', created.ARN!, created.ARN!.slice(0, -7)]) {
    const v = await sm.send(new GetSecretValueCommand({ SecretId: id }));
    assert.equal(v.SecretString, '{"user":"app","password":"hunter2-0000"}', id);
    assert.deepEqual(v.VersionStages, ['AWSCURRENT']);
    assert.equal(v.ARN, created.ARN);
  }
  await rejects(sm.send(new GetSecretValueCommand({ SecretId: 'nope' })), 'ResourceNotFoundException', "Secrets Manager can't find the specified secret.");

  // A new value: AWSCURRENT moves, AWSPREVIOUS stays on the old one; a retry with the same token is the same version.
  const token = 'a'.repeat(40);
  const put = await sm.send(new PutSecretValueCommand({ SecretId: 'prod/db', SecretString: 'second-value-2222', ClientRequestToken: token }));
  assert.deepEqual([put.VersionId, put.VersionStages], [token, ['AWSCURRENT']]);
  assert.equal((await sm.send(new PutSecretValueCommand({ SecretId: 'prod/db', SecretString: 'second-value-2222', ClientRequestToken: token }))).VersionId, token);
  await rejects(sm.send(new PutSecretValueCommand({ SecretId: 'prod/db', SecretString: 'other', ClientRequestToken: token })), 'ResourceExistsException');
  assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'prod/db' }))).SecretString, 'second-value-2222');
  assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'prod/db', VersionStage: 'AWSPREVIOUS' }))).VersionId, created.VersionId);
  await rejects(sm.send(new GetSecretValueCommand({ SecretId: 'prod/db', VersionStage: 'AWSPENDING' })), 'ResourceNotFoundException', "Secrets Manager can't find the specified secret value for staging label: AWSPENDING");
  const versions = await sm.send(new ListSecretVersionIdsCommand({ SecretId: 'prod/db' }));
  assert.deepEqual(versions.Versions!.map((v) => [v.VersionId, v.VersionStages]), [[created.VersionId, ['AWSPREVIOUS']], [token, ['AWSCURRENT']]]);
  await sm.send(new UpdateSecretCommand({ SecretId: 'prod/db', SecretString: 'third-value-3333', Description: 'changed' }));
  const described = await sm.send(new DescribeSecretCommand({ SecretId: 'prod/db' }));
  assert.equal(described.Description, 'changed');
  assert.deepEqual(described.Tags, [{ Key: 'team', Value: 'data' }]);
  assert.deepEqual(Object.values(described.VersionIdsToStages!).sort(), [['AWSCURRENT'], ['AWSPREVIOUS']]);
  assert.ok(described.CreatedDate instanceof Date);

  // Binary secrets.
  await sm.send(new CreateSecretCommand({ Name: 'cert', SecretBinary: Buffer.from([0, 1, 2, 255]) }));
  assert.deepEqual([...(await sm.send(new GetSecretValueCommand({ SecretId: 'cert' }))).SecretBinary!], [0, 1, 2, 255]);
  await rejects(sm.send(new CreateSecretCommand({ Name: 'both', SecretString: 'a', SecretBinary: Buffer.from('b') })), 'InvalidParameterException', "You can't specify both a binary secret value and a string secret value in the same secret.");

  // Listing with filters; tags.
  await sm.send(new TagResourceCommand({ SecretId: 'cert', Tags: [{ Key: 'kind', Value: 'tls' }] }));
  assert.deepEqual((await sm.send(new ListSecretsCommand({}))).SecretList!.map((s) => s.Name), ['prod/db', 'cert']);
  assert.deepEqual((await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['prod/'] }] }))).SecretList!.map((s) => s.Name), ['prod/db']);
  assert.deepEqual((await sm.send(new ListSecretsCommand({ Filters: [{ Key: 'tag-value', Values: ['tls'] }] }))).SecretList!.map((s) => s.Name), ['cert']);
  const firstPage = await sm.send(new ListSecretsCommand({ MaxResults: 1 }));
  assert.equal(firstPage.SecretList!.length, 1);
  assert.deepEqual((await sm.send(new ListSecretsCommand({ MaxResults: 1, NextToken: firstPage.NextToken }))).SecretList!.map((s) => s.Name), ['cert']);

  // Deletion: scheduled (readable only by Describe, restorable), or at once.
  await rejects(sm.send(new DeleteSecretCommand({ SecretId: 'cert', RecoveryWindowInDays: 3 })), 'InvalidParameterException', 'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).');
  await rejects(sm.send(new DeleteSecretCommand({ SecretId: 'cert', RecoveryWindowInDays: 7, ForceDeleteWithoutRecovery: true })), 'InvalidParameterException');
  const scheduled = await sm.send(new DeleteSecretCommand({ SecretId: 'cert', RecoveryWindowInDays: 7 }));
  assert.ok(scheduled.DeletionDate!.getTime() - Date.now() > 6 * 86_400_000);
  await rejects(sm.send(new GetSecretValueCommand({ SecretId: 'cert' })), 'InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");
  assert.ok((await sm.send(new DescribeSecretCommand({ SecretId: 'cert' }))).DeletedDate instanceof Date);
  assert.deepEqual((await sm.send(new ListSecretsCommand({}))).SecretList!.map((s) => s.Name), ['prod/db']);
  await sm.send(new RestoreSecretCommand({ SecretId: 'cert' }));
  assert.equal((await sm.send(new GetSecretValueCommand({ SecretId: 'cert' }))).SecretBinary!.length, 4);
  await sm.send(new DeleteSecretCommand({ SecretId: 'cert', ForceDeleteWithoutRecovery: true }));
  await rejects(sm.send(new DescribeSecretCommand({ SecretId: 'cert' })), 'ResourceNotFoundException');

  const pw = (await sm.send(new GetRandomPasswordCommand({ PasswordLength: 24, ExcludePunctuation: true }))).RandomPassword!;
  assert.equal(pw.length, 24);
  assert.match(pw, /^[A-Za-z0-9]+$/);
  assert.match(pw, /[a-z]/);
  assert.match(pw, /[A-Z]/);
  assert.match(pw, /\d/);

  // Garbage: Secrets Manager's error shape; the service still answers.
  const raw = await fetch(`${nimbus.url}/`, { method: 'POST', headers: { 'x-amz-target': 'secretsmanager.GetSecretValue', 'content-type': 'application/x-amz-json-1.1' }, body: '[]' });
  assert.equal(raw.status, 400);
  assert.equal(raw.headers.get('x-amzn-errortype'), 'SerializationException');

  // At rest: no secret value in the database file.
  const db = ['secretsmanager.db', 'secretsmanager.db-wal'].map((f) => (existsSync(join(nimbus.dataDir, f)) ? readFileSync(join(nimbus.dataDir, f)).toString('latin1') : '')).join('');
  assert.ok(db.includes('prod/db'), 'the secret is in the file');
  for (const plain of ['hunter2-0000', 'second-value-2222', 'third-value-3333']) assert.ok(!db.includes(plain), `${plain} is not in clear`);
});

test('the AWS CLI v2 and boto3 read what the other wrote', async (t) => {
  if (!haveAwsCli(t)) return;
  const nimbus = await startTestNimbus(t);
  const home = awsCliHome(t, 'nimbus-sm-cli-').home;
  const created = await awsCliAt(nimbus.url, home, 'secretsmanager', 'create-secret', '--name', 'cli-secret', '--secret-string', 'from-the-cli');
  assert.equal(created.code, 0, created.stderr);
  const got = await awsCliAt(nimbus.url, home, 'secretsmanager', 'get-secret-value', '--secret-id', 'cli-secret');
  assert.equal((JSON.parse(got.stdout) as { SecretString: string }).SecretString, 'from-the-cli');
  const python = '/usr/bin/python3';
  // Debian's python3-boto3 (CI installs it): a missing one fails under CI=true, and is skipped on a laptop.
  const haveBoto3 = await new Promise<boolean>((resolve) => execFile(python, ['-c', 'import boto3'], (err) => resolve(!err)));
  if (!haveBoto3) {
    if (process.env['CI'] === 'true') assert.fail('python3-boto3 is not installed; .ci/run installs it');
    t.skip('boto3 not found (apt-get install python3-boto3)');
    return;
  }
  const script = `import boto3, sys
sm = boto3.client('secretsmanager', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')
print(sm.get_secret_value(SecretId='cli-secret')['SecretString'])
sm.put_secret_value(SecretId='cli-secret', SecretString='from-boto3')
try:
    sm.get_secret_value(SecretId='missing')
except sm.exceptions.ResourceNotFoundException as e:
    print('not found:', e.response['Error']['Message'])`;
  const out = await new Promise<string>((resolve, reject) =>
    execFile(python, ['-c', script, nimbus.url], { env: { PATH: '/usr/bin:/bin', HOME: home } }, (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout))),
  );
  assert.equal(out, "from-the-cli\nnot found: Secrets Manager can't find the specified secret.\n");
  const after = await awsCliAt(nimbus.url, home, 'secretsmanager', 'get-secret-value', '--secret-id', 'cli-secret', '--version-stage', 'AWSPREVIOUS');
  assert.equal((JSON.parse(after.stdout) as { SecretString: string }).SecretString, 'from-the-cli');
});
