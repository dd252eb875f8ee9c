/**
 * The request heads the lean front end (lean.ts) serves itself: a deliberately narrow, fully
 * validated subset of HTTP/1.1, stricter than node:http's parser on every point, so that a request
 * it accepts is one node:http would also accept and read the same way. Anything outside the subset
 * is not an error here: the connection is handed to node:http, which answers it as before
 * (including its 400s and 431s). What is accepted:
 *
 * - `POST <target> HTTP/1.1`, the target an origin-form path with only unreserved, sub-delim,
 *   `:`, `@`, `/`, `?` and `%` characters (no spaces, controls, `#`, non-ASCII);
 * - header lines `name: value` ended by CRLF: the name an RFC 9110 token, the value visible ASCII,
 *   spaces and tabs (no obs-text, no obs-fold continuation lines, no bare CR or LF anywhere);
 * - at most MAX_HEADERS lines and MAX_HEAD bytes, each name at most once (node:http joins or drops
 *   duplicates by rules of its own: declining them keeps `headers` unambiguous);
 * - exactly one `Host`, exactly one `Content-Length` of plain digits within MAX_BODY;
 * - no `Transfer-Encoding`, `Expect`, `Upgrade`, `TE`, `Trailer` or HTTP/2 preface, and
 *   `Connection` only as `keep-alive` or `close`.
 */

/** A parsed head: what IncomingMessage would hold for it (headers by lower-case name, raw pairs). */
export interface LeanHead {
  method: 'POST';
  url: string;
  /** Header values by lower-case name (no prototype: a `__proto__` header is just a name). */
  headers: Record<string, string>;
  /** Names as sent and trimmed values, alternating, as IncomingMessage.rawHeaders. */
  rawHeaders: string[];
  contentLength: number;
  /** The client asked to close the connection after this response. */
  close: boolean;
  /** Bytes of the head, CRLFCRLF included. */
  headLength: number;
}

/** node:http's default limit is 16 KB; the subset is half of it. */
export const MAX_HEAD = 8 * 1024;
export const MAX_HEADERS = 64;
/** Lambda's synchronous payload limit (6 MB); larger bodies go to node:http, which answers 413. */
export const MAX_BODY = 6_291_456;

/** Decline: the head is complete but outside the subset (node:http will answer it). */
export const DECLINE = 'decline' as const;
/** The head is not complete yet. */
export const PARTIAL = 'partial' as const;

/** RFC 9110 tchar. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TCHAR[c.charCodeAt(0)] = 1;
/** Characters accepted in the request target: unreserved, sub-delims, ':', '@', '/', '?', '%'. */
const TARGET = new Uint8Array(128);
for (const c of "-._~!$&'()*+,;=:@/?%0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz") TARGET[c.charCodeAt(0)] = 1;

/** Headers whose presence alone sends the request to node:http. */
const DECLINED_HEADERS = new Set(['transfer-encoding', 'expect', 'upgrade', 'te', 'trailer', 'http2-settings', 'proxy-connection', 'keep-alive']);

const CR = 13;
const LF = 10;
const PREFIX = Buffer.from('POST /');

/**
 * Whether the bytes of a partial head could still belong to one of the subset: no bare CR or LF,
 * no control character but HTAB, nothing outside ASCII.
 */
function plausible(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c === LF) {
      if (i === 0 || buf[i - 1] !== CR) return false;
    } else if (c === CR) {
      if (i + 1 < buf.length && buf[i + 1] !== LF) return false;
    } else if (c > 0x7e || (c < 0x20 && c !== 0x09)) return false;
  }
  return true;
}

/** Whether `buf` (the start of a request) can still become a request of the subset. */
export function mayBeLean(buf: Buffer): boolean {
  const n = Math.min(buf.length, PREFIX.length);
  for (let i = 0; i < n; i++) if (buf[i] !== PREFIX[i]) return false;
  return true;
}

/**
 * Parses the head at the start of `buf`. An incomplete head is checked as far as it goes, so
 * that one node:http would refuse at once (a bare LF, a bad character, a malformed line) is
 * handed over at once too, not left waiting for an end that may never come.
 */
export function parseHead(buf: Buffer): LeanHead | typeof DECLINE | typeof PARTIAL {
  const end = buf.indexOf('\r\n\r\n', 0, 'latin1');
  if (!mayBeLean(buf)) return DECLINE;
  if (end < 0 && (buf.length > MAX_HEAD || !plausible(buf))) return DECLINE;
  if (end >= 0 && end + 4 > MAX_HEAD) return DECLINE;
  // Lines are parsed up to the head's end, or up to the last complete line of a partial head.
  const stop = end >= 0 ? end + 2 : buf.lastIndexOf('\r\n', buf.length, 'latin1') + 2;
  // The head decoded once: names, values and the target are slices of it (one call into C++
  // instead of two per header line).
  const text = buf.toString('latin1', 0, Math.max(0, stop));
  // The request line: POST SP target SP HTTP/1.1 CRLF.
  let i = PREFIX.length - 1;
  const targetStart = i;
  for (; i < buf.length; i++) {
    const c = buf[i]!;
    if (c === 0x20) break;
    if (c >= 128 || TARGET[c] !== 1) return DECLINE;
  }
  if (i + 11 > stop) return end < 0 ? PARTIAL : DECLINE;
  const url = text.slice(targetStart, i);
  if (!text.startsWith(' HTTP/1.1\r\n', i)) return DECLINE;
  i += 11;
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  const rawHeaders: string[] = [];
  let count = 0;
  while (i < stop) {
    if (++count > MAX_HEADERS) return DECLINE;
    const nameStart = i;
    for (; i < stop; i++) {
      const c = buf[i]!;
      if (c === 0x3a) break;
      if (c >= 128 || TCHAR[c] !== 1) return DECLINE;
    }
    // An empty name, or a line without ':' (or starting with whitespace: obs-fold) is declined.
    if (i === nameStart || buf[i] !== 0x3a) return DECLINE;
    const name = text.slice(nameStart, i);
    i++;
    let valueStart = -1;
    let valueEnd = i;
    for (; ; i++) {
      const c = buf[i]!;
      if (c === CR) break;
      if (c === 0x20 || c === 0x09) continue;
      if (c < 0x21 || c > 0x7e) return DECLINE;
      if (valueStart < 0) valueStart = i;
      valueEnd = i + 1;
    }
    if (buf[i + 1] !== LF) return DECLINE;
    const value = valueStart < 0 ? '' : text.slice(valueStart, valueEnd);
    i += 2;
    const lower = name.toLowerCase();
    if (headers[lower] !== undefined || DECLINED_HEADERS.has(lower)) return DECLINE;
    headers[lower] = value;
    rawHeaders.push(name, value);
  }
  if (end < 0) return PARTIAL;
  const headLength = end + 4;
  const host = headers['host'];
  if (host === undefined || host === '') return DECLINE;
  const cl = headers['content-length'];
  if (cl === undefined || !/^[0-9]{1,7}$/.test(cl)) return DECLINE;
  const contentLength = Number(cl);
  if (contentLength > MAX_BODY) return DECLINE;
  const connection = headers['connection'];
  let close = false;
  if (connection !== undefined) {
    const c = connection.toLowerCase();
    if (c === 'close') close = true;
    else if (c !== 'keep-alive') return DECLINE;
  }
  return { method: 'POST', url, headers, rawHeaders, contentLength, close, headLength };
}
