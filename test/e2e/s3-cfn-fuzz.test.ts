/**
 * Random requests in the protocols of Nimbus's S3 (REST and XML) and CloudFormation (Query)
 * services: every method on buckets and keys with odd names, sub-resources, conditional and
 * checksum headers, XML bodies near valid ones, and every CloudFormation action with random
 * members. Bad input must get a 4xx (or S3's 501 NotImplemented) in the service's own error
 * shape, never another 5xx, a dropped connection or a crash (the server runs in this process),
 * and both services must still work afterwards. Seeded: NIMBUS_FUZZ_SEED and NIMBUS_FUZZ_N.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/policy/rng.js';
import { startTestNimbus } from '../helpers/nimbus.js';
import { send, type RawReply } from '../s3/signed.js';

const BUCKETS = ['fuzz', 'fuzz-two', 'Fuzz', 'a', 'x'.repeat(64), 'fuzz..dots', '192.168.0.1', 'xn--fuzz', '-fuzz', 'fuzz.s3alias', '%2e%2e', '..'];
const KEYS = ['k', 'dir/k', 'dir/', 'a%2Fb', '%00', '..%2F..%2Fetc%2Fpasswd', '../../x', '😀', 'k?x', 'k%3Fx', '%ZZ', 'x'.repeat(1100), ' space ', 'a//b', '.', '%2e%2e'];
const QUERIES = [
  '', 'uploads', 'uploadId=abc', 'uploadId=abc&partNumber=1', 'uploadId=abc&partNumber=0', 'uploadId=abc&partNumber=10001', 'partNumber=2', 'list-type=2',
  'list-type=2&max-keys=-1', 'list-type=2&max-keys=abc', 'list-type=2&continuation-token=%00%01', 'list-type=2&start-after=z&prefix=d&delimiter=/', 'list-type=3',
  'delete', 'tagging', 'notification', 'acl', 'versioning', 'location', 'policy', 'cors', 'lifecycle', 'encryption', 'versions', 'uploads&max-uploads=-5',
  'response-content-type=text%2Fhtml', 'response-content-disposition=%0d%0aSet-Cookie:x', 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=0', 'X-Amz-Signature=00',
  'marker=%FF&max-keys=1000000', 'encoding-type=url', 'encoding-type=xml', 'prefix=%FF%FE',
];
const HEADERS: [string, string[]][] = [
  ['range', ['bytes=0-0', 'bytes=5-1', 'bytes=-0', 'bytes=0-', 'bytes=99999999999999999999-', 'items=1-2', 'bytes=0-1,3-4']],
  ['if-match', ['"x"', '*', '']],
  ['if-none-match', ['*', '"x"']],
  ['if-modified-since', ['yesterday', 'Thu, 01 Jan 1970 00:00:00 GMT']],
  ['content-md5', ['AAAA', 'not base64!', '1B2M2Y8AsgTpgAmY7PhCfg==']],
  ['x-amz-checksum-crc32', ['AAAAAA==', '!!', '']],
  ['x-amz-checksum-sha256', ['AAAA']],
  ['x-amz-sdk-checksum-algorithm', ['CRC32', 'MD4', 'crc64nvme']],
  ['x-amz-content-sha256', ['UNSIGNED-PAYLOAD', 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'abc', '0'.repeat(64)]],
  ['x-amz-decoded-content-length', ['5', '-1', 'x']],
  ['x-amz-trailer', ['x-amz-checksum-crc32', 'x-amz-meta-a']],
  ['x-amz-copy-source', ['/fuzz/k', 'fuzz/k?versionId=1', '/nope/k', '%', '/fuzz/', '/../../etc/passwd']],
  ['x-amz-copy-source-range', ['bytes=0-0', 'bytes=1-0']],
  ['x-amz-metadata-directive', ['REPLACE', 'COPY', 'MOVE']],
  ['x-amz-meta-a', ['b', 'é']],
  ['x-amz-storage-class', ['GLACIER', 'STANDARD', 'NOPE']],
  ['x-amz-tagging', ['a=b', '%%']],
  ['content-type', ['application/xml', 'text/plain', '']],
];
const XML = [
  '', '<', '<Delete><Object><Key>k</Key></Object></Delete>', '<Delete><Quiet>true</Quiet>' + '<Object><Key>k</Key></Object>'.repeat(1001) + '</Delete>',
  '<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>', '<CompleteMultipartUpload></CompleteMultipartUpload>',
  '<NotificationConfiguration><CloudFunctionConfiguration><CloudFunction>arn:aws:lambda:us-east-1:000000000000:function:f</CloudFunction><Event>s3:ObjectCreated:*</Event></CloudFunctionConfiguration></NotificationConfiguration>',
  '<NotificationConfiguration><QueueConfiguration><Queue>arn:aws:sqs:us-east-1:000000000000:q</Queue><Event>s3:Nope</Event></QueueConfiguration></NotificationConfiguration>',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Delete><Object><Key>&e;</Key></Object></Delete>',
  '<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>', '<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>',
  'plain bytes', '\u0000\u0001\u0002',
];

const CFN_ACTIONS = ['CreateChangeSet', 'DescribeChangeSet', 'ExecuteChangeSet', 'DeleteChangeSet', 'ListChangeSets', 'CreateStack', 'UpdateStack', 'DeleteStack', 'DescribeStacks',
  'DescribeStackEvents', 'DescribeStackResources', 'DescribeStackResource', 'ListStackResources', 'ListStacks', 'GetTemplate', 'GetTemplateSummary', 'ValidateTemplate', 'Nope'];
const CFN_MEMBERS = ['StackName', 'ChangeSetName', 'ChangeSetType', 'TemplateBody', 'TemplateURL', 'UsePreviousTemplate', 'Parameters.member.1.ParameterKey', 'Parameters.member.1.ParameterValue',
  'Parameters.member.1.UsePreviousValue', 'Capabilities.member.1', 'Tags.member.1.Key', 'Tags.member.1.Value', 'StackStatusFilter.member.1', 'NextToken', 'LogicalResourceId', 'Description',
  'TemplateStage', 'RoleARN', 'ClientToken', 'OnFailure'];
const CFN_VALUES = ['', 's', 'fuzz', 'x'.repeat(200), '1nope', 'CREATE', 'UPDATE', 'IMPORT', 'true', 'CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND', 'CREATE_COMPLETE', 'Processed',
  'arn:aws:cloudformation:us-east-1:000000000000:stack/fuzz/00000000-0000-4000-8000-000000000000', 'arn:aws:cloudformation:us-east-1:000000000000:changeSet/c/x',
  'Resources: {}', '{"Resources":{"B":{"Type":"AWS::S3::Bucket"}}}', '{"Resources":{"F":{"Type":"AWS::Lambda::Function","Properties":{"Runtime":"nodejs20.x","Handler":"i.h","Code":{"ZipFile":"x"}}}}}',
  'Transform: AWS::Serverless-2016-10-31\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: {Runtime: nodejs20.x, Handler: i.h, InlineCode: x}',
  'Transform: Nope', 'Resources: !Ref x', '{"Resources":{"A":{"Type":"AWS::S3::Bucket","DependsOn":"A"}}}', 'Resources:\n  A: *a', '&a [*a, *a]', 'http://127.0.0.1:1/t.yaml',
  's3://fuzz/t.yaml', 'https://fuzz.s3.amazonaws.com/k', 'file:///etc/passwd', '%', '😀'];

test('random requests to S3 and CloudFormation get their 4xx errors, never a 5xx or a crash, and both still work', async (t) => {
  const seed = Number(process.env['NIMBUS_FUZZ_SEED'] ?? 20261203);
  const count = Number(process.env['NIMBUS_FUZZ_N'] ?? 1200);
  const rng = new Rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rng.next() * a.length)] as T;
  const nimbus = await startTestNimbus(t);
  const port = Number(new URL(nimbus.url).port);
  // Unsigned path-style requests are S3's on an `s3.` host (docs/s3.md). A body always has its length
  // (node:http sends an OPTIONS or DELETE body unframed otherwise).
  const host = `s3.localhost:${port}`;
  const s3 = (method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<RawReply> => send(port, method, path, { host, ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) }, body);
  // Visible ASCII stays as written (percent escapes included); the rest is escaped, as a client would.
  const wire = (p: string): string => p.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
  // Something to read, copy and delete.
  assert.equal((await s3('PUT', '/fuzz')).status, 200);
  assert.equal((await s3('PUT', '/fuzz/k', {}, 'hello')).status, 200);

  const statuses = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const isS3 = rng.next() < 0.7;
    let what: string;
    let reply: RawReply;
    let method = 'POST';
    if (isS3) {
      method = pick(['GET', 'PUT', 'POST', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS']);
      // Half the requests name the bucket that exists, and a third have no sub-resource, so many reach the operations.
      const bucket = rng.next() < 0.5 ? 'fuzz' : pick(BUCKETS);
      const path = wire(rng.next() < 0.25 ? `/${bucket}` : `/${bucket}/${pick(KEYS)}`);
      const query = rng.next() < 0.33 ? '' : pick(QUERIES);
      const headers: Record<string, string> = {};
      for (let h = 0; h < rng.next() * 4; h++) {
        const [name, values] = pick(HEADERS);
        headers[name] = pick(values);
      }
      const body = method === 'GET' || method === 'HEAD' ? undefined : rng.next() < 0.6 ? pick(XML) : 'x'.repeat(Math.floor(rng.next() * 70_000));
      const full = `${path}${query ? `?${query}` : ''}`;
      what = `#${i} (seed ${seed}) S3 ${method} ${full.slice(0, 160)} ${JSON.stringify(headers)} ${String(body ?? '').slice(0, 160)}`;
      try {
        reply = await s3(method, full, headers, body);
      } catch (e) {
        assert.fail(`${what}: no answer (${String(e)})`);
      }
    } else {
      const p = new URLSearchParams({ Action: pick(CFN_ACTIONS), Version: '2010-05-15' });
      for (let m = 0; m < rng.next() * 6; m++) p.set(pick(CFN_MEMBERS), pick(CFN_VALUES));
      what = `#${i} (seed ${seed}) CloudFormation ${p.toString().slice(0, 300)}`;
      try {
        const res = await fetch(`${nimbus.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: p.toString(), signal: AbortSignal.timeout(30_000) });
        reply = { status: res.status, headers: {}, body: await res.text() };
      } catch (e) {
        assert.fail(`${what}: no answer (${String(e)})`);
      }
    }
    const text = reply.body;
    statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
    const notImplemented = reply.status === 501 && (method === 'HEAD' || /<Code>NotImplemented<\/Code>/.test(text));
    assert.ok(reply.status < 500 || notImplemented, `${what}: ${reply.status} ${text.slice(0, 300)}`);
    if (reply.status >= 400 && method !== 'HEAD') {
      if (isS3) assert.match(text, /<Error>[\s\S]*<Code>[A-Za-z0-9]+<\/Code>/, `${what}: ${text.slice(0, 200)}`);
      else assert.match(text, /<ErrorResponse xmlns="[^"]+">\s*<Error>\s*<Type>Sender<\/Type>\s*<Code>[A-Za-z.]+<\/Code>/, `${what}: ${text.slice(0, 200)}`);
    }
    // No answer carries a host file (the keys and copy sources above try to reach one).
    assert.ok(!text.includes('root:x:0:0'), `${what}: answered with a host file`);
  }
  t.diagnostic(`answers by status: ${[...statuses].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  assert.ok((statuses.get(200) ?? 0) + (statuses.get(204) ?? 0) > count / 40, 'some requests got through to the operations');

  // Both services still work.
  assert.equal((await s3('PUT', '/after-fuzz')).status, 200);
  assert.equal((await s3('PUT', '/after-fuzz/k', {}, 'still')).status, 200);
  assert.equal((await s3('GET', '/after-fuzz/k')).body, 'still');
  const stacks = await fetch(`${nimbus.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=ListStacks&Version=2010-05-15' });
  assert.equal(stacks.status, 200);
  assert.match(await stacks.text(), /<ListStacksResponse/);
});
