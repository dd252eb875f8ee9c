/** docs/errors.md and the gateway's error table must say the same thing. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { WIRE_ERRORS } from '../../src/gateway/wire-errors.js';

test('docs/errors.md documents every wire error exactly as the table maps it', () => {
  const doc = readFileSync(fileURLToPath(new URL('../../../docs/errors.md', import.meta.url)), 'utf8');
  const rows = [...doc.matchAll(/^\| (ERR_[A-Z_]+) \| (\d+) \| (\w+) \| (\w+) \|/gm)];
  const documented = Object.fromEntries(rows.map((m) => [m[1], { status: Number(m[2]), type: m[3], messageKey: m[4] }]));
  assert.deepEqual(documented, { ...WIRE_ERRORS });
});
