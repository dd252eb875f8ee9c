/**
 * Which external extensions a function has: the executable files directly in `/opt/extensions/`
 * of its merged layers, in name order, as Lambda starts them (DG "Lambda Extensions API":
 * "Lambda starts each extension ... in the /opt/extensions directory"). Only functions with layers
 * are looked at, so a function without layers pays nothing for extensions.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Lambda accepts at most 10 extensions per function. */
export const MAX_EXTENSIONS = 10;

/** The extensions' file names under `<optDir>/extensions`, sorted; none when the directory is absent. */
export function listExtensions(optDir: string | undefined): string[] {
  if (!optDir) return [];
  const dir = join(optDir, 'extensions');
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => {
      try {
        const s = statSync(join(dir, n));
        return s.isFile() && (s.mode & 0o111) !== 0;
      } catch {
        return false;
      }
    })
    .sort();
}
