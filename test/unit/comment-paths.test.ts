/**
 * Comments that cite a file must cite one that exists: a repository path (`src/...`, `docs/...`,
 * `test/...`), or a document by name (`errors.md`), which must be somewhere under docs/ or bench/.
 * Names inside URLs are other projects' files and are left alone. The research notes the code
 * was pinned to are vendored under docs/reference/ for this reason.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DIRS = ['src', 'guest', 'test', 'bench', 'scripts'];
const SOURCE = /\.(ts|mts|mjs|py|java)$/;

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'fixtures') continue;
    const p = join(dir, e.name);
    // A Python virtual environment is installed code, as node_modules is (the benchmark's peers).
    if (e.isDirectory() && existsSync(join(p, 'pyvenv.cfg'))) continue;
    if (e.isDirectory()) walk(p, out);
    else if (SOURCE.test(e.name)) out.push(p);
  }
  return out;
}

/** The comment text of a source file: `//` and block comments, and Python's `#` lines and docstrings. */
function comments(file: string, text: string): string[] {
  if (file.endsWith('.py')) return [...text.matchAll(/#[^\n]*|"""[\s\S]*?"""/g)].map((m) => m[0]);
  return [...text.matchAll(/\/\*[\s\S]*?\*\/|(?<![:'"`\\])\/\/[^\n]*/g)].map((m) => m[0]);
}

const docNames = new Set([...walk(join(ROOT, 'docs'), []), ...readdirSync(join(ROOT, 'docs'), { recursive: true }).map(String)].map((p) => p.split('/').pop()!));
for (const f of readdirSync(join(ROOT, 'bench'))) docNames.add(f);

test('every file named in a comment exists', () => {
  const missing: string[] = [];
  let checked = 0;
  for (const file of DIRS.flatMap((d) => walk(join(ROOT, d)))) {
    for (const c of comments(file, readFileSync(file, 'utf8'))) {
      const text = c.replace(/https?:\/\/\S+/g, '');
      for (const m of text.matchAll(/(?<![\w.-])((?:src|docs|test|guest|bench|scripts)\/[\w./-]*\w\.(?:ts|mts|mjs|md|py|java|json))/g)) {
        checked++;
        if (!existsSync(join(ROOT, m[1]!))) missing.push(`${relative(ROOT, file)}: ${m[1]!}`);
      }
      for (const m of text.matchAll(/(?<![\w./-])([\w-]+\.md)\b/g)) {
        checked++;
        if (!docNames.has(m[1]!)) missing.push(`${relative(ROOT, file)}: ${m[1]!}`);
      }
    }
  }
  assert.ok(checked > 50, `${checked} citations checked`);
  assert.deepEqual(missing, []);
});
