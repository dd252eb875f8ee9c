/**
 * The seam between Nimbus's S3-compatible object service (src/s3) and the rooms that read code
 * from it: the Lambda API (`Code.S3Bucket`/`S3Key`, layer `Content`) and CloudFormation stacks
 * (`CodeUri: s3://…`, `TemplateURL`, `AWS::S3::Bucket`). It lives in core so that neither side
 * imports the other; app.ts hands the one implementation to both.
 */
import type { Scope } from './model.js';

/** S3's own error codes a reader can meet (S3 names them this way on the wire). */
export type ObjectErrorCode = 'NoSuchBucket' | 'NoSuchKey' | 'NoSuchVersion' | 'AccessDenied' | 'EntityTooLarge';

/** A failed read or bucket operation, with S3's error code, so that callers can word Lambda's or CloudFormation's error. */
export class ObjectError extends Error {
  constructor(readonly code: ObjectErrorCode | 'BucketNotEmpty' | 'BucketAlreadyExists' | 'InvalidBucketName', message: string) {
    super(message);
    this.name = 'ObjectError';
  }
}

export interface ObjectReader {
  /**
   * The whole object, at most `limit` bytes (EntityTooLarge past it). `scope` is the caller's
   * account and region: the bucket must be readable by that account.
   */
  read(scope: Scope, bucket: string, key: string, opts?: { versionId?: string; limit?: number }): Promise<Buffer>;
}

/** One destination of a bucket's event notifications (notify.ts has S3's rules). */
export interface NotificationTarget {
  id: string;
  /** The function's, queue's or topic's ARN. */
  arn: string;
  /** `s3:ObjectCreated:*`, `s3:ObjectRemoved:Delete`, ... */
  events: string[];
  prefix: string;
  suffix: string;
}

/** A bucket's NotificationConfiguration: functions, SQS queues and SNS topics. */
export interface BucketNotification {
  functions: NotificationTarget[];
  queues: NotificationTarget[];
  topics: NotificationTarget[];
}

export interface ObjectWriter {
  /**
   * Stores `body` at `key` (replacing what is there), as a PutObject by the scope's account would:
   * NoSuchBucket, or AccessDenied when another account owns the bucket.
   */
  write(scope: Scope, bucket: string, key: string, body: Buffer, contentType: string): Promise<void>;
}

export interface BucketAdmin {
  /** Creates the bucket for the scope's account; succeeds if that account already owns it. */
  createBucket(scope: Scope, bucket: string): Promise<void>;
  /** Deletes the bucket; BucketNotEmpty if it holds objects and `force` is not set. */
  deleteBucket(scope: Scope, bucket: string, opts?: { force?: boolean }): Promise<void>;
  /** The bucket's notification configuration (undefined: none). */
  getNotification(scope: Scope, bucket: string): Promise<BucketNotification | undefined>;
  /** Replaces it (undefined or empty: none), checked as PutBucketNotificationConfiguration checks it; new queues and topics get S3's test event. */
  putNotification(scope: Scope, bucket: string, config: BucketNotification | undefined): Promise<void>;
}
