/**
 * The HTTP request as the event builders see it: plain values taken from the socket once, so the
 * builders stay pure and testable without a server.
 */
import type http from 'node:http';

export interface HttpRequestInfo {
  method: string;
  /** The path as sent, percent-encoding kept. */
  rawPath: string;
  /** The query string without its `?` ('' when none). */
  rawQuery: string;
  /** Header pairs in arrival order, names as sent. */
  rawHeaders: readonly string[];
  body: Buffer;
  sourceIp: string;
  protocol: string;
  /** Epoch ms when the request arrived. */
  time: number;
}

export function requestInfo(req: http.IncomingMessage, rawPath: string, rawQuery: string, body: Buffer, time: number): HttpRequestInfo {
  return {
    method: req.method ?? 'GET',
    rawPath,
    rawQuery,
    rawHeaders: req.rawHeaders,
    body,
    sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    protocol: `HTTP/${req.httpVersion}`,
    time,
  };
}

/** Lower-cased header names, each with every value in arrival order. */
export function headerLists(raw: readonly string[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i]!.toLowerCase();
    const list = m.get(k);
    if (list) list.push(raw[i + 1]!);
    else m.set(k, [raw[i + 1]!]);
  }
  return m;
}

/** Query keys with every value, decoded as API Gateway decodes them. */
export function queryLists(rawQuery: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(rawQuery)) {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  }
  return m;
}

const TEXT_TYPE = /^text\/|json|xml|javascript|x-www-form-urlencoded/i;

/** API Gateway sends textual bodies as text and everything else base64-encoded. */
export function encodeBody(body: Buffer, contentType: string | undefined): { body: string; isBase64Encoded: boolean } {
  if (contentType !== undefined && TEXT_TYPE.test(contentType)) {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(body);
    if (Buffer.byteLength(text) === body.length && !text.includes('\uFFFD')) return { body: text, isBase64Encoded: false };
  }
  return { body: body.toString('base64'), isBase64Encoded: true };
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `12/Mar/2020:19:03:58 +0000`, API Gateway's requestContext.time format. */
export function clfTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]!}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}
