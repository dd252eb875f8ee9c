/**
 * Nimbus's S3 with boto3, the way Python tools drive it: put/get with metadata, upload_file
 * above the multipart threshold, a list paginator, copy, delete_objects, a presigned GET read
 * with urllib, and S3's error codes as botocore parses them. Run with every Python on the
 * machine that has boto3 (Debian's, and a newer one that sends CRC32 trailers by default).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { startTestNimbus } from '../helpers/nimbus.js';

const run = promisify(execFile);

const SCRIPT = String.raw`
import json, os, sys, urllib.request, hashlib
import boto3, botocore
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

url, workdir, bucket = sys.argv[1], sys.argv[2], sys.argv[3]
s3 = boto3.client('s3', endpoint_url=url, region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test',
                  config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}))
out = {'botocore': botocore.__version__}
def code(f):
    try:
        f()
        return 'ok'
    except ClientError as e:
        return e.response['Error']['Code'] + ':' + str(e.response['ResponseMetadata']['HTTPStatusCode'])

s3.create_bucket(Bucket=bucket)
out['dup'] = code(lambda: s3.create_bucket(Bucket=bucket))
s3.put_object(Bucket=bucket, Key='hello.txt', Body=b'hi from boto3', Metadata={'lang': 'python'}, ContentType='text/plain')
g = s3.get_object(Bucket=bucket, Key='hello.txt')
out['body'] = g['Body'].read().decode()
out['meta'] = g['Metadata']
out['type'] = g['ContentType']
big = os.path.join(workdir, 'big.bin')
data = os.urandom(12 * 1024 * 1024)
open(big, 'wb').write(data)
s3.upload_file(big, bucket, 'big.bin', Config=TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024))
back = os.path.join(workdir, 'back.bin')
s3.download_file(bucket, 'big.bin', back)
out['bigSame'] = open(back, 'rb').read() == data
out['bigEtag'] = s3.head_object(Bucket=bucket, Key='big.bin')['ETag']
for i in range(5):
    s3.put_object(Bucket=bucket, Key='many/%d' % i, Body=b'x')
keys = []
for page in s3.get_paginator('list_objects_v2').paginate(Bucket=bucket, Prefix='many/', PaginationConfig={'PageSize': 2}):
    keys += [o['Key'] for o in page.get('Contents', [])]
out['paged'] = keys
s3.copy_object(Bucket=bucket, Key='copy.txt', CopySource={'Bucket': bucket, 'Key': 'hello.txt'})
out['copy'] = s3.get_object(Bucket=bucket, Key='copy.txt')['Body'].read().decode()
d = s3.delete_objects(Bucket=bucket, Delete={'Objects': [{'Key': 'many/%d' % i} for i in range(5)]})
out['deleted'] = sorted(x['Key'] for x in d.get('Deleted', []))
signed = s3.generate_presigned_url('get_object', Params={'Bucket': bucket, 'Key': 'hello.txt'}, ExpiresIn=60)
out['presigned'] = urllib.request.urlopen(signed).read().decode()
out['nokey'] = code(lambda: s3.get_object(Bucket=bucket, Key='nope'))
out['nobucket'] = code(lambda: s3.list_objects_v2(Bucket='no-such-bucket-here'))
out['notempty'] = code(lambda: s3.delete_bucket(Bucket=bucket))
print(json.dumps(out))
`;

async function pythonsWithBoto3(): Promise<string[]> {
  const found: string[] = [];
  const seen = new Set<string>();
  for (const p of ['/usr/bin/python3', 'python3']) {
    try {
      const { stdout } = await run(p, ['-c', 'import boto3, botocore, sys; print(sys.executable, botocore.__version__)']);
      const [exe] = stdout.trim().split(' ');
      if (exe && !seen.has(exe)) {
        seen.add(exe);
        found.push(p);
      }
    } catch {
      // No boto3 there.
    }
  }
  return found;
}

test('boto3 against Nimbus S3', async (t) => {
  const pythons = await pythonsWithBoto3();
  if (pythons.length === 0) {
    if (process.env['CI'] === 'true') assert.fail('python3-boto3 is not installed');
    t.skip('boto3 not found (apt-get install python3-boto3)');
    return;
  }
  const nimbus = await startTestNimbus(t);
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-boto3-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 's3.py');
  writeFileSync(script, SCRIPT);
  let n = 0;
  for (const py of pythons) {
    const bucket = `boto-${n++}`;
    const { stdout } = await run(py, [script, nimbus.url, dir, bucket], { env: { ...process.env, HOME: dir, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' }, maxBuffer: 1 << 20 });
    const out = JSON.parse(stdout) as Record<string, unknown>;
    const who = `${py} (botocore ${String(out['botocore'])})`;
    assert.equal(out['dup'], 'BucketAlreadyOwnedByYou:409', who);
    assert.equal(out['body'], 'hi from boto3', who);
    assert.deepEqual(out['meta'], { lang: 'python' }, who);
    assert.equal(out['type'], 'text/plain', who);
    assert.equal(out['bigSame'], true, who);
    assert.match(String(out['bigEtag']), /^"[0-9a-f]{32}-3"$/, who);
    assert.deepEqual(out['paged'], ['many/0', 'many/1', 'many/2', 'many/3', 'many/4'], who);
    assert.equal(out['copy'], 'hi from boto3', who);
    assert.deepEqual(out['deleted'], ['many/0', 'many/1', 'many/2', 'many/3', 'many/4'], who);
    assert.equal(out['presigned'], 'hi from boto3', who);
    assert.equal(out['nokey'], 'NoSuchKey:404', who);
    assert.equal(out['nobucket'], 'NoSuchBucket:404', who);
    assert.equal(out['notempty'], 'BucketNotEmpty:409', who);
  }
});
