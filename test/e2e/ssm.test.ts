/**
 * Parameter Store on Nimbus's endpoint with the clients users read parameters with:
 * @aws-sdk/client-ssm (versions, labels, paths, SecureString, history, tags, errors), the AWS CLI
 * v2, and a function reading its configuration through AWS_ENDPOINT_URL; SecureString values are
 * not in the database in clear, and parameters survive a restart.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  DeleteParametersCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  SSMClient,
  paginateGetParametersByPath,
} from '@aws-sdk/client-ssm';
import { startNimbus } from '../../src/app.js';
import { awsCliAt, awsCliHome, haveAwsCli } from '../helpers/aws-cli.js';
import { rejects as rejectsWith } from '../helpers/aws-errors.js';
import { startTestNimbus } from '../helpers/nimbus.js';

const ssmClient = (url: string): SSMClient => new SSMClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });

/** Every error these suites expect is a 400. */
const rejects = (p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> => rejectsWith(p, name, message, 400);

test('the JS SDK: put, overwrite, versions and labels, paths, SecureString, history, describe, tags, delete, and SSM errors', async (t) => {
  const nimbus = await startTestNimbus(t);
  const ssm = ssmClient(nimbus.url);
  t.after(() => ssm.destroy());

  assert.deepEqual(await ssm.send(new PutParameterCommand({ Name: '/app/db/host', Value: 'db.local', Type: 'String' })).then((r) => [r.Version, r.Tier]), [1, 'Standard']);
  await rejects(ssm.send(new PutParameterCommand({ Name: '/app/db/host', Value: 'x', Type: 'String' })), 'ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
  assert.equal((await ssm.send(new PutParameterCommand({ Name: '/app/db/host', Value: 'db2.local', Overwrite: true }))).Version, 2);
  await ssm.send(new PutParameterCommand({ Name: '/app/db/password', Value: 's3cr3t', Type: 'SecureString' }));
  await ssm.send(new PutParameterCommand({ Name: '/app/features', Value: 'a,b,c', Type: 'StringList' }));
  await ssm.send(new PutParameterCommand({ Name: 'plain', Value: 'top', Type: 'String', Description: 'no path' }));

  const host = (await ssm.send(new GetParameterCommand({ Name: '/app/db/host' }))).Parameter!;
  assert.equal(host.Value, 'db2.local');
  assert.equal(host.Version, 2);
  assert.equal(host.Type, 'String');
  assert.equal(host.ARN, 'arn:aws:ssm:us-east-1:000000000000:parameter/app/db/host');
  assert.ok(host.LastModifiedDate instanceof Date && Math.abs(host.LastModifiedDate.getTime() - Date.now()) < 60_000);
  assert.equal((await ssm.send(new GetParameterCommand({ Name: 'plain' }))).Parameter!.ARN, 'arn:aws:ssm:us-east-1:000000000000:parameter/plain');
  // Version selectors and labels.
  assert.equal((await ssm.send(new GetParameterCommand({ Name: '/app/db/host:1' }))).Parameter!.Value, 'db.local');
  await rejects(ssm.send(new GetParameterCommand({ Name: '/app/db/host:7' })), 'ParameterVersionNotFound', 'Systems Manager could not find version 7 of /app/db/host. Verify the version and try again.');
  const labelled = await ssm.send(new LabelParameterVersionCommand({ Name: '/app/db/host', ParameterVersion: 1, Labels: ['stable', '1bad'] }));
  assert.deepEqual([labelled.ParameterVersion, labelled.InvalidLabels], [1, ['1bad']]);
  const byLabel = (await ssm.send(new GetParameterCommand({ Name: '/app/db/host:stable' }))).Parameter!;
  assert.deepEqual([byLabel.Value, byLabel.Selector], ['db.local', ':stable']);

  // SecureString: opaque without decryption, the value with it.
  const sealed = (await ssm.send(new GetParameterCommand({ Name: '/app/db/password' }))).Parameter!;
  assert.equal(sealed.Type, 'SecureString');
  assert.notEqual(sealed.Value, 's3cr3t');
  assert.equal((await ssm.send(new GetParameterCommand({ Name: '/app/db/password', WithDecryption: true }))).Parameter!.Value, 's3cr3t');

  // GetParameters: found and invalid names apart.
  const many = await ssm.send(new GetParametersCommand({ Names: ['/app/features', '/nope', 'plain'] }));
  assert.deepEqual(many.Parameters!.map((p) => p.Name).sort(), ['/app/features', 'plain']);
  assert.deepEqual(many.InvalidParameters, ['/nope']);

  // Paths: one level, recursive, paged by the SDK's paginator (MaxResults 1).
  const oneLevel = await ssm.send(new GetParametersByPathCommand({ Path: '/app' }));
  assert.deepEqual(oneLevel.Parameters!.map((p) => p.Name), ['/app/features']);
  const names: string[] = [];
  for await (const pageOf of paginateGetParametersByPath({ client: ssm, pageSize: 1 }, { Path: '/app/', Recursive: true, WithDecryption: true })) {
    names.push(...(pageOf.Parameters ?? []).map((p) => `${p.Name}=${p.Value}`));
  }
  assert.deepEqual(names, ['/app/db/host=db2.local', '/app/db/password=s3cr3t', '/app/features=a,b,c']);
  await rejects(ssm.send(new GetParametersByPathCommand({ Path: 'app' })), 'ValidationException');

  // History and describe.
  const history = await ssm.send(new GetParameterHistoryCommand({ Name: '/app/db/host' }));
  assert.deepEqual(history.Parameters!.map((h) => [h.Version, h.Value, h.Labels]), [[1, 'db.local', ['stable']], [2, 'db2.local', []]]);
  const described = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Path', Option: 'Recursive', Values: ['/app'] }, { Key: 'Type', Values: ['SecureString'] }] }));
  assert.deepEqual(described.Parameters!.map((p) => [p.Name, p.Type, p.KeyId]), [['/app/db/password', 'SecureString', 'alias/aws/ssm']]);
  const begins = await ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: ['/app/db'] }] }));
  assert.deepEqual(begins.Parameters!.map((p) => p.Name), ['/app/db/host', '/app/db/password']);

  // Tags.
  await ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/app/db/host', Tags: [{ Key: 'team', Value: 'a' }] }));
  assert.deepEqual((await ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/app/db/host' }))).TagList, [{ Key: 'team', Value: 'a' }]);

  // Validation: names, sizes, patterns, types.
  await rejects(ssm.send(new PutParameterCommand({ Name: 'aws-thing', Value: 'x', Type: 'String' })), 'ValidationException', /can't be prefixed with "aws" or "ssm"/);
  await rejects(ssm.send(new PutParameterCommand({ Name: 'a/b', Value: 'x', Type: 'String' })), 'ValidationException', 'Parameter name must be a fully qualified name.');
  await rejects(ssm.send(new PutParameterCommand({ Name: '/new', Value: 'x' })), 'ValidationException', 'A parameter type is required when you create a parameter.');
  await rejects(ssm.send(new PutParameterCommand({ Name: '/big', Value: 'x'.repeat(4097), Type: 'String' })), 'ValidationException', /maximum parameter value of 4096 characters/);
  assert.equal((await ssm.send(new PutParameterCommand({ Name: '/big', Value: 'x'.repeat(4097), Type: 'String', Tier: 'Advanced' }))).Tier, 'Advanced');
  await rejects(ssm.send(new PutParameterCommand({ Name: '/port', Value: 'eighty', Type: 'String', AllowedPattern: '^\\d+$' })), 'ParameterPatternMismatchException');
  await rejects(ssm.send(new PutParameterCommand({ Name: '/t', Value: 'x', Type: 'Number' as 'String' })), 'ValidationException', /enum value set/);

  // Delete.
  await ssm.send(new DeleteParameterCommand({ Name: 'plain' }));
  await rejects(ssm.send(new GetParameterCommand({ Name: 'plain' })), 'ParameterNotFound');
  await rejects(ssm.send(new DeleteParameterCommand({ Name: 'plain' })), 'ParameterNotFound');
  const bulk = await ssm.send(new DeleteParametersCommand({ Names: ['/app/features', '/gone'] }));
  assert.deepEqual([bulk.DeletedParameters, bulk.InvalidParameters], [['/app/features'], ['/gone']]);

  // Not JSON, an unknown operation: SSM's error shape, and the server still answers.
  const raw = await fetch(`${nimbus.url}/`, { method: 'POST', headers: { 'x-amz-target': 'AmazonSSM.GetParameter', 'content-type': 'application/x-amz-json-1.1' }, body: '{"Name":' });
  assert.equal(raw.status, 400);
  assert.equal(raw.headers.get('x-amzn-errortype'), 'SerializationException');
  const unknown = await fetch(`${nimbus.url}/`, { method: 'POST', headers: { 'x-amz-target': 'AmazonSSM.SendCommand', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
  assert.equal(((await unknown.json()) as { __type: string }).__type, 'InvalidAction');
  assert.equal((await ssm.send(new GetParameterCommand({ Name: '/app/db/host' }))).Parameter!.Value, 'db2.local');
});

test('SecureString values are sealed at rest, and every parameter survives a restart', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-ssm-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const opts = { port: 0, dataDir, log: () => undefined, shutdownGraceMs: 2000 };
  let nimbus = await startNimbus(opts);
  let ssm = ssmClient(nimbus.url);
  await ssm.send(new PutParameterCommand({ Name: '/s/secret', Value: 'correct-horse-battery-staple', Type: 'SecureString' }));
  await ssm.send(new PutParameterCommand({ Name: '/s/plain', Value: 'visible', Type: 'String' }));
  ssm.destroy();
  await nimbus.close();
  const bytes = ['ssm.db', 'ssm.db-wal'].map((f) => {
    try {
      return readFileSync(join(dataDir, f)).toString('latin1');
    } catch {
      return '';
    }
  }).join('');
  assert.ok(bytes.includes('visible'), 'the plain parameter is in the database file');
  assert.ok(!bytes.includes('correct-horse-battery-staple'), 'the SecureString is not in clear');

  nimbus = await startNimbus(opts);
  ssm = ssmClient(nimbus.url);
  t.after(async () => {
    ssm.destroy();
    await nimbus.close();
  });
  assert.equal((await ssm.send(new GetParameterCommand({ Name: '/s/secret', WithDecryption: true }))).Parameter!.Value, 'correct-horse-battery-staple');
  assert.equal((await ssm.send(new GetParameterCommand({ Name: '/s/plain' }))).Parameter!.Value, 'visible');
});

test('the AWS CLI v2: put-parameter, get-parameter --with-decryption, get-parameters-by-path', async (t) => {
  if (!haveAwsCli(t)) return;
  const nimbus = await startTestNimbus(t);
  const home = awsCliHome(t, 'nimbus-ssm-cli-').home;
  const put = await awsCliAt(nimbus.url, home, 'ssm', 'put-parameter', '--name', '/cli/token', '--value', 'tok', '--type', 'SecureString');
  assert.equal(put.code, 0, put.stderr);
  assert.equal((JSON.parse(put.stdout) as { Version: number }).Version, 1);
  const got = await awsCliAt(nimbus.url, home, 'ssm', 'get-parameter', '--name', '/cli/token', '--with-decryption');
  assert.equal(got.code, 0, got.stderr);
  assert.equal((JSON.parse(got.stdout) as { Parameter: { Value: string } }).Parameter.Value, 'tok');
  const byPath = await awsCliAt(nimbus.url, home, 'ssm', 'get-parameters-by-path', '--path', '/cli');
  assert.equal(byPath.code, 0, byPath.stderr);
  assert.deepEqual((JSON.parse(byPath.stdout) as { Parameters: { Name: string }[] }).Parameters.map((p) => p.Name), ['/cli/token']);
  const missing = await awsCliAt(nimbus.url, home, 'ssm', 'get-parameter', '--name', '/cli/none');
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /ParameterNotFound/);
});

test('a function reads its configuration from Parameter Store with the SDK in its runtime (Nimbus sets AWS_ENDPOINT_URL)', async (t) => {
  const nimbus = await startTestNimbus(t);
  const ssm = ssmClient(nimbus.url);
  t.after(() => ssm.destroy());
  await ssm.send(new PutParameterCommand({ Name: '/svc/greeting', Value: 'bonjour', Type: 'String' }));
  const { deployNode } = await import('../helpers/nimbus.js');
  const { InvokeCommand } = await import('@aws-sdk/client-lambda');
  await deployNode(
    nimbus.lambda,
    'reader',
    {
      'index.mjs': `import { SSMClient, GetParameterCommand } from '@aws-sdk/client-ssm';
const ssm = new SSMClient({});
export const handler = async () => (await ssm.send(new GetParameterCommand({ Name: '/svc/greeting' }))).Parameter.Value;`,
    },
    { Handler: 'index.handler', Timeout: 30 },
  );
  const r = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'reader' }));
  assert.equal(r.FunctionError, undefined, Buffer.from(r.Payload ?? []).toString());
  assert.equal(JSON.parse(Buffer.from(r.Payload!).toString('utf8')), 'bonjour');
});

