/** The published-apps runner's JSON expectations: exact and partial matching, `$match` regexes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mismatch } from '../helpers/apps/match.js';

test('partial matching ignores extra keys; exact matching does not', () => {
  const actual = { a: 1, b: { c: 'x', d: [1, 2] }, e: null };
  assert.equal(mismatch({ b: { c: 'x' } }, actual), undefined);
  assert.equal(mismatch({ b: { c: 'x' } }, actual, true), '$.b: unexpected d in {"c":"x","d":[1,2]}');
  assert.equal(mismatch({ b: { c: 'x', d: [1, 2] } }, actual, true), '$: unexpected a, e in {"a":1,"b":{"c":"x","d":[1,2]},"e":null}');
  assert.equal(mismatch(actual, actual, true), undefined);
  assert.equal(mismatch({ b: { d: [1] } }, actual), '$.b.d: expected 1 items, got 2: [1,2]');
  assert.equal(mismatch({ f: 1 }, actual), '$.f: missing');
  assert.equal(mismatch({ e: 0 }, actual), '$.e: expected 0, got null');
  assert.equal(mismatch([{ a: 1 }], [{ a: '1' }]), '$[0].a: expected 1, got "1"');
});

test('$match tests strings against a regex, and only strings', () => {
  assert.equal(mismatch({ v: { $match: '^v20\\.' } }, { v: 'v20.1.0' }), undefined);
  assert.equal(mismatch({ v: { $match: '^v20\\.' } }, { v: 'v22.1.0' }), '$.v: "v22.1.0" does not match /^v20\\./');
  assert.equal(mismatch({ $match: '1' }, 1), '$: expected a string matching /1/, got 1');
  // An object with more keys than $match is an ordinary expected object.
  assert.equal(mismatch({ $match: 'x', y: 1 }, { $match: 'x', y: 1 }, true), undefined);
});
