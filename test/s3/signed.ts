/**
 * Raw S3 requests for the tests that need what no SDK sends on purpose: signed with
 * @smithy/signature-v4 (the JS SDK's signer) in S3's mode, and aws-chunked bodies with
 * per-chunk signatures computed here from the SigV4 definition (not with Nimbus's code).
 */
import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../helpers/sigv4.js';

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface RawReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export function send(port: number, method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const s3Signer = (c: Creds): SignatureV4 =>
  new SignatureV4({ credentials: c, region: 'us-east-1', service: 's3', sha256: NodeSha256, uriEscapePath: false, applyChecksum: false });

/** Signs `method path` (the path as on the wire) for S3; `payloadHash` goes in x-amz-content-sha256. */
export async function signedHeaders(c: Creds, port: number, method: string, path: string, headers: Record<string, string>, payloadHash: string, date = new Date()): Promise<Record<string, string>> {
  const q = path.indexOf('?');
  const query: Record<string, string> = {};
  if (q >= 0) for (const [k, v] of new URLSearchParams(path.slice(q + 1))) query[k] = v;
  const signed = await s3Signer(c).sign(
    { method, protocol: 'http:', hostname: '127.0.0.1', port, path: q < 0 ? path : path.slice(0, q), query, headers: { host: `127.0.0.1:${port}`, 'x-amz-content-sha256': payloadHash, ...headers } },
    { signingDate: date },
  );
  return signed.headers as Record<string, string>;
}

export const sha256Hex = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');
const hmac = (k: Buffer | string, d: string): Buffer => createHmac('sha256', k).update(d).digest();

/**
 * A PUT of `body` as STREAMING-AWS4-HMAC-SHA256-PAYLOAD in chunks of `chunkSize`; `corrupt`
 * replaces the signature of that chunk (0-based) with a wrong one.
 */
export async function chunkSignedPut(c: Creds, port: number, path: string, body: Buffer, chunkSize: number, corrupt?: number): Promise<RawReply> {
  const date = new Date();
  const amzDate = date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/us-east-1/s3/aws4_request`;
  const chunks: Buffer[] = [];
  for (let i = 0; i < body.length; i += chunkSize) chunks.push(body.subarray(i, i + chunkSize));
  chunks.push(Buffer.alloc(0));
  const framing = chunks.reduce((n, ch) => n + ch.length.toString(16).length + ';chunk-signature='.length + 64 + 4 + ch.length, 0);
  const headers = await signedHeaders(
    c, port, 'PUT', path,
    { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(body.length), 'content-length': String(framing) },
    'STREAMING-AWS4-HMAC-SHA256-PAYLOAD', date,
  );
  const seed = /Signature=([0-9a-f]{64})/.exec(headers['authorization'] ?? '')![1]!;
  const key = hmac(hmac(hmac(hmac(`AWS4${c.secretAccessKey}`, day), 'us-east-1'), 's3'), 'aws4_request');
  let prev = seed;
  const parts: Buffer[] = [];
  chunks.forEach((ch, i) => {
    const sts = `AWS4-HMAC-SHA256-PAYLOAD\n${amzDate}\n${scope}\n${prev}\n${sha256Hex('')}\n${sha256Hex(ch)}`;
    let sig = createHmac('sha256', key).update(sts).digest('hex');
    prev = sig;
    if (i === corrupt) sig = sig.replace(/^./, (x) => (x === '0' ? '1' : '0'));
    parts.push(Buffer.from(`${ch.length.toString(16)};chunk-signature=${sig}\r\n`), ch, Buffer.from('\r\n'));
  });
  const wire = Buffer.concat(parts);
  return send(port, 'PUT', path, { ...headers, 'content-length': String(wire.length) }, wire);
}
