/**
 * Bucket sub-resources (`?versioning`, `?tagging`, `?policy`, ...) that Nimbus does not model.
 * Deploy tools set some of them on every bucket they make; refusing would fail the deployment,
 * so the harmless ones answer as an unconfigured bucket does. Anything else is NotImplemented.
 */
import { S3Error } from '../errors.js';
import type { S3Service } from '../service.js';
import { xmlDocument } from '../xml.js';
import { xmlReply, type S3Request, type S3Response } from './request.js';

const MODELLED = new Set(['location', 'uploads', 'delete', 'list-type', 'prefix', 'delimiter', 'max-keys', 'continuation-token', 'start-after', 'encoding-type', 'fetch-owner', 'marker', 'key-marker', 'upload-id-marker', 'max-uploads', 'x-id']);
const KNOWN = ['versioning', 'tagging', 'policy', 'acl', 'cors', 'encryption', 'publicAccessBlock', 'ownershipControls', 'lifecycle', 'website', 'logging', 'replication', 'accelerate', 'requestPayment', 'object-lock', 'analytics', 'metrics', 'inventory', 'intelligent-tiering', 'policyStatus'];

export async function bucketSubresource(s3: S3Service, r: S3Request, bucket: string): Promise<S3Response | undefined> {
  const name = KNOWN.find((k) => r.query.has(k));
  if (name === undefined) {
    const unknown = [...r.query.keys()].find((k) => !MODELLED.has(k) && !k.startsWith('X-Amz-') && !k.startsWith('response-'));
    if (unknown !== undefined && (r.method !== 'GET' || r.query.get(unknown) === '')) throw new S3Error('NotImplemented', `The bucket sub-resource '${unknown}' is not supported by Nimbus.`);
    return undefined;
  }
  await s3.bucket(r.scope, bucket);
  if (r.method === 'PUT' || r.method === 'DELETE') {
    // Accepted and not kept: Nimbus's buckets are unversioned, private and unencrypted at rest beyond the disk.
    return { status: r.method === 'DELETE' ? 204 : 200, headers: {} };
  }
  if (r.method !== 'GET') throw new S3Error('MethodNotAllowed');
  switch (name) {
    case 'versioning':
      return xmlReply(xmlDocument('VersioningConfiguration', {}));
    case 'acl':
      return xmlReply(xmlDocument('AccessControlPolicy', { Owner: { ID: r.scope.accountId }, AccessControlList: { Grant: { Grantee: { ID: r.scope.accountId }, Permission: 'FULL_CONTROL' } } }));
    case 'tagging':
      throw new S3Error('NotImplemented', 'The TagSet does not exist');
    default:
      throw new S3Error('NotImplemented', `The bucket sub-resource '${name}' is not supported by Nimbus.`);
  }
}
