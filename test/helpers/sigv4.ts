/**
 * Helpers for the SigV4 verifier's tests: `@smithy/signature-v4` (the signer inside the JS SDK)
 * as the independent oracle, and the conversions between its request shape and what the server
 * sees on the wire (a raw target and Node-style rawHeaders).
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { SigV4Verifier, type SigningSecret, type SigV4Config, type SigV4Request } from '../../src/auth/sigv4.js';

const bytes = (d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof d === 'string' ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

/** smithy's hash interface over node:crypto (an HMAC when given a key). */
export class NodeSha256 {
  private readonly h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
}

export const AKID = 'AKIDNIMBUSTEST000001';
export const SECRET = 'nimbus/secret+key/0123456789abcdefABCDEF';
export const HOST = '127.0.0.1:9000';

export const sha256Hex = (body: Uint8Array | string): string => createHash('sha256').update(body).digest('hex');

export interface SignerOptions {
  accessKeyId?: string;
  secret?: string;
  sessionToken?: string;
  region?: string;
  service?: string;
  /** false: sign the path as given (S3's single encoding), to show Lambda refuses it. */
  uriEscapePath?: boolean;
  applyChecksum?: boolean;
}

export function signer(o: SignerOptions = {}): SignatureV4 {
  const credentials = { accessKeyId: o.accessKeyId ?? AKID, secretAccessKey: o.secret ?? SECRET, ...(o.sessionToken ? { sessionToken: o.sessionToken } : {}) };
  return new SignatureV4({
    credentials,
    region: o.region ?? 'us-east-1',
    service: o.service ?? 'lambda',
    sha256: NodeSha256,
    uriEscapePath: o.uriEscapePath ?? true,
    applyChecksum: o.applyChecksum ?? true,
  });
}

/** The parts of a request before signing; `path` is the wire path (already percent-encoded). */
export interface Unsigned {
  method: string;
  path: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: Uint8Array;
}

/** smithy's HttpRequest-like input. */
export function smithyRequest(u: Unsigned) {
  return {
    method: u.method,
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: 9000,
    path: u.path,
    query: u.query ?? {},
    headers: { host: HOST, ...(u.headers ?? {}) },
    ...(u.body ? { body: u.body } : {}),
  };
}

/** A query map as an SDK puts it on the wire: RFC 3986 encoding, repeated keys in order. */
export function wireQuery(query: Record<string, string | string[]>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    for (const one of Array.isArray(v) ? v : [v]) parts.push(`${rfc3986(k)}=${rfc3986(one)}`);
  }
  return parts.join('&');
}

export const rfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** What the server would see for a signed smithy request. */
export function onWire(signed: { method: string; path: string; query?: Record<string, unknown>; headers: Record<string, string> }, body?: Uint8Array, rawQuery?: string): SigV4Request {
  const q = rawQuery ?? wireQuery((signed.query ?? {}) as Record<string, string | string[]>);
  return {
    method: signed.method,
    rawUrl: q ? `${signed.path}?${q}` : signed.path,
    rawHeaders: Object.entries(signed.headers).flat(),
    payloadSha256: sha256Hex(body ?? new Uint8Array()),
  };
}

export function signHeaderForm(u: Unsigned, date: Date, o: SignerOptions = {}) {
  return signer(o).sign(smithyRequest(u), { signingDate: date });
}

/** A verifier that knows one key (AKID/SECRET, or the given ones). */
export function verifier(extra: Partial<SigV4Config<SigningSecret & { name: string }>> = {}, keys: Record<string, string> = { [AKID]: SECRET }) {
  return new SigV4Verifier<SigningSecret & { name: string }>({
    secretFor: (id) => (keys[id] !== undefined ? { secret: keys[id]!, name: `key ${id}` } : undefined),
    regions: ['us-east-1', 'eu-west-1'],
    services: ['lambda'],
    ...extra,
  });
}

/** Replaces the first occurrence of `from` in a request's rawHeaders values (for tampering). */
export function withHeader(req: SigV4Request, name: string, value: string): SigV4Request {
  const raw = req.rawHeaders.slice();
  const i = raw.findIndex((v, j) => j % 2 === 0 && v.toLowerCase() === name);
  if (i < 0) raw.push(name, value);
  else raw[i + 1] = value;
  return { ...req, rawHeaders: raw };
}

export function withoutHeader(req: SigV4Request, name: string): SigV4Request {
  const raw: string[] = [];
  for (let j = 0; j + 1 < req.rawHeaders.length; j += 2) {
    if (req.rawHeaders[j]!.toLowerCase() !== name) raw.push(req.rawHeaders[j]!, req.rawHeaders[j + 1]!);
  }
  return { ...req, rawHeaders: raw };
}

export const headerValue = (req: SigV4Request, name: string): string | undefined => {
  const i = req.rawHeaders.findIndex((v, j) => j % 2 === 0 && v.toLowerCase() === name);
  return i < 0 ? undefined : req.rawHeaders[i + 1];
};
