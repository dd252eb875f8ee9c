/**
 * Java handlers for e2e tests: one source file compiled with javac against Nimbus's own
 * Context/RequestHandler classes (dist/guest/java/classes), its .class files zipped at the root
 * as Lambda expects. The caller checks that javac is installed (`checkTool`, runtimes/helpers.ts).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeZip } from './nimbus.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Compiles `source` as example/<className>.java (Java 11) and zips its classes; `prefix` names the temp directory. */
export async function javaZip(className: string, source: string, prefix: string): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  try {
    mkdirSync(join(dir, 'src/example'), { recursive: true });
    writeFileSync(join(dir, `src/example/${className}.java`), source);
    await promisify(execFile)('javac', ['--release', '11', '-cp', join(root, 'dist/guest/java/classes'), '-d', join(dir, 'classes'), join(dir, `src/example/${className}.java`)]);
    const files: Record<string, Buffer> = {};
    for (const f of readdirSync(join(dir, 'classes'), { recursive: true }).map(String)) {
      if (f.endsWith('.class')) files[relative(join(dir, 'classes'), join(dir, 'classes', f))] = readFileSync(join(dir, 'classes', f));
    }
    return await makeZip(files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
