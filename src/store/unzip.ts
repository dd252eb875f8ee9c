/**
 * Safe extraction of deployment packages. A zip is untrusted input: entries may try to escape
 * the destination (`../x`, `/etc/x`, symlinks pointing out and files written through them),
 * lie about their sizes, or inflate into gigabytes. The rules here:
 * - names are checked by yauzl (absolute paths, `..` segments and backslashes are refused) and
 *   again after resolving against the root;
 * - bytes are counted as they are inflated, never trusted from the headers, and extraction stops
 *   at Lambda's unzipped limit (262144000 bytes) or at MAX_ENTRIES;
 * - files are created with O_EXCL, and symlinks (relative, pointing inside the root) are created
 *   only after every file is written, so nothing is ever written through a link;
 * - everything goes to a temporary directory that is renamed into place only when complete.
 */
import { createWriteStream, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import yauzl from 'yauzl';
import { messageOf } from '../core/errors.js';

/** Lambda's limit for the unzipped deployment package. */
export const MAX_UNZIPPED_BYTES = 262_144_000;
/** Far more files than any real function has; a wall against inode exhaustion. */
export const MAX_ENTRIES = 100_000;

/** errno codes of a storage failure (full, read-only, broken disk; no descriptors left), not of the input. */
const STORAGE_ERRNO = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EMFILE', 'ENFILE']);

export function isStorageFailure(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && STORAGE_ERRNO.has((e as NodeJS.ErrnoException).code ?? '');
}

export class ZipError extends Error {
  constructor(
    message: string,
    /** True when the package is valid but too big (AWS answers with a different message). */
    readonly tooBig = false,
  ) {
    super(message);
  }
}

export interface UnzipResult {
  files: number;
  unzippedBytes: number;
}

function inside(root: string, name: string): string {
  const target = resolve(root, name);
  const rel = relative(root, target);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new ZipError(`entry '${name}' escapes the code root`);
  return target;
}

/** Extracts `zip` into `dest` (which must not exist yet). */
export function unzipTo(zip: Buffer, dest: string, limits = { bytes: MAX_UNZIPPED_BYTES, entries: MAX_ENTRIES }): Promise<UnzipResult> {
  return new Promise<UnzipResult>((resolvePromise, rejectPromise) => {
    mkdirSync(dest, { recursive: false, mode: 0o755 });
    const links: { at: string; target: string }[] = [];
    let total = 0;
    let files = 0;
    let entries = 0;
    let failed = false;

    yauzl.fromBuffer(zip, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true }, (openErr, zf) => {
      if (openErr || !zf) return rejectPromise(new ZipError(openErr?.message ?? 'not a zip file'));
      const fail = (e: unknown): void => {
        if (failed) return;
        failed = true;
        zf.close();
        // A failing disk is not a bad zip: its errors pass through as they are (code-store.ts).
        rejectPromise(e instanceof ZipError || isStorageFailure(e) ? e : new ZipError(messageOf(e)));
      };
      zf.on('error', fail);
      zf.on('end', () => {
        if (failed) return;
        try {
          for (const l of links) symlinkSync(l.target, l.at);
          resolvePromise({ files, unzippedBytes: total });
        } catch (e) {
          fail(e);
        }
      });
      zf.on('entry', (entry: yauzl.Entry) => {
        if (failed) return;
        try {
          if (++entries > limits.entries) throw new ZipError(`more than ${limits.entries} entries`);
          const name = entry.fileName;
          const target = inside(dest, name);
          const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
          const type = mode & 0o170000;
          if (name.endsWith('/')) {
            mkdirSync(target, { recursive: true, mode: 0o755 });
            return zf.readEntry();
          }
          if (entry.isEncrypted()) throw new ZipError(`entry '${name}' is encrypted`);
          if (type !== 0 && type !== 0o100000 && type !== 0o120000) throw new ZipError(`entry '${name}' is not a regular file`);
          mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
          zf.openReadStream(entry, (err, stream) => {
            if (err || !stream) return fail(err ?? new ZipError(`cannot read '${name}'`));
            const chunks: Buffer[] = [];
            const isLink = type === 0o120000;
            // Files stay readable by the sandbox user; only the owner's execute bit is kept from the zip.
            const out = isLink ? null : createWriteStream(target, { flags: 'wx', mode: mode & 0o111 ? 0o755 : 0o644 });
            stream.on('data', (c: Buffer) => {
              total += c.length;
              if (total > limits.bytes) {
                stream.destroy();
                out?.destroy();
                return fail(new ZipError(`Unzipped size must be smaller than ${limits.bytes} bytes`, true));
              }
              if (isLink) chunks.push(c);
            });
            stream.on('error', fail);
            if (out) {
              out.on('error', fail);
              out.on('close', () => {
                if (failed) return;
                files++;
                zf.readEntry();
              });
              stream.pipe(out);
            } else {
              stream.on('end', () => {
                if (failed) return;
                try {
                  const linkTarget = Buffer.concat(chunks).toString('utf8');
                  if (isAbsolute(linkTarget) || linkTarget.includes('\0')) throw new ZipError(`symlink '${name}' points outside the code root`);
                  inside(dest, join(dirname(name), linkTarget).split(sep).join('/'));
                  links.push({ at: target, target: linkTarget });
                  zf.readEntry();
                } catch (e) {
                  fail(e);
                }
              });
            }
          });
        } catch (e) {
          fail(e);
        }
      });
      zf.readEntry();
    });
  }).catch((e: unknown) => {
    rmSync(dest, { recursive: true, force: true });
    throw e;
  });
}
