/**
 * Python builds as `sam build` does them (aws-lambda-builders' PythonPipBuilder): the packages
 * of requirements.txt installed next to the code with `pip install -r requirements.txt -t`.
 * pip runs on a Python of the function's runtime version, so that compiled wheels match the
 * interpreter that will import them, found as `sam build` finds it (`python3.X` on PATH) and where
 * Nimbus's runtimes look too (/usr/local/bin, /usr/bin, pyenv's versions); NIMBUS_PYTHON, when
 * set, is used as it is. Without one, pip runs on `python3` with a warning: the deployment then
 * goes on, and Nimbus itself says whether the runtime can run at all.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { cacheKey, cached } from './cache.js';
import { bytesOf } from './files.js';
import { runTool } from './run.js';

export interface PythonBuildContext {
  who: string;
  cacheDir: string;
  /** The function's runtime (python3.13): which Python installs its packages. */
  runtime: string;
  out: (line: string) => void;
}

const versions = new Map<string, string | null>();

/** `sys.version` of an interpreter, or null when it does not run (a pyenv shim of another version exits 127). */
function versionOf(python: string): string | null {
  if (!versions.has(python)) {
    try {
      versions.set(python, execFileSync(python, ['-c', 'import sys; print(sys.version)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    } catch {
      versions.set(python, null);
    }
  }
  return versions.get(python)!;
}

/** Where a `python3.X` may be: PATH, the usual prefixes, pyenv's versions. */
function candidates(minor: string): string[] {
  const dirs = (process.env['PATH'] ?? '').split(':').filter(Boolean);
  const pyenv = process.env['PYENV_ROOT'] ?? join(homedir(), '.pyenv');
  let pyenvBins: string[] = [];
  try {
    pyenvBins = readdirSync(join(pyenv, 'versions')).map((v) => join(pyenv, 'versions', v, 'bin'));
  } catch {
    // No pyenv.
  }
  return [...dirs, '/usr/local/bin', '/usr/bin', ...pyenvBins].map((d) => join(d, `python${minor}`)).filter((p) => existsSync(p));
}

/** The interpreter pip runs on for `runtime`, its exact version (part of the cache key), and a warning when it is not the runtime's. */
export function buildPython(runtime: string): { python: string; version: string; warning?: string } {
  const explicit = process.env['NIMBUS_PYTHON'];
  if (explicit) return { python: explicit, version: versionOf(explicit) ?? explicit };
  const minor = /^python(3\.\d+)$/.exec(runtime)?.[1];
  if (minor) {
    for (const p of candidates(minor)) {
      const v = versionOf(p);
      if (v?.startsWith(`${minor}.`)) return { python: p, version: v };
    }
  }
  const v = versionOf('python3') ?? 'unknown';
  return {
    python: 'python3',
    version: v,
    warning: `no Python ${minor ?? runtime} found to install requirements with (looked for python${minor ?? '3.X'} on PATH, in /usr/local/bin, /usr/bin and pyenv's versions); using python3 ${v.split(' ')[0]}, whose compiled packages may not load on ${runtime}. Set NIMBUS_PYTHON to choose one`,
  };
}

/** True when requirements.txt names at least one requirement (not only comments and blank lines). */
export function hasRequirements(dir: string): boolean {
  const file = join(dir, 'requirements.txt');
  if (!existsSync(file)) return false;
  return readFileSync(file, 'utf8').split('\n').some((l) => l.replace(/#.*/, '').trim() !== '');
}

/** The folder holding requirements.txt's packages installed with pip, from the cache when it can. */
export async function pipInstall(dir: string, c: PythonBuildContext): Promise<string> {
  const { python, version: v, warning } = buildPython(c.runtime);
  if (warning) c.out(`  ${c.who}: warning: ${warning}`);
  const key = cacheKey(['pip-target', v, bytesOf(join(dir, 'requirements.txt'))]);
  const entry = await cached(c.cacheDir, 'pip', key, async (tmp) => {
    c.out(`  ${c.who}: installing requirements.txt (pip install -t, Python ${v.split(' ')[0]})`);
    // cwd is the code folder: requirements.txt may name files relative to it (-r, -e ./pkg).
    await runTool(python, ['-m', 'pip', 'install', '-r', 'requirements.txt', '-t', tmp, '--disable-pip-version-check', '--no-input', '--quiet'], { cwd: dir, who: c.who });
  });
  if (entry.hit) c.out(`  ${c.who}: requirements from the build cache`);
  return entry.dir;
}
