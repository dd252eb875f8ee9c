/**
 * Nimbus's S3 with @aws-sdk/client-s3 (what CDK and most Node tools use), against a real Nimbus:
 * buckets, objects, listings, copies, multipart uploads, ranges, preconditions, checksums and
 * S3's errors, as the SDK sends and reads them.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CopyObjectCommand, CreateBucketCommand, CreateMultipartUploadCommand, DeleteBucketCommand,
  DeleteObjectCommand, DeleteObjectsCommand, GetBucketLocationCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListBucketsCommand,
  ListMultipartUploadsCommand, ListObjectsCommand, ListObjectsV2Command, ListPartsCommand, PutObjectCommand, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { startTestNimbus } from '../helpers/nimbus.js';
import { s3Client, s3Rejects } from './helpers.js';

test('@aws-sdk/client-s3 against Nimbus: buckets, objects, listings, copies, multipart, ranges, conditions, checksums', async (t) => {
  const nimbus = await startTestNimbus(t);
  const s3 = s3Client(nimbus.url);
  t.after(() => s3.destroy());

  await t.test('buckets: create, already owned, invalid names, location, head, list', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'alpha' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'beta-eu', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
    await s3Rejects(s3.send(new CreateBucketCommand({ Bucket: 'alpha' })), 'BucketAlreadyOwnedByYou', 409);
    for (const bad of ['ab', 'Upper', 'under_score', '192.168.1.1', 'a..b', '-dash', 'x'.repeat(64)]) {
      await s3Rejects(s3.send(new CreateBucketCommand({ Bucket: bad })), 'InvalidBucketName', 400);
    }
    assert.equal((await s3.send(new GetBucketLocationCommand({ Bucket: 'beta-eu' }))).LocationConstraint, 'eu-west-1');
    assert.equal((await s3.send(new GetBucketLocationCommand({ Bucket: 'alpha' }))).LocationConstraint ?? '', '');
    await s3.send(new HeadBucketCommand({ Bucket: 'alpha' }));
    await s3Rejects(s3.send(new HeadBucketCommand({ Bucket: 'nope-nope' })), 'NotFound', 404);
    const listed = await s3.send(new ListBucketsCommand({}));
    assert.deepEqual(listed.Buckets?.map((b) => b.Name), ['alpha', 'beta-eu']);
    await s3Rejects(s3.send(new PutObjectCommand({ Bucket: 'nope-nope', Key: 'k', Body: 'x' })), 'NoSuchBucket', 404);
  });

  await t.test('objects: put with metadata and Content-MD5, get, head, ETag is the quoted MD5, overwrite, delete', async () => {
    const body = 'hello, nimbus';
    const md5 = createHash('md5').update(body).digest();
    const put = await s3.send(new PutObjectCommand({ Bucket: 'alpha', Key: 'docs/hello.txt', Body: body, ContentType: 'text/plain', Metadata: { owner: 'ada' }, ContentMD5: md5.toString('base64') }));
    assert.equal(put.ETag, `"${md5.toString('hex')}"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'alpha', Key: 'docs/hello.txt' }));
    assert.equal(await got.Body!.transformToString(), body);
    assert.equal(got.ContentType, 'text/plain');
    assert.equal(got.ContentLength, body.length);
    assert.deepEqual(got.Metadata, { owner: 'ada' });
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'alpha', Key: 'docs/hello.txt' }));
    assert.equal(head.ETag, put.ETag);
    assert.equal(head.ContentLength, body.length);
    await s3Rejects(s3.send(new PutObjectCommand({ Bucket: 'alpha', Key: 'bad-md5', Body: body, ContentMD5: createHash('md5').update('other').digest('base64') })), 'BadDigest', 400);
    await s3Rejects(s3.send(new GetObjectCommand({ Bucket: 'alpha', Key: 'bad-md5' })), 'NoSuchKey', 404);
    await s3Rejects(s3.send(new HeadObjectCommand({ Bucket: 'alpha', Key: 'missing' })), 'NotFound', 404);
    await s3.send(new PutObjectCommand({ Bucket: 'alpha', Key: 'docs/hello.txt', Body: 'second' }));
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'alpha', Key: 'docs/hello.txt' }))).Body!.transformToString(), 'second');
    // Conditional writes: only if new, only over a given ETag.
    await s3Rejects(s3.send(new PutObjectCommand({ Bucket: 'alpha', Key: 'docs/hello.txt', Body: 'third', IfNoneMatch: '*' })), 'PreconditionFailed', 412);
    await s3Rejects(s3.send(new PutObjectCommand({ Bucket: 'alpha', Key: 'docs/hello.txt', Body: 'third', IfMatch: put.ETag })), 'PreconditionFailed', 412);
    const current = await s3.send(new HeadObjectCommand({ Bucket: 'alpha', Key: 'docs/hello.txt' }));
    await s3.send(new PutObjectCommand({ Bucket: 'alpha', Key: 'docs/hello.txt', Body: 'third', IfMatch: current.ETag }));
    await s3.send(new PutObjectCommand({ Bucket: 'alpha', Key: 'docs/new-only.txt', Body: 'new', IfNoneMatch: '*' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'alpha', Key: 'docs/hello.txt' }));
    await s3.send(new DeleteObjectCommand({ Bucket: 'alpha', Key: 'docs/hello.txt' }));
    await s3Rejects(s3.send(new GetObjectCommand({ Bucket: 'alpha', Key: 'docs/hello.txt' })), 'NoSuchKey', 404);
  });

  await t.test('checksums: each algorithm the SDK computes is validated and returned; a wrong one is BadDigest', async () => {
    for (const alg of ['CRC32', 'CRC32C', 'SHA1', 'SHA256'] as const) {
      const put = await s3.send(new PutObjectCommand({ Bucket: 'alpha', Key: `sum/${alg}`, Body: `checked with ${alg}`, ChecksumAlgorithm: alg }));
      const field = `Checksum${alg}` as const;
      assert.ok(put[field], `${alg} returned on put`);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'alpha', Key: `sum/${alg}`, ChecksumMode: 'ENABLED' }));
      assert.equal(got[field], put[field]);
      assert.equal(await got.Body!.transformToString(), `checked with ${alg}`);
    }
    await s3Rejects(s3.send(new PutObjectCommand({ Bucket: 'alpha', Key: 'sum/bad', Body: 'abc', ChecksumCRC32: 'AAAAAA==' })), 'BadDigest', 400);
    // A stream body goes as aws-chunked with the checksum in a trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER).
    for (const alg of ['CRC32', 'SHA256'] as const) {
      const chunks = [Buffer.alloc(70_000, 'a'), Buffer.from('middle'), Buffer.alloc(50_000, 'z')];
      const total = chunks.reduce((n, c) => n + c.length, 0);
      const put = await s3.send(new PutObjectCommand({ Bucket: 'alpha', Key: `stream/${alg}`, Body: Readable.from(chunks), ContentLength: total, ChecksumAlgorithm: alg }));
      assert.equal(put.ETag, `"${createHash('md5').update(Buffer.concat(chunks)).digest('hex')}"`);
      const got = await s3.send(new GetObjectCommand({ Bucket: 'alpha', Key: `stream/${alg}`, ChecksumMode: 'ENABLED' }));
      assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.concat(chunks)));
      assert.equal(got[`Checksum${alg}`], put[`Checksum${alg}`]);
    }
  });

  await t.test('ranges and preconditions: 206, 416, 304, 412, response-content-type', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'alpha', Key: 'range.txt', Body: '0123456789' }));
    const part = await s3.send(new GetObjectCommand({ Bucket: 'alpha', Key: 'range.txt', Range: 'bytes=2-5' }));
    assert.equal(part.$metadata.httpStatusCode, 206);
    assert.equal(part.ContentRange, 'bytes 2-5/10');
    assert.equal(await part.Body!.transformToString(), '2345');
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'alpha', Key: 'range.txt', Range: 'bytes=-3' }))).Body!.transformToString(), '789');
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'alpha', Key: 'range.txt', Range: 'bytes=7-' }))).Body!.transformToString(), '789');
    await s3Rejects(s3.send(new GetObjectCommand({ Bucket: 'alpha', Key: 'range.txt', Range: 'bytes=10-20' })), 'InvalidRange', 416);
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'alpha', Key: 'range.txt' }));
    await s3Rejects(s3.send(new GetObjectCommand({ Bucket: 'alpha', Key: 'range.txt', IfNoneMatch: head.ETag })), '304', 304);
    await s3Rejects(s3.send(new GetObjectCommand({ Bucket: 'alpha', Key: 'range.txt', IfMatch: '"0000"' })), 'PreconditionFailed', 412);
    await s3Rejects(s3.send(new GetObjectCommand({ Bucket: 'alpha', Key: 'range.txt', IfModifiedSince: new Date(Date.now() + 3600_000) })), '304', 304);
    await s3Rejects(s3.send(new GetObjectCommand({ Bucket: 'alpha', Key: 'range.txt', IfUnmodifiedSince: new Date(Date.now() - 3600_000) })), 'PreconditionFailed', 412);
    const ok = await s3.send(new GetObjectCommand({ Bucket: 'alpha', Key: 'range.txt', IfMatch: head.ETag, ResponseContentType: 'application/x-custom' }));
    assert.equal(ok.ContentType, 'application/x-custom');
    await ok.Body!.transformToString();
  });

  await t.test('listings: prefix, delimiter, pages by continuation token and start-after, v1 markers, url encoding', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'listing' }));
    const keys = ['a/1', 'a/2', 'a/b/3', 'b/4', 'c', 'd e+f', 'ü/ñ'];
    for (const k of keys) await s3.send(new PutObjectCommand({ Bucket: 'listing', Key: k, Body: k }));
    const all = await s3.send(new ListObjectsV2Command({ Bucket: 'listing' }));
    assert.deepEqual(all.Contents?.map((o) => o.Key), keys);
    assert.equal(all.KeyCount, keys.length);
    const top = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    assert.deepEqual(top.CommonPrefixes?.map((p) => p.Prefix), ['a/', 'b/', 'ü/']);
    assert.deepEqual(top.Contents?.map((o) => o.Key), ['c', 'd e+f']);
    const inA = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'a/', Delimiter: '/' }));
    assert.deepEqual(inA.Contents?.map((o) => o.Key), ['a/1', 'a/2']);
    assert.deepEqual(inA.CommonPrefixes?.map((p) => p.Prefix), ['a/b/']);
    // Pages of two, by token, delimiter folding included.
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/', MaxKeys: 2, ContinuationToken: token }));
      seen.push(...(page.CommonPrefixes ?? []).map((p) => p.Prefix!), ...(page.Contents ?? []).map((o) => o.Key!));
      token = page.NextContinuationToken;
      assert.equal(page.IsTruncated, token !== undefined);
      pages++;
    } while (token);
    assert.deepEqual(seen.sort(), ['a/', 'b/', 'c', 'd e+f', 'ü/'].sort());
    assert.equal(pages, 3);
    const after = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'b/4' }));
    assert.deepEqual(after.Contents?.map((o) => o.Key), ['c', 'd e+f', 'ü/ñ']);
    const encoded = await s3.send(new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'd', EncodingType: 'url' }));
    assert.deepEqual(encoded.Contents?.map((o) => o.Key), ['d%20e%2Bf']);
    const v1 = await s3.send(new ListObjectsCommand({ Bucket: 'listing', Marker: 'a/b/3', MaxKeys: 2 }));
    assert.deepEqual(v1.Contents?.map((o) => o.Key), ['b/4', 'c']);
    assert.equal(v1.IsTruncated, true);
    await s3Rejects(s3.send(new DeleteBucketCommand({ Bucket: 'listing' })), 'BucketNotEmpty', 409);
    const del = await s3.send(new DeleteObjectsCommand({ Bucket: 'listing', Delete: { Objects: keys.map((Key) => ({ Key })) } }));
    assert.equal(del.Deleted?.length, keys.length);
    assert.equal((await s3.send(new ListObjectsV2Command({ Bucket: 'listing' }))).KeyCount, 0);
    await s3.send(new DeleteBucketCommand({ Bucket: 'listing' }));
    await s3Rejects(s3.send(new HeadBucketCommand({ Bucket: 'listing' })), 'NotFound', 404);
  });

  await t.test('copy: metadata copied or replaced; copying onto itself without REPLACE is refused', async () => {
    await s3.send(new PutObjectCommand({ Bucket: 'alpha', Key: 'src key.txt', Body: 'copy me', ContentType: 'text/plain', Metadata: { a: '1' } }));
    const copied = await s3.send(new CopyObjectCommand({ Bucket: 'beta-eu', Key: 'dst.txt', CopySource: 'alpha/src%20key.txt' }));
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'beta-eu', Key: 'dst.txt' }));
    assert.equal(head.ETag, copied.CopyObjectResult?.ETag);
    assert.deepEqual(head.Metadata, { a: '1' });
    assert.equal(head.ContentType, 'text/plain');
    await s3.send(new CopyObjectCommand({ Bucket: 'beta-eu', Key: 'dst.txt', CopySource: 'beta-eu/dst.txt', MetadataDirective: 'REPLACE', Metadata: { b: '2' }, ContentType: 'text/markdown' }));
    const replaced = await s3.send(new HeadObjectCommand({ Bucket: 'beta-eu', Key: 'dst.txt' }));
    assert.deepEqual(replaced.Metadata, { b: '2' });
    assert.equal(replaced.ContentType, 'text/markdown');
    await s3Rejects(s3.send(new CopyObjectCommand({ Bucket: 'beta-eu', Key: 'dst.txt', CopySource: 'beta-eu/dst.txt' })), 'InvalidRequest', 400);
    await s3Rejects(s3.send(new CopyObjectCommand({ Bucket: 'beta-eu', Key: 'x', CopySource: 'alpha/none' })), 'NoSuchKey', 404);
  });

  await t.test('multipart: create, upload parts, list, complete (ETag md5-of-md5s-N), abort, errors', async () => {
    const partA = Buffer.alloc(5 * 1024 * 1024, 'a');
    const partB = Buffer.from('tail');
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'alpha', Key: 'multi.bin', ContentType: 'application/x-test' }));
    const id = up.UploadId!;
    const e1 = (await s3.send(new UploadPartCommand({ Bucket: 'alpha', Key: 'multi.bin', UploadId: id, PartNumber: 1, Body: partA }))).ETag!;
    const e2 = (await s3.send(new UploadPartCommand({ Bucket: 'alpha', Key: 'multi.bin', UploadId: id, PartNumber: 2, Body: partB }))).ETag!;
    const parts = await s3.send(new ListPartsCommand({ Bucket: 'alpha', Key: 'multi.bin', UploadId: id }));
    assert.deepEqual(parts.Parts?.map((p) => [p.PartNumber, p.Size]), [[1, partA.length], [2, 4]]);
    assert.deepEqual((await s3.send(new ListMultipartUploadsCommand({ Bucket: 'alpha' }))).Uploads?.map((u) => u.UploadId), [id]);
    await s3Rejects(s3.send(new CompleteMultipartUploadCommand({ Bucket: 'alpha', Key: 'multi.bin', UploadId: id, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: e2 }, { PartNumber: 1, ETag: e1 }] } })), 'InvalidPartOrder', 400);
    await s3Rejects(s3.send(new CompleteMultipartUploadCommand({ Bucket: 'alpha', Key: 'multi.bin', UploadId: id, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0123"' }] } })), 'InvalidPart', 400);
    const done = await s3.send(new CompleteMultipartUploadCommand({ Bucket: 'alpha', Key: 'multi.bin', UploadId: id, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: e1 }, { PartNumber: 2, ETag: e2 }] } }));
    const md5s = Buffer.concat([createHash('md5').update(partA).digest(), createHash('md5').update(partB).digest()]);
    assert.equal(done.ETag, `"${createHash('md5').update(md5s).digest('hex')}-2"`);
    const got = await s3.send(new GetObjectCommand({ Bucket: 'alpha', Key: 'multi.bin' }));
    assert.equal(got.ContentType, 'application/x-test');
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    assert.ok(bytes.equals(Buffer.concat([partA, partB])));
    await s3Rejects(s3.send(new UploadPartCommand({ Bucket: 'alpha', Key: 'multi.bin', UploadId: id, PartNumber: 3, Body: 'late' })), 'NoSuchUpload', 404);
    // Part by part, as multipart downloaders read it.
    const second = await s3.send(new GetObjectCommand({ Bucket: 'alpha', Key: 'multi.bin', PartNumber: 2 }));
    assert.equal(second.PartsCount, 2);
    assert.equal(second.ContentRange, `bytes ${partA.length}-${partA.length + 3}/${partA.length + 4}`);
    assert.equal(await second.Body!.transformToString(), 'tail');
    await s3Rejects(s3.send(new GetObjectCommand({ Bucket: 'alpha', Key: 'multi.bin', PartNumber: 3 })), 'InvalidPartNumber', 416);
    // Too small a part before the last one; then abort.
    const small = (await s3.send(new CreateMultipartUploadCommand({ Bucket: 'alpha', Key: 'small.bin' }))).UploadId!;
    const s1 = (await s3.send(new UploadPartCommand({ Bucket: 'alpha', Key: 'small.bin', UploadId: small, PartNumber: 1, Body: 'x' }))).ETag!;
    const s2 = (await s3.send(new UploadPartCommand({ Bucket: 'alpha', Key: 'small.bin', UploadId: small, PartNumber: 2, Body: 'y' }))).ETag!;
    await s3Rejects(s3.send(new CompleteMultipartUploadCommand({ Bucket: 'alpha', Key: 'small.bin', UploadId: small, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: s1 }, { PartNumber: 2, ETag: s2 }] } })), 'EntityTooSmall', 400);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: 'alpha', Key: 'small.bin', UploadId: small }));
    await s3Rejects(s3.send(new ListPartsCommand({ Bucket: 'alpha', Key: 'small.bin', UploadId: small })), 'NoSuchUpload', 404);
  });

  await t.test('virtual-hosted style: <bucket>.localhost and <bucket>.s3.localhost reach the same bucket', async () => {
    const port = new URL(nimbus.url).port;
    // Names under .localhost need no DNS here: the request goes to 127.0.0.1 with the Host the SDK signed.
    const vh = s3Client(`http://s3.localhost:${port}`, undefined, { virtualHosted: true });
    vh.middlewareStack.add((next) => async (args) => {
      const req = args.request as { hostname: string; headers: Record<string, string> };
      req.headers['host'] = `${req.hostname}:${port}`;
      req.hostname = '127.0.0.1';
      return next(args);
    }, { step: 'finalizeRequest', priority: 'low' });
    t.after(() => vh.destroy());
    await vh.send(new PutObjectCommand({ Bucket: 'alpha', Key: 'vh.txt', Body: 'virtual' }));
    assert.equal(await (await s3.send(new GetObjectCommand({ Bucket: 'alpha', Key: 'vh.txt' }))).Body!.transformToString(), 'virtual');
    const listed = await vh.send(new ListObjectsV2Command({ Bucket: 'alpha', Prefix: 'vh' }));
    assert.deepEqual(listed.Contents?.map((o) => o.Key), ['vh.txt']);
  });
});
