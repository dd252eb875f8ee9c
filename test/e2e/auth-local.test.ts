/**
 * The local-development mode (loopback, no --auth; docs/auth.md): unsigned requests and any
 * well-formed credentials are the default account, keys Nimbus knows are still verified and
 * carry their own account, malformed signatures and unknown regions are refused as AWS refuses
 * them. And HTTPS with --tls-cert/--tls-key.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { deployNode, startTestNimbus } from '../helpers/nimbus.js';
import { nimbusCli } from '../helpers/serve.js';

const HANDLER = 'exports.handler = async () => 1;';

test('local mode: unsigned and any-key requests are the default account; known keys are verified', async (t) => {
  const nimbus = await startTestNimbus(t);
  assert.equal(nimbus.authMode, 'local');
  assert.match(nimbus.notice, /local-development mode/);
  await deployNode(nimbus.lambda, 'mine', { 'index.js': HANDLER });

  const unsigned = await fetch(`${nimbus.url}/2015-03-31/functions/mine`);
  assert.equal(unsigned.status, 200);
  const anyKey = new LambdaClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIAANYTHING', secretAccessKey: 'anything' }, maxAttempts: 1 });
  t.after(() => anyKey.destroy());
  const got = await anyKey.send(new GetFunctionCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:mine' }));
  assert.equal(got.Configuration?.FunctionName, 'mine');

  // Well-formed means well-formed: a broken Authorization header is refused as AWS refuses it.
  const broken = await fetch(`${nimbus.url}/2015-03-31/functions`, { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=x/20260101/us-east-1/lambda/aws4_request' } });
  assert.equal(broken.status, 400);
  assert.equal(broken.headers.get('x-amzn-errortype'), 'IncompleteSignatureException');
  // Regions are checked, not believed.
  const far = new LambdaClient({ endpoint: nimbus.url, region: 'xx-nowhere-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  t.after(() => far.destroy());
  await assert.rejects(far.send(new ListFunctionsCommand({})), { name: 'InvalidSignatureException', message: /Credential should be scoped to a valid region, not 'xx-nowhere-1'/ });

  // A key Nimbus knows: verified, and its account's own functions.
  await nimbus.accounts.createAccount('other', '222222222222');
  const key = await nimbus.accounts.createKey('other');
  const theirs = new LambdaClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }, maxAttempts: 1 });
  const forged = new LambdaClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: { accessKeyId: key.accessKeyId, secretAccessKey: 'guess' }, maxAttempts: 1 });
  t.after(() => (theirs.destroy(), forged.destroy()));
  assert.deepEqual((await theirs.send(new ListFunctionsCommand({}))).Functions, []);
  await deployNode(theirs, 'theirs', { 'index.js': HANDLER });
  const fn = await theirs.send(new GetFunctionCommand({ FunctionName: 'theirs' }));
  assert.equal(fn.Configuration?.FunctionArn, 'arn:aws:lambda:us-east-1:222222222222:function:theirs');
  await assert.rejects(forged.send(new ListFunctionsCommand({})), { name: 'InvalidSignatureException' });
  // The default account does not see it, and cannot reach it by ARN without a resource policy.
  assert.deepEqual(((await nimbus.lambda.send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName), ['mine']);
  await assert.rejects(nimbus.lambda.send(new GetFunctionCommand({ FunctionName: 'arn:aws:lambda:us-east-1:222222222222:function:theirs' })), { name: 'AccessDeniedException' });
});

test('HTTPS with --tls-cert and --tls-key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-tls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], { stdio: 'ignore' });
  const nimbus = await startTestNimbus(t, { tlsCert: cert, tlsKey: key });
  assert.match(nimbus.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    https
      .get(`${nimbus.url}/nimbus/v1/health`, { ca: readFileSync(cert) }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      })
      .on('error', reject);
  });
  assert.equal(body.status, 200);
  assert.match(body.text, /isolation/);
  await assert.rejects(startTestNimbus(t, { tlsCert: cert }), /--tls-cert and --tls-key go together/);
});

test('nimbus accounts and nimbus keys: create, list, rotate, revoke, remove; secrets shown once', async (t) => {
  const nimbus = await startTestNimbus(t, { auth: 'keys' });
  const cli = async (...args: string[]) => {
    const r = await nimbusCli([...args, '--data-dir', nimbus.dataDir]);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const created = JSON.parse(await cli('accounts', 'create', 'team-x', '--id', '333333333333', '--json')) as { accountId: string; name: string };
  assert.deepEqual([created.accountId, created.name], ['333333333333', 'team-x']);
  const refused = await nimbusCli(['accounts', 'create', 'team-x', '--data-dir', nimbus.dataDir]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /an account named 'team-x' exists/);
  assert.deepEqual((JSON.parse(await cli('accounts', 'ls', '--json')) as { name: string }[]).map((a) => a.name), ['default', 'team-x']);

  const key = JSON.parse(await cli('keys', 'create', '--account', 'team-x', '--name', 'deployer', '--json')) as { AccessKeyId: string; SecretAccessKey: string };
  assert.match(key.SecretAccessKey, /^[A-Za-z0-9_-]{40}$/);
  const listed = await cli('keys', 'ls', '--account', 'team-x');
  assert.match(listed, new RegExp(`${key.AccessKeyId}\\s+333333333333\\s+deployer\\s+Active`));
  assert.ok(!listed.includes(key.SecretAccessKey) && !(await cli('keys', 'ls', '--json')).includes(key.SecretAccessKey), 'secrets are never listed');
  const client = (k: { AccessKeyId: string; SecretAccessKey: string }) =>
    new LambdaClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: { accessKeyId: k.AccessKeyId, secretAccessKey: k.SecretAccessKey }, maxAttempts: 1 });
  const before = client(key);
  t.after(() => before.destroy());
  assert.deepEqual((await before.send(new ListFunctionsCommand({}))).Functions, []);

  // Rotation: a new key for the same account and name; the old one stops working.
  const rotated = JSON.parse(await cli('keys', 'rotate', key.AccessKeyId, '--json')) as { AccessKeyId: string; SecretAccessKey: string; AccountId: string; Name: string };
  assert.notEqual(rotated.AccessKeyId, key.AccessKeyId);
  assert.deepEqual([rotated.AccountId, rotated.Name], ['333333333333', 'deployer']);
  await assert.rejects(before.send(new ListFunctionsCommand({})), { name: 'UnrecognizedClientException' });
  const after = client(rotated);
  t.after(() => after.destroy());
  assert.deepEqual((await after.send(new ListFunctionsCommand({}))).Functions, []);
  assert.match(await cli('keys', 'ls'), new RegExp(`${key.AccessKeyId}\\s+333333333333\\s+deployer\\s+Revoked`));

  // Removing the account revokes its keys.
  await cli('accounts', 'rm', 'team-x');
  await assert.rejects(after.send(new ListFunctionsCommand({})), { name: 'UnrecognizedClientException' });
  const rmDefault = await nimbusCli(['accounts', 'rm', 'default', '--data-dir', nimbus.dataDir]);
  assert.equal(rmDefault.code, 1);
  assert.match(rmDefault.stderr, /the default account cannot be removed/);
});
