/**
 * The URI parts of a SigV4 canonical request, built from the request target exactly as it came
 * off the wire (never from a re-serialised URL: `new URL()` normalises).
 *
 * - Canonical URI, "double encoding" (Lambda and every non-S3 service): each raw path segment,
 *   still percent-encoded by the client, is URI-encoded again, so `my-fn%3Aprod` becomes
 *   `my-fn%253Aprod` (docs/reference/security.md §1.1 step 7; smithy-kotlin `useDoubleUriEncode`: "certain
 *   services do not decode before checking signature"; erlcloud#690 is the bug when one forgets).
 * - Canonical query: each name and value decoded (`+` is a space, as MinIO and aws4 read it) and
 *   encoded again per RFC 3986, pairs sorted by name then value (AWS General Reference, "Create a
 *   canonical request"). Decoding works on bytes, so `%FF` survives and nothing can throw.
 * UriEncode keeps `A-Z a-z 0-9 - _ . ~` and writes every other UTF-8 byte as `%XX`, upper case.
 */

const HEX = '0123456789ABCDEF';
const UNRESERVED = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9\-_.~]/.test(ch)) UNRESERVED[c] = 1;
}

const pct = (b: number): string => `%${HEX[b >> 4]!}${HEX[b & 15]!}`;
const encodeByte = (b: number): string => (b < 128 && UNRESERVED[b] === 1 ? String.fromCharCode(b) : pct(b));

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Percent-encodes the UTF-8 bytes of the code point at `i` (a lone surrogate as U+FFFD). Returns [text, units read]. */
function encodeNonAscii(s: string, i: number): [string, number] {
  let cp = s.charCodeAt(i);
  let used = 1;
  if (cp >= 0xd800 && cp <= 0xdbff) {
    const lo = s.charCodeAt(i + 1);
    if (lo >= 0xdc00 && lo <= 0xdfff) {
      cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
      used = 2;
    } else cp = 0xfffd;
  } else if (cp >= 0xdc00 && cp <= 0xdfff) cp = 0xfffd;
  if (cp < 0x800) return [pct(0xc0 | (cp >> 6)) + pct(0x80 | (cp & 63)), used];
  if (cp < 0x10000) return [pct(0xe0 | (cp >> 12)) + pct(0x80 | ((cp >> 6) & 63)) + pct(0x80 | (cp & 63)), used];
  return [pct(0xf0 | (cp >> 18)) + pct(0x80 | ((cp >> 12) & 63)) + pct(0x80 | ((cp >> 6) & 63)) + pct(0x80 | (cp & 63)), used];
}

/** AWS's UriEncode of a string taken literally (nothing is decoded first). */
export function uriEncode(s: string): string {
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c >= 128 || UNRESERVED[c] !== 1) break;
    i++;
  }
  if (i === s.length) return s;
  let out = s.slice(0, i);
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c < 128) {
      out += UNRESERVED[c] === 1 ? s[i]! : pct(c);
      i++;
    } else {
      const [text, used] = encodeNonAscii(s, i);
      out += text;
      i += used;
    }
  }
  return out;
}

/** A query name or value as received, decoded to bytes and UriEncoded again. */
export function canonicalQueryPart(raw: string): string {
  let i = 0;
  while (i < raw.length) {
    const c = raw.charCodeAt(i);
    if (c >= 128 || UNRESERVED[c] !== 1) break;
    i++;
  }
  if (i === raw.length) return raw;
  let out = raw.slice(0, i);
  while (i < raw.length) {
    const c = raw.charCodeAt(i);
    if (c === 37 /* % */ && i + 2 < raw.length && hexValue(raw.charCodeAt(i + 1)) >= 0 && hexValue(raw.charCodeAt(i + 2)) >= 0) {
      out += encodeByte((hexValue(raw.charCodeAt(i + 1)) << 4) | hexValue(raw.charCodeAt(i + 2)));
      i += 3;
    } else if (c === 43 /* + */) {
      out += '%20';
      i++;
    } else if (c < 128) {
      out += encodeByte(c);
      i++;
    } else {
      const [text, used] = encodeNonAscii(raw, i);
      out += text;
      i += used;
    }
  }
  return out;
}

