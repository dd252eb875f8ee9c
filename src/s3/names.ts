/**
 * S3's naming rules (Amazon S3 User Guide, "General purpose bucket naming rules"; "Naming Amazon
 * S3 objects"): what a bucket may be called, how long a key may be. Keys are never used as file
 * names (bodies are stored under random ids), so `..`, `/` and unicode in a key are only text.
 */
import { S3Error } from './errors.js';

/** 1024 bytes of UTF-8 at most. */
export const MAX_KEY_BYTES = 1024;

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_LIKE = /^\d+\.\d+\.\d+\.\d+$/;

/** Why a bucket name is refused, or undefined. */
export function bucketNameProblem(name: string): string | undefined {
  if (!BUCKET.test(name)) return 'Bucket names must be 3 to 63 characters of lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit.';
  if (name.includes('..')) return 'Bucket names must not contain two adjacent periods.';
  if (IP_LIKE.test(name)) return 'Bucket names must not be formatted as an IP address.';
  if (name.startsWith('xn--') || name.startsWith('sthree-') || name.endsWith('-s3alias') || name.endsWith('--ol-s3') || name.endsWith('.mrap') || name.endsWith('--x-s3')) {
    return 'Bucket names must not use a reserved prefix or suffix.';
  }
  return undefined;
}

export function checkBucketName(name: string): void {
  if (bucketNameProblem(name) !== undefined) throw new S3Error('InvalidBucketName', undefined, { BucketName: name });
}

export function checkKey(key: string): void {
  if (key.length === 0) throw new S3Error('InvalidArgument', 'Object key must not be empty.');
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new S3Error('KeyTooLongError', undefined, { Size: String(Buffer.byteLength(key, 'utf8')), MaxSizeAllowed: String(MAX_KEY_BYTES) });
  }
}
