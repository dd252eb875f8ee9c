/**
 * The two places a SigV4 signature can travel, read into one shape: the Authorization header
 * (with X-Amz-Date or Date) and the presigned query (X-Amz-Algorithm, -Credential, -Date,
 * -Expires, -SignedHeaders, -Signature, optional -Security-Token). Each reader checks what AWS
 * checks before the credential: components present, date format, and the time window.
 */
import { decodeQueryPart, type QueryParam } from './sigv4-canonical.js';
import * as E from './sigv4-errors.js';
import { parseAuthorizationCached, parseDateHeader } from './sigv4-parse.js';

const SHA256_HEADER = 'x-amz-content-sha256';

/** How far a signing time may be from now. */
export interface TimeWindow {
  readonly skewMs: number;
  /** The longest X-Amz-Expires accepted, seconds. */
  readonly maxExpires: number;
  /** X-Amz-Date's basic format to epoch ms (the verifier caches it). */
  basicDate(v: string): number | undefined;
}

/** The headers the checks look at, gathered in one pass over rawHeaders. */
export interface HeaderScan {
  readonly names: string[];
  authorization: string | undefined;
  authorizations: number;
  hosts: number;
  amzDate: string | undefined;
  date: string | undefined;
  contentSha256: string | undefined;
  securityToken: string | undefined;
}

/** Values of a repeated header, joined as SigV4 joins them: with a bare comma. */
export const joinValues = (prev: string | undefined, v: string): string => (prev === undefined ? v : `${prev},${v}`);

/** One pass over rawHeaders: lower-cased names (for the canonical headers) and the ones auth reads. */
export function scanHeaders(raw: readonly string[]): HeaderScan {
  const s: HeaderScan = { names: [], authorization: undefined, authorizations: 0, hosts: 0, amzDate: undefined, date: undefined, contentSha256: undefined, securityToken: undefined };
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    s.names.push(name);
    switch (name) {
      case 'authorization':
        s.authorizations++;
        s.authorization = value;
        break;
      case 'host':
        s.hosts++;
        break;
      case 'x-amz-date':
        s.amzDate = joinValues(s.amzDate, value);
        break;
      case 'date':
        s.date = joinValues(s.date, value);
        break;
      case SHA256_HEADER:
        s.contentSha256 = joinValues(s.contentSha256, value);
        break;
      case 'x-amz-security-token':
        s.securityToken = joinValues(s.securityToken, value);
        break;
    }
  }
  return s;
}

/** Everything the signature step needs, from either form. */
export interface SignedParts {
  readonly algorithm: string;
  readonly credential: string;
  readonly signedHeaders: string;
  readonly signature: string;
  /** The time as the string to sign carries it (basic format). */
  readonly amzDate: string;
  readonly signedAt: number;
  readonly sessionToken: string | undefined;
  readonly signatureParam: QueryParam | undefined;
}

/** The header form: Authorization's components and the time from X-Amz-Date, else Date. */
export function fromHeader(h: HeaderScan, now: number, w: TimeWindow): SignedParts | E.SigV4Failure {
  const auth = parseAuthorizationCached(h.authorization!, h.amzDate !== undefined || h.date !== undefined);
  if ('ok' in auth) return auth;
  let signedAt: number | undefined;
  let amzDate: string;
  if (h.amzDate !== undefined) {
    signedAt = w.basicDate(h.amzDate);
    if (signedAt === undefined) return E.badDate(h.amzDate);
    amzDate = h.amzDate;
  } else {
    signedAt = parseDateHeader(h.date!);
    if (signedAt === undefined) return E.badDate(h.date!);
    amzDate = E.basicFormat(signedAt);
  }
  if (signedAt < now - w.skewMs) return E.expired(amzDate, now, w.skewMs);
  if (signedAt > now + w.skewMs) return E.notYetCurrent(amzDate, now, w.skewMs);
  return {
    algorithm: auth.algorithm,
    credential: auth.credential,
    signedHeaders: auth.signedHeaders,
    signature: auth.signature,
    amzDate,
    signedAt,
    sessionToken: h.securityToken,
    signatureParam: undefined,
  };
}

/**
 * The presigned form: the X-Amz-* query parameters. Valid from X-Amz-Date minus the skew to
 * X-Amz-Date plus X-Amz-Expires (MinIO and smithy read it so; AWS's presigning docs).
 */
export function fromQuery(params: readonly QueryParam[], now: number, w: TimeWindow): SignedParts | E.SigV4Failure {
  const names = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date', 'X-Amz-Expires'] as const;
  const found = new Map<string, QueryParam>();
  let token: QueryParam | undefined;
  for (const p of params) {
    if (p.name === 'X-Amz-Security-Token') {
      if (token) return E.duplicateComponent(p.name);
      token = p;
    } else if ((names as readonly string[]).includes(p.name)) {
      if (found.has(p.name)) return E.duplicateComponent(p.name);
      found.set(p.name, p);
    }
  }
  const value = (n: string): string => {
    const p = found.get(n);
    return p ? (decodeQueryPart(p.rawValue) ?? p.rawValue) : '';
  };
  const missing = names.filter((n) => value(n) === '');
  if (missing.length > 0) return E.incompleteQuery(missing);
  const amzDate = value('X-Amz-Date');
  const signedAt = w.basicDate(amzDate);
  if (signedAt === undefined) return E.badDate(amzDate);
  const expiresText = value('X-Amz-Expires');
  const expires = /^\d{1,7}$/.test(expiresText) ? Number(expiresText) : 0;
  if (expires < 1 || expires > w.maxExpires) return E.badExpires(expiresText, w.maxExpires);
  if (signedAt > now + w.skewMs) return E.notYetCurrent(amzDate, now, w.skewMs);
  if (now > signedAt + expires * 1000) return E.presignExpired(amzDate, now, expires);
  return {
    algorithm: value('X-Amz-Algorithm'),
    credential: value('X-Amz-Credential'),
    signedHeaders: value('X-Amz-SignedHeaders'),
    signature: value('X-Amz-Signature'),
    amzDate,
    signedAt,
    sessionToken: token ? (decodeQueryPart(token.rawValue) ?? token.rawValue) : undefined,
    signatureParam: found.get('X-Amz-Signature'),
  };
}
