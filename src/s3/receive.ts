/**
 * Receiving an upload body (PutObject, UploadPart): streamed from the socket into a new blob
 * while its MD5 (the ETag), the declared `x-amz-content-sha256` and any `x-amz-checksum-*` are
 * computed, then checked. aws-chunked bodies are decoded on the way (chunked.ts). Nothing is
 * held in memory beyond one socket read; a failed check removes the file.
 */
import { createHash, type Hash } from 'node:crypto';
import type http from 'node:http';
import type { BlobDir } from './blobs.js';
import { AwsChunkedDecoder, type ChunkSigning } from './chunked.js';
import { algorithmOf, checksumHeader, checksumOf, type Checksum, type ChecksumAlgorithm } from './checksums.js';
import { S3Error } from './errors.js';

/** PutObject's limit: 5 GiB. */
export const MAX_PUT_BYTES = 5 * 1024 ** 3;

export interface Received {
  blob: string;
  size: number;
  md5: Buffer;
  /** Checksums computed and checked (those the client sent or named). */
  checksums: Record<string, string>;
}

const header = (req: http.IncomingMessage, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
};

export async function receiveBody(req: http.IncomingMessage, blobs: BlobDir, opts: { signing?: ChunkSigning | undefined; limit?: number }): Promise<Received> {
  const limit = opts.limit ?? MAX_PUT_BYTES;
  const contentSha = header(req, 'x-amz-content-sha256');
  const encoding = header(req, 'content-encoding') ?? '';
  const chunked = (contentSha?.startsWith('STREAMING-') ?? false) || encoding.split(',').some((e) => e.trim() === 'aws-chunked');
  const lengthText = header(req, 'content-length');
  if (lengthText === undefined && header(req, 'transfer-encoding') === undefined) throw new S3Error('MissingContentLength');
  const declared = Number(chunked ? (header(req, 'x-amz-decoded-content-length') ?? lengthText) : lengthText);
  if (declared > limit) throw new S3Error('EntityTooLarge', undefined, { ProposedSize: String(declared), MaxSizeAllowed: String(limit) });
  const md5Header = header(req, 'content-md5');
  if (md5Header !== undefined && Buffer.from(md5Header, 'base64').length !== 16) throw new S3Error('InvalidDigest');

  // Checksums: named by a header with the value, or by x-amz-trailer / x-amz-sdk-checksum-algorithm.
  const sums = new Map<ChecksumAlgorithm, Checksum>();
  for (const name of Object.keys(req.headers)) {
    const a = name.startsWith('x-amz-checksum-') ? algorithmOf(name) : undefined;
    if (a) sums.set(a, checksumOf(a));
  }
  for (const name of (header(req, 'x-amz-trailer') ?? '').split(',')) {
    const a = algorithmOf(name.trim());
    if (a) sums.set(a, checksumOf(a));
  }
  const sdkAlg = algorithmOf(header(req, 'x-amz-sdk-checksum-algorithm') ?? '');
  if (sdkAlg) sums.set(sdkAlg, checksumOf(sdkAlg));

  const md5 = createHash('md5');
  const sha: Hash | undefined = contentSha && /^[0-9a-f]{64}$/.test(contentSha) ? createHash('sha256') : undefined;
  // Chunk signatures exist only in the signed streaming forms; STREAMING-UNSIGNED-PAYLOAD-TRAILER has none.
  const signedChunks = contentSha?.startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD') ?? false;
  const decoder = chunked ? new AwsChunkedDecoder(signedChunks ? opts.signing : undefined) : undefined;
  const id = blobs.newId();
  const out = blobs.writer(id);
  let size = 0;
  const take = (data: Buffer): void => {
    size += data.length;
    if (size > limit) throw new S3Error('EntityTooLarge', undefined, { MaxSizeAllowed: String(limit) });
    md5.update(data);
    for (const s of sums.values()) s.update(data);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (e: unknown): void => {
        if (failed) return;
        failed = true;
        req.pause();
        reject(e);
      };
      out.on('error', fail);
      req.on('error', fail);
      req.on('aborted', () => fail(new S3Error('IncompleteBody')));
      req.on('data', (buf: Buffer) => {
        if (failed) return;
        try {
          sha?.update(buf);
          if (decoder) {
            decoder.push(buf, (d) => {
              take(d);
              if (!out.write(d)) req.pause();
            });
          } else {
            take(buf);
            if (!out.write(buf)) req.pause();
          }
        } catch (e) {
          fail(e);
        }
      });
      out.on('drain', () => req.resume());
      req.on('end', () => {
        if (failed) return;
        if (!req.complete) return fail(new S3Error('IncompleteBody'));
        out.end((e?: Error | null) => (e ? fail(e) : resolve()));
      });
    });
    if (decoder && !decoder.finished && Object.keys(decoder.trailers).length === 0 && size === 0 && declared > 0) throw new S3Error('IncompleteBody');
    if (Number.isFinite(declared) && chunked && size !== declared) throw new S3Error('IncompleteBody');
    if (sha && sha.digest('hex') !== contentSha) throw new S3Error('XAmzContentSHA256Mismatch', undefined, { ClientComputedContentSHA256: contentSha!, S3ComputedContentSHA256: '' });
    const md5Bytes = md5.digest();
    if (md5Header !== undefined && !md5Bytes.equals(Buffer.from(md5Header, 'base64'))) throw new S3Error('BadDigest', undefined, { ExpectedDigest: md5Header, CalculatedDigest: md5Bytes.toString('base64') });
    const checksums: Record<string, string> = {};
    for (const [a, s] of sums) {
      const got = s.digest();
      const sent = decoder?.trailers[checksumHeader(a)] ?? header(req, checksumHeader(a));
      if (sent !== undefined && sent !== got) throw new S3Error('BadDigest', `The ${a} you specified did not match the calculated checksum.`);
      checksums[a] = got;
    }
    return { blob: id, size, md5: md5Bytes, checksums };
  } catch (e) {
    out.destroy();
    await blobs.remove(id);
    throw e;
  }
}
