/** Object operations: PutObject, GetObject, HeadObject, DeleteObject, DeleteObjects, CopyObject. */
import { S3Error } from '../errors.js';
import { checkKey } from '../names.js';
import { receiveBody } from '../receive.js';
import type { S3Service } from '../service.js';
import type { ObjectRecord } from '../types.js';
import { parseXml, xmlDocument } from '../xml.js';
import { readSmallBody } from './body.js';
import { checkConditions, rangeOf } from './conditions.js';
import { objectHeadersOf, responseHeaders } from './object-headers.js';
import { header, isoDate, s3Arn, xmlReply, type S3Request, type S3Response } from './request.js';
import { checksumHeader, algorithmOf } from '../checksums.js';

export async function putObject(s3: S3Service, r: S3Request, bucket: string, key: string): Promise<S3Response> {
  r.authorize('s3:PutObject', s3Arn(bucket, key));
  const b = await s3.bucket(r.scope, bucket);
  checkKey(key);
  const headers = objectHeadersOf(r);
  await conditionalWrite(s3, r, bucket, key);
  const got = await receiveBody(r.req, s3.blobs, { signing: r.signing });
  const o: ObjectRecord = {
    ...headers,
    bucket,
    key,
    blob: got.blob,
    size: got.size,
    etag: `"${got.md5.toString('hex')}"`,
    lastModified: s3.deps.now(),
    checksums: got.checksums,
    parts: 0,
  };
  await s3.commit(b, o, 'Put');
  return { status: 200, headers: { ETag: o.etag, ...checksumReply(o.checksums) } };
}

/**
 * Conditional writes: `If-None-Match: *` (only if the key is new) and `If-Match: <etag>` (only
 * over that version) fail with 412 PreconditionFailed, checked before the body is read.
 */
async function conditionalWrite(s3: S3Service, r: S3Request, bucket: string, key: string): Promise<void> {
  const none = header(r, 'if-none-match');
  const match = header(r, 'if-match');
  if (none === undefined && match === undefined) return;
  const o = await s3.store.getObject(bucket, key);
  if (none !== undefined && none.trim() === '*' && o) throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-None-Match' });
  if (match !== undefined) {
    if (!o) throw new S3Error('NoSuchKey', undefined, { Key: key });
    if (match.replace(/"/g, '').trim() !== o.etag.replace(/"/g, '')) throw new S3Error('PreconditionFailed', undefined, { Condition: 'If-Match' });
  }
}

export function checksumReply(checksums: Record<string, string>): Record<string, string> {
  const h: Record<string, string> = {};
  for (const [a, v] of Object.entries(checksums)) {
    const alg = algorithmOf(a);
    if (alg) h[checksumHeader(alg)] = v;
  }
  return h;
}

