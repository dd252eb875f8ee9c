/**
 * Finds the interpreters this machine already has, and asks each one its exact version: the
 * Node.js running Nimbus, every `python3.X` on PATH, in /usr/bin, /usr/local/bin and under pyenv,
 * and every JDK under /usr/lib/jvm, JAVA_HOME, NIMBUS_JAVA_HOME and on PATH. A launcher shim (pyenv's)
 * is never used: a Python is recorded by the `sys.executable` it reports, so the sandbox starts
 * the real interpreter with a clean environment.
 */
import { execFileSync } from 'node:child_process';
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
    const out = execFileSync(candidate, ['-I', '-c', PY_PROBE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } });
    const [exe, v, prefix, base, impl] = JSON.parse(out) as [string, number[], string, string, string];
    if (impl !== 'cpython' || !exe) return null;
    const executable = realpathSync(exe);
    const dirs = [...new Set([prefix, base, dirname(executable)])];
    // Only the outermost directories: a parent bound after its child would add a mount and nothing else.
    return { executable, version: v.join('.'), dirs: dirs.filter((d) => !dirs.some((o) => o !== d && d.startsWith(`${o}/`))), where: candidate };
  } catch {
    return null;
  }
}

/** Every CPython 3.9+ on the machine, by `3.X` minor, highest patch first within each. */
export function discoverPythons(): Map<string, FoundInterpreter[]> {
  const candidates: string[] = [];
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
      if (existsSync(p)) candidates.push(p);
    }
  }
  const byMinor = new Map<string, FoundInterpreter[]>();
  const seen = new Set<string>();
  for (const c of candidates) {
    let real: string;
    try {
      real = realpathSync(c);
    } catch {
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    const found = probePython(c);
    if (!found) continue;
    seen.add(found.executable);
    const minor = found.version.split('.').slice(0, 2).join('.');
    const list = byMinor.get(minor) ?? [];
    list.push(found);
    byMinor.set(minor, list);
  }
  for (const list of byMinor.values()) list.sort((a, b) => comparePatch(b.version, a.version));
  return byMinor;
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
  let version: string | undefined;
  try {
    version = /^JAVA_VERSION="([^"]+)"/m.exec(readFileSync(join(home, 'release'), 'utf8'))?.[1];
  } catch {
    // No release file: ask the JVM.
  }
  if (!version) version = runJavaVersion(java) ?? undefined;
  if (!version) return null;
  return { executable: java, version, dirs: [home], where: home };
}

/** `java.version` as the JVM reports it, or null. */
export function runJavaVersion(java: string): string | null {
  try {
    const r = execFileSync(java, ['-XshowSettings:properties', '-version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    return /java\.version = (\S+)/.exec(r)?.[1] ?? null;
  } catch (e) {
    // -version prints to stderr; execFileSync only hands stderr back on failure, so read it there too.
    const stderr = String((e as { stderr?: unknown }).stderr ?? '');
    return /java\.version = (\S+)/.exec(stderr)?.[1] ?? null;
  }
}

/** Every JDK on the machine, by feature release, in the order found (explicit settings first). */
export function discoverJdks(): Map<number, FoundInterpreter[]> {
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
  const byMajor = new Map<number, FoundInterpreter[]>();
  const seen = new Set<string>();
  for (const h of homes) {
    let real: string;
    try {
      real = realpathSync(h);
    } catch {
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    const found = probeJavaHome(real);
    if (!found) continue;
    const major = javaMajor(found.version);
    byMajor.set(major, [...(byMajor.get(major) ?? []), { ...found, where: h === real ? real : `${h} -> ${real}` }]);
  }
  return byMajor;
}
