/**
 * The aws-chunked body encoding S3 clients stream uploads in (Amazon S3 API Reference, "Signature
 * Calculations for the Authorization Header: Transferring Payload in Multiple Chunks" and
 * "Trailing checksums"):
 *
 *   <hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
 *   [<trailer name>:<value>\r\n ...][x-amz-trailer-signature:<sig>\r\n]\r\n
 *
 * `STREAMING-AWS4-HMAC-SHA256-PAYLOAD` signs each chunk, chained from the request's signature;
 * `STREAMING-UNSIGNED-PAYLOAD-TRAILER` (what the SDKs send by default) signs nothing but ends with
 * the checksum trailer. This decoder is a push parser: bytes in, payload bytes out, never more
 * than one chunk header buffered, so a 5 GB upload streams through in constant memory.
 */
import { createHash, type Hash } from 'node:crypto';
import type { SigningKey } from '../auth/sigv4-key.js';
import { S3Error } from './errors.js';

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** A chunk header or trailer line longer than this is not one. */
const MAX_LINE = 4096;

export interface ChunkSigning {
  seed: string;
  key: SigningKey;
  amzDate: string;
  scope: string;
}

type State = 'header' | 'data' | 'data-crlf' | 'trailer' | 'done';

export class AwsChunkedDecoder {
  private state: State = 'header';
  private line = '';
  private remaining = 0;
  private prev: string;
  private sig = '';
  private hash: Hash | undefined;
  /** Trailer headers (lower-cased names). */
  readonly trailers: Record<string, string> = {};
  private readonly mac = Buffer.alloc(32);

  /** `signing` set: every chunk signature is checked (SignatureDoesNotMatch otherwise). */
  constructor(private readonly signing?: ChunkSigning) {
    this.prev = signing?.seed ?? '';
  }

  get finished(): boolean {
    return this.state === 'done';
  }

  /** Decodes `buf`, handing payload bytes to `out` as they come. */
  push(buf: Buffer, out: (data: Buffer) => void): void {
    let i = 0;
    while (i < buf.length) {
      switch (this.state) {
        case 'header':
        case 'trailer': {
          const nl = buf.indexOf(10, i);
          const end = nl < 0 ? buf.length : nl;
          this.line += buf.toString('latin1', i, end);
          if (this.line.length > MAX_LINE) throw malformed();
          i = end;
          if (nl < 0) break;
          i = nl + 1;
          const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
          this.line = '';
          if (this.state === 'header') this.onHeader(line);
          else this.onTrailer(line);
          break;
        }
        case 'data': {
          const n = Math.min(this.remaining, buf.length - i);
          const part = buf.subarray(i, i + n);
          this.hash?.update(part);
          out(part);
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) {
            this.checkChunk();
            this.state = 'data-crlf';
          }
          break;
        }
        case 'data-crlf': {
          const nl = buf.indexOf(10, i);
          if (nl < 0) {
            if (buf.subarray(i).some((b) => b !== 13)) throw malformed();
            i = buf.length;
            break;
          }
          if (buf.subarray(i, nl).some((b) => b !== 13)) throw malformed();
          i = nl + 1;
          this.state = 'header';
          break;
        }
        case 'done':
          // Anything after the final CRLF is not part of the payload.
          return;
      }
    }
  }

  private onHeader(line: string): void {
    const semi = line.indexOf(';');
    const sizeText = (semi < 0 ? line : line.slice(0, semi)).trim();
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText)) throw malformed();
    const size = parseInt(sizeText, 16);
    this.sig = '';
    if (semi >= 0) {
      const m = /chunk-signature=([0-9a-f]{64})/.exec(line.slice(semi + 1));
      if (m) this.sig = m[1]!;
    }
    if (this.signing && !this.sig) throw new S3Error('SignatureDoesNotMatch');
    this.hash = this.signing ? createHash('sha256') : undefined;
    if (size === 0) {
      this.checkChunk();
      this.state = 'trailer';
      return;
    }
    this.remaining = size;
    this.state = 'data';
  }

  private checkChunk(): void {
    const s = this.signing;
    if (!s) return;
    const sts = `AWS4-HMAC-SHA256-PAYLOAD\n${s.amzDate}\n${s.scope}\n${this.prev}\n${EMPTY_SHA256}\n${this.hash!.digest('hex')}`;
    s.key.macInto(sts, this.mac, 0);
    const expected = this.mac.toString('hex');
    if (expected !== this.sig) throw new S3Error('SignatureDoesNotMatch');
    this.prev = expected;
  }

  private onTrailer(line: string): void {
    if (line === '') {
      this.state = 'done';
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw malformed();
    const name = line.slice(0, colon).trim().toLowerCase();
    // The trailer's own signature (signed trailers) is not checked: the checksum it covers is.
    if (Object.keys(this.trailers).length > 16) throw malformed();
    this.trailers[name] = line.slice(colon + 1).trim();
  }
}

const malformed = (): S3Error => new S3Error('IncompleteBody', 'The aws-chunked body is malformed.');
