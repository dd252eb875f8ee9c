/**
 * Nimbus's S3 under `--auth keys` and hostile input: wrong keys and signatures refused in S3's
 * XML shape, presigned URLs that were tampered with, chunk signatures checked, policies on
 * `s3:*` actions and `arn:aws:s3:::` resources, keys that look like paths never leaving the
 * storage directory, malformed XML, and bodies that lie about their size. Nothing crashes the server.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import net from 'node:net';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { AWS_CLI } from '../helpers/aws-cli.js';
import { startTestNimbus } from '../helpers/nimbus.js';
import { s3Client, s3Rejects } from './helpers.js';
import { chunkSignedPut, send, sha256Hex, signedHeaders, type Creds } from './signed.js';

const run = promisify(execFile);

/** Every file under `dir`, relative. */
function tree(dir: string, base = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, base), { withFileTypes: true })) {
    const rel = base ? `${base}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...tree(dir, rel));
    else out.push(rel);
  }
  return out;
}

test('S3 with --auth keys: signatures, presigned URLs, chunk signatures, policies, hostile keys and bodies', async (t) => {
  const nimbus = await startTestNimbus(t, { auth: 'keys' });
  const port = Number(new URL(nimbus.url).port);
  const made = await nimbus.accounts.createKey('default', { name: 'deployer' });
  const creds: Creds = { accessKeyId: made.accessKeyId, secretAccessKey: made.secretAccessKey };
  const s3 = s3Client(nimbus.url, creds);
  t.after(() => s3.destroy());
  await s3.send(new CreateBucketCommand({ Bucket: 'guarded' }));

  await t.test('keys that need encoding are signed and verified in S3 form (single encoding, no normalisation)', async () => {
    for (const key of ['sp ace/ü+%&=.txt', 'a/../b', 'dir//double', '..', 'x?y#z', '日本語/キー']) {
      await s3.send(new PutObjectCommand({ Bucket: 'guarded', Key: key, Body: `body of ${key}` }));
      assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'guarded', Key: key }))).Body!.transformToString(), `body of ${key}`);
    }
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'guarded' }));
    assert.equal(listed.KeyCount, 6);
    // A stream body: aws-chunked with a trailing CRC32 and no chunk signatures, under a verified key.
    await s3.send(new PutObjectCommand({ Bucket: 'guarded', Key: 'streamed', Body: Readable.from([Buffer.from('one '), Buffer.from('two')]), ContentLength: 7 }));
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'guarded', Key: 'streamed' }))).Body!.transformToString(), 'one two');
    await s3.send(new DeleteObjectCommand({ Bucket: 'guarded', Key: 'streamed' }));
  });

  await t.test('wrong secret, unknown key, no signature: 403 in S3 XML', async () => {
    const wrong = s3Client(nimbus.url, { accessKeyId: creds.accessKeyId, secretAccessKey: 'not-the-secret' });
    const unknown = s3Client(nimbus.url, { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' });
    t.after(() => {
      wrong.destroy();
      unknown.destroy();
    });
    await s3Rejects(wrong.send(new GetObjectCommand({ Bucket: 'guarded', Key: '..' })), 'SignatureDoesNotMatch', 403);
    await s3Rejects(wrong.send(new PutObjectCommand({ Bucket: 'guarded', Key: 'evil', Body: 'x' })), 'SignatureDoesNotMatch', 403);
    await s3Rejects(unknown.send(new ListObjectsV2Command({ Bucket: 'guarded' })), 'InvalidAccessKeyId', 403);
    const anon = await send(port, 'GET', '/guarded/..', { host: `s3.localhost:${port}` });
    assert.equal(anon.status, 403);
    assert.match(anon.body, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>AccessDenied<\/Code><Message>[^<]+<\/Message><RequestId>[0-9A-F]+<\/RequestId>/);
    assert.equal(anon.headers['x-amzn-errortype'], undefined);
  });

  await t.test('x-amz-content-sha256 must match the body', async () => {
    const headers = await signedHeaders(creds, port, 'PUT', '/guarded/sha', { 'content-length': '5' }, sha256Hex('other'));
    const r = await send(port, 'PUT', '/guarded/sha', headers, 'hello');
    assert.equal(r.status, 400);
    assert.match(r.body, /<Code>XAmzContentSHA256Mismatch<\/Code>/);
    const good = await signedHeaders(creds, port, 'PUT', '/guarded/sha', { 'content-length': '5' }, sha256Hex('hello'));
    assert.equal((await send(port, 'PUT', '/guarded/sha', good, 'hello')).status, 200);
  });

  await t.test('aws-chunked with chunk signatures: verified chunk by chunk; one bad chunk refuses the upload', async () => {
    const body = Buffer.from('chunked body '.repeat(2000));
    const ok = await chunkSignedPut(creds, port, '/guarded/chunked', body, 8192);
    assert.equal(ok.status, 200, ok.body);
    const back = await s3.send(new GetObjectCommand({ Bucket: 'guarded', Key: 'chunked' }));
    assert.equal(await back.Body!.transformToString(), body.toString());
    const bad = await chunkSignedPut(creds, port, '/guarded/chunked-bad', body, 8192, 2);
    assert.equal(bad.status, 403);
    assert.match(bad.body, /<Code>SignatureDoesNotMatch<\/Code>/);
    await s3Rejects(s3.send(new GetObjectCommand({ Bucket: 'guarded', Key: 'chunked-bad' })), 'NoSuchKey', 404);
  });

  await t.test('a trailing checksum that does not match the body is BadDigest, and nothing is stored', async () => {
    const wire = '5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n';
    const headers = await signedHeaders(creds, port, 'PUT', '/guarded/trailer', {
      'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '5', 'x-amz-trailer': 'x-amz-checksum-crc32', 'content-length': String(wire.length),
    }, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    const r = await send(port, 'PUT', '/guarded/trailer', headers, wire);
    assert.equal(r.status, 400);
    assert.match(r.body, /<Code>BadDigest<\/Code><Message>The CRC32 you specified did not match the calculated checksum\.<\/Message>/);
    await s3Rejects(s3.send(new GetObjectCommand({ Bucket: 'guarded', Key: 'trailer' })), 'NoSuchKey', 404);
    // A chunk header that is not one is IncompleteBody, not a crash.
    const junk = 'zz;chunk\r\nhello\r\n';
    const h2 = await signedHeaders(creds, port, 'PUT', '/guarded/junk', { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': '5', 'content-length': String(junk.length) }, 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    const r2 = await send(port, 'PUT', '/guarded/junk', h2, junk);
    assert.equal(r2.status, 400);
    assert.match(r2.body, /<Code>IncompleteBody<\/Code>/);
  });

  await t.test('presigned URLs: a real key works, a tampered URL does not', async (tt) => {
    if (!existsSync(AWS_CLI)) {
      if (process.env['CI'] === 'true') assert.fail(`${AWS_CLI} is not installed`);
      tt.skip('AWS CLI v2 not found');
      return;
    }
    const env = { PATH: process.env['PATH'] ?? '', HOME: '/nonexistent', AWS_ACCESS_KEY_ID: creds.accessKeyId, AWS_SECRET_ACCESS_KEY: creds.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
    const url = (await run(AWS_CLI, ['--endpoint-url', nimbus.url, 's3', 'presign', 's3://guarded/sha', '--expires-in', '120'], { env })).stdout.trim();
    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello');
    const tampered = await fetch(url.replace('/guarded/sha', '/guarded/chunked'));
    assert.equal(tampered.status, 403);
    assert.match(await tampered.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
  });

  await t.test('identity policies: s3:GetObject on arn:aws:s3:::guarded/public/* only', async () => {
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::guarded/public/*' }] });
    const reader = await nimbus.accounts.createKey('default', { name: 'reader', policy });
    const rs3 = s3Client(nimbus.url, { accessKeyId: reader.accessKeyId, secretAccessKey: reader.secretAccessKey });
    t.after(() => rs3.destroy());
    await s3.send(new PutObjectCommand({ Bucket: 'guarded', Key: 'public/a.txt', Body: 'public' }));
    assert.equal(await (await rs3.send(new GetObjectCommand({ Bucket: 'guarded', Key: 'public/a.txt' }))).Body!.transformToString(), 'public');
    await s3Rejects(rs3.send(new GetObjectCommand({ Bucket: 'guarded', Key: 'sha' })), 'AccessDenied', 403);
    await s3Rejects(rs3.send(new PutObjectCommand({ Bucket: 'guarded', Key: 'public/b.txt', Body: 'x' })), 'AccessDenied', 403);
    await s3Rejects(rs3.send(new ListObjectsV2Command({ Bucket: 'guarded' })), 'AccessDenied', 403);
  });

  await t.test('keys that look like paths stay names: nothing is written outside s3/blobs', async () => {
    const before = new Set(tree(nimbus.dataDir));
    for (const raw of ['/guarded/..%2F..%2F..%2Fescape', '/guarded/%2e%2e/%2e%2e/escape2', '/guarded/../../escape3', '/guarded/%2F%2Fetc%2Fpasswd']) {
      const headers = await signedHeaders(creds, port, 'PUT', raw, { 'content-length': '4' }, sha256Hex('evil'));
      const r = await send(port, 'PUT', raw, headers, 'evil');
      // Either stored as a key (a name) or refused (a path the signer encoded otherwise); never a file of that name.
      assert.ok(r.status === 200 || r.status === 400 || r.status === 403, `${raw}: ${r.status} ${r.body}`);
    }
    const added = tree(nimbus.dataDir).filter((f) => !before.has(f));
    for (const f of added) assert.match(f, /^(s3\/blobs\/[0-9a-f-]{36}|[^/]+\.db-(wal|shm)|[^/]+\.(db|log|json))$/, `unexpected file ${f}`);
    assert.ok(!existsSync(join(nimbus.dataDir, '..', 'escape')));
    const long = 'k'.repeat(1025);
    await s3Rejects(s3.send(new PutObjectCommand({ Bucket: 'guarded', Key: long, Body: 'x' })), 'KeyTooLongError', 400);
  });

  await t.test('malformed XML bodies are MalformedXML', async () => {
    for (const [path, body] of [
      ['/guarded?delete', '<Delete><Object><Key>a</Key></Object>'],
      ['/guarded?delete', 'not xml at all'],
      ['/guarded?delete', '<Delete></Delete>'],
      ['/newbucket', '<CreateBucketConfiguration><LocationConstraint>eu-west-1</Location></CreateBucketConfiguration>'],
      ['/guarded/k?uploadId=nope', '<CompleteMultipartUpload><Part>'],
      ['/guarded?delete', '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><Delete><Object><Key>&b;</Key></Object></Delete>'],
    ] as const) {
      const method = path === '/newbucket' ? 'PUT' : 'POST';
      const headers = await signedHeaders(creds, port, method, path, { 'content-length': String(Buffer.byteLength(body)) }, sha256Hex(body));
      const r = await send(port, method, path, headers, body);
      assert.ok(r.status === 400 || r.status === 404, `${path} ${body}: ${r.status}`);
      assert.match(r.body, /<Code>(MalformedXML|NoSuchUpload)<\/Code>/, `${path} ${body}: ${r.body}`);
    }
  });

  await t.test('bodies that lie about their size: 6 GiB declared is EntityTooLarge at once; a body cut short stores nothing', async () => {
    const declared = String(6 * 1024 ** 3);
    const headers = await signedHeaders(creds, port, 'PUT', '/guarded/huge', { 'content-length': declared }, 'UNSIGNED-PAYLOAD');
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.write(`PUT /guarded/huge HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
      });
      let got = '';
      sock.on('data', (d) => {
        got += d.toString();
        if (got.includes('</Error>')) {
          sock.destroy();
          resolve(got);
        }
      });
      sock.on('error', reject);
      sock.on('close', () => resolve(got));
    });
    assert.match(reply, /^HTTP\/1\.1 400/);
    assert.match(reply, /<Code>EntityTooLarge<\/Code>/);
    // Declares 1000 bytes, sends 10, hangs up.
    const cut = await signedHeaders(creds, port, 'PUT', '/guarded/cut', { 'content-length': '1000' }, 'UNSIGNED-PAYLOAD');
    await new Promise<void>((resolve) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.write(`PUT /guarded/cut HTTP/1.1\r\n${Object.entries(cut).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n0123456789`);
        setTimeout(() => sock.destroy(), 200);
      });
      sock.on('close', () => resolve());
      sock.on('error', () => resolve());
    });
    await s3Rejects(s3.send(new GetObjectCommand({ Bucket: 'guarded', Key: 'cut' })), 'NoSuchKey', 404);
    // The server is still there, and left no stray file behind once the upload was dropped.
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'guarded', Key: 'sha' }))).Body!.transformToString(), 'hello');
  });
});
