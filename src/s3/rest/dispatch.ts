/**
 * Which S3 operation a request is: by method, whether it names a bucket and a key, and its
 * sub-resource query parameters (`?uploads`, `?uploadId=`, `?delete`, `?location`, `?list-type=2`),
 * as S3's REST API tells them apart. Sub-resources Nimbus does not serve are NotImplemented.
 */
import { S3Error } from '../errors.js';
import type { S3Service } from '../service.js';
import { bucketNotification, createBucket, deleteBucket, getBucketLocation, headBucket, listBuckets } from './buckets.js';
import { listObjectsV1, listObjectsV2 } from './list.js';
import { abortUpload, completeUpload, createUpload, listParts, listUploads, uploadPart, uploadPartCopy } from './multipart.js';
import { copyObject, deleteObject, deleteObjects, getObject, putObject } from './objects.js';
import { header, s3Arn, xmlReply, type S3Request, type S3Response } from './request.js';
import { xmlDocument } from '../xml.js';
import { bucketSubresource } from './subresources.js';

export async function dispatch(s3: S3Service, r: S3Request): Promise<S3Response> {
  const { method, bucket, key, query: q } = r;
  if (bucket === undefined) {
    if (method === 'GET') return listBuckets(s3, r);
    throw new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'SERVICE' });
  }
  if (!key) {
    if (q.has('notification')) return bucketNotification(s3, r, bucket);
    const sub = await bucketSubresource(s3, r, bucket);
    if (sub) return sub;
    switch (method) {
      case 'PUT':
        return createBucket(s3, r, bucket);
      case 'HEAD':
        return headBucket(s3, r, bucket);
      case 'DELETE':
        return deleteBucket(s3, r, bucket);
      case 'GET':
        if (q.has('location')) return getBucketLocation(s3, r, bucket);
        if (q.has('uploads')) return listUploads(s3, r, bucket);
        if (q.get('list-type') === '2') return listObjectsV2(s3, r, bucket);
        return listObjectsV1(s3, r, bucket);
      case 'POST':
        if (q.has('delete')) return deleteObjects(s3, r, bucket);
        break;
    }
    throw new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'BUCKET' });
  }
  switch (method) {
    case 'PUT':
      if (q.has('uploadId') && q.has('partNumber')) {
        if (header(r, 'x-amz-copy-source') !== undefined) return uploadPartCopy(s3, r, bucket, key);
        return uploadPart(s3, r, bucket, key);
      }
      if (q.has('tagging') || q.has('acl') || q.has('retention') || q.has('legal-hold')) throw new S3Error('NotImplemented', 'Object sub-resources are not supported by Nimbus.');
      if (header(r, 'x-amz-copy-source') !== undefined) return copyObject(s3, r, bucket, key);
      return putObject(s3, r, bucket, key);
    case 'GET':
      if (q.has('uploadId')) return listParts(s3, r, bucket, key);
      // Objects have no tags here (PutObjectTagging is NotImplemented): an empty set, which `aws s3 cp` asks for before a multipart copy.
      if (q.has('tagging')) {
        r.authorize('s3:GetObjectTagging', s3Arn(bucket, key));
        await s3.head(r.scope, bucket, key);
        return xmlReply(xmlDocument('Tagging', { TagSet: '' }));
      }
      if (q.has('acl') || q.has('attributes')) throw new S3Error('NotImplemented', 'Object sub-resources are not supported by Nimbus.');
      return getObject(s3, r, bucket, key, false);
    case 'HEAD':
      return getObject(s3, r, bucket, key, true);
    case 'DELETE':
      if (q.has('uploadId')) return abortUpload(s3, r, bucket, key);
      return deleteObject(s3, r, bucket, key);
    case 'POST':
      if (q.has('uploads')) return createUpload(s3, r, bucket, key);
      if (q.has('uploadId')) return completeUpload(s3, r, bucket, key);
      break;
  }
  throw new S3Error('MethodNotAllowed', undefined, { Method: method, ResourceType: 'OBJECT' });
}
