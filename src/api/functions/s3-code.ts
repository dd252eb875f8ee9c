/**
 * Code from S3 (`Code.S3Bucket`/`S3Key`/`S3ObjectVersion` in CreateFunction and
 * UpdateFunctionCode, `Content.S3Bucket`/... in PublishLayerVersion): read through the
 * ObjectReader the composition root hands in (Nimbus's own S3, src/s3), answered with Lambda's
 * errors when the object cannot be read. Lambda reads the object with the caller's permissions
 * in the function's region; Nimbus reads it as the caller's account.
 */
import { invalidParameter, NimbusError, validationError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import { ObjectError, type ObjectReader } from '../../core/objects.js';

/** Lambda's limit on an unzipped package (code and layers); a zip from S3 is bounded by it, not by the 50 MB of a direct upload. */
export const MAX_S3_ZIP_BYTES = 262_144_000;

export interface S3Location {
  bucket: string;
  key: string;
  versionId: string | undefined;
}

const NAMES = { S3Bucket: 's3Bucket', S3Key: 's3Key', S3ObjectVersion: 's3ObjectVersion' } as const;

/** The S3 location a Code/Content member names, or undefined if it names none. */
export function s3LocationOf(code: Record<string, unknown>, prefix: string): S3Location | undefined {
  if (code['S3Bucket'] === undefined && code['S3Key'] === undefined && code['S3ObjectVersion'] === undefined) return undefined;
  for (const [member, name] of Object.entries(NAMES)) {
    const v = code[member];
    if (v !== undefined && v !== null && typeof v !== 'string') throw new NimbusError('ERR_INVALID_REQUEST_CONTENT', `Could not parse request body into json: ${prefix}${name} must be a string`);
  }
  const bucket = code['S3Bucket'] as string | undefined;
  const key = code['S3Key'] as string | undefined;
  if (bucket !== undefined && !/^[0-9A-Za-z\.\-_]*(?<!\.)$/.test(bucket)) {
    throw validationError(bucket, `${prefix}s3Bucket`, 'Member must satisfy regular expression pattern: ^[0-9A-Za-z\\.\\-_]*(?<!\\.)$');
  }
  if (bucket !== undefined && (bucket.length < 3 || bucket.length > 63)) throw validationError(bucket, `${prefix}s3Bucket`, 'Member must have length between 3 and 63');
  if (key !== undefined && (key.length < 1 || key.length > 1024)) throw validationError(key, `${prefix}s3Key`, 'Member must have length between 1 and 1024');
  if (!bucket || !key) throw invalidParameter('Please provide a source for function code.');
  return { bucket, key, versionId: (code['S3ObjectVersion'] as string | undefined) ?? undefined };
}

/** The zip at `loc`, or Lambda's InvalidParameterValueException naming S3's error. */
export async function readS3Code(objects: ObjectReader | undefined, scope: Scope, loc: S3Location): Promise<Buffer> {
  if (!objects) throw invalidParameter('Nimbus accepts code as ZipFile only here; this server has no S3 service.');
  try {
    return await objects.read(scope, loc.bucket, loc.key, { ...(loc.versionId !== undefined ? { versionId: loc.versionId } : {}), limit: MAX_S3_ZIP_BYTES });
  } catch (e) {
    if (!(e instanceof ObjectError)) throw e;
    if (e.code === 'EntityTooLarge') throw invalidParameter(`Unzipped size must be smaller than ${MAX_S3_ZIP_BYTES} bytes`);
    throw invalidParameter(`Error occurred while GetObject. S3 Error Code: ${e.code}. S3 Error Message: ${e.message}`);
  }
}
