/**
 * Content-addressed code: `<dataDir>/code/<sha256>.zip` is the package as uploaded and
 * `<dataDir>/code/<sha256>/task` its extracted, read-only tree. Identical packages are stored
 * once. The empty package.json beside `task/` ends Node's search for a package scope there, so
 * a function's `.js` files are CommonJS unless its own package.json says otherwise, as on Lambda,
 * whatever the package.json of the directory Nimbus runs in says.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { privateCodeBlobs, privateDir } from '../core/private-files.js';
import { isStorageFailure, unzipTo, ZipError } from './unzip.js';
import { messageOf, NimbusError } from '../core/errors.js';

export interface StoredCode {
  sha256Hex: string;
  size: number;
}

export class CodeStore {
  private readonly root: string;
  /** Sandboxes running each package: it stays on disk until the last one is gone. */
  private readonly leases = new Map<string, number>();
  /** Packages removed while leased: deleted when their last lease ends. */
  private readonly doomed = new Set<string>();

  constructor(dataDir: string) {
    this.root = join(dataDir, 'code');
    privateDir(this.root);
    privateCodeBlobs(this.root);
    // Leftovers of extractions interrupted by a crash.
    for (const name of readdirSync(this.root)) {
      if (name.startsWith('.tmp-')) rmSync(join(this.root, name), { recursive: true, force: true });
    }
  }

  /** Validates, extracts and stores a package; throws ZipError when it is not acceptable. */
  async put(zip: Buffer): Promise<StoredCode> {
    const sha256Hex = createHash('sha256').update(zip).digest('hex');
    // Uploaded again while a sandbox still held it: it is wanted after all.
    this.doomed.delete(sha256Hex);
    const final = join(this.root, sha256Hex);
    if (!existsSync(final)) {
      const tmp = join(this.root, `.tmp-${randomBytes(6).toString('hex')}`);
      mkdirSync(tmp);
      try {
        await unzipTo(zip, join(tmp, 'task'));
        writeFileSync(join(tmp, 'package.json'), '{}\n');
        writeFileSync(join(tmp, 'package.zip'), zip, { mode: 0o600 });
        renameSync(tmp, final);
      } catch (e) {
        rmSync(tmp, { recursive: true, force: true });
        if (existsSync(final)) return { sha256Hex, size: zip.length };
        // A full or failing disk is Nimbus's trouble, not the package's (it used to read as a bad zip).
        if (isStorageFailure(e)) throw new NimbusError('ERR_STORAGE_UNAVAILABLE', `Nimbus could not store the package: ${e.code} (${e.message}).`);
        throw e instanceof ZipError ? e : new ZipError(messageOf(e));
      }
    }
    return { sha256Hex, size: zip.length };
  }

  /** The extracted code of a package (the sandbox's task root). */
  taskDir(sha256Hex: string): string {
    return join(this.root, sha256Hex, 'task');
  }

  /** The package as uploaded. */
  zipPath(sha256Hex: string): string {
    return join(this.root, sha256Hex, 'package.zip');
  }

  /**
   * Keeps a package on disk while a sandbox runs it (a code update or a delete must not pull the
   * files from under an invocation in flight); returns the release, which may be called once.
   */
  lease(sha256Hex: string): () => void {
    this.leases.set(sha256Hex, (this.leases.get(sha256Hex) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.leases.get(sha256Hex) ?? 1) - 1;
      if (n > 0) return void this.leases.set(sha256Hex, n);
      this.leases.delete(sha256Hex);
      if (this.doomed.delete(sha256Hex)) this.remove(sha256Hex);
    };
  }

  /** Deletes a package, or, while sandboxes still run it, once the last of them is gone. */
  remove(sha256Hex: string): void {
    if (!/^[0-9a-f]{64}$/.test(sha256Hex)) return;
    if (this.leases.has(sha256Hex)) return void this.doomed.add(sha256Hex);
    rmSync(join(this.root, sha256Hex), { recursive: true, force: true });
  }
}
