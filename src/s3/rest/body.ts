/** Small request bodies (XML documents: CreateBucketConfiguration, Delete, CompleteMultipartUpload), read whole, bounded. */
import { S3Error } from '../errors.js';
import type { S3Request } from './request.js';

/** S3 caps these documents well below this (DeleteObjects: 1000 keys). */
const LIMIT = 2 * 1024 * 1024;

export function readSmallBody(r: S3Request, limit = LIMIT): Promise<Buffer> {
  const req = r.req;
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.reject(new S3Error('EntityTooLarge'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > limit) {
        over = true;
        req.pause();
        reject(new S3Error('EntityTooLarge'));
      } else chunks.push(c);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!over) reject(e);
    });
  });
}
