/**
 * A cache of installed dependencies (node_modules, pip targets), keyed by what determines them:
 * the tool, the interpreter version and the manifest files' bytes. A second deployment of the
 * same app installs nothing and needs no network. Entries are filled in a temporary directory
 * and renamed into place, so a crash never leaves half an entry behind.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export function cacheKey(parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 32);
}

/**
 * The directory cached under `kind/key`, filling it with `fill(tempDir)` when it is missing.
 * Resolves with the entry's path and whether it was already there.
 */
export async function cached(cacheDir: string, kind: string, key: string, fill: (dir: string) => Promise<void>): Promise<{ dir: string; hit: boolean }> {
  const dir = join(cacheDir, kind, key);
  if (existsSync(dir)) return { dir, hit: true };
  mkdirSync(join(cacheDir, kind), { recursive: true });
  const tmp = join(cacheDir, kind, `.tmp-${randomUUID()}`);
  mkdirSync(tmp);
  try {
    await fill(tmp);
    try {
      renameSync(tmp, dir);
    } catch (e) {
      // Another deployment filled the same entry first: theirs is as good as ours.
      if (!existsSync(dir)) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { dir, hit: false };
}
