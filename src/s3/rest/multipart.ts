/**
 * Multipart uploads: Create, UploadPart, Complete, Abort, ListParts, ListMultipartUploads. Parts
 * are blobs of their own until Complete joins them into one; the object's ETag is the MD5 of the
 * parts' binary MD5s, then `-N` (what clients compare against, e.g. `aws s3 sync`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { S3Error } from '../errors.js';
import { checkKey } from '../names.js';
import { receiveBody } from '../receive.js';
import type { S3Service } from '../service.js';
import type { ObjectRecord, UploadRecord } from '../types.js';
import { parseXml, xmlDocument } from '../xml.js';
import { readSmallBody } from './body.js';
import { objectHeadersOf } from './object-headers.js';
import { checksumReply, copySource } from './objects.js';
import { header, isoDate, s3Arn, xmlReply, type S3Request, type S3Response } from './request.js';

const MIN_PART = 5 * 1024 * 1024;
const MAX_PARTS = 10_000;

async function upload(s3: S3Service, r: S3Request, bucket: string, key: string): Promise<UploadRecord> {
  await s3.bucket(r.scope, bucket);
  const id = r.query.get('uploadId') ?? '';
  const u = await s3.store.getUpload(id);
  if (!u || u.bucket !== bucket || u.key !== key) throw new S3Error('NoSuchUpload', undefined, { UploadId: id });
  return u;
}

export async function createUpload(s3: S3Service, r: S3Request, bucket: string, key: string): Promise<S3Response> {
  r.authorize('s3:PutObject', s3Arn(bucket, key));
  await s3.bucket(r.scope, bucket);
  checkKey(key);
  const uploadId = randomBytes(24).toString('base64url');
  const alg = header(r, 'x-amz-checksum-algorithm');
  await s3.store.createUpload({ ...objectHeadersOf(r), uploadId, bucket, key, accountId: r.scope.accountId, initiated: s3.deps.now(), checksumAlgorithm: alg?.toUpperCase() });
  return xmlReply(xmlDocument('InitiateMultipartUploadResult', { Bucket: bucket, Key: key, UploadId: uploadId }));
}

export async function uploadPart(s3: S3Service, r: S3Request, bucket: string, key: string): Promise<S3Response> {
  r.authorize('s3:PutObject', s3Arn(bucket, key));
  const u = await upload(s3, r, bucket, key);
  const n = partNumberOf(r);
  const got = await receiveBody(r.req, s3.blobs, { signing: r.signing });
  const etag = `"${got.md5.toString('hex')}"`;
  // The upload may have been completed or aborted while this part streamed in.
  if (!(await s3.store.getUpload(u.uploadId))) {
    await s3.blobs.remove(got.blob);
    throw new S3Error('NoSuchUpload', undefined, { UploadId: u.uploadId });
  }
  const old = await s3.store.putPart({ uploadId: u.uploadId, partNumber: n, blob: got.blob, size: got.size, etag, lastModified: s3.deps.now(), checksums: got.checksums });
  await s3.blobs.remove(old);
  return { status: 200, headers: { ETag: etag, ...checksumReply(got.checksums) } };
}

/** UploadPartCopy: a part made from (a byte range of) an existing object, as `aws s3 cp s3://… s3://…` does above 8 MB. */
export async function uploadPartCopy(s3: S3Service, r: S3Request, bucket: string, key: string): Promise<S3Response> {
  const src = copySource(r);
  r.authorize('s3:GetObject', s3Arn(src.bucket, src.key));
  r.authorize('s3:PutObject', s3Arn(bucket, key));
  const u = await upload(s3, r, bucket, key);
  const n = partNumberOf(r);
  const from = await s3.head(r.scope, src.bucket, src.key);
  let range: { start: number; end: number } | undefined;
  const rangeText = header(r, 'x-amz-copy-source-range');
  if (rangeText !== undefined) {
    const m = /^bytes=(\d+)-(\d+)$/.exec(rangeText.trim());
    if (!m || Number(m[1]) > Number(m[2]) || Number(m[2]) >= from.size) {
      throw new S3Error('InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy', { ArgumentName: 'x-amz-copy-source-range', ArgumentValue: rangeText });
    }
    range = { start: Number(m[1]), end: Number(m[2]) };
  }
  const copied = from.size === 0 ? await s3.blobs.copyRange(from.blob, undefined) : await s3.blobs.copyRange(from.blob, range);
  const etag = `"${copied.md5.toString('hex')}"`;
  const now = s3.deps.now();
  const old = await s3.store.putPart({ uploadId: u.uploadId, partNumber: n, blob: copied.id, size: copied.size, etag, lastModified: now, checksums: {} });
  await s3.blobs.remove(old);
  return xmlReply(xmlDocument('CopyPartResult', { LastModified: isoDate(now), ETag: etag }));
}

function partNumberOf(r: S3Request): number {
  const n = Number(r.query.get('partNumber'));
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARTS) {
    throw new S3Error('InvalidArgument', `Part number must be an integer between 1 and ${MAX_PARTS}, inclusive`, { ArgumentName: 'partNumber', ArgumentValue: r.query.get('partNumber') ?? '' });
  }
  return n;
}

