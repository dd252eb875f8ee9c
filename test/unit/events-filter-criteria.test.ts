/**
 * Lambda event-source-mapping FilterCriteria on SQS records, from the Lambda developer guide's
 * "Lambda event filtering" (LEF) and "Using event filtering with an Amazon SQS event source"
 * (SQSF) pages, and the filters LocalStack recorded against AWS (each with a message that must
 * pass and one that must not; refusals all read "Invalid filter pattern definition.").
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  compileFilterCriteria,
  INVALID_FILTER_PATTERN,
  matchesFilterCriteria,
  type CompiledFilterCriteria,
  type FilterCriteria,
} from '../../src/events/filter-criteria.js';

function criteria(...patterns: unknown[]): CompiledFilterCriteria {
  const r = compileFilterCriteria({ Filters: patterns.map((p) => ({ Pattern: typeof p === 'string' ? p : JSON.stringify(p) })) });
  assert.ok(r.ok, r.ok ? '' : r.error.message);
  return r.criteria;
}

/** An SQS record shaped as Lambda delivers it (SQSF's example record). */
function record(body: string, extra: Record<string, unknown> = {}): { body: string; [k: string]: unknown } {
  return {
    messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
    receiptHandle: 'AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...',
    body,
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1545082649183', SenderId: 'AIDAIENQZJOLO23YVJ4VO', ApproximateFirstReceiveTimestamp: '1545082649185' },
    messageAttributes: {},
    md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-west-2:123456789012:my-queue',
    awsRegion: 'us-west-2',
    ...extra,
  };
}

const pass = (c: CompiledFilterCriteria, body: string): boolean => matchesFilterCriteria(c, record(body));

test('SQSF: the RequestCode example filters on fields of a JSON body', () => {
  const c = criteria({ body: { RequestCode: ['BBBB'] } });
  assert.equal(pass(c, '{\n "RecordNumber": 1234,\n "TimeStamp": "yyyy-mm-ddThh:mm:ss",\n "RequestCode": "BBBB"\n}'), true);
  assert.equal(pass(c, '{"RecordNumber": 1234, "RequestCode": "AAAA"}'), false);
});

test('recorded against AWS: single, OR, AND, exists, numeric and prefix filters on the body', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ body: { 'my-key': ['my-value'] } }, { 'my-key': 'my-value' }, { 'my-key': 'other-value' }],
    [{ body: { 'my-key': ['my-value-one', 'my-value-two'] } }, { 'my-key': 'my-value-two' }, { 'my-key': 'other-value' }],
    [{ body: { 'my-key-one': ['other-filter', 'my-value-one'], 'my-key-two': ['my-value-two'] } }, { 'my-key-one': 'my-value-one', 'my-key-two': 'my-value-two' }, { 'my-key-one': 'other-value-', 'my-key-two': 'my-value-two' }],
    [{ body: { 'my-key': [{ exists: true }] } }, { 'my-key': 'any-value-one' }, { 'other-key': 'any-value-two' }],
    [{ body: { 'my-number': [{ numeric: ['>', 100] }] } }, { 'my-number': 101 }, { 'my-number': 100 }],
    [{ body: { 'my-number': [{ numeric: ['<', 100] }] } }, { 'my-number': 99 }, { 'my-number': 100 }],
    [{ body: { 'my-number': [{ numeric: ['>=', 100, '<', 200] }] } }, { 'my-number': 100 }, { 'my-number': 200 }],
    [{ body: { 'my-key': [{ prefix: 'yes' }] } }, { 'my-key': 'yes-value' }, { 'my-key': 'no-value' }],
    [{ body: { 'my-key': ['my-value'] } }, { 'my-key': 'my-value' }, 'plain-string'],
  ];
  for (const [pattern, yes, no] of cases) {
    const c = criteria(pattern);
    assert.equal(pass(c, JSON.stringify(yes)), true, `${JSON.stringify(pattern)} passes ${JSON.stringify(yes)}`);
    assert.equal(pass(c, typeof no === 'string' ? no : JSON.stringify(no)), false, `${JSON.stringify(pattern)} drops ${JSON.stringify(no)}`);
  }
});

test('LEF body table: the format of the body and of the body pattern must agree', () => {
  const plainPattern = criteria({ body: ['plain-string'] });
  const jsonPattern = criteria({ body: { key: ['plain-string'] } });
  const noBodyPattern = criteria({ eventSource: ['aws:sqs'] });
  // plain body
  assert.equal(pass(plainPattern, 'plain-string'), true, 'plain string / plain string: filtered');
  assert.equal(pass(plainPattern, 'plain-string-not-matching'), false);
  assert.equal(pass(noBodyPattern, 'plain-string'), true, 'plain string / no body pattern: metadata only');
  assert.equal(pass(jsonPattern, 'plain-string'), false, 'plain string / JSON pattern: dropped');
  // JSON body
  assert.equal(pass(plainPattern, '{"key": "plain-string"}'), false, 'JSON / plain string pattern: dropped');
  assert.equal(pass(plainPattern, '"plain-string"'), false, 'a JSON string body is JSON too');
  assert.equal(pass(noBodyPattern, '{"key": "x"}'), true, 'JSON / no body pattern: metadata only');
  assert.equal(pass(jsonPattern, '{"key": "plain-string"}'), true, 'JSON / JSON: filtered');
});

