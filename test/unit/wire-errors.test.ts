/** docs/errors.md and the gateway's error table must say the same thing. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { INTERNAL_ON_WIRE, WIRE_ERRORS, wireCode } from '../../src/api/http/wire-errors.js';

test('docs/errors.md documents every wire error exactly as the table maps it', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../../docs/errors.md', import.meta.url)), 'utf8');
  const rows = [...doc.matchAll(/^\| (ERR_[A-Z_]+) \| (\d+) \| (\w+) \| (\w+) \|/gm)];
  const documented = Object.fromEntries(rows.map((m) => [m[1], { status: Number(m[2]), type: m[3], messageKey: m[4] }]));
  assert.deepEqual(documented, { ...WIRE_ERRORS });
});

test('docs/errors.md lists every internal code with the wire code it is answered as', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../../docs/errors.md', import.meta.url)), 'utf8');
  const rows = [...doc.matchAll(/^\| (ERR_[A-Z_]+) \| (ERR_[A-Z_]+) \|/gm)];
  assert.ok(rows.length > 0, 'the internal table is there');
  assert.deepEqual(Object.fromEntries(rows.map((m) => [m[1], m[2]])), { ...INTERNAL_ON_WIRE });
  for (const [, internal, wire] of rows) assert.deepEqual(wireCode(internal as never), { code: wire, internal: true }, internal);
  assert.deepEqual(wireCode('ERR_NOT_FOUND'), { code: 'ERR_NOT_FOUND', internal: false });
});
