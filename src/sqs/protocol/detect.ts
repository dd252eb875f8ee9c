/**
 * Which requests are SQS's, decided from the wire markers alone so the service never claims a
 * Lambda API request or a user's HTTP route:
 * - JSON: `X-Amz-Target: AmazonSQS.<Operation>` (POST to `/`, or - as some SDKs do - to a queue URL);
 * - Query: an `Action` parameter with `Version=2012-11-05`, in the query string or a form body;
 *   or an `Action` on a queue URL path (`/<12-digit account>/<queue>`), which AWS serves without
 *   a Version (LocalStack's AWS-validated Query API tests GET queue URLs that way).
 * Lambda's REST paths all start with a dated segment (`/2015-03-31/...`) and are never claimed.
 */
import { parseQueuePath } from '../url.js';

export interface WireRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export const SQS_TARGET_PREFIX = 'AmazonSQS.';
export const QUERY_VERSION = '2012-11-05';

/** A header by lower-case name (Node lower-cases incoming names; callers may not have). */
export function header(headers: WireRequest['headers'], name: string): string | undefined {
  const v = headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(v) ? v[0] : v;
}

const isForm = (headers: WireRequest['headers']): boolean =>
  (header(headers, 'content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');

const DATED_PATH = /^\/\d{4}-\d{2}-\d{2}\//;

/**
 * `sqs`/`not-sqs` from method, path, query and headers; `body` when only a form body can tell
 * (a form POST to `/` or a queue path): call `isSqsRequest` with the body then.
 */
export function classify(req: WireRequest): 'sqs' | 'not-sqs' | 'body' {
  if (DATED_PATH.test(req.path)) return 'not-sqs';
  const onQueuePath = parseQueuePath(req.path) !== null;
  const target = header(req.headers, 'x-amz-target');
  if (target !== undefined) {
    return target.startsWith(SQS_TARGET_PREFIX) && req.method === 'POST' && (req.path === '/' || onQueuePath) ? 'sqs' : 'not-sqs';
  }
  if (req.path !== '/' && !onQueuePath) return 'not-sqs';
  if (req.query.has('Action') && (req.query.get('Version') === QUERY_VERSION || onQueuePath)) return 'sqs';
  if (req.method === 'POST' && isForm(req.headers)) return 'body';
  return 'not-sqs';
}

/** The full decision, given the body. */
export function isSqsRequest(req: WireRequest & { body?: Buffer }): boolean {
  const c = classify(req);
  if (c !== 'body') return c === 'sqs';
  if (!req.body) return false;
  const form = new URLSearchParams(req.body.toString('utf8'));
  return form.has('Action') && (form.get('Version') === QUERY_VERSION || parseQueuePath(req.path) !== null);
}

/** The protocol of a request already known to be SQS's. */
export const protocolOf = (req: WireRequest): 'json' | 'query' => (header(req.headers, 'x-amz-target') !== undefined ? 'json' : 'query');

/** Query parameters: the query string, overlaid by a form body. */
export function queryParams(req: WireRequest & { body: Buffer }): URLSearchParams {
  const out = new URLSearchParams(req.query);
  if (req.method === 'POST' && isForm(req.headers) && req.body.length > 0) {
    for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) out.set(k, v);
  }
  return out;
}
