/**
 * The one table from Nimbus error codes to Lambda's wire errors: status, `x-amzn-ErrorType`
 * and the casing of the message member, which differs per exception in Lambda's model
 * (docs/reference/lambda-api.md §1.2). docs/errors.md documents this table; test/unit/wire-errors.test.ts keeps
 * the two in step.
 */
import type { ErrorCode, InternalCode, WireCode } from '../../core/errors.js';

export interface WireError {
  status: number;
  type: string;
  messageKey: 'message' | 'Message';
}

export const WIRE_ERRORS: Readonly<Record<WireCode, WireError>> = {
  ERR_NOT_FOUND: { status: 404, type: 'ResourceNotFoundException', messageKey: 'Message' },
  ERR_PROVISIONED_CONFIG_NOT_FOUND: { status: 404, type: 'ProvisionedConcurrencyConfigNotFoundException', messageKey: 'message' },
  ERR_CODE_SIGNING_CONFIG_NOT_FOUND: { status: 404, type: 'CodeSigningConfigNotFoundException', messageKey: 'Message' },
  ERR_CONFLICT: { status: 409, type: 'ResourceConflictException', messageKey: 'message' },
  ERR_RESOURCE_IN_USE: { status: 400, type: 'ResourceInUseException', messageKey: 'Message' },
  ERR_INVALID_PARAMETER: { status: 400, type: 'InvalidParameterValueException', messageKey: 'message' },
  ERR_VALIDATION: { status: 400, type: 'ValidationException', messageKey: 'message' },
  ERR_INVALID_REQUEST_CONTENT: { status: 400, type: 'InvalidRequestContentException', messageKey: 'message' },
  ERR_REQUEST_TOO_LARGE: { status: 413, type: 'RequestEntityTooLargeException', messageKey: 'message' },
  ERR_PRECONDITION_FAILED: { status: 412, type: 'PreconditionFailedException', messageKey: 'message' },
  ERR_POLICY_TOO_LARGE: { status: 400, type: 'PolicyLengthExceededException', messageKey: 'message' },
  ERR_CODE_VERIFICATION_FAILED: { status: 400, type: 'CodeVerificationFailedException', messageKey: 'Message' },
  ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, type: 'UnsupportedMediaTypeException', messageKey: 'message' },
  ERR_TOO_MANY_REQUESTS: { status: 429, type: 'TooManyRequestsException', messageKey: 'message' },
  ERR_UNKNOWN_OPERATION: { status: 404, type: 'UnknownOperationException', messageKey: 'message' },
  ERR_ACCESS_DENIED: { status: 403, type: 'AccessDeniedException', messageKey: 'Message' },
  ERR_MISSING_AUTH_TOKEN: { status: 403, type: 'MissingAuthenticationTokenException', messageKey: 'message' },
  ERR_INCOMPLETE_SIGNATURE: { status: 400, type: 'IncompleteSignatureException', messageKey: 'message' },
  ERR_INVALID_SIGNATURE: { status: 403, type: 'InvalidSignatureException', messageKey: 'message' },
  ERR_UNRECOGNIZED_CLIENT: { status: 403, type: 'UnrecognizedClientException', messageKey: 'message' },
  ERR_SHUTTING_DOWN: { status: 503, type: 'ServiceException', messageKey: 'Message' },
  ERR_SANDBOX_START_FAILED: { status: 500, type: 'ServiceException', messageKey: 'Message' },
  ERR_QUEUE_UNAVAILABLE: { status: 503, type: 'ServiceException', messageKey: 'Message' },
  ERR_STORAGE_UNAVAILABLE: { status: 503, type: 'ServiceException', messageKey: 'Message' },
  ERR_KMS_NOT_FOUND: { status: 502, type: 'KMSNotFoundException', messageKey: 'Message' },
  ERR_KMS_ACCESS_DENIED: { status: 502, type: 'KMSAccessDeniedException', messageKey: 'Message' },
  ERR_DURABLE_ALREADY_STARTED: { status: 409, type: 'DurableExecutionAlreadyStartedException', messageKey: 'Message' },
  ERR_CALLBACK_TIMEOUT: { status: 400, type: 'CallbackTimeoutException', messageKey: 'Message' },
  ERR_NODE_UNAVAILABLE: { status: 502, type: 'ServiceException', messageKey: 'Message' },
  ERR_INTERNAL: { status: 500, type: 'ServiceException', messageKey: 'Message' },
};

/** The JSON body of a wire error: AWS sends `Type` (User for 4xx, Service for 5xx) and the message. */
export function errorBody(w: WireError, message: string, extra: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return { Type: w.status < 500 ? 'User' : 'Service', [w.messageKey]: message, ...extra };
}

/** The wire code an internal code is answered with, when one reaches a request. */
export const INTERNAL_ON_WIRE: Readonly<Record<InternalCode, WireCode>> = {
  ERR_POOL_CLOSED: 'ERR_SHUTTING_DOWN',
  ERR_ISOLATION_UNAVAILABLE: 'ERR_INTERNAL',
  ERR_POLICY_SPEC: 'ERR_INTERNAL',
  ERR_SANDBOX_INIT: 'ERR_INTERNAL',
  ERR_CONFIG: 'ERR_INTERNAL',
};

/** The wire code for any code; `internal` says an internal code was mapped (to ERR_INTERNAL or another). */
export function wireCode(code: ErrorCode): { code: WireCode; internal: boolean } {
  return code in WIRE_ERRORS ? { code: code as WireCode, internal: false } : { code: INTERNAL_ON_WIRE[code as InternalCode], internal: true };
}
