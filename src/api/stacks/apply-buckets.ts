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
    out.push({ logicalId: b.LogicalId, type: BUCKET_TYPE, physicalId: b.BucketName, ...(b.Notification ? { notification: true } : {}) });
  }
  return out;
}

/**
 * The buckets' notification configurations (a template's `NotificationConfiguration`, SAM's S3
 * events), once the functions, queues and topics they name exist: S3 sends its test event to new
 * queue and topic destinations. A bucket whose configuration the previous deployment set and this
 * one does not has it cleared; the previous configuration comes back if the deployment fails.
 */
export async function applyBucketNotifications(
  scope: Scope,
  doc: StackDocument,
  prev: readonly StackResource[],
  journal: Journal,
  buckets: BucketAdmin | undefined,
  within: <T>(logicalId: string, step: () => Promise<T>) => Promise<T>,
): Promise<void> {
  const hadOne = new Set(prev.filter((r) => r.type === BUCKET_TYPE && r.notification).map((r) => r.physicalId));
  for (const b of doc.Buckets) {
    if (!b.Notification && !hadOne.has(b.BucketName)) continue;
    await within(b.LogicalId, async () => {
      if (!buckets) throw invalidParameter(NO_S3);
      try {
        const before = await buckets.getNotification(scope, b.BucketName);
        await buckets.putNotification(scope, b.BucketName, b.Notification);
        journal.push(`restore the notification configuration of bucket ${b.BucketName}`, () => buckets.putNotification(scope, b.BucketName, before));
      } catch (e) {
        // S3's own refusal (a malformed ARN, an event S3 does not have), worded as S3 words it.
        if (e instanceof Error && 'code' in e && typeof e.code === 'string') throw invalidParameter(`S3 ${e.code}: ${e.message}${describeArgument(e)}`);
        throw e;
      }
    });
  }
}

function describeArgument(e: Error): string {
  const extra = (e as { fields?: Record<string, string> }).fields;
  return extra?.['ArgumentValue'] !== undefined ? ` (${extra['ArgumentName'] ?? 'argument'}: ${extra['ArgumentValue']})` : '';
}
