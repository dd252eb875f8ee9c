/** The headers an object is stored with (from PutObject, CreateMultipartUpload, CopyObject) and sent back with (GET/HEAD). */
import { checksumHeader, algorithmOf } from '../checksums.js';
import { S3Error } from '../errors.js';
import type { ObjectHeaders, ObjectRecord } from '../types.js';
import { header, httpDate, type S3Request } from './request.js';

/** User metadata is 2 KB at most on S3. */
const MAX_META_BYTES = 2048;

export function objectHeadersOf(r: S3Request): ObjectHeaders {
  const meta: Record<string, string> = {};
  let size = 0;
  for (const [name, v] of Object.entries(r.req.headers)) {
    if (!name.startsWith('x-amz-meta-') || v === undefined) continue;
    const value = Array.isArray(v) ? v.join(',') : v;
    const key = name.slice('x-amz-meta-'.length);
    size += key.length + value.length;
    meta[key] = value;
  }
  if (size > MAX_META_BYTES) throw metadataTooLarge();
  return {
    contentType: header(r, 'content-type') ?? 'binary/octet-stream',
    contentEncoding: stripChunked(header(r, 'content-encoding')),
    contentDisposition: header(r, 'content-disposition'),
    contentLanguage: header(r, 'content-language'),
    cacheControl: header(r, 'cache-control'),
    expires: header(r, 'expires'),
    meta,
  };
}

const metadataTooLarge = (): S3Error => new S3Error('InvalidArgument', 'Your metadata headers exceed the maximum allowed metadata size');

/** `aws-chunked` describes the transfer, not the object: S3 does not store it. */
function stripChunked(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const rest = v.split(',').map((s) => s.trim()).filter((s) => s !== '' && s !== 'aws-chunked');
  return rest.length ? rest.join(',') : undefined;
}

/** GET/HEAD response headers; `response-*` query parameters override the stored ones (GetObject). */
export function responseHeaders(o: ObjectRecord, r: S3Request): Record<string, string> {
  const q = r.query;
  const h: Record<string, string> = {
    ETag: o.etag,
    'Last-Modified': httpDate(o.lastModified),
    'Accept-Ranges': 'bytes',
    'Content-Type': q.get('response-content-type') ?? o.contentType,
  };
  const opt = (name: string, stored: string | undefined, param: string): void => {
    const v = q.get(param) ?? stored;
    if (v !== undefined) h[name] = v;
  };
  opt('Content-Encoding', o.contentEncoding, 'response-content-encoding');
  opt('Content-Disposition', o.contentDisposition, 'response-content-disposition');
  opt('Content-Language', o.contentLanguage, 'response-content-language');
  opt('Cache-Control', o.cacheControl, 'response-cache-control');
  opt('Expires', o.expires, 'response-expires');
  for (const [k, v] of Object.entries(o.meta)) h[`x-amz-meta-${k}`] = v;
  if (o.parts > 0) h['x-amz-mp-parts-count'] = String(o.parts);
  if ((header(r, 'x-amz-checksum-mode') ?? '').toUpperCase() === 'ENABLED') {
    for (const [a, v] of Object.entries(o.checksums)) {
      const alg = algorithmOf(a);
      if (alg) h[checksumHeader(alg)] = v;
    }
    if (Object.keys(o.checksums).length > 0) h['x-amz-checksum-type'] = o.parts > 0 ? 'COMPOSITE' : 'FULL_OBJECT';
  }
  return h;
}
