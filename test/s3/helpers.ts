/** S3 test helpers: an S3 client on a test Nimbus (path style, as LocalStack users configure it), and error matching. */
import assert from 'node:assert/strict';
import { S3Client } from '@aws-sdk/client-s3';

export function s3Client(endpoint: string, creds = { accessKeyId: 'test', secretAccessKey: 'test' }, o: { virtualHosted?: boolean; region?: string } = {}): S3Client {
  return new S3Client({
    endpoint,
    region: o.region ?? 'us-east-1',
    credentials: creds,
    forcePathStyle: !o.virtualHosted,
    // Tests assert what Nimbus answers, not what a retry would hide.
    maxAttempts: 1,
  });
}

/** Awaits a rejection carrying S3's error code (and status). */
export async function s3Rejects(p: Promise<unknown>, code: string, status?: number): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { name: string; Code?: string; $metadata?: { httpStatusCode?: number } };
    // A 304 has no body: the SDK names it Unknown, so only its status can be checked.
    if (code !== '304') assert.equal(err.name, code, `expected ${code}, got ${err.name}: ${err.message}`);
    if (status !== undefined) assert.equal(err.$metadata?.httpStatusCode, status);
    return err;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}
