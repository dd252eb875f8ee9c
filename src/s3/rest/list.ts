/**
 * ListObjectsV2 and ListObjects (v1): keys in UTF-8 byte order under a prefix, folded into
 * CommonPrefixes by a delimiter, paged by max-keys with a continuation token (v2) or a marker
 * (v1). A folded prefix counts as one entry and the walk jumps past its keys, so a prefix holding
 * a million keys costs one store query, not a million.
 */
import { S3Error } from '../errors.js';
import type { S3Service } from '../service.js';
import type { ObjectRecord } from '../types.js';
import { xmlDocument } from '../xml.js';
import { isoDate, s3Arn, xmlReply, type S3Request, type S3Response } from './request.js';

/** Above every character: `cp + PAST` sorts after every key that starts with `cp`. */
const PAST = '\u{10FFFF}';
const BATCH = 1000;

interface Walk {
  contents: ObjectRecord[];
  prefixes: string[];
  truncated: boolean;
  /** Where the next page starts (after this). */
  next: string;
}

async function walk(s3: S3Service, bucket: string, o: { prefix: string; delimiter: string; after: string; max: number }): Promise<Walk> {
  const out: Walk = { contents: [], prefixes: [], truncated: false, next: '' };
  let cursor = o.after;
  for (;;) {
    const batch = await s3.store.listObjects(bucket, { prefix: o.prefix, after: cursor, limit: BATCH });
    if (batch.length === 0) return out;
    let jumped = false;
    for (const obj of batch) {
      if (out.contents.length + out.prefixes.length >= o.max) {
        out.truncated = true;
        return out;
      }
      const i = o.delimiter ? obj.key.indexOf(o.delimiter, o.prefix.length) : -1;
      if (i >= 0) {
        const cp = obj.key.slice(0, i + o.delimiter.length);
        out.prefixes.push(cp);
        cursor = out.next = cp + PAST;
        jumped = true;
        break;
      }
      out.contents.push(obj);
      cursor = out.next = obj.key;
    }
    if (!jumped && batch.length < BATCH) return out;
  }
}

function maxKeysOf(q: URLSearchParams): number {
  const raw = q.get('max-keys');
  if (raw === null) return 1000;
  if (!/^\d+$/.test(raw)) throw new S3Error('InvalidArgument', 'Provided max-keys not an integer or within integer range', { ArgumentName: 'max-keys', ArgumentValue: raw });
  return Math.min(Number(raw), 1000);
}

/** `encoding-type=url`: keys and prefixes URL-encoded (`/` kept), so keys with control characters survive XML. */
function encoder(q: URLSearchParams): (s: string) => string {
  const t = q.get('encoding-type');
  if (t === null) return (s) => s;
  if (t !== 'url') throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request', { ArgumentName: 'encoding-type', ArgumentValue: t });
  return (s) => encodeURIComponent(s).replace(/%2F/g, '/');
}

const entry = (o: ObjectRecord, enc: (s: string) => string, owner: string | undefined): Record<string, unknown> => ({
  Key: enc(o.key),
  LastModified: isoDate(o.lastModified),
  ETag: o.etag,
  ...(Object.keys(o.checksums).length ? { ChecksumAlgorithm: Object.keys(o.checksums) } : {}),
  Size: o.size,
  ...(owner ? { Owner: { ID: owner, DisplayName: owner } } : {}),
  StorageClass: 'STANDARD',
});

export async function listObjectsV2(s3: S3Service, r: S3Request, bucket: string): Promise<S3Response> {
  r.authorize('s3:ListBucket', s3Arn(bucket));
  await s3.bucket(r.scope, bucket);
  const q = r.query;
  const enc = encoder(q);
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const token = q.get('continuation-token');
  const startAfter = q.get('start-after') ?? '';
  let after = startAfter;
  if (token !== null) {
    after = Buffer.from(token, 'base64url').toString('utf8');
    if (token === '' || Buffer.from(after, 'utf8').toString('base64url') !== token) throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect', { ArgumentName: 'continuation-token' });
  }
  const max = maxKeysOf(q);
  const w = await walk(s3, bucket, { prefix, delimiter, after, max });
  const owner = q.get('fetch-owner') === 'true' ? r.scope.accountId : undefined;
  return xmlReply(
    xmlDocument('ListBucketResult', {
      Name: bucket,
      Prefix: enc(prefix),
      ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
      MaxKeys: max,
      ...(q.has('encoding-type') ? { EncodingType: 'url' } : {}),
      KeyCount: w.contents.length + w.prefixes.length,
      IsTruncated: w.truncated,
      ...(token !== null ? { ContinuationToken: token } : {}),
      ...(w.truncated ? { NextContinuationToken: Buffer.from(w.next, 'utf8').toString('base64url') } : {}),
      ...(startAfter ? { StartAfter: enc(startAfter) } : {}),
      Contents: w.contents.length ? w.contents.map((o) => entry(o, enc, owner)) : undefined,
      CommonPrefixes: w.prefixes.length ? w.prefixes.map((p) => ({ Prefix: enc(p) })) : undefined,
    }),
  );
}

export async function listObjectsV1(s3: S3Service, r: S3Request, bucket: string): Promise<S3Response> {
  r.authorize('s3:ListBucket', s3Arn(bucket));
  await s3.bucket(r.scope, bucket);
  const q = r.query;
  const enc = encoder(q);
  const prefix = q.get('prefix') ?? '';
  const delimiter = q.get('delimiter') ?? '';
  const marker = q.get('marker') ?? '';
  const max = maxKeysOf(q);
  // A marker that is a common prefix resumes after all of its keys.
  const after = delimiter && marker.endsWith(delimiter) && marker.startsWith(prefix) ? marker + PAST : marker;
  const w = await walk(s3, bucket, { prefix, delimiter, after, max });
  const last = w.next.endsWith(PAST) ? w.next.slice(0, -PAST.length) : w.next;
  return xmlReply(
    xmlDocument('ListBucketResult', {
      Name: bucket,
      Prefix: enc(prefix),
      Marker: enc(marker),
      ...(w.truncated && delimiter ? { NextMarker: enc(last) } : {}),
      MaxKeys: max,
      ...(delimiter ? { Delimiter: enc(delimiter) } : {}),
      ...(q.has('encoding-type') ? { EncodingType: 'url' } : {}),
      IsTruncated: w.truncated,
      Contents: w.contents.length ? w.contents.map((o) => entry(o, enc, r.scope.accountId)) : undefined,
      CommonPrefixes: w.prefixes.length ? w.prefixes.map((p) => ({ Prefix: enc(p) })) : undefined,
    }),
  );
}
