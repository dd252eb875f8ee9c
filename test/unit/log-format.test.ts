/** The platform log lines, byte for byte as AWS prints them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { billedDurationMs, endLine, logTail, reportLine, startLine } from '../../src/logs/format.js';

test('START, END and REPORT lines', () => {
  const id = '8476a536-e9f4-11e8-9739-2dfe598c3fcd';
  assert.equal(startLine(id, '$LATEST'), `START RequestId: ${id} Version: $LATEST\n`);
  assert.equal(endLine(id), `END RequestId: ${id}\n`);
  assert.equal(
    reportLine(id, { durationMs: 3.0123, memorySizeMb: 128, maxMemoryUsedMb: 36, initDurationMs: 110.1 }),
    `REPORT RequestId: ${id}\tDuration: 3.01 ms\tBilled Duration: 4 ms\tMemory Size: 128 MB\tMax Memory Used: 36 MB\tInit Duration: 110.10 ms\t\n`,
  );
  assert.equal(
    reportLine(id, { durationMs: 2, memorySizeMb: 512, maxMemoryUsedMb: 40 }),
    `REPORT RequestId: ${id}\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 512 MB\tMax Memory Used: 40 MB\t\n`,
  );
});

test('billed duration rounds up to the millisecond, at least 1 ms', () => {
  assert.equal(billedDurationMs(3.01), 4);
  assert.equal(billedDurationMs(3), 3);
  assert.equal(billedDurationMs(0.2), 1);
});

test('the log tail is the last 4 KB, base64', () => {
  const log = `${'a'.repeat(5000)}END`;
  const tail = Buffer.from(logTail(log), 'base64').toString('utf8');
  assert.equal(tail.length, 4096);
  assert.ok(tail.endsWith('aEND'));
  assert.equal(Buffer.from(logTail('short'), 'base64').toString(), 'short');
});
