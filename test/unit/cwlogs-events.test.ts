/** CloudWatch Logs events from Nimbus's log entries (src/api/cwlogs/events.ts) and filter patterns (filter-pattern.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseStreamName, recordsOf, streamName } from '../../src/api/cwlogs/events.js';
import { compilePattern } from '../../src/api/cwlogs/filter-pattern.js';

describe('recordsOf', () => {
  it('splits an invocation log into one record per platform line and runtime log line, keeping continuation lines', () => {
    const text = [
      'INIT_START Runtime Version: nodejs:20\tRuntime Version ARN: arn\n',
      'START RequestId: r Version: $LATEST\n',
      '2026-12-02T10:00:00.000Z\tr\tINFO\tfirst\nsecond\n',
      '2026-12-02T10:00:00.001Z\tr\tERROR\tError: boom\n    at f (/var/task/index.js:1:1)\n',
      '[ERROR]\t2026-12-02T10:00:00.002Z\tr\tfailed\nTraceback (most recent call last):\n  File "/var/task/app.py", line 3, in handler\n    raise ValueError("x")\nValueError: x\n',
      '[INFO]\t2026-12-02T10:00:00.003Z\tr\tone line\n',
      'plain one\n',
      'plain two\n',
      '{"level":"INFO","message":"j"}\n',
      'END RequestId: r\n',
      'REPORT RequestId: r\tDuration: 1.00 ms\t\n',
    ];
    assert.deepEqual(recordsOf(text.join('')), text, 'a print after a Python log line is an event of its own');
  });

  it('keeps a text without a trailing newline, and gives nothing for nothing', () => {
    assert.deepEqual(recordsOf('END RequestId: r\npartial'), ['END RequestId: r\n', 'partial']);
    assert.deepEqual(recordsOf(''), []);
  });
});

describe('stream names', () => {
  it('are stable per function, version and UTC day, and parse back to their day', () => {
    const t = Date.UTC(2026, 11, 2, 10);
    const a = streamName('f', '$LATEST', t);
    assert.match(a, /^2026\/12\/02\/\[\$LATEST\][0-9a-f]{32}$/);
    assert.equal(streamName('f', '$LATEST', t + 3_600_000), a);
    assert.notEqual(streamName('g', '$LATEST', t), a);
    assert.notEqual(streamName('f', '1', t), a);
    assert.notEqual(streamName('f', '$LATEST', t + 86_400_000), a);
    assert.deepEqual(parseStreamName(a), { version: '$LATEST', from: Date.UTC(2026, 11, 2), to: Date.UTC(2026, 11, 3) - 1 });
    assert.equal(parseStreamName('2026/02/30/[$LATEST]0123456789abcdef0123456789abcdef'), undefined);
    assert.equal(parseStreamName('nope'), undefined);
  });
});

describe('filter patterns', () => {
  const m = (p: string, s: string): boolean => compilePattern(p)(s);

  it('terms, phrases, exclusions and alternatives', () => {
    assert.ok(m('', 'anything'));
    assert.ok(m('ERROR', 'an ERROR here'));
    assert.ok(!m('ERROR', 'an error here'), 'case sensitive');
    assert.ok(m('ERROR timeout', 'timeout ERROR'));
    assert.ok(!m('ERROR timeout', 'ERROR only'));
    assert.ok(m('"order 42"', 'got order 42 now'));
    assert.ok(!m('"order 42"', 'order 4 2'));
    assert.ok(m('ERROR -retry', 'ERROR final'));
    assert.ok(!m('ERROR -retry', 'ERROR retry 1'));
    assert.ok(m('?ERROR ?WARN', 'a WARN'));
    assert.ok(!m('?ERROR ?WARN', 'INFO'));
    assert.ok(m('"say \\"hi\\""', 'they say "hi" loud'));
  });

  it('JSON patterns over JSON events', () => {
    const doc = JSON.stringify({ level: 'ERROR', n: 5, ok: true, none: null, a: { b: [{ c: 'x' }] } });
    assert.ok(m('{ $.level = "ERROR" }', doc));
    assert.ok(m('{ $.level = ERR* }', doc));
    assert.ok(m('{ $.level != "INFO" }', doc));
    assert.ok(m('{ $.n > 4 && $.n <= 5 }', doc));
    assert.ok(!m('{ $.n > 5 }', doc));
    assert.ok(m('{ $.n = 5 }', doc));
    assert.ok(m('{ $.ok IS TRUE }', doc));
    assert.ok(m('{ $.none IS NULL }', doc));
    assert.ok(m('{ $.a.b[0].c = "x" }', doc));
    assert.ok(m('{ $.missing NOT EXISTS && $.n EXISTS }', doc));
    assert.ok(m('{ ($.level = "INFO" || $.n = 5) && $.ok IS TRUE }', doc));
    assert.ok(!m('{ $.level = "ERROR" }', 'ERROR not json'));
    assert.ok(!m('{ $.level = "ERROR" }', '{"level":"INFO"}'));
  });

  it('refuses what it cannot match', () => {
    for (const p of ['{ $.level = ', '{ $.level > "x" }', '[ip, user]', '%ab+%', '"open', '{ level = 1 }', '{ $.a = 1 ) }']) {
      assert.throws(() => compilePattern(p), (e: Error) => e.name === 'InvalidParameterException' && e.message.startsWith('Invalid filter pattern'), p);
    }
  });
});
