/**
 * What Invoke and InvokeWithResponseStream read from a request alike (docs/reference/lambda-api.md
 * §2.1): the JSON payload, the client context, and the tenant of a tenant-isolated function.
 */
import type http from 'node:http';
import { invalidParameter, NimbusError, validationError } from '../../core/errors.js';
import type { FunctionVersion } from '../../core/model.js';
import { functionArn } from '../../core/names.js';
import { isJsonText } from './json-valid.js';

/** Synchronous request payloads: 6 MB (docs/reference/lambda-api.md §2.1). */
export const SYNC_PAYLOAD_LIMIT = 6_291_456;
/** X-Amz-Client-Context: base64 of JSON, at most 3583 bytes. */
const MAX_CLIENT_CONTEXT = 3583;
/** MODEL `TenantId`: 1-256 characters of this set. */
const TENANT_ID = /^[a-zA-Z0-9._:/=+\-@ ]{1,256}$/;

/**
 * An Invoke payload must be JSON (an empty one stands for `{}`). Checked on the bytes
 * (json-valid.ts); JSON.parse runs only for a payload that is not, for its error message.
 */
export function checkJson(payload: Buffer): void {
  if (payload.length === 0 || isJsonText(payload)) return;
  try {
    JSON.parse(payload.toString('utf8'));
  } catch (e) {
    throw new NimbusError(
      'ERR_INVALID_REQUEST_CONTENT',
      `Could not parse request body into json: Could not parse payload into json: ${(e as Error).message}`,
    );
  }
}

/** The Runtime API passes the client context on as decoded JSON text. */
export function clientContext(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  const bad = (): NimbusError =>
    new NimbusError('ERR_INVALID_REQUEST_CONTENT', 'Client context must be a valid Base64-encoded JSON object.');
  if (header.length > MAX_CLIENT_CONTEXT) {
    throw new NimbusError('ERR_INVALID_PARAMETER', `Client context must be at most ${MAX_CLIENT_CONTEXT} bytes.`);
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(header) || header.length % 4 !== 0) throw bad();
  const text = Buffer.from(header, 'base64').toString('utf8');
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad();
  } catch {
    throw bad();
  }
  return text;
}

/**
 * The tenant of an invocation (X-Amz-Tenant-Id). A function with TenancyConfig PER_TENANT must be
 * given one and any other function must not: both are InvalidParameterValueException
 * (docs/reference/tenant-isolation.md §2).
 */
export function tenantOf(headers: http.IncomingHttpHeaders, fn: FunctionVersion): string | undefined {
  const raw = headers['x-amz-tenant-id'];
  // The common case, kept cheap: no tenant, and a function without tenant isolation.
  if (raw === undefined && !fn.tenantIsolation) return undefined;
  const tenant = typeof raw === 'string' ? raw : undefined;
  if (tenant !== undefined && !TENANT_ID.test(tenant)) {
    throw validationError(tenant, 'tenantId', 'Member must satisfy regular expression pattern: [a-zA-Z0-9\\._:\\/=+\\-@ ]+ and have length between 1 and 256');
  }
  const arn = functionArn(fn, fn.name);
  if (fn.tenantIsolation && tenant === undefined) {
    throw invalidParameter(`The function ${arn} has tenant isolation mode enabled: invoke it with a tenant id (X-Amz-Tenant-Id).`);
  }
  if (!fn.tenantIsolation && tenant !== undefined) {
    throw invalidParameter(`The function ${arn} does not have tenant isolation mode enabled: invoke it without a tenant id (X-Amz-Tenant-Id).`);
  }
  return tenant;
}