test('with --auth keys: signed requests only, each account its own parameters and secrets, identity policies by ARN', async (t) => {
  const nimbus = await startTestNimbus(t, { auth: 'keys' });
  const admin = await nimbus.accounts.createKey('default', { name: 'admin' });
  const other = await nimbus.accounts.createKey((await nimbus.accounts.createAccount('other')).name, { name: 'other' });
  const reader = await nimbus.accounts.createKey('default', {
    name: 'reader',
    policy: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'ssm:GetParameter', Resource: 'arn:aws:ssm:us-east-1:000000000000:parameter/app/*' },
        { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:app/*' },
      ],
    }),
  });
  const as = (k: { accessKeyId: string; secretAccessKey: string }) => ({ endpoint: nimbus.url, region: 'us-east-1', credentials: { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey }, maxAttempts: 1 });
  const { SecretsManagerClient, CreateSecretCommand, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const ssmAdmin = new SSMClient(as(admin));
  const ssmOther = new SSMClient(as(other));
  const ssmReader = new SSMClient(as(reader));
  const smAdmin = new SecretsManagerClient(as(admin));
  const smReader = new SecretsManagerClient(as(reader));
  t.after(() => [ssmAdmin, ssmOther, ssmReader, smAdmin, smReader].forEach((c) => c.destroy()));

  await ssmAdmin.send(new PutParameterCommand({ Name: '/app/x', Value: 'ok', Type: 'String' }));
  await ssmAdmin.send(new PutParameterCommand({ Name: '/ops/y', Value: 'no', Type: 'String' }));
  await smAdmin.send(new CreateSecretCommand({ Name: 'app/key', SecretString: 'k' }));
  await smAdmin.send(new CreateSecretCommand({ Name: 'ops/key', SecretString: 'k2' }));

  assert.equal((await ssmReader.send(new GetParameterCommand({ Name: '/app/x' }))).Parameter!.Value, 'ok');
  await assert.rejects(ssmReader.send(new GetParameterCommand({ Name: '/ops/y' })), (e: Error) => e.name === 'AccessDeniedException' && /ssm:GetParameter/.test(e.message));
  await assert.rejects(ssmReader.send(new PutParameterCommand({ Name: '/app/x', Value: 'changed', Type: 'String', Overwrite: true })), (e: Error) => e.name === 'AccessDeniedException');
  assert.equal((await smReader.send(new GetSecretValueCommand({ SecretId: 'app/key' }))).SecretString, 'k');
  await assert.rejects(smReader.send(new GetSecretValueCommand({ SecretId: 'ops/key' })), (e: Error) => e.name === 'AccessDeniedException');
  // Another account sees none of it.
  await assert.rejects(ssmOther.send(new GetParameterCommand({ Name: '/app/x' })), (e: Error) => e.name === 'ParameterNotFound');
  // Unsigned: refused in SSM's shape before the service sees it.
  const unsigned = await fetch(`${nimbus.url}/`, { method: 'POST', headers: { 'x-amz-target': 'AmazonSSM.GetParameter', 'content-type': 'application/x-amz-json-1.1' }, body: '{"Name":"/app/x"}' });
  assert.ok(unsigned.status >= 400 && unsigned.status < 500);
  assert.equal(((await unsigned.json()) as { __type: string }).__type, 'MissingAuthenticationTokenException');
});
