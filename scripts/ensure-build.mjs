// Builds the TypeScript sources when dist/ is missing or older than any source file, and the
// Python and Java guests, so that `npm start` and `npm test` work straight from a fresh clone.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const roots = ['src', 'test', 'bench', 'deploy', 'guest'].map((d) => join(root, d));

function newest(dir) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const stamp = join(root, 'dist', '.build-stamp');
const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
const sources = Math.max(...roots.map(newest), statSync(join(root, 'tsconfig.json')).mtimeMs);
if (sources > built) {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], {
    cwd: root,
    stdio: 'inherit',
  });
  const { writeFileSync } = await import('node:fs');
  writeFileSync(stamp, new Date().toISOString());
}
// The non-TypeScript guests (Python, Java) have their own incremental build.
execFileSync(process.execPath, [join(root, 'scripts', 'build-guest.mjs')], { cwd: root, stdio: 'inherit' });
