/**
 * Nimbus's one error class. Every module throws `NimbusError` with a stable `code`, and callers
 * match on the code, never on the message. Wire codes are Lambda's errors: only the HTTP server
 * turns them into bytes (src/api/http/wire-errors.ts), from one table that docs/errors.md
 * documents and a test keeps in step. Internal codes name Nimbus's own failures (a closed pool,
 * missing isolation, a bad setting); the server maps the few that can reach a request to a wire
 * code, and answers the rest as an internal error.
 */
export type WireCode =
  | 'ERR_NOT_FOUND'
  | 'ERR_PROVISIONED_CONFIG_NOT_FOUND'
  | 'ERR_CODE_SIGNING_CONFIG_NOT_FOUND'
  | 'ERR_CONFLICT'
  | 'ERR_RESOURCE_IN_USE'
  | 'ERR_INVALID_PARAMETER'
  | 'ERR_VALIDATION'
  | 'ERR_INVALID_REQUEST_CONTENT'
  | 'ERR_REQUEST_TOO_LARGE'
  | 'ERR_PRECONDITION_FAILED'
  | 'ERR_POLICY_TOO_LARGE'
  | 'ERR_CODE_VERIFICATION_FAILED'
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_TOO_MANY_REQUESTS'
  | 'ERR_UNKNOWN_OPERATION'
  | 'ERR_ACCESS_DENIED'
  | 'ERR_MISSING_AUTH_TOKEN'
  | 'ERR_INCOMPLETE_SIGNATURE'
  | 'ERR_INVALID_SIGNATURE'
  | 'ERR_UNRECOGNIZED_CLIENT'
  | 'ERR_SHUTTING_DOWN'
  | 'ERR_SANDBOX_START_FAILED'
  | 'ERR_QUEUE_UNAVAILABLE'
  | 'ERR_STORAGE_UNAVAILABLE'
  | 'ERR_KMS_NOT_FOUND'
  | 'ERR_KMS_ACCESS_DENIED'
  /** Durable functions: an execution name already used with another input (409). */
  | 'ERR_DURABLE_ALREADY_STARTED'
  /** Durable functions: a callback that timed out or was already closed (400). */
  | 'ERR_CALLBACK_TIMEOUT'
  /** Cluster mode: the node an invocation was forwarded to failed or stopped answering after it was sent (it may have run). */
  | 'ERR_NODE_UNAVAILABLE'
  | 'ERR_INTERNAL';

export type InternalCode =
  /** The pool takes no more work: Nimbus is stopping (answered as ERR_SHUTTING_DOWN). */
  | 'ERR_POOL_CLOSED'
  /** The isolation level asked for (or expected by `auto`) cannot be had on this host. */
  | 'ERR_ISOLATION_UNAVAILABLE'
  /** A keep-alive policy spec did not parse. */
  | 'ERR_POLICY_SPEC'
  /** A sandbox's runtime failed its init: an init error, an early exit or the init timeout. */
  | 'ERR_SANDBOX_INIT'
  /** A start-up setting is refused (an exposed address without authentication, a limit out of range). */
  | 'ERR_CONFIG';

export type ErrorCode = WireCode | InternalCode;

export class NimbusError extends Error {
  override readonly name = 'NimbusError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra members for the wire body, for example `{ Reason: '...' }` on throttles. */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

/** The message of anything thrown (a non-Error is turned into a string). */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export const notFound = (message: string): NimbusError => new NimbusError('ERR_NOT_FOUND', message);
export const conflict = (message: string): NimbusError => new NimbusError('ERR_CONFLICT', message);
export const invalidParameter = (message: string): NimbusError =>
  new NimbusError('ERR_INVALID_PARAMETER', message);

/**
 * Builds AWS's constraint-violation message:
 * `1 validation error detected: Value 'x' at 'member' failed to satisfy constraint: Member must ...`,
 * and for a missing member `Value null at 'member'`, unquoted (LS-SNAP `untag_empty_keys`).
 */
export function validationError(value: unknown, member: string, constraint: string): NimbusError {
  const shown = value === null ? 'null' : `'${typeof value === 'string' ? value : JSON.stringify(value)}'`;
  return new NimbusError('ERR_VALIDATION', `1 validation error detected: Value ${shown} at '${member}' failed to satisfy constraint: ${constraint}`);
}

/** The invoke-time error of an environment that cannot be decrypted (its `environmentError`), as Lambda's 502 KMS exceptions. */
export function kmsError(e: { errorCode: 'KMSNotFoundException' | 'KMSAccessDeniedException'; message: string }): NimbusError {
  return new NimbusError(e.errorCode === 'KMSNotFoundException' ? 'ERR_KMS_NOT_FOUND' : 'ERR_KMS_ACCESS_DENIED', e.message);
}

/** Why Lambda throttled a call (the `Reason` member of TooManyRequestsException). */
export type ThrottleReason = 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded';

/** Lambda's throttle: 429, message "Rate Exceeded.", with the Reason member. */
export function throttle(reason: ThrottleReason, detail = ''): NimbusError {
  return new NimbusError('ERR_TOO_MANY_REQUESTS', `Rate Exceeded.${detail ? ` ${detail}` : ''}`, { Reason: reason });
}

/**
 * An error of an AWS JSON-protocol service Nimbus also speaks (EventBridge, CloudWatch Logs):
 * `type` is the model's error name (`__type` and `x-amzn-ErrorType` on the wire). Each service
 * subclasses it, so that `instanceof` still tells whose error it is.
 */
export class AwsJsonError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

/** AWS's usual validation wording: "1 validation error detected: Value '...' at '<member>' failed to satisfy constraint: <rule>". */
export function constraintMessage(value: unknown, member: string, rule: string): string {
  return `1 validation error detected: Value '${typeof value === 'string' ? value : JSON.stringify(value)}' at '${member}' failed to satisfy constraint: ${rule}`;
}
