/**
 * The same flows with the AWS CLI v2, as a user runs them. CI installs the CLI (Debian's
 * awscli), so there this test fails rather than skips when it is missing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { awsCliHome, runCli, type CliResult } from '../helpers/aws-cli.js';
import { makeZip, startTestNimbus } from '../helpers/nimbus.js';

const run = promisify(execFile);

/** AWS CLI v2: Debian's /usr/bin/aws first (a pyenv or pip `aws` may be v1). */
async function findAwsV2(): Promise<string | null> {
  for (const bin of ['/usr/bin/aws', '/usr/local/bin/aws', 'aws']) {
    if (bin.startsWith('/') && !existsSync(bin)) continue;
    try {
      const { stdout, stderr } = await run(bin, ['--version']);
      if (/aws-cli\/2\./.test(stdout + stderr)) return bin;
    } catch {
      // Not this one.
    }
  }
  return null;
}

test('the AWS CLI v2 against Nimbus', async (t) => {
  const aws = await findAwsV2();
  if (!aws) {
    if (process.env['CI'] === 'true') assert.fail('AWS CLI v2 is not installed; .ci/run installs Debian awscli');
    t.skip('AWS CLI v2 not found (apt-get install awscli)');
    return;
  }
  const nimbus = await startTestNimbus(t);
  const { home, env } = awsCliHome(t, 'nimbus-awscli-');
  const cli = (...args: string[]): Promise<CliResult> => runCli(aws, ['--endpoint-url', nimbus.url, '--output', 'json', 'lambda', ...args], { env: env(), cwd: home });
  const ok = async (...args: string[]): Promise<Record<string, unknown>> => {
    const r = await cli(...args);
    assert.equal(r.code, 0, `aws lambda ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : {};
  };

  const zip = join(home, 'hello.zip');
  writeFileSync(zip, await makeZip({ 'index.js': "exports.handler = async (e) => { console.log('cli says hi'); return { hello: e.name ?? 'world' }; };" }));

  const created = await ok(
    'create-function', '--function-name', 'hello', '--runtime', 'nodejs20.x', '--handler', 'index.handler',
    '--zip-file', `fileb://${zip}`, '--role', 'arn:aws:iam::000000000000:role/any',
  );
  assert.equal(created['FunctionArn'], 'arn:aws:lambda:us-east-1:000000000000:function:hello');
  assert.equal(created['State'], 'Active');
  await ok('wait', 'function-active-v2', '--function-name', 'hello');

  const got = await ok('get-function', '--function-name', 'hello');
  assert.equal((got['Configuration'] as Record<string, unknown>)['Handler'], 'index.handler');

  const out = join(home, 'out.json');
  const inv = await ok('invoke', '--function-name', 'hello', '--log-type', 'Tail', '--cli-binary-format', 'raw-in-base64-out', '--payload', '{"name":"cli"}', out);
  assert.equal(inv['StatusCode'], 200);
  assert.equal(inv['ExecutedVersion'], '$LATEST');
  assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), { hello: 'cli' });
  assert.match(Buffer.from(String(inv['LogResult']), 'base64').toString('utf8'), /cli says hi[\s\S]*REPORT RequestId/);

  writeFileSync(zip, await makeZip({ 'index.js': 'exports.handler = async () => { throw new Error("v2 fails"); };' }));
  await ok('update-function-code', '--function-name', 'hello', '--zip-file', `fileb://${zip}`);
  await ok('wait', 'function-updated-v2', '--function-name', 'hello');
  const failed = await ok('invoke', '--function-name', 'hello', out);
  assert.equal(failed['FunctionError'], 'Unhandled');
  assert.equal((JSON.parse(readFileSync(out, 'utf8')) as { errorMessage: string }).errorMessage, 'v2 fails');

  const conf = await ok('update-function-configuration', '--function-name', 'hello', '--memory-size', '512', '--environment', 'Variables={STAGE=b}');
  assert.equal(conf['MemorySize'], 512);
  assert.equal((await ok('get-function-configuration', '--function-name', 'hello'))['MemorySize'], 512);

  await ok('create-function', '--function-name', 'second', '--runtime', 'nodejs20.x', '--handler', 'index.handler', '--zip-file', `fileb://${zip}`, '--role', 'arn:aws:iam::000000000000:role/any');
  const list = await ok('list-functions', '--page-size', '1');
  assert.deepEqual((list['Functions'] as { FunctionName: string }[]).map((f) => f.FunctionName), ['hello', 'second']);
  const settings = await ok('get-account-settings');
  assert.equal((settings['AccountUsage'] as Record<string, unknown>)['FunctionCount'], 2);

  await ok('delete-function', '--function-name', 'second');
  const missing = await cli('get-function', '--function-name', 'second');
  assert.notEqual(missing.code, 0);
  assert.match(
    missing.stderr,
    /An error occurred \(ResourceNotFoundException\) when calling the GetFunction operation: Function not found: arn:aws:lambda:us-east-1:000000000000:function:second/,
  );
  const dup = await cli('create-function', '--function-name', 'hello', '--runtime', 'nodejs20.x', '--handler', 'index.handler', '--zip-file', `fileb://${zip}`, '--role', 'arn:aws:iam::000000000000:role/any');
  assert.match(dup.stderr, /ResourceConflictException/);
  const badTimeout = await cli('update-function-configuration', '--function-name', 'hello', '--timeout', '901');
  assert.match(badTimeout.stderr, /\(ValidationException\) when calling the UpdateFunctionConfiguration operation: .*less than or equal to 900/);
});