export async function completeUpload(s3: S3Service, r: S3Request, bucket: string, key: string): Promise<S3Response> {
  r.authorize('s3:PutObject', s3Arn(bucket, key));
  const u = await upload(s3, r, bucket, key);
  const doc = parseXml(await readSmallBody(r), 'CompleteMultipartUpload');
  const listed = Array.isArray(doc['Part']) ? (doc['Part'] as Record<string, unknown>[]) : [];
  if (listed.length === 0) throw new S3Error('MalformedXML');
  const stored = new Map((await s3.store.listParts(u.uploadId)).map((p) => [p.partNumber, p]));
  const chosen = [];
  let prev = 0;
  for (const item of listed) {
    const n = Number(item['PartNumber']);
    if (!Number.isInteger(n)) throw new S3Error('MalformedXML');
    if (n <= prev) throw new S3Error('InvalidPartOrder');
    prev = n;
    const p = stored.get(n);
    const etag = String(item['ETag'] ?? '').replace(/"/g, '');
    if (!p || p.etag.replace(/"/g, '') !== etag) throw new S3Error('InvalidPart', undefined, { UploadId: u.uploadId, PartNumber: String(n), ETag: etag });
    chosen.push(p);
  }
  for (let i = 0; i < chosen.length - 1; i++) {
    if (chosen[i]!.size < MIN_PART) {
      throw new S3Error('EntityTooSmall', undefined, { UploadId: u.uploadId, PartNumber: String(chosen[i]!.partNumber), ProposedSize: String(chosen[i]!.size), MinSizeAllowed: String(MIN_PART) });
    }
  }
  const md5 = createHash('md5');
  for (const p of chosen) md5.update(Buffer.from(p.etag.replace(/"/g, ''), 'hex'));
  const etag = `"${md5.digest('hex')}-${chosen.length}"`;
  const blob = await s3.blobs.concat(chosen.map((p) => p.blob));
  const b = await s3.bucket(r.scope, bucket);
  const o: ObjectRecord = {
    contentType: u.contentType, contentEncoding: u.contentEncoding, contentDisposition: u.contentDisposition, contentLanguage: u.contentLanguage,
    cacheControl: u.cacheControl, expires: u.expires, meta: u.meta,
    bucket, key, blob, size: chosen.reduce((n, p) => n + p.size, 0), etag, lastModified: s3.deps.now(), checksums: {}, parts: chosen.length, partSizes: chosen.map((p) => p.size),
  };
  for (const old of await s3.store.deleteUpload(u.uploadId)) await s3.blobs.remove(old);
  await s3.commit(b, o, 'CompleteMultipartUpload');
  return xmlReply(xmlDocument('CompleteMultipartUploadResult', { Location: `/${bucket}/${key}`, Bucket: bucket, Key: key, ETag: etag }));
}

export async function abortUpload(s3: S3Service, r: S3Request, bucket: string, key: string): Promise<S3Response> {
  r.authorize('s3:AbortMultipartUpload', s3Arn(bucket, key));
  const u = await upload(s3, r, bucket, key);
  for (const b of await s3.store.deleteUpload(u.uploadId)) await s3.blobs.remove(b);
  return { status: 204, headers: {} };
}

export async function listParts(s3: S3Service, r: S3Request, bucket: string, key: string): Promise<S3Response> {
  r.authorize('s3:ListMultipartUploadParts', s3Arn(bucket, key));
  const u = await upload(s3, r, bucket, key);
  const marker = Number(r.query.get('part-number-marker') ?? 0) || 0;
  const max = Math.min(Number(r.query.get('max-parts') ?? 1000) || 1000, 1000);
  const all = (await s3.store.listParts(u.uploadId)).filter((p) => p.partNumber > marker);
  const page = all.slice(0, max);
  return xmlReply(
    xmlDocument('ListPartsResult', {
      Bucket: bucket, Key: key, UploadId: u.uploadId,
      PartNumberMarker: marker,
      NextPartNumberMarker: page.length ? page[page.length - 1]!.partNumber : marker,
      MaxParts: max,
      IsTruncated: all.length > page.length,
      Part: page.length ? page.map((p) => ({ PartNumber: p.partNumber, LastModified: isoDate(p.lastModified), ETag: p.etag, Size: p.size })) : undefined,
      StorageClass: 'STANDARD',
    }),
  );
}

export async function listUploads(s3: S3Service, r: S3Request, bucket: string): Promise<S3Response> {
  r.authorize('s3:ListBucketMultipartUploads', s3Arn(bucket));
  await s3.bucket(r.scope, bucket);
  const prefix = r.query.get('prefix') ?? '';
  const uploads = (await s3.store.listUploads(bucket)).filter((u) => u.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.initiated - b.initiated));
  return xmlReply(
    xmlDocument('ListMultipartUploadsResult', {
      Bucket: bucket, KeyMarker: '', UploadIdMarker: '', Prefix: prefix, MaxUploads: 1000, IsTruncated: false,
      Upload: uploads.length ? uploads.map((u) => ({ Key: u.key, UploadId: u.uploadId, Initiated: isoDate(u.initiated), StorageClass: 'STANDARD' })) : undefined,
    }),
  );
}
