import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
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

test('layer sets: merged in order (a later layer wins, a directory replaces a file), kept while leased, removed with a layer, swept when unused', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-code-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new CodeStore(dir);
  const first = await store.put(
    await makeZip({ 'nodejs/node_modules/a/index.js': 'first a', 'bin/tool': { content: '#!/bin/sh\n', mode: 0o100755 }, 'conflict': 'a file', 'link': { content: 'bin/tool', symlink: true } }),
  );
  const second = await store.put(await makeZip({ 'nodejs/node_modules/a/index.js': 'second a', 'nodejs/node_modules/b/index.js': 'b', 'conflict/inside': 'now a directory' }));
  assert.ok(first.unzippedSize > 0 && second.unzippedSize > 0);
  const shas = [first.sha256Hex, second.sha256Hex];
  const opt = await store.layerSet(shas);
  assert.equal(opt, store.layerSetDir(shas));
  assert.equal(readFileSync(join(opt, 'nodejs/node_modules/a/index.js'), 'utf8'), 'second a');
  assert.equal(readFileSync(join(opt, 'nodejs/node_modules/b/index.js'), 'utf8'), 'b');
  assert.equal(readFileSync(join(opt, 'conflict/inside'), 'utf8'), 'now a directory');
  assert.equal(readlinkSync(join(opt, 'link')), 'bin/tool');
  assert.ok((statSync(join(opt, 'bin/tool')).mode & 0o111) !== 0, 'modes come along');
  // Files are links to the layers' own: no copy.
  assert.equal(statSync(join(opt, 'bin/tool')).ino, statSync(join(store.taskDir(first.sha256Hex), 'bin/tool')).ino);
  assert.equal(await store.layerSet(shas), opt, 'built once');
  const reversed = await store.layerSet([second.sha256Hex, first.sha256Hex]);
  assert.notEqual(reversed, opt);
  assert.equal(readFileSync(join(reversed, 'nodejs/node_modules/a/index.js'), 'utf8'), 'first a');

  const lease = store.leaseSet(shas);
  store.remove(second.sha256Hex);
  assert.ok(existsSync(join(opt, 'nodejs/node_modules/b/index.js')), 'a leased set outlives its layer');
  assert.equal(existsSync(reversed), false, 'an unleased set goes with its layer');
  lease();
  assert.equal(existsSync(opt), false, 'and the leased one when its lease ends');

  const third = await store.put(await makeZip({ 'python/m.py': 'x = 1' }));
  const kept = await store.layerSet([first.sha256Hex, third.sha256Hex]);
  const dropped = await store.layerSet([third.sha256Hex]);
  new CodeStore(dir).keepSets([[first.sha256Hex, third.sha256Hex]]);
  assert.ok(existsSync(kept));
  assert.equal(existsSync(dropped), false);
});
