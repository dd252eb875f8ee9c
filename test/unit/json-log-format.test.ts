/**
 * The JSON log format's pure parts (src/logs/json-format.ts): the platform records' shapes
 * (docs/reference/lambda-logging.md §3), which records each SystemLogLevel sends (§4), and the
 * platform's filtering of application output by ApplicationLogLevel (§5).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterApplicationLogs, initStartRecord, reportRecord, runtimeDoneRecord, startRecord, systemLevelOn } from '../../src/logs/json-format.js';

const T = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const parse = (line: string): Record<string, unknown> => JSON.parse(line) as Record<string, unknown>;

test('platform records are {time, type, record} lines with the Telemetry API shapes', () => {
  assert.deepEqual(parse(startRecord(T, 'r-1', '$LATEST')), { time: '2026-01-02T03:04:05.678Z', type: 'platform.start', record: { requestId: 'r-1', version: '$LATEST' } });
  assert.ok(startRecord(T, 'r-1', '1').endsWith('}\n'));
  const init = parse(initStartRecord(T, { functionName: 'f', functionVersion: '$LATEST', runtimeVersion: 'nodejs:20.x', runtimeVersionArn: 'arn', initializationType: 'on-demand' }));
  assert.deepEqual(init['record'], { initializationType: 'on-demand', phase: 'init', runtimeVersion: 'nodejs:20.x', runtimeVersionArn: 'arn', functionName: 'f', functionVersion: '$LATEST' });
  const report = parse(reportRecord(T, 'r-1', { durationMs: 2.004, memorySizeMb: 128, maxMemoryUsedMb: 40, initDurationMs: 100.555 }, { status: 'success' }));
  assert.deepEqual(report['record'], {
    requestId: 'r-1',
    metrics: { durationMs: 2, billedDurationMs: 3, memorySizeMB: 128, maxMemoryUsedMB: 40, initDurationMs: 100.56 },
    status: 'success',
  });
  const failed = parse(reportRecord(T, 'r-2', { durationMs: 3000, memorySizeMb: 128, maxMemoryUsedMb: 40 }, { status: 'timeout', errorType: 'Sandbox.Timedout' }));
  assert.deepEqual(Object.keys(failed['record'] as object), ['requestId', 'metrics', 'status', 'errorType']);
  assert.deepEqual(Object.keys((failed['record'] as { metrics: object }).metrics), ['durationMs', 'billedDurationMs', 'memorySizeMB', 'maxMemoryUsedMB']);
  const done = parse(runtimeDoneRecord(T, 'r-1', { status: 'error', errorType: 'Error' }, 1.5, 12));
  assert.deepEqual(done['record'], { requestId: 'r-1', status: 'error', errorType: 'Error', metrics: { durationMs: 1.5, producedBytes: 12 } });
});

test('SystemLogLevel: INFO (the default) sends start and report, DEBUG also runtimeDone, WARN neither', () => {
  assert.deepEqual([systemLevelOn('INFO', undefined), systemLevelOn('DEBUG', undefined)], [true, false]);
  assert.deepEqual([systemLevelOn('INFO', 'DEBUG'), systemLevelOn('DEBUG', 'DEBUG')], [true, true]);
  assert.deepEqual([systemLevelOn('INFO', 'WARN'), systemLevelOn('DEBUG', 'WARN')], [false, false]);
});

test('ApplicationLogLevel: a JSON line is kept by its level, any other line counts as INFO', () => {
  const text = [
    '{"level":"TRACE","message":"t"}',
    '{"level":"debug","msg":"d"}',
    'a plain line',
    '{"level":"WARNING","message":"python warns"}',
    '{"level":"ERROR"}',
    '{"level":"CRITICAL"}',
    '{"no level":true}',
    '{"level":"bogus"}',
    '{not json',
    '',
  ].join('\n');
  const kept = (min: string | undefined) => filterApplicationLogs(text, min).split('\n').filter(Boolean);
  assert.equal(filterApplicationLogs(text, 'TRACE'), text, 'TRACE keeps everything as it is');
  assert.deepEqual(kept(undefined), kept('INFO'));
  assert.deepEqual(kept('INFO'), ['a plain line', '{"level":"WARNING","message":"python warns"}', '{"level":"ERROR"}', '{"level":"CRITICAL"}', '{"no level":true}', '{"level":"bogus"}', '{not json']);
  assert.deepEqual(kept('DEBUG').slice(0, 2), ['{"level":"debug","msg":"d"}', 'a plain line']);
  assert.deepEqual(kept('ERROR'), ['{"level":"ERROR"}', '{"level":"CRITICAL"}']);
  assert.deepEqual(kept('FATAL'), ['{"level":"CRITICAL"}']);
  assert.ok(filterApplicationLogs(text, 'INFO').endsWith('{not json\n'), 'lines keep their newlines');
});
