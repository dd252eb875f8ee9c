import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CodeStore } from '../../src/store/code-store.js';
import { makeZip } from '../helpers/nimbus.js';

test('a package a sandbox still runs outlives its removal until the last lease ends; uploading it again keeps it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-code-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new CodeStore(dir);
  // One buffer throughout: a zip built again would carry another timestamp, so another hash.
  const zip = await makeZip({ 'index.js': 'exports.handler = async () => 1;' });
  const { sha256Hex } = await store.put(zip);
  const task = store.taskDir(sha256Hex);

  const a = store.lease(sha256Hex);
  const b = store.lease(sha256Hex);
  store.remove(sha256Hex);
  assert.ok(existsSync(join(task, 'index.js')), 'kept while leased');
  a();
  a(); // a release counts once
  assert.ok(existsSync(task), 'kept while one lease remains');
  b();
  assert.equal(existsSync(task), false, 'deleted with the last lease');

  const again = await store.put(zip);
  assert.equal(again.sha256Hex, sha256Hex);
  const c = store.lease(sha256Hex);
  store.remove(sha256Hex);
  await store.put(zip);
  c();
  assert.ok(existsSync(task), 'uploaded again while doomed: it stays');

  store.remove(sha256Hex);
  assert.equal(existsSync(task), false, 'without leases removal is immediate');
});
