/**
 * The aws-chunked decoder (src/s3/chunked.ts) wherever the socket happens to split the body:
 * every split of a valid encoding decodes to the same payload and trailers, and a chunk header
 * that is not one, or a size that lies, is IncompleteBody rather than a crash or a wrong object.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { AwsChunkedDecoder } from '../../src/s3/chunked.js';
import { S3Error } from '../../src/s3/errors.js';

function encode(chunks: Buffer[], trailer?: string): Buffer {
  const parts: Buffer[] = [];
  for (const c of chunks) parts.push(Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n'));
  parts.push(Buffer.from(`0\r\n${trailer ? `${trailer}\r\n` : ''}\r\n`));
  return Buffer.concat(parts);
}

function decode(wire: Buffer, cuts: number[]): { payload: Buffer; trailers: Record<string, string>; finished: boolean } {
  const d = new AwsChunkedDecoder();
  const out: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < wire.length)].sort((a, b) => a - b).concat(wire.length)) {
    d.push(wire.subarray(at, cut), (b) => out.push(Buffer.from(b)));
    at = cut;
  }
  return { payload: Buffer.concat(out), trailers: d.trailers, finished: d.finished };
}

test('any split of a valid aws-chunked body decodes to its payload and trailers', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 6 }), fc.array(fc.nat(4000), { maxLength: 12 }), fc.boolean(), (arrays, cuts, withTrailer) => {
      const chunks = arrays.map((a) => Buffer.from(a));
      const wire = encode(chunks, withTrailer ? 'x-amz-checksum-crc32:AAAAAA==' : undefined);
      const r = decode(wire, cuts);
      assert.ok(r.payload.equals(Buffer.concat(chunks)));
      assert.equal(r.finished, true);
      assert.deepEqual(r.trailers, withTrailer ? { 'x-amz-checksum-crc32': 'AAAAAA==' } : {});
    }),
  );
});

test('junk where a chunk header belongs, a line that never ends, or data past its size: IncompleteBody', () => {
  for (const wire of ['zz\r\nhello\r\n0\r\n\r\n', `${'1'.repeat(5000)}`, '3\r\nhello\r\n0\r\n\r\n', '5\r\nhello0\r\n']) {
    assert.throws(() => decode(Buffer.from(wire), []), (e: unknown) => e instanceof S3Error && e.code === 'IncompleteBody', wire.slice(0, 30));
  }
});
