/**
 * What the verifier remembers between requests (Authorization headers without their signature,
 * SignedHeaders lists, credentials, the last path) must never change an answer: the remembered
 * parse equals a fresh one for any header, and a request reusing a verified request's header
 * with another signature, path or signed-header list is still refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseAuthorization, parseAuthorizationCached } from '../../src/auth/sigv4-parse.js';
import { onWire, signHeaderForm, verifier, type Unsigned } from '../helpers/sigv4.js';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);

test('the remembered Authorization parse equals a fresh one, for any header and signature', () => {
  const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
  const piece = fc.oneof(
    fc.constantFrom('Credential=AKID/20240501/us-east-1/lambda/aws4_request', 'SignedHeaders=host;x-amz-date', 'Signature=' + 'a'.repeat(64), 'Credential=', 'junk', 'Signature=', '='),
    fc.string({ maxLength: 12 }),
  );
  const sep = fc.constantFrom(',', ', ', ' ', ',\t', '');
  fc.assert(
    fc.property(fc.constantFrom('AWS4-HMAC-SHA256', 'AWS4-X', 'AWS4-HMAC-SHA256='), fc.array(fc.tuple(sep, piece), { maxLength: 4 }), sep, hex64, fc.boolean(), (alg, pieces, lastSep, sig, hasDate) => {
      const header = `${alg}${pieces.map(([s, p]) => s + p).join('')}${lastSep}Signature=${sig}`;
      // Twice: the second call answers from what the first remembered.
      assert.deepEqual(parseAuthorizationCached(header, hasDate), parseAuthorization(header, hasDate));
      assert.deepEqual(parseAuthorizationCached(header, hasDate), parseAuthorization(header, hasDate));
    }),
    { numRuns: 2000 },
  );
});

test('a verified header reused with another signature, path or header list is refused', async () => {
  const v = verifier();
  const u: Unsigned = { method: 'POST', path: '/2015-03-31/functions/f/invocations', query: {}, headers: { 'content-type': 'application/json' }, body: new TextEncoder().encode('{}') };
  const good = onWire(await signHeaderForm(u, new Date(NOW)), u.body);
  assert.equal(v.verify(good, NOW).ok, true);
  const auth = good.rawHeaders.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === 'authorization') + 1;
  const flip = (s: string): string => s.slice(0, -1) + (s.endsWith('0') ? '1' : '0');
  const headers = [...good.rawHeaders];
  headers[auth] = flip(headers[auth]!);
  assert.equal(v.verify({ ...good, rawHeaders: headers }, NOW).ok, false, 'another signature');
  assert.equal(v.verify({ ...good, rawUrl: '/2015-03-31/functions/g/invocations' }, NOW).ok, false, 'another path');
  const unsorted = [...good.rawHeaders];
  unsorted[auth] = unsorted[auth]!.replace(/SignedHeaders=([^,]+)/, (_m, l: string) => `SignedHeaders=${l.split(';').reverse().join(';')}`);
  assert.equal(v.verify({ ...unsorted.length ? { ...good, rawHeaders: unsorted } : good }, NOW).ok, false, 'an unsorted list');
  assert.equal(v.verify(good, NOW).ok, true, 'the original still verifies');
});
