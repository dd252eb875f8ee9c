/**
 * The building blocks under the filter engines: the lossless JSON reader (RFC 8259 syntax,
 * Jackson-style messages, numbers kept exact), event-ruler's "comparable number" test, IP and
 * CIDR parsing, wildcard and ignore-case comparison.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inRange, parseCidr, parseIp } from '../../src/events/ip.js';
import { isComparable, JsonSyntaxError, parseJsonValue, RawNumber, stringifyJson } from '../../src/events/json.js';
import { endsWithIgnoreCase, equalsIgnoreCase, parseWildcard, startsWithIgnoreCase, wildcardMatches } from '../../src/events/strings.js';

test('JSON reader: accepts RFC 8259 documents and keeps inexact numbers as RawNumber', () => {
  assert.deepEqual(parseJsonValue(' {"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n\\ud83d\\ude80"]} '), { a: [1, -2500, true, false, null, 'xé\n🚀'] });
  const big = parseJsonValue('{"id": 12345678901234567890}') as { id: unknown };
  assert.ok(big.id instanceof RawNumber);
  assert.equal((big.id as RawNumber).raw, '12345678901234567890');
  assert.equal(stringifyJson(big), '{"id":12345678901234567890}');
  assert.deepEqual(Object.keys(parseJsonValue('{"__proto__": 1}') as object), ['__proto__'], 'an own key, not a prototype');
  assert.deepEqual(parseJsonValue('{"a": 1, "a": 2}'), { a: 2 }, 'last duplicate wins');
});

test('JSON reader: refuses what RFC 8259 refuses, with Jackson-like messages', () => {
  const bad: [string, RegExp][] = [
    ['01', /expected end of input/],
    ['[1,]', /expected a valid value/],
    ['{"a":1,}', /was expecting double-quote to start field name/],
    ['"a\tb"', /control characters/],
    ['"\\x"', /unrecognized character escape/],
    ['"\\u12"', /hex-digit/],
    ['{"a" 1}', /was expecting a colon/],
    ['[1 2]', /was expecting comma to separate Array entries/],
    ['NaN', /Unrecognized token 'NaN'/],
    ['truex', /Unrecognized token 'truex'/],
    ['.5', /Unexpected character \('\.' \(code 46\)\)/],
    ['', /Unexpected end-of-input/],
  ];
  for (const [text, message] of bad) assert.throws(() => parseJsonValue(text), (e: unknown) => e instanceof JsonSyntaxError && message.test(e.message), text);
  assert.throws(() => parseJsonValue('['.repeat(1001) + ']'.repeat(1001)), /nesting depth \(1001\) exceeds the maximum allowed \(1000\)/);
  parseJsonValue('['.repeat(1000) + ']'.repeat(1000));
});

test('comparable numbers: the nearest double has the same decimal value (event-ruler)', () => {
  for (const ok of ['0', '-0', '0.1', '0.10', '1e23', '1E-7', '300.000', '-1.7976931348623157e308', '5e-324', '9007199254740992']) assert.ok(isComparable(ok), ok);
  for (const no of ['9007199254740993', '1.00000000000000001', '1e400', '-1e400', '0.1000000000000000055511151231257827', '2e-400']) assert.equal(isComparable(no), false, no);
});

test('IP literals: dotted quads and IPv6 with "::", nothing else', () => {
  assert.deepEqual([...parseIp('10.0.0.1')!], [10, 0, 0, 1]);
  assert.deepEqual([...parseIp('010.000.000.001')!], [10, 0, 0, 1], 'decimal, as Java reads it');
  assert.deepEqual([...parseIp('::1')!], [...Array(15).fill(0), 1]);
  assert.deepEqual(parseIp('2001:db8::1'), parseIp('2001:0db8:0000:0000:0000:0000:0000:0001'));
  for (const bad of ['10.0.0', '10.0.0.256', 'a.b.c.d', '::1::', '1:2:3:4:5:6:7:8:9', '12345::', '::ffff:10.0.0.1', 'host']) assert.equal(parseIp(bad), undefined, bad);
});

test('CIDR blocks span the masked range', () => {
  const r = parseCidr('192.168.1.77/20');
  assert.ok(r.ok);
  assert.ok(inRange(parseIp('192.168.0.0')!, r.range));
  assert.ok(inRange(parseIp('192.168.15.255')!, r.range));
  assert.equal(inRange(parseIp('192.168.16.0')!, r.range), false);
  const all = parseCidr('::/0');
  assert.ok(all.ok && inRange(parseIp('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')!, all.range));
  assert.ok(parseCidr('10.0.0.0/+8').ok, 'Integer.parseInt takes a plus sign');
});

test('wildcards: pieces between stars, anchored at both ends', () => {
  const w = (p: string): string[] => {
    const r = parseWildcard(p);
    assert.ok(r.ok, p);
    return r.parts;
  };
  assert.deepEqual(w('a*b\\*c\\\\*'), ['a', 'b*c\\', '']);
  assert.ok(wildcardMatches(w('*a*a*'), 'aa'));
  assert.equal(wildcardMatches(w('*a*a*'), 'a'), false);
  assert.ok(wildcardMatches(w('ab*ba'), 'aba') === false, 'pieces may not overlap');
  assert.ok(wildcardMatches(w('ab*ba'), 'abba'));
  assert.ok(wildcardMatches(w('*.png'), '.png'));
});

test('ignore-case: each character of the pattern accepts its own lower and upper case', () => {
  assert.ok(equalsIgnoreCase('STRASSE', 'straße'));
  assert.ok(equalsIgnoreCase('straße', 'straße'));
  assert.equal(equalsIgnoreCase('strasse', 'STRASSE'.replace('SS', 'ß')), false, 'the value side is not folded');
  assert.ok(startsWithIgnoreCase('ÉVÉNEMENT', 'évé'));
  assert.ok(endsWithIgnoreCase('x.PnG', '.png'));
  assert.ok(endsWithIgnoreCase('GROSS', 'ß'), 'a suffix whose upper case is longer');
  assert.equal(endsWithIgnoreCase('png', '.png'), false);
  assert.ok(equalsIgnoreCase('', ''));
});
