/**
 * Signature Version 4 for a plain HTTP request (AWS's "Create a signed AWS API request"), used to
 * call function URLs with AuthType AWS_IAM the way a signed client would.
 */
import { createHash, createHmac } from 'node:crypto';

const hash = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const rfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The headers to add to `method url` with `body` so that it is signed for `service` in `region`. */
export function signRequest(
  method: string,
  url: string,
  headers: Record<string, string>,
  body: string | undefined,
  o: { service: string; region: string; credentials: Credentials; now?: Date },
): Record<string, string> {
  const u = new URL(url);
  const amzDate = (o.now ?? new Date()).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const payloadHash = hash(body ?? '');
  const all: Record<string, string> = { ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v.trim()])), host: u.host, 'x-amz-date': amzDate, 'x-amz-content-sha256': payloadHash };
  const names = Object.keys(all).sort();
  const canonicalPath = u.pathname.split('/').map((seg) => rfc3986(decodeURIComponent(seg))).join('/');
  const query = [...u.searchParams.entries()].map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).sort().join('&');
  const canonical = [method.toUpperCase(), canonicalPath, query, names.map((n) => `${n}:${all[n]}\n`).join(''), names.join(';'), payloadHash].join('\n');
  const scope = `${day}/${o.region}/${o.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, hash(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${o.credentials.secretAccessKey}`, day), o.region), o.service), 'aws4_request');
  const signature = createHmac('sha256', key).update(toSign).digest('hex');
  return {
    'x-amz-date': amzDate,
    'x-amz-content-sha256': payloadHash,
    authorization: `AWS4-HMAC-SHA256 Credential=${o.credentials.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}
