/** Bucket operations: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation. */
import type { S3Service } from '../service.js';
import { S3Error } from '../errors.js';
import { readSmallBody } from './body.js';
import { parseXml, xmlDocument } from '../xml.js';
import { notificationXml, parseNotification, storedConfig } from '../notify.js';
import { isoDate, s3Arn, xmlReply, type S3Request, type S3Response } from './request.js';

export async function listBuckets(s3: S3Service, r: S3Request): Promise<S3Response> {
  r.authorize('s3:ListAllMyBuckets', '*');
  const buckets = await s3.store.listBuckets(r.scope.accountId);
  return xmlReply(
    xmlDocument('ListAllMyBucketsResult', {
      Owner: { ID: r.scope.accountId, DisplayName: r.scope.accountId },
      Buckets: { Bucket: buckets.map((b) => ({ Name: b.name, CreationDate: isoDate(b.created), BucketRegion: b.region })) },
    }),
  );
}

export async function createBucket(s3: S3Service, r: S3Request, bucket: string): Promise<S3Response> {
  r.authorize('s3:CreateBucket', s3Arn(bucket));
  const body = await readSmallBody(r);
  let region = r.scope.region;
  if (body.length > 0) {
    const doc = parseXml(body, 'CreateBucketConfiguration');
    const lc = doc['LocationConstraint'];
    if (typeof lc === 'string' && lc !== '') region = lc;
  }
  await s3.create(r.scope, bucket, region);
  return { status: 200, headers: { Location: `/${bucket}` } };
}

export async function headBucket(s3: S3Service, r: S3Request, bucket: string): Promise<S3Response> {
  r.authorize('s3:ListBucket', s3Arn(bucket));
  const b = await s3.bucket(r.scope, bucket);
  return { status: 200, headers: { 'x-amz-bucket-region': b.region } };
}

export async function deleteBucket(s3: S3Service, r: S3Request, bucket: string): Promise<S3Response> {
  r.authorize('s3:DeleteBucket', s3Arn(bucket));
  await s3.deleteBucketChecked(r.scope, bucket);
  return { status: 204, headers: {} };
}

export async function getBucketLocation(s3: S3Service, r: S3Request, bucket: string): Promise<S3Response> {
  r.authorize('s3:GetBucketLocation', s3Arn(bucket));
  const b = await s3.bucket(r.scope, bucket);
  // us-east-1 is an empty LocationConstraint, as S3 answers.
  return xmlReply(`<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${b.region === 'us-east-1' ? '' : b.region}</LocationConstraint>`);
}

/** PUT/GET `?notification`: S3 event notifications to Lambda (notify.ts). */
export async function bucketNotification(s3: S3Service, r: S3Request, bucket: string): Promise<S3Response> {
  if (r.method === 'PUT') {
    r.authorize('s3:PutBucketNotification', s3Arn(bucket));
    await s3.bucket(r.scope, bucket);
    await s3.setNotification(r.scope, bucket, parseNotification(await readSmallBody(r)));
    return { status: 200, headers: {} };
  }
  if (r.method !== 'GET') throw new S3Error('MethodNotAllowed');
  r.authorize('s3:GetBucketNotification', s3Arn(bucket));
  const b = await s3.bucket(r.scope, bucket);
  return xmlReply(notificationXml(storedConfig(b.notification)));
}
