/** Request members of the durable-execution operations (MODEL shapes in docs/reference/lambda-model.json). */
import { invalidParameter, validationError } from '../../core/errors.js';
import type { ErrorObject } from '../../durable/types.js';
import { isObject } from '../http/validate.js';

/** MODEL `DurableExecutionArn`. */
export const EXECUTION_ARN = /^arn:([a-zA-Z0-9-]+):lambda:([a-zA-Z0-9-]+):(\d{12}):function:([a-zA-Z0-9_-]+):(\$LATEST(?:\.PUBLISHED)?|[0-9]+)\/durable-execution\/([a-zA-Z0-9_-]+)\/([a-zA-Z0-9_-]+)$/;
/** MODEL `DurableExecutionName`. */
export const EXECUTION_NAME = /^[a-zA-Z0-9-_]+$/;
/** MODEL `CallbackId`. */
const CALLBACK_ID = /^[A-Za-z0-9+/]+={0,2}$/;

export function checkExecutionArn(v: string | undefined): string {
  const arn = v ?? '';
  if (arn.length < 1 || arn.length > 1024) throw validationError(arn, 'durableExecutionArn', 'Member must have length between 1 and 1024');
  if (!EXECUTION_ARN.test(arn)) throw validationError(arn, 'durableExecutionArn', `Member must satisfy regular expression pattern: ${EXECUTION_ARN.source.slice(1, -1)}`);
  return arn;
}

export function checkExecutionName(v: string): string {
  if (v.length < 1 || v.length > 64) throw validationError(v, 'durableExecutionName', 'Member must have length between 1 and 64');
  if (!EXECUTION_NAME.test(v)) throw validationError(v, 'durableExecutionName', 'Member must satisfy regular expression pattern: ^[a-zA-Z0-9-_]+$');
  return v;
}

export function checkCallbackId(v: string | undefined): string {
  const id = v ?? '';
  if (id.length < 1 || id.length > 1024 || !CALLBACK_ID.test(id)) throw validationError(id, 'callbackId', 'Member must satisfy regular expression pattern: ^[A-Za-z0-9+/]+={0,2}$');
  return id;
}

/** MODEL `ItemCount` (0-1000) from a query string. */
export function checkMaxItems(v: string | null): number {
  if (v === null || v === '') return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 1000) throw validationError(v, 'maxItems', 'Member must have value between 0 and 1000');
  return n;
}

export function checkBool(v: string | null, member: string): boolean {
  if (v === null || v === '') return false;
  if (v !== 'true' && v !== 'false') throw validationError(v, member, 'Member must be a boolean');
  return v === 'true';
}

/** A query timestamp: ISO-8601 (the SDKs' default for query strings) or epoch seconds. */
export function checkTimestamp(v: string | null, member: string): number | undefined {
  if (v === null || v === '') return undefined;
  const t = /^\d+(\.\d+)?$/.test(v) ? Number(v) * 1000 : Date.parse(v);
  if (!Number.isFinite(t)) throw validationError(v, member, 'Member must be a timestamp');
  return t;
}

/** MODEL `ErrorObject`, from a JSON body (absent or empty: undefined). */
export function checkErrorObject(body: unknown): ErrorObject | undefined {
  if (body === undefined || body === null) return undefined;
  if (!isObject(body)) throw invalidParameter('The error must be an object (ErrorMessage, ErrorType, ErrorData, StackTrace).');
  const out: ErrorObject = {};
  for (const k of ['ErrorMessage', 'ErrorType', 'ErrorData'] as const) {
    const v = body[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string') throw validationError(v, k.charAt(0).toLowerCase() + k.slice(1), 'Member must be a string');
    out[k] = v;
  }
  const st = body['StackTrace'];
  if (st !== undefined && st !== null) {
    if (!Array.isArray(st) || st.some((x) => typeof x !== 'string')) throw validationError(st, 'stackTrace', 'Member must be a list of strings');
    out.StackTrace = st as string[];
  }
  return Object.keys(out).length ? out : undefined;
}