export async function getObject(s3: S3Service, r: S3Request, bucket: string, key: string, head: boolean): Promise<S3Response> {
  r.authorize('s3:GetObject', s3Arn(bucket, key));
  const o = await s3.head(r.scope, bucket, key);
  const versionId = r.query.get('versionId');
  if (versionId !== null && versionId !== 'null') throw new S3Error('NoSuchVersion', undefined, { Key: key, VersionId: versionId });
  const headers = responseHeaders(o, r);
  if (checkConditions(r, o) === 'not-modified') return { status: 304, headers: { ETag: o.etag, 'Last-Modified': headers['Last-Modified']! } };
  const partNumber = r.query.get('partNumber');
  const range = partNumber === null ? rangeOf(r, o.size) : partRange(o, partNumber);
  if (range) {
    // A checksum covers the whole object, not the range: S3 sends none with a part of it.
    for (const k of Object.keys(headers)) if (k.startsWith('x-amz-checksum-')) delete headers[k];
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${o.size}`;
    const length = range.end - range.start + 1;
    return { status: 206, headers, length, stream: head ? undefined : s3.blobs.reader(o.blob, range) };
  }
  return { status: 200, headers, length: o.size, stream: head || o.size === 0 ? undefined : s3.blobs.reader(o.blob) };
}

/** The bytes of part `n` (GetObject `?partNumber=`, what multipart downloaders ask for); a single PUT is part 1. */
function partRange(o: ObjectRecord, raw: string): { start: number; end: number } | undefined {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new S3Error('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', { ArgumentName: 'partNumber', ArgumentValue: raw });
  const sizes = o.partSizes ?? [o.size];
  if (n > sizes.length) throw new S3Error('InvalidPartNumber', undefined, { PartNumberRequested: raw, ActualPartCount: String(sizes.length) });
  if (o.size === 0) return undefined;
  const start = sizes.slice(0, n - 1).reduce((a, b) => a + b, 0);
  return { start, end: start + sizes[n - 1]! - 1 };
}

export async function deleteObject(s3: S3Service, r: S3Request, bucket: string, key: string): Promise<S3Response> {
  r.authorize('s3:DeleteObject', s3Arn(bucket, key));
  await s3.remove(r.scope, bucket, key);
  return { status: 204, headers: {} };
}

/** POST ?delete: up to 1000 keys; each answered as Deleted or Error (Quiet leaves out the deleted ones). */
export async function deleteObjects(s3: S3Service, r: S3Request, bucket: string): Promise<S3Response> {
  await s3.bucket(r.scope, bucket);
  const doc = parseXml(await readSmallBody(r), 'Delete');
  const raw = doc['Object'];
  const objects = Array.isArray(raw) ? (raw as Record<string, unknown>[]) : [];
  if (objects.length === 0 || objects.length > 1000) throw new S3Error('MalformedXML');
  const quiet = String(doc['Quiet'] ?? 'false').toLowerCase() === 'true';
  const deleted: Record<string, string>[] = [];
  const errors: Record<string, string>[] = [];
  for (const item of objects) {
    const key = typeof item['Key'] === 'string' ? item['Key'] : typeof item['Key'] === 'number' ? String(item['Key']) : undefined;
    if (key === undefined) throw new S3Error('MalformedXML');
    try {
      r.authorize('s3:DeleteObject', s3Arn(bucket, key));
      await s3.remove(r.scope, bucket, key);
      if (!quiet) deleted.push({ Key: key });
    } catch (e) {
      if (!(e instanceof S3Error)) throw e;
      errors.push({ Key: key, Code: e.code, Message: e.message });
    }
  }
  return xmlReply(xmlDocument('DeleteResult', { Deleted: deleted.length ? deleted : undefined, Error: errors.length ? errors : undefined }));
}

/** The bucket and key an `x-amz-copy-source` names (`bucket/key` or `/bucket/key`, URL-encoded, maybe `?versionId=`). */
export function copySource(r: S3Request): { bucket: string; key: string } {
  let raw = header(r, 'x-amz-copy-source') ?? '';
  const q = raw.indexOf('?');
  if (q >= 0) raw = raw.slice(0, q);
  let text: string;
  try {
    text = decodeURIComponent(raw);
  } catch {
    throw new S3Error('InvalidArgument', 'Invalid copy source encoding');
  }
  if (text.startsWith('/')) text = text.slice(1);
  const slash = text.indexOf('/');
  if (slash <= 0 || slash === text.length - 1) throw new S3Error('InvalidArgument', 'Copy Source must mention the source bucket and key: sourcebucket/sourcekey');
  return { bucket: text.slice(0, slash), key: text.slice(slash + 1) };
}

export async function copyObject(s3: S3Service, r: S3Request, bucket: string, key: string): Promise<S3Response> {
  const src = copySource(r);
  r.authorize('s3:GetObject', s3Arn(src.bucket, src.key));
  r.authorize('s3:PutObject', s3Arn(bucket, key));
  const from = await s3.head(r.scope, src.bucket, src.key);
  const b = await s3.bucket(r.scope, bucket);
  checkKey(key);
  const replace = (header(r, 'x-amz-metadata-directive') ?? 'COPY').toUpperCase() === 'REPLACE';
  if (!replace && src.bucket === bucket && src.key === key) {
    throw new S3Error('InvalidRequest', "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.");
  }
  copyConditions(r, from);
  const blob = await s3.blobs.concat([from.blob]);
  const headers = replace ? objectHeadersOf(r) : { contentType: from.contentType, contentEncoding: from.contentEncoding, contentDisposition: from.contentDisposition, contentLanguage: from.contentLanguage, cacheControl: from.cacheControl, expires: from.expires, meta: from.meta };
  const o: ObjectRecord = { ...headers, bucket, key, blob, size: from.size, etag: from.etag, lastModified: s3.deps.now(), checksums: from.checksums, parts: from.parts };
  await s3.commit(b, o, 'Copy');
  return xmlReply(xmlDocument('CopyObjectResult', { LastModified: isoDate(o.lastModified), ETag: o.etag }));
}

function copyConditions(r: S3Request, o: ObjectRecord): void {
  const m = header(r, 'x-amz-copy-source-if-match');
  if (m !== undefined && m.replace(/"/g, '') !== o.etag.replace(/"/g, '')) throw new S3Error('PreconditionFailed', undefined, { Condition: 'x-amz-copy-source-If-Match' });
  const n = header(r, 'x-amz-copy-source-if-none-match');
  if (n !== undefined && n.replace(/"/g, '') === o.etag.replace(/"/g, '')) throw new S3Error('PreconditionFailed', undefined, { Condition: 'x-amz-copy-source-If-None-Match' });
}
