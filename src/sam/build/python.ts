/**
 * Python builds as `sam build` does them (aws-lambda-builders' PythonPipBuilder): the packages
 * of requirements.txt installed next to the code with `pip install -r requirements.txt -t`.
 * pip runs on the interpreter Nimbus runs Python functions with (NIMBUS_PYTHON, else python3),
 * so that compiled wheels match it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheKey, cached } from './cache.js';
import { bytesOf } from './files.js';
import { runTool } from './run.js';

export interface PythonBuildContext {
  who: string;
  cacheDir: string;
  out: (line: string) => void;
}

let version: string | undefined;

/** The interpreter pip runs on, and its exact version (part of the cache key). */
function interpreter(): { python: string; version: string } {
  const python = process.env['NIMBUS_PYTHON'] ?? 'python3';
  version ??= execFileSync(python, ['-c', 'import sys; print(sys.version)'], { encoding: 'utf8' }).trim();
  return { python, version };
}

/** True when requirements.txt names at least one requirement (not only comments and blank lines). */
export function hasRequirements(dir: string): boolean {
  const file = join(dir, 'requirements.txt');
  if (!existsSync(file)) return false;
  return readFileSync(file, 'utf8').split('\n').some((l) => l.replace(/#.*/, '').trim() !== '');
}

/** The folder holding requirements.txt's packages installed with pip, from the cache when it can. */
export async function pipInstall(dir: string, c: PythonBuildContext): Promise<string> {
  const { python, version: v } = interpreter();
  const key = cacheKey(['pip-target', v, bytesOf(join(dir, 'requirements.txt'))]);
  const entry = await cached(c.cacheDir, 'pip', key, async (tmp) => {
    c.out(`  ${c.who}: installing requirements.txt (pip install -t)`);
    // cwd is the code folder: requirements.txt may name files relative to it (-r, -e ./pkg).
    await runTool(python, ['-m', 'pip', 'install', '-r', 'requirements.txt', '-t', tmp, '--disable-pip-version-check', '--no-input', '--quiet'], { cwd: dir, who: c.who });
  });
  if (entry.hit) c.out(`  ${c.who}: requirements from the build cache`);
  return entry.dir;
}
