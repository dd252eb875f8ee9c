/**
 * `nimbus serve --cpu-model`: `shared` (the default) or `lambda`; anything else is refused before
 * Nimbus starts, naming the choices. What each model writes to the cgroups is tested in
 * test/sandbox/namespace-limits.test.ts and test/sandbox/cgroup.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { nimbusCli } from '../helpers/serve.js';

test('serve refuses an unknown --cpu-model and names the models', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-cpu-model-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const r = await nimbusCli(['serve', '--port', '0', '--data-dir', dataDir, '--cpu-model', 'turbo']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--cpu-model must be shared or lambda, got 'turbo'/);
  assert.doesNotMatch(r.stderr, /listening on/);
});

test('serve --help documents --cpu-model', async () => {
  const r = await nimbusCli(['serve', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--cpu-model <model>/);
  assert.match(r.stdout, /NIMBUS_CPU_MODEL/);
});
