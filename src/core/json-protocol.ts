/**
 * AWS's JSON 1.1 protocol as a service on Nimbus's endpoint answers it: `POST /` with
 * `X-Amz-Target: <prefix><Operation>` and a JSON object body; a result is the operation's JSON,
 * an error `{"__type", "message"}` with the type also in `x-amzn-ErrorType` (what the SDKs turn
 * into `e.name`). Shared by the services whose operations are plain functions of their
 * parameters (Parameter Store, Secrets Manager).
 */
import { randomUUID } from 'node:crypto';
import { AwsJsonError } from './errors.js';
import type { Scope } from './model.js';

const CONTENT_TYPE = 'application/x-amz-json-1.1';

export interface JsonRequest {
  method: string;
  path: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
  accountId: string;
  region: string;
  caller?: { readonly arn: string } | undefined;
}

export interface JsonResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export type JsonOperation = (scope: Scope, params: Record<string, unknown>, caller: string) => Record<string, unknown>;

const targetOf = (h: JsonRequest['headers']): string => {
  const v = h['x-amz-target'];
  return (Array.isArray(v) ? v[0] : v) ?? '';
};

/** Whether a request is this service's: a POST to `/` whose target starts with `prefix`. */
export const isJsonTarget = (req: Pick<JsonRequest, 'method' | 'path' | 'headers'>, prefix: string): boolean =>
  req.method === 'POST' && req.path === '/' && targetOf(req.headers).startsWith(prefix);

export function jsonReply(status: number, body: unknown, requestId: string = randomUUID()): JsonResponse {
  return { status, headers: { 'Content-Type': CONTENT_TYPE, 'x-amzn-RequestId': requestId }, body: Buffer.from(JSON.stringify(body)) };
}

export function jsonError(status: number, type: string, message: string, requestId: string = randomUUID()): JsonResponse {
  const r = jsonReply(status, { __type: type, message }, requestId);
  return { ...r, headers: { ...r.headers, 'x-amzn-ErrorType': type } };
}

/**
 * Runs the operation the target names. Never throws: a service's AwsJsonError is its answer,
 * anything else is logged and answered as `internal` (500).
 */
export function handleJson(
  req: JsonRequest,
  prefix: string,
  ops: Readonly<Record<string, JsonOperation>>,
  opts: { unknown: (op: string) => AwsJsonError; internal: string; log: (line: string) => void; service: string },
): JsonResponse {
  const requestId = randomUUID();
  const op = targetOf(req.headers).slice(prefix.length);
  try {
    const run = Object.hasOwn(ops, op) ? ops[op] : undefined;
    if (!run) throw opts.unknown(op);
    let params: unknown;
    try {
      params = req.body.length === 0 ? {} : JSON.parse(req.body.toString('utf8'));
    } catch {
      throw new AwsJsonError('SerializationException', 'Start of structure or map found where not expected.');
    }
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new AwsJsonError('SerializationException', 'Start of structure or map found where not expected.');
    const caller = req.caller?.arn ?? `arn:aws:iam::${req.accountId}:root`;
    return jsonReply(200, run({ accountId: req.accountId, region: req.region }, params as Record<string, unknown>, caller), requestId);
  } catch (e) {
    if (e instanceof AwsJsonError) return jsonError(e.status, e.type, e.message, requestId);
    opts.log(`${opts.service}: ${op} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return jsonError(500, opts.internal, 'An internal error occurred.', requestId);
  }
}
