/** File helpers for SAM builds: copying a source folder without what a build never ships. */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';

/** Top-level entries a build never copies: dependencies it installs itself, SAM's output, version control. */
const SKIP_TOP = new Set(['node_modules', '.aws-sam', '.git', '.nimbus']);

/** Copies `src` into `dst` (symlinks as symlinks), leaving out `skip` top-level entries too. */
export function copySource(src: string, dst: string, skip: string[] = []): void {
  const skipped = new Set([...SKIP_TOP, ...skip]);
  cpSync(src, dst, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (p) => {
      const top = relative(src, p).split(sep)[0] ?? '';
      return top === '' || !skipped.has(top);
    },
  });
}

/** A file's bytes, or an empty buffer when it does not exist (for cache keys). */
export function bytesOf(file: string): Buffer {
  return existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
}

export function readJson(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const v: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

