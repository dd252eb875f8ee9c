/**
 * The OCI Distribution API's error codes (distribution-spec, "Error Codes"), with their HTTP
 * statuses. Registry handlers throw these; the front end writes `{"errors":[{code,message,detail}]}`.
 */
export type RegistryErrorCode =
  | 'BLOB_UNKNOWN'
  | 'BLOB_UPLOAD_INVALID'
  | 'BLOB_UPLOAD_UNKNOWN'
  | 'DIGEST_INVALID'
  | 'MANIFEST_BLOB_UNKNOWN'
  | 'MANIFEST_INVALID'
  | 'MANIFEST_UNKNOWN'
  | 'NAME_INVALID'
  | 'NAME_UNKNOWN'
  | 'SIZE_INVALID'
  | 'UNAUTHORIZED'
  | 'DENIED'
  | 'UNSUPPORTED'
  | 'TOOMANYREQUESTS'
  | 'RANGE_INVALID';

const STATUS: Record<RegistryErrorCode, number> = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 404,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  TOOMANYREQUESTS: 429,
  RANGE_INVALID: 416,
};

export class RegistryError extends Error {
  readonly status: number;
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.status = STATUS[code];
  }

  body(): Buffer {
    return Buffer.from(JSON.stringify({ errors: [{ code: this.code, message: this.message, ...(this.detail === undefined ? {} : { detail: this.detail }) }] }));
  }
}
