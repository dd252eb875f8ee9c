/** Partial batch responses, case by case as the Lambda developer guide and the AWS recordings state them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readBatchResult } from '../../src/esm/batch-result.js';

const ids = new Set(['m1', 'm2', 'm3']);
const read = (v: unknown): ReturnType<typeof readBatchResult> => readBatchResult(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)), ids);

test('complete success: empty, null, {}, no or empty batchItemFailures', () => {
  for (const v of ['', 'null', {}, { batchItemFailures: [] }, { batchItemFailures: null }, { other: 1 }]) {
    assert.deepEqual(read(v), { kind: 'all-succeeded' }, JSON.stringify(v));
  }
});

test('the listed ids failed, the others succeeded', () => {
  assert.deepEqual(read({ batchItemFailures: [{ itemIdentifier: 'm2' }, { itemIdentifier: 'm3' }] }), { kind: 'partial', failed: new Set(['m2', 'm3']) });
});

test('complete failure: invalid JSON, a non-object, and malformed entries (recorded: a wrong key name)', () => {
  for (const v of [
    '{not json',
    '"a string"',
    '[1]',
    { batchItemFailures: 'm1' },
    { batchItemFailures: [{ foo: 'notvalid' }] },
    { batchItemFailures: [{ itemIdentifier: '' }] },
    { batchItemFailures: [{ itemIdentifier: null }] },
    { batchItemFailures: [{ itemIdentifier: 7 }] },
    { batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'not-in-batch' }] },
    { batchItemFailures: [null] },
  ]) {
    assert.equal(read(v).kind, 'all-failed', JSON.stringify(v));
  }
});
