/** A small loop-mounted disk for tests of what Nimbus does when its disk is full. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export /** Mounts a 24 MB ext4 image on a fresh directory; fails (never skips) under CI when it cannot. */
function smallDisk(t: TestContext): string | undefined {
  const base = mkdtempSync(join(tmpdir(), 'nimbus-disk-'));
  const img = join(base, 'disk.img');
  const mnt = join(base, 'mnt');
  mkdirSync(mnt);
  let mounted = false;
  t.after(() => {
    if (mounted) {
      try {
        execFileSync('umount', ['-l', mnt]);
      } catch {
        // Already gone.
      }
    }
    rmSync(base, { recursive: true, force: true });
  });
  try {
    execFileSync('truncate', ['-s', '24M', img]);
    execFileSync('mkfs.ext4', ['-q', '-F', img], { stdio: 'ignore' });
    execFileSync('mount', ['-o', 'loop', img, mnt]);
    mounted = true;
    return mnt;
  } catch (e) {
    if (process.env['CI'] === 'true') throw new Error(`cannot loop-mount a small filesystem for the disk-full test: ${(e as Error).message}`);
    t.skip(`needs root and loop devices: ${(e as Error).message}`);
    return undefined;
  }
}

/** Writes a file until the disk is full (ENOSPC); returns its path (unlink it to give the space back). */
export function fillDisk(mnt: string): string {
  const filler = join(mnt, 'filler');
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (e) {
    assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    closeSync(fd);
  }
  return filler;
}

/**
 * Uses up the disk's inodes with empty files until ENOSPC (small files still fit in a disk whose
 * blocks are full: ext4 allocates late); returns their directory (remove it to give them back).
 */
export function fillInodes(mnt: string): string {
  const dir = join(mnt, 'inodes');
  mkdirSync(dir);
  try {
    for (let i = 0; ; i++) closeSync(openSync(join(dir, String(i)), 'w'));
  } catch (e) {
    assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
  }
  return dir;
}
