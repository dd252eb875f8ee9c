/**
 * The checksums S3 accepts with an upload (`x-amz-checksum-crc32|crc32c|sha1|sha256`, in a
 * header or an aws-chunked trailer), computed as the body streams by. CRC32 uses zlib's when
 * Node has it (20.15+/22.2+); CRC32C (Castagnoli) has no built-in, so both have a table version.
 * Values are base64 of the big-endian digest, as S3 sends them.
 */
import { createHash, type Hash } from 'node:crypto';
import * as zlib from 'node:zlib';

export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'SHA1', 'SHA256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

export const checksumHeader = (a: ChecksumAlgorithm): string => `x-amz-checksum-${a.toLowerCase()}`;

export function algorithmOf(name: string): ChecksumAlgorithm | undefined {
  const up = name.toUpperCase().replace(/^X-AMZ-CHECKSUM-/, '');
  return (CHECKSUM_ALGORITHMS as readonly string[]).includes(up) ? (up as ChecksumAlgorithm) : undefined;
}

function table(poly: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? poly ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}
const CRC32 = table(0xedb88320);
const CRC32C = table(0x82f63b78);

function crcUpdate(t: Uint32Array, crc: number, data: Uint8Array): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = t[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

const zlibCrc = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** An incremental checksum of one algorithm. */
export interface Checksum {
  update(data: Buffer): void;
  /** base64 of the digest. */
  digest(): string;
}

class Crc implements Checksum {
  private c = 0;
  constructor(private readonly t: Uint32Array, private readonly fast: ((d: Uint8Array, v?: number) => number) | undefined) {}
  update(data: Buffer): void {
    this.c = this.fast ? this.fast(data, this.c) : crcUpdate(this.t, this.c, data);
  }
  digest(): string {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(this.c >>> 0);
    return b.toString('base64');
  }
}

class Digest implements Checksum {
  private readonly h: Hash;
  constructor(alg: string) {
    this.h = createHash(alg);
  }
  update(data: Buffer): void {
    this.h.update(data);
  }
  digest(): string {
    return this.h.digest('base64');
  }
}

export function checksumOf(a: ChecksumAlgorithm): Checksum {
  switch (a) {
    case 'CRC32':
      return new Crc(CRC32, zlibCrc);
    case 'CRC32C':
      return new Crc(CRC32C, undefined);
    case 'SHA1':
      return new Digest('sha1');
    case 'SHA256':
      return new Digest('sha256');
  }
}

/** The checksum of a whole buffer. */
export function checksumOfBuffer(a: ChecksumAlgorithm, data: Buffer): string {
  const c = checksumOf(a);
  c.update(data);
  return c.digest();
}
