/**
 * The LocalStack user's flow with the AWS CLI v2 (/usr/bin/aws): `aws s3 mb`, `aws s3 cp` of a
 * small and a 20 MB file (the CLI switches to multipart at 8 MB), `ls`, `presign` then a plain
 * HTTP GET, `rm`, `rb`, s3api calls, and `aws lambda create-function --code S3Bucket=...`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { AWS_CLI, awsCliHome, runCli } from '../helpers/aws-cli.js';
import { makeZip, startTestNimbus } from '../helpers/nimbus.js';

test('aws s3 and s3api (CLI v2) against Nimbus, then a function from the uploaded zip', async (t) => {
  if (!existsSync(AWS_CLI)) {
    if (process.env['CI'] === 'true') assert.fail(`${AWS_CLI} is not installed`);
    t.skip('AWS CLI v2 not found (apt-get install awscli)');
    return;
  }
  const nimbus = await startTestNimbus(t);
  const { home, env } = awsCliHome(t, 'nimbus-s3cli-');
  const aws = async (...args: string[]): Promise<string> => {
    const r = await runCli(AWS_CLI, ['--endpoint-url', nimbus.url, '--output', 'json', ...args], { env: env(), cwd: home });
    assert.equal(r.code, 0, `aws ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  const fails = async (...args: string[]): Promise<string> => {
    const r = await runCli(AWS_CLI, ['--endpoint-url', nimbus.url, ...args], { env: env(), cwd: home });
    assert.notEqual(r.code, 0, `aws ${args.join(' ')} should fail`);
    return r.stderr;
  };

  assert.match(await aws('s3', 'mb', 's3://cli-bucket'), /make_bucket: cli-bucket/);
  const small = join(home, 'small.txt');
  writeFileSync(small, 'small file\n');
  const big = join(home, 'big.bin');
  const bigBytes = randomBytes(20 * 1024 * 1024);
  writeFileSync(big, bigBytes);
  await aws('s3', 'cp', '--only-show-errors', small, 's3://cli-bucket/dir/small.txt');
  await aws('s3', 'cp', '--only-show-errors', big, 's3://cli-bucket/dir/big.bin');
  const ls = await aws('s3', 'ls', 's3://cli-bucket/dir/');
  assert.match(ls, /\s11 small\.txt/);
  assert.match(ls, new RegExp(`\\s${bigBytes.length} big\\.bin`));
  assert.match(await aws('s3', 'ls', 's3://cli-bucket'), /PRE dir\//);
  // Multipart: the ETag says how many parts the CLI sent.
  const head = JSON.parse(await aws('s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'dir/big.bin')) as { ETag: string; ContentLength: number };
  assert.equal(head.ContentLength, bigBytes.length);
  assert.match(head.ETag, /^"[0-9a-f]{32}-3"$/);
  const back = join(home, 'back.bin');
  await aws('s3', 'cp', '--only-show-errors', 's3://cli-bucket/dir/big.bin', back);
  assert.ok(readFileSync(back).equals(bigBytes), 'the 20 MB file comes back byte for byte');

  // A copy inside S3 above 8 MB: the CLI copies it as a multipart upload of UploadPartCopy ranges.
  await aws('s3', 'cp', '--only-show-errors', 's3://cli-bucket/dir/big.bin', 's3://cli-bucket/copy/big.bin');
  const copyBack = join(home, 'copy.bin');
  await aws('s3', 'cp', '--only-show-errors', 's3://cli-bucket/copy/big.bin', copyBack);
  assert.ok(readFileSync(copyBack).equals(bigBytes), 'the copied 20 MB object is the same bytes');

  // A presigned URL works with plain HTTP (tampering is refused with --auth keys: attacks.test.ts).
  const url = (await aws('s3', 'presign', 's3://cli-bucket/dir/small.txt', '--expires-in', '300')).trim();
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'small file\n');

  // s3api: put with metadata, list-objects-v2, get-object to a file, errors as the CLI prints them.
  await aws('s3api', 'put-object', '--bucket', 'cli-bucket', '--key', 'meta.txt', '--body', small, '--metadata', 'team=blue', '--content-type', 'text/plain');
  const meta = JSON.parse(await aws('s3api', 'head-object', '--bucket', 'cli-bucket', '--key', 'meta.txt')) as { Metadata: Record<string, string>; ContentType: string };
  assert.deepEqual(meta.Metadata, { team: 'blue' });
  assert.equal(meta.ContentType, 'text/plain');
  const listed = JSON.parse(await aws('s3api', 'list-objects-v2', '--bucket', 'cli-bucket', '--prefix', 'dir/')) as { Contents: { Key: string }[] };
  assert.deepEqual(listed.Contents.map((c) => c.Key), ['dir/big.bin', 'dir/small.txt']);
  assert.match(await fails('s3api', 'get-object', '--bucket', 'cli-bucket', '--key', 'nope', join(home, 'x')), /\(NoSuchKey\) when calling the GetObject operation: The specified key does not exist\./);
  assert.match(await fails('s3', 'mb', 's3://cli-bucket'), /BucketAlreadyOwnedByYou/);
  assert.match(await fails('s3', 'rb', 's3://cli-bucket'), /BucketNotEmpty/);

  // The LocalStack flow: the zip goes to S3, the function is made from it, and runs.
  const zip = join(home, 'fn.zip');
  writeFileSync(zip, await makeZip({ 'index.js': 'exports.handler = async (e) => ({ from: "s3", n: e.n });' }));
  await aws('s3', 'cp', '--only-show-errors', zip, 's3://cli-bucket/code/fn.zip');
  const created = JSON.parse(await aws('lambda', 'create-function', '--function-name', 'cli-s3', '--runtime', 'nodejs20.x', '--handler', 'index.handler', '--role', 'arn:aws:iam::000000000000:role/any', '--code', 'S3Bucket=cli-bucket,S3Key=code/fn.zip')) as { State: string };
  assert.equal(created.State, 'Active');
  const out = join(home, 'out.json');
  await aws('lambda', 'invoke', '--function-name', 'cli-s3', '--cli-binary-format', 'raw-in-base64-out', '--payload', '{"n":3}', out);
  assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), { from: 's3', n: 3 });
  assert.match(
    await fails('lambda', 'update-function-code', '--function-name', 'cli-s3', '--s3-bucket', 'cli-bucket', '--s3-key', 'code/missing.zip'),
    /\(InvalidParameterValueException\) when calling the UpdateFunctionCode operation: Error occurred while GetObject\. S3 Error Code: NoSuchKey\. S3 Error Message: The specified key does not exist\./,
  );

  await aws('s3', 'rm', '--only-show-errors', '--recursive', 's3://cli-bucket/');
  assert.equal((await aws('s3', 'ls', 's3://cli-bucket')).trim(), '');
  assert.match(await aws('s3', 'rb', 's3://cli-bucket'), /remove_bucket: cli-bucket/);
});
