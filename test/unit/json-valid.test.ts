/**
 * Invoke's payload check without parsing (src/api/invoke/json-valid.ts) must answer exactly as
 * `JSON.parse(bytes.toString('utf8'))` does: for hand-picked edge cases, and for many random
 * documents and random mutations of them (bytes dropped, duplicated, replaced, including
 * non-ASCII and invalid UTF-8).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isJsonText } from '../../src/api/invoke/json-valid.js';

function parses(b: Buffer): boolean {
  try {
    JSON.parse(b.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

function same(b: Buffer): void {
  assert.equal(isJsonText(b), parses(b), `bytes ${JSON.stringify(b.toString('latin1'))} (${b.toString('hex')})`);
}

test('edge cases answer as JSON.parse does', () => {
  const cases = [
    '{"n":1}', '{}', '[]', ' [ ] ', '0', '-0', '01', '-', '1.', '.5', '1.5e', '1e5', '1E+5', '1e-5', '-1.25e+10', '2.',
    'true', 'false', 'null', 'tru', 'nul', 'True', 'NaN', 'Infinity', '"a"', '"', '"\\"', '"\\u12"', '"\\u12G4"', '"\\u00e9"', '"\\x"',
    '"\\/\\b\\f\\n\\r\\t\\\\\\""', '"tab\there"', '{"a":}', '{"a" 1}', '{"a":1,}', '[1,]', '[,1]', '{,}', '{"a":1 "b":2}', '[1 2]',
    '{"a":[{"b":[[]]}],"c":{"d":null}}', '[[[[[[[[[[]]]]]]]]]]', '[[[[', ']]', '{1:2}', "{'a':1}", '1 2', '"a" "b"', '\t\r\n{}\n', '\f{}',
    '{"a":1}}', '[1]]', '{"__proto__":1}', '"\u00e9"', '\u00a0{}',
  ];
  for (const c of cases) same(Buffer.from(c, 'utf8'));
  // A BOM, invalid UTF-8 inside and outside strings, a raw control byte in a string, an empty input.
  for (const hex of ['efbbbf7b7d', '22ff22', '22e22222', '22c0af22', 'ff', '5b315d80', '220122', '227f22', '']) same(Buffer.from(hex, 'hex'));
  // Deep nesting (JSON.parse does not recurse either).
  same(Buffer.from('['.repeat(100_000) + ']'.repeat(100_000)));
  same(Buffer.from('['.repeat(100_000) + ']'.repeat(99_999)));
});

/** A deterministic random source, so that a failure can be reproduced. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

test('random documents and their mutations answer as JSON.parse does', () => {
  const r = rng(18);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const strings = ['', 'a', 'é', '\u2028', '"', '\\', '\n', '\u0000', '\ud83d\ude00', 'x y'];
  const value = (depth: number): unknown => {
    const k = Math.floor(r() * (depth > 3 ? 4 : 6));
    if (k === 0) return pick([0, -1, 1.5, 1e21, -2.5e-7, 123456789]);
    if (k === 1) return pick(strings);
    if (k === 2) return pick([true, false, null]);
    if (k === 3) return pick([0, 7]);
    if (k === 4) return Array.from({ length: Math.floor(r() * 4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(r() * 4) }, () => [pick(strings), value(depth + 1)]));
  };
  const noise = [0x20, 0x0a, 0x22, 0x5c, 0x2c, 0x3a, 0x5b, 0x5d, 0x7b, 0x7d, 0x30, 0x2d, 0x2e, 0x65, 0x75, 0x80, 0xc3, 0xff, 0x01, 0x74];
  for (let n = 0; n < 20_000; n++) {
    const text = JSON.stringify(value(0), null, r() < 0.3 ? 1 : undefined);
    const b = Buffer.from(text, 'utf8');
    same(b);
    const m = Buffer.from(b);
    const at = Math.floor(r() * Math.max(1, m.length));
    const op = Math.floor(r() * 3);
    let mutated: Buffer;
    if (op === 0) mutated = Buffer.concat([m.subarray(0, at), m.subarray(at + 1)]);
    else if (op === 1) mutated = Buffer.concat([m.subarray(0, at), Buffer.from([pick(noise)]), m.subarray(at)]);
    else {
      if (m.length > 0) m[at] = pick(noise);
      mutated = m;
    }
    same(mutated);
  }
});