/** A query name or value decoded to text (for reading X-Amz-* parameters); undefined if not UTF-8. */
export function decodeQueryPart(raw: string): string | undefined {
  if (raw.indexOf('%') < 0 && raw.indexOf('+') < 0) return raw;
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * Why a request target is refused before auth, or undefined if it is fine: it must be origin-form,
 * its path in normal form (no empty, `.` or `..` segments; a trailing `/` is fine, ListFunctions
 * ends in one), and every `%` must start a valid escape other than `%00`.
 */
export function targetProblem(rawUrl: string, s3 = false): string | undefined {
  if (rawUrl.charCodeAt(0) !== 47 /* / */) return 'the target must start with /';
  const q = rawUrl.indexOf('?');
  const end = q < 0 ? rawUrl.length : q;
  let segStart = 1;
  // S3 keys are names, not paths: `a//b` and `a/../b` are keys of their own, signed as sent.
  for (let i = 1; i <= end && !s3; i++) {
    if (i === end || rawUrl.charCodeAt(i) === 47) {
      const len = i - segStart;
      if (len === 0 && i !== end) return 'the path has an empty segment';
      if ((len === 1 && rawUrl[segStart] === '.') || (len === 2 && rawUrl.startsWith('..', segStart))) return 'the path has a . or .. segment';
      segStart = i + 1;
    }
  }
  for (let i = rawUrl.indexOf('%'); i >= 0; i = rawUrl.indexOf('%', i + 1)) {
    const hi = hexValue(rawUrl.charCodeAt(i + 1));
    const lo = hexValue(rawUrl.charCodeAt(i + 2));
    if (hi < 0 || lo < 0) return 'a % is not followed by two hex digits';
    if (hi === 0 && lo === 0) return '%00 is not allowed';
  }
  return undefined;
}

/** The canonical URI of a path already known to be in normal form: each segment encoded again. */
export function canonicalUri(path: string): string {
  if (path.length <= 1) return '/';
  let out = '';
  let start = 1;
  for (let i = 1; i <= path.length; i++) {
    if (i === path.length || path.charCodeAt(i) === 47) {
      out += '/' + uriEncode(path.slice(start, i));
      start = i + 1;
    }
  }
  return out;
}

/**
 * S3's canonical URI: the path encoded once (each segment decoded, then UriEncoded; `/` kept), as
 * S3's signers compute it from the key. A segment that is not valid UTF-8 is kept as sent.
 */
export function canonicalS3Uri(path: string): string {
  if (path.length <= 1) return '/';
  return path
    .split('/')
    .map((seg) => {
      const text = decodeQueryPart(seg.replace(/\+/g, '%2B'));
      return text === undefined ? seg : uriEncode(text);
    })
    .join('/');
}

/** One query parameter: its raw name and value as received, and their canonical forms. */
export interface QueryParam {
  readonly rawName: string;
  readonly rawValue: string;
  readonly name: string;
  readonly value: string;
}

/** Splits a raw query on `&` (empty items are skipped) and on the first `=` (none: empty value). */
export function parseQuery(rawQuery: string): QueryParam[] {
  const out: QueryParam[] = [];
  if (rawQuery.length === 0) return out;
  let start = 0;
  while (start <= rawQuery.length) {
    let amp = rawQuery.indexOf('&', start);
    if (amp < 0) amp = rawQuery.length;
    if (amp > start) {
      const item = rawQuery.slice(start, amp);
      const eq = item.indexOf('=');
      const rawName = eq < 0 ? item : item.slice(0, eq);
      const rawValue = eq < 0 ? '' : item.slice(eq + 1);
      out.push({ rawName, rawValue, name: canonicalQueryPart(rawName), value: canonicalQueryPart(rawValue) });
    }
    start = amp + 1;
  }
  return out;
}

const byNameThenValue = (a: QueryParam, b: QueryParam): number =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0;

/** The canonical query string, leaving out `skip` (the presigned form's X-Amz-Signature). */
export function canonicalQuery(params: readonly QueryParam[], skip?: QueryParam): string {
  if (params.length === 0) return '';
  const kept = skip ? params.filter((p) => p !== skip) : params.slice();
  kept.sort(byNameThenValue);
  let out = '';
  for (let i = 0; i < kept.length; i++) out += (i === 0 ? '' : '&') + kept[i]!.name + '=' + kept[i]!.value;
  return out;
}

/** A header value as SigV4 wants it: trimmed, runs of spaces and tabs made one space. */
export function canonicalHeaderValue(v: string): string {
  let clean = true;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 9 || (c === 32 && (i === 0 || i === v.length - 1 || v.charCodeAt(i + 1) === 32 || v.charCodeAt(i + 1) === 9))) {
      clean = false;
      break;
    }
  }
  if (clean) return v;
  // Only spaces are trimmed: String#trim would also eat U+00A0, a byte a client may have signed.
  let out = v.replace(/[ \t]+/g, ' ');
  if (out.charCodeAt(0) === 32) out = out.slice(1);
  if (out.charCodeAt(out.length - 1) === 32) out = out.slice(0, -1);
  return out;
}