test('plain bodies take the string operators (prefix, suffix, anything-but, equals-ignore-case)', () => {
  assert.equal(pass(criteria({ body: [{ prefix: 'ORDER#' }] }), 'ORDER#123'), true);
  assert.equal(pass(criteria({ body: [{ suffix: '.csv' }] }), 'upload/a.csv'), true);
  assert.equal(pass(criteria({ body: [{ 'anything-but': 'ping' }] }), 'ping'), false);
  assert.equal(pass(criteria({ body: [{ 'equals-ignore-case': 'hello' }] }), 'HELLO'), true);
});

test('LEF: metadata properties match the record itself', () => {
  const c = criteria({ attributes: { ApproximateReceiveCount: ['1'] }, body: { a: [1] } });
  assert.equal(matchesFilterCriteria(c, record('{"a": 1}')), true);
  assert.equal(matchesFilterCriteria(c, record('{"a": 1}', { attributes: { ApproximateReceiveCount: '2' } })), false);
  const attr = criteria({ messageAttributes: { color: { stringValue: ['red'] } } });
  assert.equal(matchesFilterCriteria(attr, record('x', { messageAttributes: { color: { stringValue: 'red', dataType: 'String' } } })), true);
});

test('LEF: up to five filters, OR-ed; no filters means every record passes', () => {
  const c = criteria({ body: { t: ['a'] } }, { body: { t: ['b'] } }, { body: [{ prefix: 'raw:' }] });
  assert.equal(pass(c, '{"t": "b"}'), true);
  assert.equal(pass(c, 'raw:data'), true);
  assert.equal(pass(c, '{"t": "c"}'), false);
  for (const none of [undefined, {}, { Filters: [] }] as (FilterCriteria | undefined)[]) {
    const r = compileFilterCriteria(none);
    assert.ok(r.ok && matchesFilterCriteria(r.criteria, record('anything')));
  }
  const six = compileFilterCriteria({ Filters: Array.from({ length: 6 }, () => ({ Pattern: '{"body": ["x"]}' })) });
  assert.ok(!six.ok && six.error.code === 'InvalidParameterValueException');
  assert.ok(compileFilterCriteria({ Filters: Array.from({ length: 10 }, () => ({ Pattern: '{"body": ["x"]}' })) }, 10).ok, 'quota raised to 10');
});

test('$or inside one filter, and body shapes decided per alternative', () => {
  const c = criteria({ $or: [{ body: ['ping'] }, { body: { type: ['order'] } }] });
  assert.equal(pass(c, 'ping'), true);
  assert.equal(pass(c, '{"type": "order"}'), true);
  assert.equal(pass(c, '{"type": "refund"}'), false);
});

test('recorded against AWS: bad patterns are InvalidParameterValueException "Invalid filter pattern definition."', () => {
  for (const bad of ['null', 'simple string', '{"eventSource": "aws:sqs"}', '{"eventSource": []}', '', '{"body": {"a": [{"numeric": [">"]}]}}']) {
    const r = compileFilterCriteria({ Filters: [{ Pattern: bad }] });
    assert.deepEqual(r, { ok: false, error: { code: 'InvalidParameterValueException', message: INVALID_FILTER_PATTERN } }, bad);
  }
  const missing = compileFilterCriteria({ Filters: [{}] });
  assert.ok(!missing.ok && missing.error.message === INVALID_FILTER_PATTERN);
});

test('a pattern longer than 4096 characters fails the API constraint (ValidationException)', () => {
  const long = `{"body": ["${'x'.repeat(4090)}"]}`;
  const r = compileFilterCriteria({ Filters: [{ Pattern: long }] });
  assert.ok(!r.ok);
  assert.equal(r.error.code, 'ValidationException');
  assert.match(r.error.message, /at 'filterCriteria\.filters\.1\.member\.pattern' failed to satisfy constraint: Member must have length less than or equal to 4096$/);
  assert.ok(compileFilterCriteria({ Filters: [{ Pattern: `{"body": ["${'x'.repeat(4000)}"]}` }] }).ok, 'longer than EventBridge\'s 2048 is fine');
});

test('JSON bodies keep numbers exact (a 20-digit id only matches itself)', () => {
  const c = criteria('{"body": {"id": [12345678901234567890]}}');
  assert.equal(pass(c, '{"id": 12345678901234567890}'), true);
  assert.equal(pass(c, '{"id": 12345678901234567891}'), false);
});
