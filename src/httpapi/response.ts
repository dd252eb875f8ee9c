/**
 * From a function's result to an HTTP response (docs/reference/lambda-api.md §4.3, §4.4). Format 2.0 infers a
 * 200 JSON response from anything without `statusCode`; format 1.0 infers nothing. A result
 * that cannot be mapped is `undefined`, which the caller answers as a gateway error.
 */
import { validateHeaderName, validateHeaderValue } from 'node:http';

export interface HttpResponse {
  status: number;
  /** Lower-cased names; `set-cookie` may hold several values. */
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Headers the platform owns: framing is Nimbus's business, not the function's. */
const DROPPED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parse(payload: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(payload.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

/** A final status: a 1xx from a function would be sent as an interim response, then garbage. */
function validStatus(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 200 && v <= 599;
}

/** Whether Node can send these headers: a bad name or a CR/LF in a value is a malformed response. */
function sendable(headers: Record<string, string | string[]>): boolean {
  try {
    for (const [k, v] of Object.entries(headers)) {
      validateHeaderName(k);
      for (const x of Array.isArray(v) ? v : [v]) validateHeaderValue(k, x);
    }
    return true;
  } catch {
    return false;
  }
}

function headerValue(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function bodyOf(r: Record<string, unknown>): Buffer | undefined {
  const b = r['body'];
  if (b === undefined || b === null) return Buffer.alloc(0);
  const text = typeof b === 'string' ? b : JSON.stringify(b);
  if (r['isBase64Encoded'] === true) {
    if (typeof b !== 'string' || !/^[A-Za-z0-9+/=\s_-]*$/.test(b)) return undefined;
    return Buffer.from(b, 'base64');
  }
  return Buffer.from(text);
}

/** Format 2.0: function URLs and HTTP API routes. */
export function responseV2(payload: Buffer): HttpResponse | undefined {
  const parsed = parse(payload);
  if (!parsed.ok) return undefined;
  const v = parsed.value;
  if (!isRecord(v) || !('statusCode' in v)) {
    // AWS sends a top-level string unquoted and everything else as compact JSON (recorded, §4.3).
    const body = typeof v === 'string' ? v : JSON.stringify(v);
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) };
  }
  if (!validStatus(v['statusCode'])) return undefined;
  const headers: Record<string, string | string[]> = { 'content-type': 'application/json' };
  if (v['headers'] !== undefined && v['headers'] !== null) {
    if (!isRecord(v['headers'])) return undefined;
    for (const [k, raw] of Object.entries(v['headers'])) {
      const val = headerValue(raw);
      if (val !== undefined && !DROPPED.has(k.toLowerCase())) headers[k.toLowerCase()] = val;
    }
  }
  const cookies = v['cookies'];
  if (cookies !== undefined && cookies !== null) {
    if (!Array.isArray(cookies) || cookies.some((c) => typeof c !== 'string')) return undefined;
    const own = headers['set-cookie'];
    headers['set-cookie'] = [...(own === undefined ? [] : Array.isArray(own) ? own : [own]), ...(cookies as string[])];
  }
  const body = bodyOf(v);
  if (!body || !sendable(headers)) return undefined;
  return { status: v['statusCode'], headers, body };
}

/** Format 1.0: REST API (`Api` event) routes; `multiValueHeaders` wins over `headers`. */
export function responseV1(payload: Buffer): HttpResponse | undefined {
  const parsed = parse(payload);
  if (!parsed.ok || !isRecord(parsed.value)) return undefined;
  const v = parsed.value;
  if (!validStatus(v['statusCode'])) return undefined;
  const headers: Record<string, string | string[]> = {};
  if (v['headers'] !== undefined && v['headers'] !== null) {
    if (!isRecord(v['headers'])) return undefined;
    for (const [k, raw] of Object.entries(v['headers'])) {
      const val = headerValue(raw);
      if (val !== undefined && !DROPPED.has(k.toLowerCase())) headers[k.toLowerCase()] = val;
    }
  }
  if (v['multiValueHeaders'] !== undefined && v['multiValueHeaders'] !== null) {
    if (!isRecord(v['multiValueHeaders'])) return undefined;
    for (const [k, raw] of Object.entries(v['multiValueHeaders'])) {
      if (!Array.isArray(raw) || DROPPED.has(k.toLowerCase())) continue;
      const vals = raw.map(headerValue).filter((x): x is string => x !== undefined);
      headers[k.toLowerCase()] = k.toLowerCase() === 'set-cookie' ? vals : vals.join(',');
    }
  }
  headers['content-type'] ??= 'application/json';
  const body = bodyOf(v);
  if (!body || !sendable(headers)) return undefined;
  return { status: v['statusCode'], headers, body };
}
