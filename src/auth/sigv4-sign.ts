/**
 * Signing a request with SigV4 header auth, for Nimbus's own CLI: the mirror of the verifier,
 * built on the same canonical forms (sigv4-canonical.ts), so what it signs is what the verifier
 * checks. The path is given as it goes on the wire (already percent-encoded); Lambda's canonical
 * URI encodes it once more. Signs `host`, `x-amz-date`, `x-amz-content-sha256` and the caller's
 * headers (as the JS SDK does).
 */
import { createHash, createHmac } from 'node:crypto';
import { canonicalHeaderValue, canonicalQuery, canonicalS3Uri, canonicalUri, parseQuery } from './sigv4-canonical.js';

export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
}

export interface SignInput {
  method: string;
  /** `host[:port]` exactly as the Host header will carry it. */
  host: string;
  /** The request target: wire path and raw query. */
  target: string;
  headers: Record<string, string>;
  body: Buffer | string | undefined;
  region: string;
  service: string;
  credentials: SigningCredentials;
  /** Epoch ms; default now. */
  now?: number;
  /** S3's canonical URI (the path encoded once) instead of Lambda's double encoding. */
  s3?: boolean;
}

const sha256 = (d: Buffer | string): string => createHash('sha256').update(d).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** The headers to add (authorization, x-amz-date, x-amz-content-sha256, and the token if any). */
export function signHeaders(i: SignInput): Record<string, string> {
  const amzDate = new Date(i.now ?? Date.now()).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const payload = sha256(i.body ?? '');
  const added: Record<string, string> = { 'x-amz-date': amzDate, 'x-amz-content-sha256': payload };
  if (i.credentials.sessionToken) added['x-amz-security-token'] = i.credentials.sessionToken;
  const all = new Map<string, string>();
  for (const [k, v] of Object.entries({ ...i.headers, ...added })) all.set(k.toLowerCase(), canonicalHeaderValue(v));
  all.set('host', i.host);
  const names = [...all.keys()].sort();
  const q = i.target.indexOf('?');
  const path = q < 0 ? i.target : i.target.slice(0, q);
  const query = canonicalQuery(parseQuery(q < 0 ? '' : i.target.slice(q + 1)));
  const canonical = `${i.method}\n${i.s3 ? canonicalS3Uri(path) : canonicalUri(path)}\n${query}\n${names.map((n) => `${n}:${all.get(n)!}\n`).join('')}\n${names.join(';')}\n${payload}`;
  const scope = `${day}/${i.region}/${i.service}/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`;
  const key = hmac(hmac(hmac(hmac(`AWS4${i.credentials.secretAccessKey}`, day), i.region), i.service), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
  return { ...added, authorization: `AWS4-HMAC-SHA256 Credential=${i.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
}
