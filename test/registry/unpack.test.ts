/**
 * The layer unpacker (src/registry/unpack.ts) against hostile layers: `..` and absolute names, a
 * symlink to a host directory written through, hard links to host files, device nodes, setuid
 * bits, a size over the limit; and the whiteouts real images use. Every test checks that nothing
 * appeared outside the target tree (a sibling "outside" directory stands in for the host).
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import zlib, { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { unpackLayers, UnpackError } from '../../src/registry/unpack.js';

type Entry = { name: string; type?: 'file' | 'directory' | 'symlink' | 'link' | 'character-device' | 'fifo'; body?: string; linkname?: string; mode?: number; size?: number };

async function layer(entries: Entry[], gzip = true): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const ended = new Promise<void>((r) => pack.on('end', () => r()));
  for (const e of entries) {
    await new Promise<void>((resolve, reject) => {
      const header = { name: e.name, type: e.type ?? 'file', mode: e.mode ?? (e.type === 'directory' ? 0o755 : 0o644), ...(e.linkname ? { linkname: e.linkname } : {}) };
      const done = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (e.type === undefined || e.type === 'file') pack.entry(header, e.body ?? '', done);
      else pack.entry(header, done);
    });
  }
  pack.finalize();
  await ended;
  const raw = Buffer.concat(chunks);
  return gzip ? gzipSync(raw) : raw;
}

function world(t: TestContext): { root: string; outside: string; write: (name: string, b: Buffer) => string } {
  const base = mkdtempSync(join(tmpdir(), 'nimbus-unpack-'));
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const outside = join(base, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret'), 'host secret');
  const layers = join(base, 'layers');
  mkdirSync(layers);
  return { root: join(base, 'cache', 'rootfs'), outside, write: (name, b) => (writeFileSync(join(layers, name), b), join(layers, name)) };
}

function untouched(outside: string): void {
  assert.deepEqual(readdirSync(outside), ['secret'], 'nothing was written outside the image root');
  assert.equal(readFileSync(join(outside, 'secret'), 'utf8'), 'host secret');
}

describe('image layer unpacking', () => {
  it('applies layers in order with file, opaque-directory and whiteout changes', async (t) => {
    const w = world(t);
    const l1 = w.write('1', await layer([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/keep', body: 'k' },
      { name: 'etc/gone', body: 'g' },
      { name: 'data/', type: 'directory' },
      { name: 'data/old1', body: '1' },
      { name: 'data/old2', body: '2' },
      { name: 'bin/tool', body: '#!/bin/sh\n', mode: 0o4755 },
      { name: 'lib', type: 'symlink', linkname: 'usr/lib' },
      { name: 'usr/lib/libx.so', body: 'x' },
      { name: 'dev/null', type: 'character-device' },
    ]));
    const l2 = w.write('2', await layer([
      { name: 'etc/.wh.gone' },
      { name: 'data/new', body: 'n' },
      { name: 'data/.wh..wh..opq' },
      { name: 'etc/keep', body: 'k2' },
      { name: 'usr/lib/liby.so', type: 'link', linkname: 'usr/lib/libx.so' },
    ], false));
    const bytes = await unpackLayers(w.root, [l1, l2]);
    assert.ok(bytes > 0);
    assert.equal(readFileSync(join(w.root, 'etc/keep'), 'utf8'), 'k2');
    assert.equal(existsSync(join(w.root, 'etc/gone')), false, '.wh.gone removed the lower file');
    assert.deepEqual(readdirSync(join(w.root, 'data')), ['new'], 'the opaque whiteout emptied what lower layers put there, not what this layer added');
    assert.equal(statSync(join(w.root, 'bin/tool')).mode & 0o7777, 0o755, 'setuid dropped');
    assert.equal(lstatSync(join(w.root, 'lib')).isSymbolicLink(), true);
    assert.equal(existsSync(join(w.root, 'dev/null')), false, 'device nodes are skipped');
    assert.equal(statSync(join(w.root, 'usr/lib/liby.so')).ino, statSync(join(w.root, 'usr/lib/libx.so')).ino);
    untouched(w.outside);
  });

  it('refuses `..` and absolute names', async (t) => {
    const w = world(t);
    for (const name of ['../outside/pwned', 'a/../../outside/pwned', '/outside/pwned']) {
      const f = w.write('bad', await layer([{ name, body: 'x' }]));
      await assert.rejects(unpackLayers(w.root, [f]), UnpackError, name);
    }
    untouched(w.outside);
  });

  it('writes through an escaping symlink only inside the root', async (t) => {
    const w = world(t);
    // An absolute link to the "host" directory, then a file under it, then a relative escape.
    const f = w.write('1', await layer([
      { name: 'esc', type: 'symlink', linkname: w.outside },
      { name: 'esc/pwned', body: 'x' },
      { name: 'rel', type: 'symlink', linkname: '../../../../../../../../' + w.outside },
      { name: 'rel/pwned2', body: 'y' },
      { name: 'secretlink', type: 'symlink', linkname: join(w.outside, 'secret') },
      { name: 'secretlink', body: 'overwrite?' },
    ]));
    await unpackLayers(w.root, [f]);
    untouched(w.outside);
    assert.equal(readFileSync(join(w.root, w.outside, 'pwned'), 'utf8'), 'x', 'the link resolved inside the root');
    assert.equal(readFileSync(join(w.root, 'secretlink'), 'utf8'), 'overwrite?', 'the link itself was replaced, not written through');
  });

  it('refuses hard links to files outside the image', async (t) => {
    const w = world(t);
    for (const linkname of ['/etc/passwd', '../outside/secret', join(w.outside, 'secret'), 'etc/passwd']) {
      const f = w.write('1', await layer([{ name: 'pw', type: 'link', linkname }]));
      await assert.rejects(unpackLayers(w.root, [f]), UnpackError, linkname);
    }
    // Through a symlink: resolved inside the root, where there is no such file.
    const g = w.write('2', await layer([{ name: 'hostetc', type: 'symlink', linkname: '/etc' }, { name: 'pw', type: 'link', linkname: 'hostetc/passwd' }]));
    await assert.rejects(unpackLayers(w.root, [g]), UnpackError);
    assert.notEqual(existsSync(join(w.root, 'pw')) ? statSync(join(w.root, 'pw')).ino : -1, statSync('/etc/passwd').ino);
    untouched(w.outside);
  });

  it('refuses an image over the size limit', async (t) => {
    const w = world(t);
    const f = w.write('1', await layer([{ name: 'a', body: 'x'.repeat(600) }, { name: 'b', body: 'y'.repeat(600) }]));
    await assert.rejects(unpackLayers(w.root, [f], { maxBytes: 1000 }), /larger than the limit/);
    // Many empty files cost no bytes but inodes: bounded by count.
    const many = w.write('2', await layer(Array.from({ length: 50 }, (_, i) => ({ name: `e${i}`, body: '' }))));
    await assert.rejects(unpackLayers(join(w.root, '..', 'other'), [many], { maxEntries: 20 }), /more entries than the limit/);
    untouched(w.outside);
  });

  it('zstd layers: unpacked where Node.js has zstd (22.15+), refused with a message saying so elsewhere', async (t) => {
    const w = world(t);
    const raw = await layer([{ name: 'z/file', body: 'zstd content' }], false);
    const z = zlib as unknown as { zstdCompressSync?: (b: Buffer) => Buffer };
    if (z.zstdCompressSync) {
      await unpackLayers(w.root, [w.write('z', z.zstdCompressSync(raw))]);
      assert.equal(readFileSync(join(w.root, 'z/file'), 'utf8'), 'zstd content');
    } else {
      // A zstd frame (magic 28 b5 2f fd) this Node cannot read.
      const frame = Buffer.concat([Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), Buffer.alloc(16)]);
      await assert.rejects(unpackLayers(w.root, [w.write('z', frame)]), /zstd-compressed, which needs Node\.js 22\.15 or later/);
    }
    untouched(w.outside);
  });
});
