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
import { unzipTo, ZipError } from './unzip.js';

export interface StoredCode {
  sha256Hex: string;
  size: number;
}

export class CodeStore {
  private readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'code');
    mkdirSync(this.root, { recursive: true });
    // Leftovers of extractions interrupted by a crash.
    for (const name of readdirSync(this.root)) {
      if (name.startsWith('.tmp-')) rmSync(join(this.root, name), { recursive: true, force: true });
    }
  }

  /** Validates, extracts and stores a package; throws ZipError when it is not acceptable. */
  async put(zip: Buffer): Promise<StoredCode> {
    const sha256Hex = createHash('sha256').update(zip).digest('hex');
    const final = join(this.root, sha256Hex);
    if (!existsSync(final)) {
      const tmp = join(this.root, `.tmp-${randomBytes(6).toString('hex')}`);
      mkdirSync(tmp);
      try {
        await unzipTo(zip, join(tmp, 'task'));
        writeFileSync(join(tmp, 'package.json'), '{}\n');
        writeFileSync(join(tmp, 'package.zip'), zip);
        renameSync(tmp, final);
      } catch (e) {
        rmSync(tmp, { recursive: true, force: true });
        if (existsSync(final)) return { sha256Hex, size: zip.length };
        throw e instanceof ZipError ? e : new ZipError(e instanceof Error ? e.message : String(e));
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

  remove(sha256Hex: string): void {
    if (/^[0-9a-f]{64}$/.test(sha256Hex)) rmSync(join(this.root, sha256Hex), { recursive: true, force: true });
  }
}
