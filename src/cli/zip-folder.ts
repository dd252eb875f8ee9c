/** Packs a folder into a deployment zip, as `zip -r` would (executable bits kept). */
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import yazl from 'yazl';

/** Never packed: version control and Nimbus's own data. */
const SKIP = new Set(['.git', '.nimbus', '.DS_Store']);

export function zipFolder(dir: string): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      if (SKIP.has(name)) continue;
      const p = join(d, name);
      const rel = relative(dir, p).split(sep).join('/');
      const st = lstatSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isSymbolicLink()) zip.addBuffer(Buffer.from(readlinkSync(p)), rel, { mode: 0o120777, mtime: st.mtime });
      else if (st.isFile()) zip.addBuffer(readFileSync(p), rel, { mode: st.mode & 0o777 | 0o100000, mtime: st.mtime });
    }
  };
  walk(dir);
  return finish(zip);
}

/** A deployment zip of the given files (name to content), each 0644. */
export function zipFiles(files: Readonly<Record<string, string | Buffer>>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), name, { mode: 0o100644 });
  return finish(zip);
}

function finish(zip: yazl.ZipFile): Promise<Buffer> {
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}
