/**
 * Merging layers for /opt (docs/layers.md). Lambda extracts a function's layers into /opt in the
 * order the function lists them, a later layer's file replacing an earlier one's at the same path
 * (DG "Packaging your layer content"). Nimbus builds that merge once per ordered set of layers, as
 * a tree of hard links to the layers' extracted files in the code store: no file is copied, the
 * merge costs an inode per file, and a sandbox then mounts one directory, whichever isolation runs
 * it. The files are the code store's own (root's, read-only to sandboxes); a link shares them.
 */
import { copyFile, link, lstat, mkdir, readdir, readlink, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Recreates `sources` merged at `dest` (which must not exist); later sources win. */
export async function mergeTrees(sources: readonly string[], dest: string): Promise<void> {
  await mkdir(dest, { mode: 0o755 });
  for (const src of sources) await mergeInto(src, dest);
}

async function mergeInto(src: string, dst: string): Promise<void> {
  for (const name of await readdir(src)) {
    const from = join(src, name);
    const to = join(dst, name);
    const st = await lstat(from);
    const there = await lstat(to).catch(() => null);
    if (st.isDirectory()) {
      // A directory merges with one of the same name; it replaces a file or a link.
      if (there && !there.isDirectory()) await rm(to, { force: true });
      if (!there?.isDirectory()) await mkdir(to, { mode: 0o755 });
      await mergeInto(from, to);
      continue;
    }
    if (there) await rm(to, { recursive: true, force: true });
    if (st.isSymbolicLink()) await symlink(await readlink(from), to);
    else if (st.isFile()) await linkOrCopy(from, to);
  }
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (e) {
    // Another file system (a data directory split across mounts): a copy does the same job.
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
    await copyFile(from, to);
  }
}
