/**
 * Refused EventBridge patterns and the `InvalidEventPatternException` reason AWS gives. Reasons
 * marked (AWS) were recorded from AWS's `TestEventPattern` (LocalStack's validated snapshots);
 * the others are event-ruler's JsonRuleCompiler texts, the compiler AWS's recorded ones come from.
 * More recorded refusals are in events-corpus.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileEventPattern, EVENT_PATTERN_MAX_LENGTH, parseTestEvent } from '../../src/events/pattern.js';
import { MAX_ALTERNATIVES, TOO_MANY_ALTERNATIVES } from '../../src/events/rules.js';
import { compile, refusal } from '../helpers/event-pattern.js';

test('malformed JSON gets Jackson\'s wording (AWS)', () => {
  assert.equal(refusal('this is valid json but not a dict'), "Unrecognized token 'this': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')");
  assert.equal(refusal("{'bad': 'quotation'}"), "Unexpected character (''' (code 39)): was expecting double-quote to start field name");
  assert.equal(refusal('{"not": closed mark"'), "Unrecognized token 'closed': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')");
  assert.match(refusal('{"a": ["x"]'), /^Unexpected end-of-input/);
  assert.match(refusal('{"a": ["x"]} {}'), /expected end of input/);
});

test('the pattern must be a non-empty object of arrays and objects', () => {
  assert.equal(refusal('["not", "a", "dict", "but valid json"]'), 'Filter is not an object'); // (AWS)
  assert.equal(refusal('null'), 'Filter is not an object');
  assert.equal(refusal(''), 'Filter is not an object');
  assert.equal(refusal({}), 'Empty objects are not allowed');
  assert.equal(refusal({ detail: {} }), 'Empty objects are not allowed');
  assert.equal(refusal({ int: 42 }), '"int" must be an object or an array'); // (AWS)
  assert.equal(refusal({ detail: { state: 'x' } }), '"state" must be an object or an array');
  assert.equal(refusal({ resources: [] }), 'Empty arrays are not allowed'); // (AWS)
  assert.equal(refusal({ a: [['x']] }), 'Match value must be String, number, true, false, or null');
});

test('match expressions: one known operator per object (AWS for the upper-case names)', () => {
  assert.equal(refusal({ my_key: [{ EXISTS: true }] }), 'Unrecognized match type EXISTS');
  assert.equal(refusal({ a: [{ NUMERIC: ['=', 5] }] }), 'Unrecognized match type NUMERIC');
  assert.equal(refusal({ a: [{ exactly: 'x' }] }), 'Unrecognized match type exactly');
  assert.equal(refusal({ a: [{}] }), 'Match expression name not found');
  assert.equal(refusal({ a: [{ prefix: 'x', suffix: 'y' }] }), 'Only one key allowed in match expression');
  assert.equal(refusal({ a: [{ exists: true, prefix: 'y' }] }), 'Only one key allowed in match expression');
  assert.equal(refusal({ a: [{ numeric: ['>', 1], prefix: 'y' }] }), 'Too many elements in numeric expression');
  assert.equal(refusal({ a: [{ 'anything-but': 'x', prefix: 'y' }] }), 'Too many elements in numeric expression');
});

test('string operators need strings', () => {
  assert.equal(refusal({ a: [{ prefix: 123 }] }), 'prefix match pattern must be a string'); // (AWS)
  assert.equal(refusal({ a: [{ suffix: ['.png'] }] }), 'suffix match pattern must be a string'); // (AWS)
  assert.equal(refusal({ a: [{ 'equals-ignore-case': ['x'] }] }), 'equals-ignore-case match pattern must be a string'); // (AWS)
  assert.equal(refusal({ a: [{ wildcard: 123 }] }), 'wildcard match pattern must be a string'); // (AWS)
  assert.equal(refusal({ a: [{ cidr: ['bad-type'] }] }), 'prefix match pattern must be a string'); // (AWS)
  assert.equal(refusal({ a: [{ exists: 'yes' }] }), 'exists match pattern must be either true or false.');
  assert.equal(refusal({ a: [{ prefix: {} }] }), 'Prefix expression name not found');
  assert.equal(refusal({ a: [{ prefix: { wildcard: 'x' } }] }), 'Unsupported prefix pattern: wildcard');
  assert.equal(refusal({ a: [{ suffix: { 'equals-ignore-case': 1 } }] }), 'equals-ignore-case match pattern must be a string');
  assert.equal(refusal({ a: [{ suffix: { 'equals-ignore-case': 'x', y: 1 } }] }), 'Only one key allowed in match expression');
});

test('wildcard escapes and repeated stars; positions count from the opening quote (AWS)', () => {
  assert.equal(refusal({ a: [{ wildcard: 'arn:aws:events:us-east-1:**:event-bus/*' }] }), 'Consecutive wildcard characters at pos 26');
  assert.equal(refusal({ a: [{ wildcard: 'a\\b' }] }), 'Invalid escape character at pos 2');
  assert.equal(refusal({ a: [{ wildcard: 'é**' }] }), 'Consecutive wildcard characters at pos 3', 'bytes, not characters');
  assert.equal(refusal({ a: [{ 'anything-but': { wildcard: ['ok*', 'x\\'] } }] }), 'Invalid escape character at pos 2');
  compile({ a: [{ wildcard: '\\**' }] });
});

test('anything-but: lists of one type, supported forms, no empty prefix or suffix', () => {
  assert.equal(refusal({ a: [{ 'anything-but': null }] }), 'Value of anything-but must be an array or single string/number value.'); // (AWS)
  assert.equal(refusal({ a: [{ 'anything-but': ['stopped', null] }] }), 'Inside anything but list, start|null|boolean is not supported.'); // (AWS)
  assert.equal(refusal({ a: [{ 'anything-but': ['a', 1] }] }), 'Inside anything but list, either all values are number or string, mixed type is not supported');
  assert.equal(refusal({ a: [{ 'anything-but': [] }] }), 'Inside anything but list, either all values are number or string, mixed type is not supported');
  assert.equal(refusal({ a: [{ 'anything-but': {} }] }), 'Anything-But expression name not found');
  assert.equal(refusal({ a: [{ 'anything-but': { exists: false } }] }), 'Unsupported anything-but pattern: exists');
  assert.equal(refusal({ a: [{ 'anything-but': { prefix: '' } }] }), 'Null prefix/suffix not allowed'); // (AWS)
  assert.equal(refusal({ a: [{ 'anything-but': { suffix: ['.a', ''] } }] }), 'Null prefix/suffix not allowed');
  assert.equal(refusal({ a: [{ 'anything-but': { prefix: 123 } }] }), 'prefix/suffix match pattern must be a string'); // (AWS)
  assert.equal(refusal({ a: [{ 'anything-but': { 'equals-ignore-case': [123, 456] } }] }), 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.'); // (AWS)
  assert.equal(refusal({ a: [{ 'anything-but': { prefix: { 'equals-ignore-case': 'x' } } }] }), 'Value of anything-but must be an array or single string/number value.'); // (AWS)
  assert.equal(refusal({ a: [{ 'anything-but': { prefix: 'a', suffix: 'b' } }] }), 'Too many elements in numeric expression');
  compile({ a: [{ 'anything-but': { prefix: [] } }] });
});

test('numeric: operator sequences, numeric operands, ranges bottom-first', () => {
  assert.equal(refusal({ a: [{ numeric: 10 }] }), 'Value of numeric must be an array.'); // (AWS)
  assert.equal(refusal({ a: [{ numeric: [] }] }), 'Invalid member in numeric match: ]');
  assert.equal(refusal({ a: [{ numeric: [1, '<'] }] }), 'Invalid member in numeric match: 1');
  assert.equal(refusal({ a: [{ numeric: ['!=', 1] }] }), 'Unrecognized numeric range operator: !=');
  assert.equal(refusal({ a: [{ numeric: ['=', '5'] }] }), 'Value of equals must be numeric');
  assert.equal(refusal({ a: [{ numeric: ['=', 5, '<', 6] }] }), 'Too many elements in numeric expression');
  assert.equal(refusal({ a: [{ numeric: ['>', 0, '<'] }] }), 'Value of < must be numeric'); // (AWS)
  assert.equal(refusal({ a: [{ numeric: ['>', 0, '>', 0] }] }), 'Bad numeric range operator: >'); // (AWS)
  assert.equal(refusal({ a: [{ numeric: ['>', 0, 5] }] }), 'Bad value in numeric range: 5');
  assert.equal(refusal({ a: [{ numeric: ['<', 10, '>', 0] }] }), 'Too many elements in numeric expression');
  assert.equal(refusal({ a: [{ numeric: ['>', 0, '<', 5, '<', 6] }] }), 'Too many terms in numeric range expression');
  assert.equal(refusal({ a: [{ numeric: ['>', 5, '<', 5] }] }), 'Bottom must be less than top');
  assert.equal(refusal({ a: [{ numeric: ['>=', 6, '<=', 5] }] }), 'Bottom must be less than top');
});

test('numbers a double cannot hold exactly are refused where a numeric comparison needs them', () => {
  assert.equal(refusal('{"a": [{"numeric": [">", 1.00000000000000001]}]}'), 'Cannot compare number : 1.00000000000000001');
  assert.equal(refusal('{"a": [{"numeric": ["=", 9007199254740993]}]}'), 'Cannot compare number : 9007199254740993');
  assert.equal(refusal('{"a": [{"anything-but": [1, 1e400]}]}'), 'Cannot compare number : 1e400');
  compile('{"a": [9007199254740993]}'); // exact match keeps the literal instead
  compile('{"a": [{"numeric": [">", 0.1, "<=", 1.7976931348623157e308]}]}');
});

test('cidr: one slash, an integer mask below the address width, a real address (AWS for the first three)', () => {
  assert.equal(refusal({ a: [{ cidr: 'bad-filter' }] }), "Malformed CIDR, one '/' required");
  assert.equal(refusal({ a: [{ cidr: 'bad-/64filter' }] }), 'Malformed CIDR, mask bits must be an integer');
  assert.equal(refusal({ a: [{ cidr: 'xx.11.xx/8' }] }), 'Nonstandard IP address: xx.11.xx');
  assert.equal(refusal({ a: [{ cidr: '10.0.0.0/' }] }), "Malformed CIDR, one '/' required");
  assert.equal(refusal({ a: [{ cidr: '10.0.0.0/-1' }] }), 'Malformed CIDR, mask bits must not be negative');
  assert.equal(refusal({ a: [{ cidr: '10.0.0.0/32' }] }), 'IPv4 mask bits must be < 32');
  assert.equal(refusal({ a: [{ cidr: '::1/128' }] }), 'IPv6 mask bits must be < 128');
  assert.equal(refusal({ a: [{ cidr: '10.0.0.300/8' }] }), 'Invalid IP address: 10.0.0.300');
  compile({ a: [{ cidr: '0.0.0.0/0' }] });
});

test('$or: an array of at least two objects, without operator names as fields', () => {
  assert.equal(refusal({ $or: { a: ['x'] } }), 'It must be an Array followed with $or.');
  assert.equal(refusal({ $or: [{ a: ['x'] }] }), 'There must have at least 2 Objects in $or relationship.');
  assert.equal(refusal({ $or: [{ a: ['x'] }, ['b']] }), 'Only JSON object is allowed in array of $or relationship.');
  assert.equal(refusal({ detail: { $or: [{ numeric: ['>', 0] }, { cidr: '10.0.0.0/8' }] } }), 'numeric is Ruler reserved fieldName which cannot be used inside $or.');
  assert.equal(refusal({ $or: [{ a: { prefix: ['x'] } }, { b: ['y'] }] }), 'prefix is Ruler reserved fieldName which cannot be used inside $or.');
  assert.equal(refusal({ $or: [{ a: ['x'] }, {}] }), 'Empty objects are not allowed');
  compile({ prefix: ['a field may be called prefix outside $or'] });
});

test('limits: 2048 characters by default (the quota), 4096 when raised; $or expansion is bounded', () => {
  const long = (n: number): string => `{"a": ["${'x'.repeat(n - 11)}"]}`;
  assert.equal(long(EVENT_PATTERN_MAX_LENGTH).length, EVENT_PATTERN_MAX_LENGTH);
  assert.ok(compileEventPattern(long(2048)).ok);
  assert.match(refusal(long(2049)), /longer than the maximum of 2048 characters/);
  assert.ok(compileEventPattern(long(4096), { maxLength: 4096 }).ok);
  const or = (k: number): string => `{${Array.from({ length: k }, (_, i) => `"f${i}": {"$or": [{"a": [1]}, {"b": [2]}]}`).join(',')}}`;
  assert.ok(compileEventPattern(or(10)).ok, `2^10 = ${MAX_ALTERNATIVES} alternatives are allowed`);
  const r = compileEventPattern(or(11));
  assert.ok(!r.ok && r.error.message.endsWith(TOO_MANY_ALTERNATIVES));
});

test('the first error in document order is the one reported', () => {
  assert.equal(refusal({ a: [{ prefix: 1 }], b: [] }), 'prefix match pattern must be a string');
  assert.equal(refusal({ b: [], a: [{ prefix: 1 }] }), 'Empty arrays are not allowed');
});

test('TestEventPattern events: a JSON object with the envelope fields, else "Parameter Event is not valid." (AWS)', () => {
  const ok = { id: '1', account: '123456789012', source: 's', time: '2022-07-13T13:48:01Z', region: 'us-east-2', 'detail-type': 't' };
  assert.ok(parseTestEvent(JSON.stringify(ok)).ok);
  for (const bad of ['plain string', '["plain string"]', '{"testEvent": "value"}', JSON.stringify({ ...ok, region: undefined })]) {
    const r = parseTestEvent(bad);
    assert.deepEqual(r, { ok: false, error: { code: 'ValidationException', message: 'Parameter Event is not valid.' } }, bad);
  }
});
