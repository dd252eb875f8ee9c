/** What a directory holds, for comparing two extracted trees in tests. */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Every path under `dir` with what it is: file bytes' hash and mode, link target, or directory. */
export function tree(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, prefix)).sort()) {
    const rel = join(prefix, name);
    const st = lstatSync(join(dir, rel));
    if (st.isSymbolicLink()) out[rel] = `link ${readlinkSync(join(dir, rel))}`;
    else if (st.isDirectory()) Object.assign(out, { [rel]: 'dir' }, tree(dir, rel));
    else out[rel] = `file ${(st.mode & 0o777).toString(8)} ${createHash('sha256').update(readFileSync(join(dir, rel))).digest('hex')}`;
  }
  return out;
}
