/**
 * Finds the interpreters this machine already has, and asks each one its exact version: the
 * Node.js running Nimbus, every `python3.X` on PATH, in /usr/bin, /usr/local/bin and under pyenv,
 * and every JDK under /usr/lib/jvm, JAVA_HOME, NIMBUS_JAVA_HOME and on PATH. A launcher shim (pyenv's)
 * is never used: a Python is recorded by the `sys.executable` it reports, so the sandbox starts
 * the real interpreter with a clean environment.
 *
 * Each probe runs an interpreter (tens to hundreds of milliseconds, more behind a pyenv shim).
 * The synchronous forms serve the CLI; a server uses the asynchronous ones (`*Async`), which never
 * hold its event loop while interpreters answer.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** An interpreter found on the machine or registered by the operator. */
export interface FoundInterpreter {
  /** The binary to start (real path for Python; `<home>/bin/java` for Java). */
  executable: string;
  /** Exact version: `24.22.3`, `3.13.0`, `21.0.8`. */
  version: string;
  /** Directories a sandbox must show for the interpreter to run (its prefix, its JDK home). */
  dirs: string[];
  /** Where it was found, for `nimbus runtimes`. */
  where: string;
}

/** The Python minor versions Nimbus looks for (3.9 to 3.14). */
export const PYTHON_MINORS = [9, 10, 11, 12, 13, 14];

const PY_PROBE = 'import json, sys; print(json.dumps([sys.executable, list(sys.version_info[:3]), sys.prefix, sys.base_prefix, sys.implementation.name]))';

/** Asks a Python interpreter what it is; null when it does not run or is not CPython. */
export function probePython(candidate: string): FoundInterpreter | null {
  try {
    return pythonFrom(candidate, execFileSync(candidate, ['-I', '-c', PY_PROBE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000, env: probeEnv() }));
  } catch {
    return null;
  }
}

/** probePython without blocking: the interpreter answers while the event loop runs. */
export async function probePythonAsync(candidate: string, signal?: AbortSignal): Promise<FoundInterpreter | null> {
  try {
    return pythonFrom(candidate, (await run(candidate, ['-I', '-c', PY_PROBE], 15_000, probeEnv(), signal)).stdout);
  } catch {
    return null;
  }
}

const probeEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env['PATH'] ?? '/usr/bin:/bin' });

/** Runs a probe: its stdout and stderr, or a rejection (failure, timeout, abort) that carries its stderr. */
function run(file: string, args: string[], timeout: number, env: NodeJS.ProcessEnv | undefined, signal?: AbortSignal): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8', timeout, ...(env ? { env } : {}), ...(signal ? { signal } : {}) }, (err, stdout, stderr) =>
      err ? reject(Object.assign(err, { stderr })) : resolve({ stdout, stderr }),
    );
  });
}

function pythonFrom(candidate: string, out: string): FoundInterpreter | null {
  const [exe, v, prefix, base, impl] = JSON.parse(out) as [string, number[], string, string, string];
  if (impl !== 'cpython' || !exe) return null;
  const executable = realpathSync(exe);
  const dirs = [...new Set([prefix, base, dirname(executable)])];
  // Only the outermost directories: a parent bound after its child would add a mount and nothing else.
  return { executable, version: v.join('.'), dirs: dirs.filter((d) => !dirs.some((o) => o !== d && d.startsWith(`${o}/`))), where: candidate };
}

/** Every CPython 3.9+ on the machine, by `3.X` minor, highest patch first within each. */
export function discoverPythons(): Map<string, FoundInterpreter[]> {
  const seen = new Set<string>();
  const found: FoundInterpreter[] = [];
  for (const c of pythonCandidates()) {
    if (seen.has(c.real)) continue;
    seen.add(c.real);
    const f = probePython(c.path);
    if (!f) continue;
    seen.add(f.executable);
    found.push(f);
  }
  return byMinor(found);
}

/** discoverPythons without blocking: every candidate is asked at once. */
export async function discoverPythonsAsync(signal?: AbortSignal): Promise<Map<string, FoundInterpreter[]>> {
  const unique = [...new Map(pythonCandidates().map((c) => [c.real, c.path])).values()];
  const found = await Promise.all(unique.map((c) => probePythonAsync(c, signal)));
  // Two candidates may name one interpreter (a venv's python and its base): the first found wins, as in discoverPythons.
  return byMinor([...new Map(found.filter((f) => f !== null).reverse().map((f) => [f.executable, f])).values()].reverse());
}

/** python3.X on PATH (shims excepted), in /usr/local/bin, /usr/bin and pyenv's versions, with their real paths. */
function pythonCandidates(): { path: string; real: string }[] {
  const candidates: { path: string; real: string }[] = [];
  const pathDirs = (process.env['PATH'] ?? '').split(':').filter((d) => d && !d.endsWith('/shims'));
  const pyenv = process.env['PYENV_ROOT'] ?? join(homedir(), '.pyenv');
  let pyenvBins: string[] = [];
  try {
    pyenvBins = readdirSync(join(pyenv, 'versions')).map((v) => join(pyenv, 'versions', v, 'bin'));
  } catch {
    // No pyenv.
  }
  for (const minor of PYTHON_MINORS) {
    for (const dir of [...pathDirs, '/usr/local/bin', '/usr/bin', ...pyenvBins]) {
      const p = join(dir, `python3.${minor}`);
      if (!existsSync(p)) continue;
      try {
        candidates.push({ path: p, real: realpathSync(p) });
      } catch {
        // A dangling link.
      }
    }
  }
  return candidates;
}

