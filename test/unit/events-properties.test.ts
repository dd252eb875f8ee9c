/**
 * Properties of the pattern engine on generated patterns and events (fast-check): each
 * `anything-but` form is the exact complement of its positive form on any present value,
 * `$or` and value lists are unions, fields are intersections, numeric ranges agree with plain
 * comparisons, and the lossless JSON reader round-trips.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isComparable, parseJsonValue, stringifyJson } from '../../src/events/json.js';
import { matches } from '../helpers/event-pattern.js';

const text = fc.string({ unit: fc.constantFrom('a', 'b', 'A', 'é', 'É', '1', '.', ' '), maxLength: 6 });
const scalar = fc.oneof(text, fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const wildcard = fc
  .array(fc.constantFrom('a', 'b', '*', '.', '\\*'), { maxLength: 6 })
  .map((parts) => parts.join(''))
  .filter((w) => !/(^|[^\\])\*\*/.test(w) && !w.includes('\\**'));

/** A positive matcher and its anything-but counterpart. */
const pairs = fc.oneof(
  text.map((v) => [v, { 'anything-but': v }] as const),
  fc.integer({ min: -5, max: 5 }).map((v) => [v, { 'anything-but': v }] as const),
  fc.uniqueArray(text, { minLength: 1, maxLength: 3 }).map((vs) => [vs, { 'anything-but': vs }] as const),
  text.filter((v) => v !== '').map((v) => [{ prefix: v }, { 'anything-but': { prefix: v } }] as const),
  text.filter((v) => v !== '').map((v) => [{ suffix: v }, { 'anything-but': { suffix: v } }] as const),
  text.map((v) => [{ 'equals-ignore-case': v }, { 'anything-but': { 'equals-ignore-case': v } }] as const),
  wildcard.map((v) => [{ wildcard: v }, { 'anything-but': { wildcard: v } }] as const),
);

/** Any single matcher, for union and intersection properties. */
const matcher = fc.oneof(
  scalar,
  text.map((v) => ({ prefix: v })),
  text.map((v) => ({ suffix: v })),
  text.map((v) => ({ 'equals-ignore-case': v })),
  wildcard.map((v) => ({ wildcard: v })),
  fc.boolean().map((v) => ({ exists: v })),
  text.map((v) => ({ 'anything-but': v })),
  fc.tuple(fc.integer({ min: -5, max: 4 }), fc.integer({ min: 1, max: 5 })).map(([a, d]) => ({ numeric: ['>=', a, '<', a + d] })),
);

const field = fc.constantFrom('f', 'g');
const event = fc.dictionary(field, fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })), { maxKeys: 2 });

test('anything-but is the complement of the positive form on every present value', () => {
  fc.assert(
    fc.property(pairs, scalar, ([positive, negative], v) => {
      const values = Array.isArray(positive) ? positive : [positive];
      const e = { f: v };
      assert.equal(matches({ f: [{ ...negative }] }, e), !matches({ f: values }, e));
    }),
    { numRuns: 500 },
  );
});

test('neither form matches a missing field', () => {
  fc.assert(
    fc.property(pairs, ([positive, negative]) => {
      const values = Array.isArray(positive) ? positive : [positive];
      assert.equal(matches({ f: values }, { g: 1 }), false);
      assert.equal(matches({ f: [negative] }, { g: 1 }), false);
    }),
  );
});

test('$or is the union of its branches', () => {
  fc.assert(
    fc.property(field, matcher, field, matcher, event, (f1, m1, f2, m2, e) => {
      const a = { [f1]: [m1] };
      const b = { [f2]: [m2] };
      assert.equal(matches({ $or: [a, b] }, e), matches(a, e) || matches(b, e));
    }),
    { numRuns: 500 },
  );
});

test('a list of values is the union of its members', () => {
  fc.assert(
    fc.property(matcher, matcher, event, (m1, m2, e) => {
      assert.equal(matches({ f: [m1, m2] }, e), matches({ f: [m1] }, e) || matches({ f: [m2] }, e));
    }),
    { numRuns: 500 },
  );
});

test('fields are an intersection (flat events, no arrays of objects)', () => {
  fc.assert(
    fc.property(matcher, matcher, event, (m1, m2, e) => {
      assert.equal(matches({ f: [m1], g: [m2] }, e), matches({ f: [m1] }, e) && matches({ g: [m2] }, e));
    }),
    { numRuns: 500 },
  );
});

test('exists: true and exists: false split every event', () => {
  fc.assert(
    fc.property(event, (e) => {
      assert.notEqual(matches({ f: [{ exists: true }] }, e), matches({ f: [{ exists: false }] }, e));
    }),
  );
});

test('numeric ranges agree with plain comparison of doubles', () => {
  const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
  fc.assert(
    fc.property(finite, finite, finite, fc.boolean(), fc.boolean(), (a, b, v, loOpen, hiOpen) => {
      fc.pre(a < b);
      const range = [loOpen ? '>' : '>=', a, hiOpen ? '<' : '<=', b];
      const want = (loOpen ? v > a : v >= a) && (hiOpen ? v < b : v <= b);
      assert.equal(matches({ n: [{ numeric: range }] }, { n: v }), want);
    }),
    { numRuns: 500 },
  );
});

test('every double, written shortest, is exactly comparable; JSON values round-trip', () => {
  fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (d) => assert.ok(isComparable(String(d)))));
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const text = JSON.stringify(v);
      assert.equal(stringifyJson(parseJsonValue(text)), JSON.stringify(JSON.parse(text)));
    }),
  );
});
