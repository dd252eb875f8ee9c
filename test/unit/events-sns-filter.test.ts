/**
 * SNS subscription filter policies, from the SNS developer guide's "Example filter policies" (EX),
 * "String value matching" (SV), "Numeric value matching" (NV), "Key matching" (KM), "AND/OR
 * logic" (AO) and "Filter policy constraints" (FC) pages; refusal messages marked (AWS) were
 * recorded from SNS by LocalStack's validated tests.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  attributeValues,
  combinations,
  compileFilterPolicy,
  matchesFilterPolicy,
  validateFilterPolicyScope,
  type FilterPolicyScope,
  type SnsFilterPolicy,
  type SnsMessageAttribute,
} from '../../src/events/sns-filter.js';

function policy(p: unknown, scope: FilterPolicyScope = 'MessageAttributes'): SnsFilterPolicy {
  const r = compileFilterPolicy(JSON.stringify(p), scope);
  assert.ok(r.ok && r.policy, r.ok ? '' : r.error.message);
  return r.policy;
}
const str = (v: string): SnsMessageAttribute => ({ DataType: 'String', StringValue: v });
const num = (v: string): SnsMessageAttribute => ({ DataType: 'Number', StringValue: v });
const arr = (v: unknown[]): SnsMessageAttribute => ({ DataType: 'String.Array', StringValue: JSON.stringify(v) });
const byAttrs = (p: SnsFilterPolicy, attributes: Record<string, SnsMessageAttribute>): boolean => matchesFilterPolicy(p, { body: 'ignored', attributes });
const byBody = (p: SnsFilterPolicy, body: unknown): boolean => matchesFilterPolicy(p, { body: typeof body === 'string' ? body : JSON.stringify(body) });
const refused = (p: unknown, scope: FilterPolicyScope = 'MessageAttributes', call: 'Subscribe' | 'SetSubscriptionAttributes' = 'Subscribe'): string => {
  const r = compileFilterPolicy(typeof p === 'string' ? p : JSON.stringify(p), scope, call);
  assert.ok(!r.ok, `expected ${JSON.stringify(p)} to be refused`);
  assert.equal(r.error.code, 'InvalidParameter');
  return r.error.message;
};

const exampleAttributes = {
  customer_interests: arr(['soccer', 'rugby', 'hockey']),
  store: str('example_corp'),
  event: str('order_placed'),
  price_usd: num('210.75'),
};
const exampleBody = { customer_interests: ['soccer', 'rugby', 'hockey'], store: 'example_corp', event: 'order_placed', price_usd: 210.75 };

test('EX: the accepting policy accepts the example message in both scopes; the rejecting one rejects it', () => {
  const accepts = { store: ['example_corp'], event: [{ 'anything-but': 'order_cancelled' }], customer_interests: ['rugby', 'football', 'baseball'], price_usd: [{ numeric: ['>=', 100] }] };
  const rejects = { store: ['example_corp'], event: ['order_cancelled'], encrypted: [false], customer_interests: ['basketball', 'baseball'] };
  assert.equal(byAttrs(policy(accepts), exampleAttributes), true);
  assert.equal(byBody(policy(accepts, 'MessageBody'), exampleBody), true);
  assert.equal(byAttrs(policy(rejects), exampleAttributes), false);
  assert.equal(byBody(policy(rejects, 'MessageBody'), exampleBody), false);
});

test('SV exact and prefix matching, String and String.Array attributes and bodies', () => {
  const exact = policy({ customer_interests: ['rugby', 'tennis'] });
  assert.equal(byAttrs(exact, { customer_interests: str('rugby') }), true);
  assert.equal(byAttrs(exact, { customer_interests: arr(['rugby', 'tennis']) }), true);
  assert.equal(byAttrs(exact, { customer_interests: str('baseball') }), false);
  assert.equal(byAttrs(exact, { customer_interests: arr(['baseball']) }), false);
  assert.equal(byBody(policy({ customer_interests: ['rugby', 'tennis'] }, 'MessageBody'), { customer_interests: 'tennis' }), true);
  const prefix = policy({ customer_interests: [{ prefix: 'bas' }] });
  assert.equal(byAttrs(prefix, { customer_interests: str('basketball') }), true);
  assert.equal(byAttrs(prefix, { customer_interests: str('rugby') }), false);
});

test('SV anything-but: a list, an array attribute with one other value, and a prefix', () => {
  const p = policy({ customer_interests: [{ 'anything-but': ['rugby', 'tennis'] }] });
  assert.equal(byAttrs(p, { customer_interests: str('baseball') }), true);
  assert.equal(byAttrs(p, { customer_interests: arr(['rugby', 'baseball']) }), true);
  assert.equal(byAttrs(p, { customer_interests: str('rugby') }), false);
  assert.equal(byBody(policy({ customer_interests: [{ 'anything-but': ['rugby', 'tennis'] }] }, 'MessageBody'), { customer_interests: ['rugby'] }), false);
  const noOrders = policy({ event: [{ 'anything-but': { prefix: 'order-' } }] });
  assert.equal(byAttrs(noOrders, { event: str('data-entry') }), true);
  assert.equal(byAttrs(noOrders, { event: str('order_number') }), true);
  assert.equal(byAttrs(noOrders, { event: str('order-cancelled') }), false);
});

test('SV suffix, equals-ignore-case and IP address matching', () => {
  assert.equal(byAttrs(policy({ f: [{ suffix: '.png' }] }), { f: str('a.png') }), true);
  assert.equal(byAttrs(policy({ f: [{ 'equals-ignore-case': 'RUGBY' }] }), { f: str('rugby') }), true);
  const ip = policy({ source_ip: [{ cidr: '10.0.0.0/24' }] });
  assert.equal(byAttrs(ip, { source_ip: str('10.0.0.0') }), true);
  assert.equal(byAttrs(ip, { source_ip: str('10.0.0.255') }), true);
  assert.equal(byAttrs(ip, { source_ip: str('10.1.1.0') }), false);
  assert.equal(byBody(policy({ source_ip: [{ cidr: '10.0.0.0/24' }] }, 'MessageBody'), { source_ip: '10.0.0.255' }), true);
});

test('NV exact, anything-but and range matching on Number attributes and bodies', () => {
  const eq = policy({ price_usd: [{ numeric: ['=', 301.5] }] });
  assert.equal(byAttrs(eq, { price_usd: num('301.5') }), true);
  assert.equal(byAttrs(eq, { price_usd: num('3.015e2') }), true);
  assert.equal(byBody(policy({ price_usd: [{ numeric: ['=', 301.5] }] }, 'MessageBody'), '{"price_usd": 3.015e2}'), true);
  const but = policy({ price: [{ 'anything-but': [100, 500] }] });
  assert.equal(byAttrs(but, { price: num('101') }), true);
  assert.equal(byAttrs(but, { price: num('100.1') }), true);
  assert.equal(byAttrs(but, { price: num('100') }), false);
  assert.equal(byBody(policy({ price: [{ 'anything-but': [100, 500] }] }, 'MessageBody'), { price: [100, 50] }), true);
  const range = policy({ price_usd: [{ numeric: ['>', 0, '<=', 150] }] });
  assert.equal(byAttrs(range, { price_usd: num('150') }), true);
  assert.equal(byAttrs(range, { price_usd: num('0') }), false);
  assert.equal(byAttrs(range, { price_usd: str('100') }), false, 'a String attribute is not a number');
  assert.equal(byAttrs(policy({ price_usd: [{ numeric: ['<', 0] }] }), { price_usd: num('-3') }), true);
});

test('KM exists: true needs the key, false needs it absent', () => {
  const interests = { customer_interests: arr(['baseball', 'basketball']) };
  assert.equal(byAttrs(policy({ store: [{ exists: true }] }), { store: str('fans'), ...interests }), true);
  assert.equal(byAttrs(policy({ store: [{ exists: true }] }), interests), false);
  assert.equal(byAttrs(policy({ store: [{ exists: false }] }), { store: str('fans'), ...interests }), false);
  assert.equal(byAttrs(policy({ store: [{ exists: false }] }), interests), true);
  assert.equal(byBody(policy({ store: [{ exists: false }] }, 'MessageBody'), { customer_interests: ['baseball'] }), true);
});

test('AO: keys are AND-ed, values OR-ed, and $or joins alternatives', () => {
  const and = policy({ customer_interests: ['rugby'], price_usd: [{ numeric: ['>', 100] }] });
  assert.equal(byAttrs(and, { customer_interests: str('rugby'), price_usd: num('101') }), true);
  assert.equal(byAttrs(and, { customer_interests: str('rugby'), price_usd: num('99') }), false);
  const or = policy({ source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization'] }, { namespace: ['AWS/EC2'] }] });
  assert.equal(byAttrs(or, { source: str('aws.cloudwatch'), namespace: str('AWS/EC2') }), true);
  assert.equal(byAttrs(or, { source: str('aws.cloudwatch') }), false);
});

test('attribute types: Binary is ignored, custom suffixes keep their base type, bad arrays are absent', () => {
  assert.deepEqual(attributeValues({ a: str('x'), b: { DataType: 'Binary', BinaryValue: 'AAA=' }, c: num('1.5'), d: { DataType: 'String.custom', StringValue: 'y' }, e: { DataType: 'Number.float', StringValue: '2' }, f: { DataType: 'String.Array', StringValue: 'nope' } }), { a: 'x', c: 1.5, d: 'y', e: 2 });
  assert.equal(byAttrs(policy({ b: [{ exists: true }] }), { b: { DataType: 'Binary', BinaryValue: 'AAA=' } }), false);
  assert.equal(byAttrs(policy({ n: [true] }), { n: arr([true, 1]) }), true, 'String.Array elements keep their JSON types');
  assert.equal(byAttrs(policy({ ['__proto__']: ['x'] }), { ['__proto__']: str('x') }), true);
});

test('MessageBody: nested policies match nested properties; a body that is not a JSON object matches nothing', () => {
  const p = policy({ object: { key: [{ prefix: 'auto-' }] } }, 'MessageBody');
  assert.equal(byBody(p, { object: { key: 'auto-123' } }), true);
  assert.equal(byBody(p, { object: { key: 'manual' } }), false);
  assert.equal(byBody(policy({ a: [{ exists: false }] }, 'MessageBody'), 'not json'), false);
  assert.equal(byBody(policy({ a: [{ exists: false }] }, 'MessageBody'), '[1, 2]'), false);
  assert.equal(byBody(policy({ detail: { eventVersion: [''] } }, 'MessageBody'), { detail: { eventVersion: '' } }), true);
});

test('an empty policy removes filtering; no attributes fail a null/anything-but policy (AWS)', () => {
  const none = compileFilterPolicy('');
  assert.ok(none.ok && none.policy === null);
  assert.equal(matchesFilterPolicy(null, { body: 'x' }), true);
  assert.equal(byAttrs(policy({ attr1: [null, { 'anything-but': 'whatever' }] }), {}), false);
});

test('FC: five keys at most, only top-level keys counted in nested policies (AWS)', () => {
  const six = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`key${i}`, [`value${i}`]]));
  assert.equal(refused(six), 'Invalid parameter: Attributes Reason: FilterPolicy: Filter policy can not have more than 5 keys');
  assert.ok(compileFilterPolicy(JSON.stringify({ a: { b: ['1'], c: ['2'], d: ['3'], e: ['4'], f: ['5'], g: ['6'] } }), 'MessageBody').ok);
});

test('FC: at most 150 combinations — values times nesting depth, summed over $or (AWS)', () => {
  assert.equal(combinations(policy({ key_a: ['v1', 'v2', 'v3'], key_b: ['v1'], key_c: ['v1', 'v2'] }).rules), 6);
  const nested = policy({ key_a: { key_b: { key_c: ['1', '2', '3', '4'] } }, key_d: { key_e: ['1', '2', '3'] } }, 'MessageBody');
  assert.equal(combinations(nested.rules), 72, '3 x 4 x 2 x 3 in the guide');
  const tooComplex = 'Invalid parameter: Attributes Reason: FilterPolicy: Filter policy is too complex';
  assert.equal(refused({ key: Array.from({ length: 151 }, (_, i) => `value${i}`) }), tooComplex);
  assert.equal(refused({ key1: Array.from({ length: 100 }, (_, i) => `v${i}`), key2: Array.from({ length: 51 }, (_, i) => `v${i}`) }), tooComplex);
  const values = (n: number): string[] => Array.from({ length: n }, (_, i) => `v${i}`);
  const flatOr = (sources: number, spaceIds: number): unknown => ({
    source: values(sources),
    $or: [{ metricName: values(6) }, { metricType: values(4), $or: [{ metricId: [1, 2, 3, 4] }, { spaceId: values(spaceIds) }] }],
  });
  assert.equal(refused(flatOr(4, 4)), tooComplex, '(4 x 6) + (4 x 4 x 4) + (4 x 4 x 4) = 152');
  assert.ok(compileFilterPolicy(JSON.stringify(flatOr(3, 7))).ok, '(3 x 6) + (3 x 4 x 4) + (3 x 4 x 7) = 150');
  const nestedOr = { $or: [{ metricName: values(3) }, { namespace: values(2) }], detail: { scope: values(2), $or: [{ source: values(1) }, { type: values(3) }] } };
  assert.equal(refused(nestedOr, 'MessageBody'), tooComplex, '24 + 72 + 16 + 48 = 160');
  assert.equal(refused({ key_a: { key_b: { key_c: values(4) } }, key_d: { key_e: values(3) }, key_f: values(3) }, 'MessageBody', 'SetSubscriptionAttributes'), 'Invalid parameter: FilterPolicy: Filter policy is too complex');
});

test('FC: MessageAttributes policies cannot nest; values must be lists (AWS)', () => {
  assert.equal(refused({ object: { key: [{ prefix: 'auto-' }] } }, 'MessageAttributes', 'SetSubscriptionAttributes'), 'Invalid parameter: Filter policy scope MessageAttributes does not support nested filter policy');
  assert.equal(refused({ key_a: 'value_one' }, 'MessageBody', 'SetSubscriptionAttributes'), 'Invalid parameter: FilterPolicy: "key_a" must be an object or an array');
  assert.equal(refused({ key: { suffix: 'value' } }), 'Invalid parameter: Attributes Reason: FilterPolicy: "suffix" must be an object or an array');
});

test('SNS operator set: no wildcard, anything-but takes one prefix only (AWS)', () => {
  const p = 'Invalid parameter: Attributes Reason: FilterPolicy: ';
  assert.equal(refused({ key: [{ 'anything-but': { suffix: 'test' } }] }), `${p}Unsupported anything-but pattern: suffix`);
  assert.equal(refused({ key: [{ 'anything-but': { exists: false } }] }), `${p}Unsupported anything-but pattern: exists`);
  assert.equal(refused({ key: [{ 'anything-but': { prefix: false } }] }), `${p}prefix match pattern must be a string`);
  assert.equal(refused({ key: [{ 'anything-but': { prefix: ['a', 'b'] } }] }), `${p}prefix match pattern must be a string`);
  assert.equal(refused({ key: [{ wildcard: 'a*' }] }), `${p}Unrecognized match type wildcard`);
  assert.equal(refused({ key: [{ prefix: { 'equals-ignore-case': 'a' } }] }), `${p}prefix match pattern must be a string`);
  assert.equal(refused({ key: [{ numeric: ['>', 3, '<', 1] }] }), `${p}Bottom must be less than top`);
  assert.equal(refused({ key: [{ numeric: ['=', '000'] }] }), `${p}Value of equals must be numeric`);
  assert.equal(refused({ key: [{ cidr: 'bad-filter/64' }] }), `${p}Nonstandard IP address: bad-filter`);
  assert.equal(refused({ key: [{ exists: null }] }), `${p}exists match pattern must be either true or false.`);
  assert.equal(refused('{"key": '), `${p}Unexpected end-of-input: expected a valid value (JSON String, Number, Array, Object or token 'null', 'true' or 'false')`);
});

test('FilterPolicyScope must be MessageBody or MessageAttributes (AWS)', () => {
  assert.equal(validateFilterPolicyScope('MessageBody'), undefined);
  assert.deepEqual(validateFilterPolicyScope('RandomValue'), {
    code: 'InvalidParameter',
    message: 'Invalid parameter: FilterPolicyScope: Invalid value [RandomValue]. Please use either MessageBody or MessageAttributes',
  });
});

test('FC: a policy larger than 256 KB is refused', () => {
  const big = JSON.stringify({ key: ['x'.repeat(256 * 1024)] });
  assert.match(refused(big), /larger than 262144 bytes$/);
});
