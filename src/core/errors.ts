/**
 * Nimbus's one error class. Every module throws `NimbusError` with a stable `code`; only the
 * gateway turns codes into Lambda's wire errors (src/gateway/wire-errors.ts), from one table
 * that docs/errors.md documents and a test keeps in step.
 */
export type ErrorCode =
  | 'ERR_NOT_FOUND'
  | 'ERR_PROVISIONED_CONFIG_NOT_FOUND'
  | 'ERR_CONFLICT'
  | 'ERR_INVALID_PARAMETER'
  | 'ERR_VALIDATION'
  | 'ERR_INVALID_REQUEST_CONTENT'
  | 'ERR_REQUEST_TOO_LARGE'
  | 'ERR_PRECONDITION_FAILED'
  | 'ERR_UNSUPPORTED_MEDIA_TYPE'
  | 'ERR_TOO_MANY_REQUESTS'
  | 'ERR_UNKNOWN_OPERATION'
  | 'ERR_ACCESS_DENIED'
  | 'ERR_SHUTTING_DOWN'
  | 'ERR_SANDBOX_START_FAILED'
  | 'ERR_QUEUE_UNAVAILABLE'
  | 'ERR_INTERNAL';

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

export const notFound = (message: string): NimbusError => new NimbusError('ERR_NOT_FOUND', message);
export const conflict = (message: string): NimbusError => new NimbusError('ERR_CONFLICT', message);
export const invalidParameter = (message: string): NimbusError =>
  new NimbusError('ERR_INVALID_PARAMETER', message);

/**
 * Builds AWS's constraint-violation message:
 * `1 validation error detected: Value 'x' at 'member' failed to satisfy constraint: Member must ...`
 */
export function validationError(value: unknown, member: string, constraint: string): NimbusError {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return new NimbusError(
    'ERR_VALIDATION',
    `1 validation error detected: Value '${shown}' at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}

/** Why Lambda throttled a call (the `Reason` member of TooManyRequestsException). */
export type ThrottleReason = 'ReservedFunctionConcurrentInvocationLimitExceeded' | 'ConcurrentInvocationLimitExceeded';

/** Lambda's throttle: 429, message "Rate Exceeded.", with the Reason member. */
export function throttle(reason: ThrottleReason, detail = ''): NimbusError {
  return new NimbusError('ERR_TOO_MANY_REQUESTS', `Rate Exceeded.${detail ? ` ${detail}` : ''}`, { Reason: reason });
}
