/**
 * EventBridge event patterns, operator by operator, from the examples of the EventBridge user
 * guide pages "Amazon EventBridge event patterns" (EP), "Comparison operators for use in event
 * patterns" / "Content filtering in Amazon EventBridge event patterns" (CF), "Arrays in event
 * patterns" (AR) and "Matching null values and empty strings" (NV), plus event-ruler's README (ER)
 * where the guide is silent. Each operator gets matching and non-matching events.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matches } from '../helpers/event-pattern.js';

const ec2 = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'EC2 Instance State-change Notification',
  source: 'aws.ec2',
  account: '111122223333',
  time: '2017-12-22T18:43:48Z',
  region: 'us-west-1',
  resources: ['arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', state: 'terminated' },
};

test('EP: the instance-termination pattern matches on source, detail-type and detail.state only', () => {
  const p = { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'], detail: { state: ['terminated'] } };
  assert.equal(matches(p, ec2), true);
  assert.equal(matches(p, { ...ec2, detail: { ...ec2.detail, state: 'running' } }), false);
  assert.equal(matches(p, { ...ec2, source: 'aws.ec2 ' }), false, 'character-by-character');
  const { detail: _d, ...noDetail } = ec2;
  assert.equal(matches(p, noDetail), false, 'every field of the pattern must be in the event');
  assert.equal(matches(p, { ...ec2, detail: 'terminated' }), false, 'with the same nesting');
});

test('EP: a list of values matches any one of them ("aws.ec2" or "aws.fargate")', () => {
  const p = { source: ['aws.ec2', 'aws.fargate'] };
  assert.equal(matches(p, { source: 'aws.fargate' }), true);
  assert.equal(matches(p, { source: 'aws.ecs' }), false);
});

test('EP: numbers, booleans and nested fields (the Macie risk-score example)', () => {
  const p = { source: ['aws.macie'], detail: { 'risk-score': [80], trigger: { risk: [8] } } };
  const e = { source: 'aws.macie', detail: { 'risk-score': 80, trigger: { risk: 8, 'alert-type': 'basic' } } };
  assert.equal(matches(p, e), true);
  assert.equal(matches(p, { ...e, detail: { ...e.detail, 'risk-score': '80' } }), false, 'a string is not the number');
  assert.equal(matches({ flag: [true] }, { flag: true }), true);
  assert.equal(matches({ flag: [true] }, { flag: 'true' }), false);
  assert.equal(matches({ flag: [false] }, { flag: true }), false);
});

test('NV: null and "" match themselves only and are not interchangeable', () => {
  const e = { detail: { eventVersion: '', responseElements: null } };
  assert.equal(matches({ detail: { eventVersion: [''] } }, e), true);
  assert.equal(matches({ detail: { responseElements: [null] } }, e), true);
  assert.equal(matches({ detail: { eventVersion: [null] } }, e), false);
  assert.equal(matches({ detail: { responseElements: [''] } }, e), false);
  assert.equal(matches({ detail: { responseElements: [null] } }, { detail: {} }), false, 'missing is not null');
  assert.equal(matches({ detail: { responseElements: [null] } }, { detail: { responseElements: 'null' } }), false);
});

test('AR: an array in the event matches when it shares a value with the pattern', () => {
  const p = { resources: ['arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f', 'arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f'] };
  assert.equal(matches(p, { resources: ['arn:aws:autoscaling:us-east-1:123456789012:asg', 'arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f'] }), true);
  assert.equal(matches(p, { resources: ['arn:aws:autoscaling:us-east-1:123456789012:asg'] }), false);
  assert.equal(matches(p, { resources: [] }), false);
  assert.equal(matches({ n: [3] }, { n: [[1, 2], [3]] }), true, 'nested arrays are flattened');
});

test('CF prefix: "time" starting with 2017-10-02; strings only; case-sensitive; "" matches any string', () => {
  const p = { time: [{ prefix: '2017-10-02' }] };
  assert.equal(matches(p, { time: '2017-10-02T18:43:48Z' }), true);
  assert.equal(matches(p, { time: '2017-10-03T18:43:48Z' }), false);
  assert.equal(matches({ n: [{ prefix: '12' }] }, { n: 123 }), false, 'not on numbers');
  assert.equal(matches({ r: [{ prefix: 'us-' }] }, { r: 'US-east-1' }), false);
  assert.equal(matches({ r: [{ prefix: '' }] }, { r: 'anything' }), true);
  assert.equal(matches({ r: [{ prefix: '' }] }, { r: null }), false);
});

test('CF prefix with equals-ignore-case: "EventB" matches EventB, EVENTB, eventb, EvEnTb', () => {
  const p = { detail: { service: [{ prefix: { 'equals-ignore-case': 'EventB' } }] } };
  for (const s of ['EventBridge', 'EVENTB', 'eventb', 'EvEnTb']) assert.equal(matches(p, { detail: { service: s } }), true, s);
  assert.equal(matches(p, { detail: { service: 'Event' } }), false);
  assert.equal(matches(p, { detail: { service: 'xEventB' } }), false);
});

test('CF suffix: FileName ending in .png, case-sensitive, and with equals-ignore-case', () => {
  assert.equal(matches({ FileName: [{ suffix: '.png' }] }, { FileName: 'image.png' }), true);
  assert.equal(matches({ FileName: [{ suffix: '.png' }] }, { FileName: 'image.PNG' }), false);
  assert.equal(matches({ FileName: [{ suffix: '.png' }] }, { FileName: 'image.png.bak' }), false);
  const ci = { FileName: [{ suffix: { 'equals-ignore-case': '.png' } }] };
  assert.equal(matches(ci, { FileName: 'image.PNG' }), true);
  assert.equal(matches(ci, { FileName: 'image.pNg' }), true);
  assert.equal(matches(ci, { FileName: 'image.jpg' }), false);
});

test('CF equals-ignore-case: "alice" matches Alice; strings only; "" matches only ""', () => {
  const p = { Name: [{ 'equals-ignore-case': 'alice' }] };
  assert.equal(matches(p, { Name: 'Alice' }), true);
  assert.equal(matches(p, { Name: 'ALICE' }), true);
  assert.equal(matches(p, { Name: 'Alicia' }), false);
  assert.equal(matches({ v: [{ 'equals-ignore-case': '' }] }, { v: '' }), true);
  assert.equal(matches({ v: [{ 'equals-ignore-case': '' }] }, { v: 'x' }), false);
  assert.equal(matches({ v: [{ 'equals-ignore-case': '1' }] }, { v: 1 }), false);
  // event-ruler takes each character's own upper and lower case: "ß" upper-cases to "SS".
  assert.equal(matches({ v: [{ 'equals-ignore-case': 'straße' }] }, { v: 'STRASSE' }), true);
});

test('CF wildcard: "*" is any run of characters; \\* and \\\\ are literal', () => {
  const p = { EventBusArn: [{ wildcard: 'arn:aws:events:us-east-1:*:event-bus/*' }] };
  assert.equal(matches(p, { EventBusArn: 'arn:aws:events:us-east-1:123456789012:event-bus/myEventBus' }), true);
  assert.equal(matches(p, { EventBusArn: 'arn:aws:events:us-west-2:123456789012:event-bus/myEventBus' }), false);
  assert.equal(matches({ s: [{ wildcard: 'Simple*Service' }] }, { s: 'SimpleService' }), true, 'zero characters');
  assert.equal(matches({ s: [{ wildcard: 'Simple*Service' }] }, { s: 'Simple Notification Service' }), true);
  assert.equal(matches({ s: [{ wildcard: 'Simple*Service' }] }, { s: 'Simple Notification Services' }), false);
  assert.equal(matches({ s: [{ wildcard: '*/lib/*' }] }, { s: 'usr/lib/x.so' }), true);
  assert.equal(matches({ s: [{ wildcard: 'a\\*b' }] }, { s: 'a*b' }), true);
  assert.equal(matches({ s: [{ wildcard: 'a\\*b' }] }, { s: 'axb' }), false);
  assert.equal(matches({ s: [{ wildcard: 'a\\\\b' }] }, { s: 'a\\b' }), true);
  assert.equal(matches({ s: [{ wildcard: '*' }] }, { s: 5 }), false, 'strings only');
  assert.equal(matches({ s: [{ wildcard: '' }] }, { s: '' }), true);
});

test('CF anything-but: string, number, and lists of either', () => {
  assert.equal(matches({ detail: { state: [{ 'anything-but': 'initializing' }] } }, { detail: { state: 'running' } }), true);
  assert.equal(matches({ detail: { state: [{ 'anything-but': 'initializing' }] } }, { detail: { state: 'initializing' } }), false);
  assert.equal(matches({ x: [{ 'anything-but': 123 }] }, { x: 124 }), true);
  assert.equal(matches({ x: [{ 'anything-but': 123 }] }, '{"x": 1.23e2}'), false, 'numbers by value');
  const list = { state: [{ 'anything-but': ['stopped', 'overloaded'] }] };
  assert.equal(matches(list, { state: 'running' }), true);
  assert.equal(matches(list, { state: 'overloaded' }), false);
  assert.equal(matches(list, { state: ['overloaded', 'running'] }), true, 'one value not excluded is enough');
  assert.equal(matches(list, { state: ['overloaded'] }), false);
  assert.equal(matches({ x: [{ 'anything-but': [100, 200, 300] }] }, { x: 250 }), true);
  assert.equal(matches({ x: [{ 'anything-but': [100, 200, 300] }] }, { x: 300 }), false);
});

test('CF anything-but with prefix, suffix, equals-ignore-case and wildcard, single and lists', () => {
  assert.equal(matches({ r: [{ 'anything-but': { prefix: 'us-' } }] }, { r: 'eu-west-1' }), true);
  assert.equal(matches({ r: [{ 'anything-but': { prefix: 'us-' } }] }, { r: 'us-east-1' }), false);
  assert.equal(matches({ s: [{ 'anything-but': { prefix: ['init', 'error'] } }] }, { s: 'errored' }), false);
  assert.equal(matches({ f: [{ 'anything-but': { suffix: '.png' } }] }, { f: 'a.jpg' }), true);
  assert.equal(matches({ f: [{ 'anything-but': { suffix: ['.png', '.jpg'] } }] }, { f: 'a.jpg' }), false);
  const eic = { state: [{ 'anything-but': { 'equals-ignore-case': 'initializing' } }] };
  assert.equal(matches(eic, { state: 'INITIALIZING' }), false);
  assert.equal(matches(eic, { state: 'running' }), true);
  assert.equal(matches({ state: [{ 'anything-but': { 'equals-ignore-case': ['Stopped', 'OverLoaded'] } }] }, { state: 'stopped' }), false);
  assert.equal(matches({ p: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, { p: '/usr/lib/x' }), false);
  assert.equal(matches({ p: [{ 'anything-but': { wildcard: '*/lib/*' } }] }, { p: '/usr/bin/x' }), true);
  assert.equal(matches({ p: [{ 'anything-but': { wildcard: ['*/bin/*.jar', '*/bin/*.class'] } }] }, { p: '/x/bin/a.class' }), false);
});

test('CF numeric: the c-count / d-count / x-limit example (all must hold)', () => {
  const p = { detail: { 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'd-count': [{ numeric: ['<', 10] }], 'x-limit': [{ numeric: ['=', 3.018e2] }] } };
  assert.equal(matches(p, '{"detail": {"c-count": 5, "d-count": 3, "x-limit": 301.8}}'), true);
  assert.equal(matches(p, '{"detail": {"c-count": 0, "d-count": 3, "x-limit": 301.8}}'), false);
  assert.equal(matches(p, '{"detail": {"c-count": 5, "d-count": 10, "x-limit": 301.8}}'), false);
  assert.equal(matches(p, '{"detail": {"c-count": 5, "d-count": 3, "x-limit": 301.80000001}}'), false);
});

test('CF cidr: IPv4 and IPv6 blocks; addresses in other spellings; not numbers or hostnames', () => {
  const v4 = { detail: { sourceIPAddress: [{ cidr: '10.0.0.0/24' }] } };
  for (const [ip, want] of [['10.0.0.0', true], ['10.0.0.255', true], ['10.0.1.0', false], ['10.0.0.256', false], ['localhost', false]] as const) {
    assert.equal(matches(v4, { detail: { sourceIPAddress: ip } }), want, ip);
  }
  assert.equal(matches({ ip: [{ cidr: '10.0.0.5/24' }] }, { ip: '10.0.0.1' }), true, 'the block starts at the masked address');
  const v6 = { ip: [{ cidr: '2001:db8:1234:1a00::/64' }] };
  assert.equal(matches(v6, { ip: '2001:0db8:1234:1a00:0000:0000:0000:0001' }), true);
  assert.equal(matches(v6, { ip: '2001:db8:1234:1a01::1' }), false);
  assert.equal(matches(v6, { ip: '10.0.0.1' }), false);
  assert.equal(matches({ ip: ['2001:db8::1'] }, { ip: '2001:0db8:0:0:0:0:0:1' }), true, 'ER: an exact address matches any spelling');
});

test('CF exists: true needs a leaf value, false needs none; objects are not leaves', () => {
  const yes = { detail: { state: [{ exists: true }] } };
  const no = { detail: { 'c-count': [{ exists: false }] } };
  assert.equal(matches(yes, { detail: { state: 'pending' } }), true);
  assert.equal(matches(yes, { detail: { state: null } }), true, 'null is a value');
  assert.equal(matches(yes, { detail: { 'c-count': { c1: 100 } } }), false);
  assert.equal(matches(no, { detail: { state: ['initializing', 'running'] } }), true);
  assert.equal(matches(no, { detail: { 'c-count': { c1: 100 } } }), true, '"because c-count isn\'t a leaf node"');
  assert.equal(matches(no, { detail: { 'c-count': 5 } }), false);
  assert.equal(matches({ resources: [{ exists: true }] }, { resources: [] }), false);
  assert.equal(matches({ resources: [{ exists: false }] }, { resources: [] }), true);
});

test('CF: the complex example combines prefix, anything-but and numeric', () => {
  const p = {
    time: [{ prefix: '2017-10-02' }],
    detail: { state: [{ 'anything-but': 'initializing' }], 'c-count': [{ numeric: ['>', 0, '<=', 5] }], 'd-count': [{ numeric: ['<', 10] }], 'x-limit': [{ 'anything-but': [100, 200, 300] }] },
  };
  const e = { time: '2017-10-02T16:24:49Z', detail: { state: 'running', 'c-count': 5, 'd-count': 3, 'x-limit': 301.8 } };
  assert.equal(matches(p, e), true);
  assert.equal(matches(p, { ...e, detail: { ...e.detail, 'x-limit': 300 } }), false);
  assert.equal(matches(p, { ...e, detail: { ...e.detail, state: 'initializing' } }), false);
});

test('CF $or: alternatives at any level, with AND inside and nested $or (ER examples)', () => {
  const p = { source: ['aws.cloudwatch'], $or: [{ metricName: ['CPUUtilization', 'ReadLatency'] }, { namespace: ['AWS/EC2', 'AWS/ES'] }] };
  assert.equal(matches(p, { source: 'aws.cloudwatch', namespace: 'AWS/ES' }), true);
  assert.equal(matches(p, { source: 'aws.cloudwatch', metricName: 'CPUUtilization' }), true);
  assert.equal(matches(p, { source: 'aws.cloudwatch', namespace: 'AWS/S3' }), false);
  assert.equal(matches(p, { source: 'aws.ec2', namespace: 'AWS/ES' }), false);
  const nested = {
    source: ['aws.cloudwatch'],
    $or: [{ metricName: ['CPUUtilization'] }, { metricType: ['MetricType'], namespace: ['AWS/EC2'], $or: [{ metricId: [1234] }, { spaceId: [1000] }] }, { scope: ['Service'] }],
  };
  assert.equal(matches(nested, { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2', spaceId: 1000 }), true);
  assert.equal(matches(nested, { source: 'aws.cloudwatch', metricType: 'MetricType', namespace: 'AWS/EC2' }), false);
  assert.equal(matches(nested, { source: 'aws.cloudwatch', scope: 'Service' }), true);
  const inDetail = { detail: { $or: [{ 'c-count': [{ numeric: ['>', 0, '<=', 5] }] }, { 'd-count': [{ numeric: ['<', 10] }] }] } };
  assert.equal(matches(inDetail, { detail: { 'c-count': 0, 'd-count': 9 } }), true);
  assert.equal(matches(inDetail, { detail: { 'c-count': 0, 'd-count': 10 } }), false);
});

test('CF: of a key given twice, the last one is used ("location")', () => {
  const p = '{"detail": {"location": [{"prefix": "us-"}], "location": [{"anything-but": "us-east"}]}}';
  assert.equal(matches(p, { detail: { location: 'eu-central-1' } }), true);
  assert.equal(matches(p, { detail: { location: 'us-east' } }), false);
});
