/**
 * A stack's S3 buckets (`AWS::S3::Bucket`, e.g. the source bucket of SAM CLI's managed stack),
 * created through Nimbus's S3 service (core/objects.ts BucketAdmin) before anything else, since a
 * function's code may be read from one. A bucket the stack already had is left as it is; a new
 * one is deleted again if the deployment fails. Without an S3 service a stack with buckets is
 * refused, naming what is missing.
 */
import { invalidParameter } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import { ObjectError, type BucketAdmin } from '../../core/objects.js';
import type { StackResource } from '../../store/records.js';
import type { StackDocument } from './document.js';
import type { Journal } from './journal.js';

export const NO_S3 = "AWS::S3::Bucket needs Nimbus's S3 service, which this server does not run";
export const BUCKET_TYPE = 'AWS::S3::Bucket';

export async function applyBuckets(
  scope: Scope,
  doc: StackDocument,
  prev: readonly StackResource[],
  journal: Journal,
  buckets: BucketAdmin | undefined,
  within: <T>(logicalId: string, step: () => Promise<T>) => Promise<T>,
): Promise<StackResource[]> {
  const had = new Set(prev.filter((r) => r.type === BUCKET_TYPE).map((r) => r.physicalId));
  const out: StackResource[] = [];
  for (const b of doc.Buckets) {
    await within(b.LogicalId, async () => {
      if (!buckets) throw invalidParameter(NO_S3);
      if (had.has(b.BucketName)) return;
      try {
        await buckets.createBucket(scope, b.BucketName);
      } catch (e) {
        if (e instanceof ObjectError) throw invalidParameter(`S3 ${e.code}: ${e.message}`);
        throw e;
      }
      journal.push(`delete bucket ${b.BucketName}`, () => buckets.deleteBucket(scope, b.BucketName, { force: true }));
    });
    out.push({ logicalId: b.LogicalId, type: BUCKET_TYPE, physicalId: b.BucketName });
  }
  return out;
}