function byMinor(found: FoundInterpreter[]): Map<string, FoundInterpreter[]> {
  const out = new Map<string, FoundInterpreter[]>();
  for (const f of found) {
    const minor = f.version.split('.').slice(0, 2).join('.');
    out.set(minor, [...(out.get(minor) ?? []), f]);
  }
  for (const list of out.values()) list.sort((a, b) => comparePatch(b.version, a.version));
  return out;
}

function comparePatch(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** The Java feature release of a version string: `1.8.0_412` is 8, `21.0.8` is 21. */
export function javaMajor(version: string): number {
  const parts = version.split(/[._+-]/).map(Number);
  return parts[0] === 1 ? (parts[1] ?? 0) : (parts[0] ?? 0);
}

/** A JDK's version from its `release` file (every JDK since 8 has one), else by running it. */
export function probeJavaHome(home: string): FoundInterpreter | null {
  const java = join(home, 'bin', 'java');
  if (!existsSync(java)) return null;
  const version = releaseVersion(home) ?? runJavaVersion(java);
  return version ? { executable: java, version, dirs: [home], where: home } : null;
}

/** probeJavaHome without blocking (only a JDK without a `release` file is run). */
export async function probeJavaHomeAsync(home: string, signal?: AbortSignal): Promise<FoundInterpreter | null> {
  const java = join(home, 'bin', 'java');
  if (!existsSync(java)) return null;
  let version = releaseVersion(home);
  if (!version) {
    try {
      // -version prints to stderr.
      const out = await run(java, ['-XshowSettings:properties', '-version'], 30_000, undefined, signal);
      version = javaVersionIn(out.stderr + out.stdout);
    } catch (e) {
      version = javaVersionIn(String((e as { stderr?: unknown }).stderr ?? ''));
    }
  }
  return version ? { executable: java, version, dirs: [home], where: home } : null;
}

function releaseVersion(home: string): string | null {
  try {
    return /^JAVA_VERSION="([^"]+)"/m.exec(readFileSync(join(home, 'release'), 'utf8'))?.[1] ?? null;
  } catch {
    return null;
  }
}

const javaVersionIn = (text: string): string | null => /java\.version = (\S+)/.exec(text)?.[1] ?? null;

/** `java.version` as the JVM reports it, or null. */
export function runJavaVersion(java: string): string | null {
  try {
    return javaVersionIn(execFileSync(java, ['-XshowSettings:properties', '-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 }));
  } catch (e) {
    // -version prints to stderr; execFileSync only hands stderr back on failure, so read it there too.
    return javaVersionIn(String((e as { stderr?: unknown }).stderr ?? ''));
  }
}

/** Every JDK on the machine, by feature release, in the order found (explicit settings first). */
export function discoverJdks(): Map<number, FoundInterpreter[]> {
  return byMajor(jdkHomes().map((h) => ({ ...h, found: probeJavaHome(h.real) })));
}

/** discoverJdks without blocking. */
export async function discoverJdksAsync(signal?: AbortSignal): Promise<Map<number, FoundInterpreter[]>> {
  const homes = jdkHomes();
  const found = await Promise.all(homes.map((h) => probeJavaHomeAsync(h.real, signal)));
  return byMajor(homes.map((h, i) => ({ ...h, found: found[i] ?? null })));
}

/** Candidate JDK homes, each once by its real path: NIMBUS_JAVA_HOME, JAVA_HOME, `java` on PATH, /usr/lib/jvm. */
function jdkHomes(): { home: string; real: string }[] {
  const homes: string[] = [];
  for (const h of [process.env['NIMBUS_JAVA_HOME'], process.env['JAVA_HOME']]) if (h) homes.push(h);
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    const j = dir && join(dir, 'java');
    // bin/java's real location tells the JDK's home (/usr/bin/java is a chain of symlinks).
    if (j && existsSync(j)) homes.push(dirname(dirname(realpathSync(j))));
  }
  try {
    for (const e of readdirSync('/usr/lib/jvm')) homes.push(join('/usr/lib/jvm', e));
  } catch {
    // No system JDKs.
  }
  const out: { home: string; real: string }[] = [];
  const seen = new Set<string>();
  for (const home of homes) {
    let real: string;
    try {
      real = realpathSync(home);
    } catch {
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    out.push({ home, real });
  }
  return out;
}

function byMajor(homes: { home: string; real: string; found: FoundInterpreter | null }[]): Map<number, FoundInterpreter[]> {
  const out = new Map<number, FoundInterpreter[]>();
  for (const { home, real, found } of homes) {
    if (!found) continue;
    const major = javaMajor(found.version);
    out.set(major, [...(out.get(major) ?? []), { ...found, where: home === real ? real : `${home} -> ${real}` }]);
  }
  return out;
}
