/**
 * The per-request HMAC of the string to sign is computed by hand over two `crypto.hash` calls
 * (src/auth/sigv4-key.ts): it must be HMAC-SHA256 exactly, for any key and message, whatever was
 * MACed before with the same key (its blocks are reused), and a cached key must follow a rotated secret.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { SigningKey, SigningKeyCache } from '../../src/auth/sigv4-key.js';

const mac = (k: SigningKey, data: string): string => {
  const out = Buffer.alloc(40, 0xaa);
  k.macInto(data, out, 4);
  // Only the 32 bytes at the offset are written.
  assert.equal(out.subarray(0, 4).toString('hex'), 'aaaaaaaa');
  assert.equal(out.subarray(36).toString('hex'), 'aaaaaaaa');
  return out.subarray(4, 36).toString('hex');
};

test('SigningKey.macInto is HMAC-SHA256, for any key, message and call order', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }), fc.array(fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 400 })), { minLength: 1, maxLength: 4 }), (key, messages) => {
      const k = new SigningKey(Buffer.from(key));
      for (const m of messages) assert.equal(mac(k, m), createHmac('sha256', key).update(m, 'utf8').digest('hex'));
    }),
    { numRuns: 1000 },
  );
});

test('SigningKey.macInto handles messages longer than its block room, and a short one after a long one', () => {
  const key = Buffer.alloc(32, 7);
  const k = new SigningKey(key);
  for (const m of ['x'.repeat(5000), 'é'.repeat(400), 'AWS4-HMAC-SHA256\n20240501T120000Z\n20240501/us-east-1/lambda/aws4_request\n' + 'a'.repeat(64), '']) {
    assert.equal(mac(k, m), createHmac('sha256', key).update(m, 'utf8').digest('hex'));
  }
});

test('the key cache derives the SigV4 signing key and follows a rotated secret', () => {
  const c = new SigningKeyCache(2);
  const derive = (secret: string): Buffer => {
    const h = (k: string | Buffer, d: string): Buffer => createHmac('sha256', k).update(d).digest();
    return h(h(h(h(`AWS4${secret}`, '20240501'), 'us-east-1'), 'lambda'), 'aws4_request');
  };
  const expect = (secret: string, m: string): string => createHmac('sha256', derive(secret)).update(m).digest('hex');
  assert.equal(mac(c.get('AKID', 's1', '20240501', 'us-east-1', 'lambda'), 'hello'), expect('s1', 'hello'));
  assert.equal(mac(c.get('AKID', 's2', '20240501', 'us-east-1', 'lambda'), 'hello'), expect('s2', 'hello'));
  assert.equal(mac(c.get('AKID', 's1', '20240501', 'us-east-1', 'lambda'), 'hello'), expect('s1', 'hello'));
});
