/**
 * Interpreters an operator registered for a runtime (`nimbus runtimes add python3.14 /opt/py/bin/python3.14`),
 * kept in `<data-dir>/runtimes/registered.json`. A registration is checked when it is made: the
 * interpreter is run and must report the version the runtime names.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { javaMajor, probeJavaHome, probePython, runJavaVersion, type FoundInterpreter } from './discover.js';
import { parseRuntime } from './ids.js';

export const REGISTRATIONS_FILE = 'registered.json';

export interface Registration {
  /** What the operator gave: an interpreter binary or a JDK home. */
  path: string;
  /** The interpreter as checked at registration. */
  interpreter: FoundInterpreter;
  registeredAt: string;
}

/** Reads the registrations of a store (an empty map when there are none). Re-read when the file changes. */
export class Registrations {
  private cache: { mtimeMs: number; map: Map<string, Registration> } | null = null;

  constructor(private readonly storeDir: string | null) {}

  private get file(): string | null {
    return this.storeDir ? join(this.storeDir, REGISTRATIONS_FILE) : null;
  }

  all(): Map<string, Registration> {
    const file = this.file;
    if (!file || !existsSync(file)) return new Map();
    const mtimeMs = statSync(file).mtimeMs;
    if (this.cache?.mtimeMs === mtimeMs) return this.cache.map;
    let map: Map<string, Registration>;
    try {
      map = new Map(Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, Registration>));
    } catch (e) {
      // A hand-edited file that does not parse must not stop sandboxes from starting: said, then ignored.
      process.emitWarning(`${file} is not valid JSON (${e instanceof Error ? e.message : String(e)}); registrations ignored`, { code: 'NIMBUS_RUNTIMES' });
      map = new Map();
    }
    this.cache = { mtimeMs, map };
    return map;
  }

  get(runtime: string): Registration | undefined {
    return this.all().get(runtime);
  }

  /** Checks `path` against `runtime` and records it; throws with the reason when it does not fit. */
  add(runtime: string, path: string): Registration {
    const file = this.file;
    if (!file) throw new Error('registrations need a data directory');
    const interpreter = checkInterpreter(runtime, path);
    const reg: Registration = { path, interpreter, registeredAt: new Date().toISOString() };
    const all = Object.fromEntries(this.all());
    all[runtime] = reg;
    this.write(all);
    return reg;
  }

  /** Forgets a registration; false when there was none. */
  remove(runtime: string): boolean {
    const all = Object.fromEntries(this.all());
    if (!(runtime in all)) return false;
    delete all[runtime];
    this.write(all);
    return true;
  }

  private write(all: Record<string, Registration>): void {
    const file = this.file!;
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`);
    renameSync(tmp, file);
    this.cache = null;
  }
}

/**
 * Runs the interpreter at `path` and returns it when its version is the one `runtime` names:
 * Python `3.X.*` for `python3.X`, Node.js `NN.*` for `nodejsNN.x`, Java `NN` for `javaNN`
 * (`path` may be a JDK home or its bin/java).
 */
export function checkInterpreter(runtime: string, path: string): FoundInterpreter {
  const id = parseRuntime(runtime);
  if (!id) throw new Error(`${runtime} is not a runtime an interpreter can be registered for (nodejsNN.x, python3.X, javaNN)`);
  if (!existsSync(path)) throw new Error(`${path} does not exist`);
  if (id.family === 'python') {
    const found = probePython(path);
    if (!found) throw new Error(`${path} did not run as a CPython interpreter`);
    if (!found.version.startsWith(`${id.version}.`)) throw new Error(`${path} is Python ${found.version}, not ${id.version}`);
    return { ...found, where: `registered: ${path}` };
  }
  if (id.family === 'nodejs') {
    let version: string;
    try {
      version = execFileSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8', timeout: 15_000, env: {} }).trim();
    } catch {
      throw new Error(`${path} did not run as Node.js`);
    }
    if (version.split('.')[0] !== id.version) throw new Error(`${path} is Node.js ${version}, not ${id.version}`);
    return { executable: path, version, dirs: [dirname(path)], where: `registered: ${path}` };
  }
  const home = statSync(path).isDirectory() ? path : dirname(dirname(path));
  const found = probeJavaHome(home);
  // The release file can lie (a copied JDK); the JVM cannot.
  const running = found ? runJavaVersion(found.executable) : null;
  if (!found || !running) throw new Error(`${path} is not a Java home or a bin/java that runs`);
  if (String(javaMajor(running)) !== id.version) throw new Error(`${path} is Java ${running}, not ${id.version}`);
  return { ...found, version: running, where: `registered: ${path}` };
}
