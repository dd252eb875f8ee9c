/**
 * `process` isolation: the runtime is a plain child process in its own process group, with a
 * clean environment and its own scratch /tmp. It does NOT isolate the function from the host
 * (same filesystem, same network); Nimbus says so loudly when it starts in this mode. It never
 * runs a function as root: when Nimbus is root, each sandbox runs as a uid of its own
 * (process-users.ts), and every host path it needs that such a user cannot reach (the code in
 * the private data directory, the guest bootstrap, a provisioned interpreter or SDK) is replaced
 * in its argv and environment by an exported copy; otherwise it runs as Nimbus's own user.
 *
 * Without a mount namespace there is no /opt of the function's own: its merged layers stay where
 * the code store built them (exported like the code), the runtime is given that directory, and
 * `/opt` paths in its environment (PATH's /opt/bin, LD_LIBRARY_PATH's /opt/lib, a wrapper script
 * or `--require` under /opt) are rewritten to it. Code that names /opt itself does not find them.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, rmdirSync, symlinkSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { messageOf } from '../core/errors.js';
import type { RuntimeDescriptor } from '../runtimes/types.js';
import type { NimbusApiTarget } from './api-relay.js';
import { ChildSandbox, exitReason } from './child-sandbox.js';
import type { ExtensionsApi } from './extensions/extensions-api.js';
import { endpointEnv } from './endpoint.js';
import { withExecWrapper } from './exec-wrapper.js';
import { findProgram } from './namespace/host-layout.js';
import type { ProcessUsers } from './process-users.js';
import { StemPool, assignFunction, startupEnvMatches, stemEnvironment, stemRuntimeOf, type StemCell } from './stem.js';
import { SandboxInitError, type InitReport, type Sandbox, type SandboxFactory, type SandboxSpec } from './types.js';

/** How a sandbox's user sees host paths (process-users.ts): a rewrite, and extra library dirs. */
interface PathMap {
  map: (s: string) => string;
  libs: string[];
}

/** `/opt` as a path (alone, or followed by `/`) at the start of a value or after `:`, `=` or a space. */
const OPT_PATH = /(^|[:= ])\/opt(?=\/|$|[: ])/g;

const trimSlash = (d: string): string => d.replace(/\/+$/, '');

/** What every process sandbox of one factory shares. */
export interface ProcessHost {
  /** Where sandboxes' scratch directories go. */
  scratchRoot: string;
  /** Set when Nimbus is root: the sandboxes' own uids and the export of what they read. */
  users: ProcessUsers | null;
  /** Nimbus's API: the function's SDK calls go there directly (nothing is isolated here). */
  nimbusApi: NimbusApiTarget | null;
}

let deathPrefix: string[] | undefined;

/**
 * What a process-isolated sandbox's runtime and extensions run under so that they die with
 * Nimbus (PR_SET_PDEATHSIG, through util-linux's setpriv where it has --pdeathsig): nothing a
 * sandbox runs may outlive the server, not even a SIGKILLed server's. Namespace sandboxes get the
 * same from bwrap. Without it (an old util-linux), a killed server leaves its runtimes to end
 * themselves when their Runtime API goes away, as Nimbus's own runtimes do.
 */
function dieWithNimbus(argv: string[]): string[] {
  if (deathPrefix === undefined) {
    const setpriv = findProgram('setpriv');
    let ok = false;
    try {
      ok = setpriv !== null && execFileSync(setpriv, ['--help'], { encoding: 'utf8', timeout: 5_000 }).includes('--pdeathsig');
    } catch {
      ok = false;
    }
    deathPrefix = ok ? [setpriv!, '--pdeathsig', 'KILL', '--'] : [];
  }
  return [...deathPrefix, ...argv];
}

export class ProcessSandbox extends ChildSandbox {
  /** This sandbox's scratch directory (its /tmp lives inside); removed on release. */
  protected readonly scratchDir: string;
  /** The host directory of the function's merged layers, once launch resolved it. */
  private layersDir: string | undefined;
  private readonly tmpDir: string;
  /** The external extensions' processes (docs/extensions.md). */
  private readonly extensionProcs: ChildProcess[] = [];
  /** The sandbox's own uid when Nimbus is root (process-users.ts); null: Nimbus's user. */
  protected uid: number | null = null;

  constructor(
    spec: SandboxSpec,
    protected readonly host: ProcessHost,
  ) {
    super(spec);
    this.scratchDir = join(host.scratchRoot, spec.id);
    this.tmpDir = join(this.scratchDir, 'tmp');
  }

  protected apiTarget(): { port: number } | { path: string } {
    return { port: 0 };
  }

  /** How the runtime finds its Runtime API: `host:port` in AWS_LAMBDA_RUNTIME_API. */
  protected runtimeApiEnv(apiAddress: string): Record<string, string> {
    return { AWS_LAMBDA_RUNTIME_API: apiAddress };
  }

  /** Where the runtime finds the function's code (host path): LAMBDA_TASK_ROOT and its working directory. */
  protected taskRoot(): string {
    return this.spec.codeDir;
  }

  /**
   * Rewrites host paths the sandbox's user cannot reach into their exported copies: the code,
   * the guest bootstrap, the interpreter's and the SDK's directories (descriptor.hostPaths).
   * A path that does not exist yet (a stem cell's link) or cannot be exported stays as it is: the
   * runtime then fails to start and says what it could not reach.
   */
  protected async visible(spec: SandboxSpec): Promise<PathMap> {
    const users = this.host.users;
    if (!users) return { map: (s) => s, libs: [] };
    const interpreters = new Set(spec.descriptor.hostPaths(spec.runtime).map(trimSlash));
    const dirs = [spec.codeDir, spec.descriptor.hostRuntimeDir(), ...interpreters, ...(this.layersDir ? [this.layersDir] : [])].map(trimSlash);
    const pairs: [string, string][] = [];
    for (const d of dirs) {
      if (users.reachable(d) || !existsSync(d)) continue;
      try {
        pairs.push([d, await users.exported(d)]);
      } catch {
        // Left as it is (see above).
      }
    }
    // Longest first, so that a directory inside another is mapped by its own export.
    pairs.sort((a, b) => b[0].length - a[0].length);
    const map = (s: string): string => {
      for (const [from, to] of pairs) if (s.includes(from)) s = s.split(from).join(to);
      return s;
    };
    // An interpreter built with an absolute RUNPATH (pyenv's shared-library Python) looks for its
    // libpython under the original prefix; the loader prefers LD_LIBRARY_PATH to RUNPATH.
    const libs = pairs.filter(([from]) => interpreters.has(from)).map(([, to]) => join(to, 'lib')).filter((d) => existsSync(d));
    return { map, libs };
  }

  /** The runtime's whole environment for the current spec: the function's, the family's, the Runtime API's. */
  protected runtimeEnv(apiAddress: string, paths: PathMap): Record<string, string> {
    const { descriptor } = this.spec;
    const launch = { taskRoot: this.taskRoot(), runtimeDir: descriptor.hostRuntimeDir(), ...(this.layersDir ? { optDir: this.layersDir } : {}) };
    const api = this.host.nimbusApi?.();
    const env: Record<string, string> = {
      ...(api ? endpointEnv(`http://${api.host.includes(':') ? `[${api.host}]` : api.host}:${api.port}`, this.spec.env) : {}),
      ...this.spec.env,
      ...descriptor.env(launch, this.spec.runtime),
      ...this.runtimeApiEnv(apiAddress),
      LAMBDA_TASK_ROOT: launch.taskRoot,
      LAMBDA_RUNTIME_DIR: launch.runtimeDir,
      TMPDIR: this.tmpDir,
    };
    const opt = this.layersDir;
    for (const k of Object.keys(env)) env[k] = paths.map(opt ? env[k]!.replace(OPT_PATH, (_, before: string) => `${before}${opt}`) : env[k]!);
    // A sandbox uid of its own has no passwd entry, so getpwuid fails and os.homedir() throws
    // (the AWS SDK reads ~/.aws/config through it): its home is its /tmp, as the namespace
    // sandboxes' passwd says.
    if (this.uid !== null && env['HOME'] === undefined) env['HOME'] = this.tmpDir;
    if (paths.libs.length) env['LD_LIBRARY_PATH'] = [...paths.libs, ...(env['LD_LIBRARY_PATH'] ? [env['LD_LIBRARY_PATH']] : [])].join(':');
    return env;
  }

  /** The argv that starts the runtime, with host paths (the launch maps them). */
  protected command(spec: SandboxSpec, taskRoot: string): string[] {
    const optDir = this.layersDir ? { optDir: this.layersDir } : {};
    const argv = withExecWrapper(spec, spec.descriptor.command({ taskRoot, runtimeDir: spec.descriptor.hostRuntimeDir(), ...optDir }, spec.runtime, spec.handler));
    // A wrapper under /opt is in the layers' directory here (see the file's comment).
    const opt = this.layersDir;
    if (opt && argv[0] !== undefined && spec.env['AWS_LAMBDA_EXEC_WRAPPER']) argv[0] = argv[0].replace(OPT_PATH, (_, before: string) => `${before}${opt}`);
    return argv;
  }

  protected async launch(apiAddress: string): Promise<ChildProcess> {
    if (this.spec.image) throw new Error('container-image functions need namespace isolation (run Nimbus as root with bubblewrap; docs/images.md)');
    const { users } = this.host;
    if (users) {
      this.uid = users.take();
      // The scratch directory stays root's (0711); only /tmp inside it is the sandbox user's.
      mkdirSync(this.scratchDir, { recursive: true, mode: 0o711 });
      users.scratchFor(this.tmpDir, this.uid);
    } else mkdirSync(this.tmpDir, { recursive: true });
    // Merged once per set of layers; exported like the code when the sandbox's user needs it.
    this.layersDir = this.spec.layers ? await this.spec.layers.dir() : undefined;
    const paths = await this.visible(this.spec);
    if (this.ext && this.layersDir) await this.startExtensions(this.ext, this.layersDir, apiAddress, paths);
    const argv = this.command(this.spec, this.taskRoot()).map(paths.map);
    // Under setpriv a missing program would be setpriv's exit status 127: say ENOENT, as a direct spawn did.
    if (isAbsolute(argv[0]!) && !existsSync(argv[0]!)) throw Object.assign(new Error(`spawn ${argv[0]!} ENOENT`), { code: 'ENOENT', path: argv[0]! });
    const run = dieWithNimbus(argv);
    const child = spawn(run[0]!, run.slice(1), {
      cwd: paths.map(this.taskRoot()),
      env: this.runtimeEnv(apiAddress, paths),
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own, so that one kill reaches everything the runtime forked.
      detached: true,
      ...(this.uid === null ? {} : { uid: this.uid, gid: this.uid }),
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (e: NodeJS.ErrnoException) => {
        // An interpreter under a private directory that could not be exported is the usual cause.
        if (this.uid !== null && e.code === 'EACCES') {
          e.message = `${e.message}: under process isolation the runtime runs as uid ${this.uid}, which may not run ${argv[0]}; install the interpreter where every user may run it, or use namespace isolation`;
        }
        reject(e);
      });
    });
    return child;
  }

  /**
   * Starts each external extension as a process of its own (its own process group, the
   * sandbox's uid and environment) and waits until all have registered: the runtime starts
   * after them, as on Lambda. Their output is the function's log and `extension` telemetry.
   */
  private async startExtensions(ext: ExtensionsApi, layersDir: string, apiAddress: string, paths: PathMap): Promise<void> {
    const env = this.runtimeEnv(apiAddress, paths);
    for (const name of ext.names) {
      const file = paths.map(join(layersDir, 'extensions', name));
      const run = dieWithNimbus([file]);
      const proc = spawn(run[0]!, run.slice(1), {
        cwd: paths.map(this.taskRoot()),
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
        ...(this.uid === null ? {} : { uid: this.uid, gid: this.uid }),
      });
      this.extensionProcs.push(proc);
      proc.stdout.setEncoding('utf8').on('data', (s: string) => this.extensionOutput(s));
      proc.stderr.setEncoding('utf8').on('data', (s: string) => this.extensionOutput(s));
      proc.once('exit', (code, signal) => ext.exited(name, exitReason(code, signal)));
      proc.once('error', (e) => ext.exited(name, `exec: ${e.message}`));
    }
    await ext.registered;
    if (this.disposed) throw new Error('the sandbox was disposed during init');
  }

  protected killTree(): void {
    for (const p of this.extensionProcs) {
      try {
        if (p.pid && p.exitCode === null && p.signalCode === null) process.kill(-p.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    const pid = this.child?.pid;
    if (!pid) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }

  protected readPeakMemory(): number {
    const pid = this.child?.pid;
    if (!pid) return 0;
    try {
      // VmHWM: the resident set's high-water mark, the closest per-process analogue of a cgroup peak.
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : 0;
    } catch {
      return 0;
    }
  }

  protected async release(): Promise<void> {
    rmSync(this.scratchDir, { recursive: true, force: true });
    if (this.uid !== null) this.host.users?.give(this.uid);
    this.uid = null;
  }
}

/**
 * A process stem cell (docs/sandbox-lifecycle.md): the runtime already running, waiting in an
 * empty task directory of its own. On assignment that directory is replaced by a symbolic link to
 * the function's code, so every path the runtime was started with (LAMBDA_TASK_ROOT, NODE_PATH,
 * its working directory) leads to the code. Process isolation isolates nothing; neither does this.
 */
export class ProcessStemCell extends ProcessSandbox implements StemCell {
  private adopted = false;
  private apiAddress = '';
  private readonly link: string;
  private readonly argv: string;
  /** The host paths its runtime was started with (the SDK's among them). */
  private readonly hostPathsAtStart: string;

  constructor(descriptor: RuntimeDescriptor, id: string, host: ProcessHost) {
    const link = join(host.scratchRoot, id, 'task');
    super(
      { id, runtime: stemRuntimeOf(descriptor), descriptor, handler: '', codeDir: link, memoryMb: 512, ephemeralStorageMb: 512, env: stemEnvironment(), network: 'none' },
      host,
    );
    this.link = link;
    this.argv = JSON.stringify(this.command(this.spec, this.link));
    this.hostPathsAtStart = JSON.stringify(this.spec.descriptor.hostPaths(this.spec.runtime));
  }

  fits(spec: SandboxSpec): boolean {
    return (
      !this.adopted &&
      this.state === 'idle' &&
      // The runtime already read its module paths, which name a function's layers.
      !spec.layers &&
      spec.descriptor.family === this.spec.descriptor.family &&
      JSON.stringify(this.command(spec, this.link)) === this.argv &&
      startupEnvMatches(spec.env, this.spec.env)
    );
  }

  /** Started before its runtime's SDK was installed (runtimes/sdk-install.ts): its runtime cannot see it. */
  stale(): boolean {
    return JSON.stringify(this.spec.descriptor.hostPaths(this.spec.runtime)) !== this.hostPathsAtStart;
  }

  adopt(spec: SandboxSpec): Sandbox {
    if (this.adopted) throw new Error(`stem cell ${this.link} is already assigned`);
    this.adopted = true;
    this.adoptSpec(spec);
    this.state = 'starting';
    return this;
  }

  override async start(initTimeoutMs: number): Promise<InitReport> {
    if (!this.adopted) return super.start(initTimeoutMs);
    const t0 = performance.now();
    let env: Record<string, string>;
    try {
      if (this.state !== 'starting') throw new Error('the stem cell died before its assignment');
      const paths = await this.visible(this.spec);
      rmdirSync(this.link);
      symlinkSync(paths.map(this.spec.codeDir), this.link);
      env = this.runtimeEnv(this.apiAddress, paths);
    } catch (e) {
      await this.dispose();
      throw new SandboxInitError({ kind: 'exit', reason: `stem cell: ${messageOf(e)}` }, '', performance.now() - t0);
    }
    this.state = 'idle';
    const report = await assignFunction(this, env, initTimeoutMs);
    return { durationMs: performance.now() - t0, logs: report.logs };
  }

  protected override taskRoot(): string {
    return this.link;
  }

  protected override launch(apiAddress: string): Promise<ChildProcess> {
    this.apiAddress = apiAddress;
    // The link's directory is root's (only tmp/ beside it is the sandbox user's): it cannot be repointed.
    mkdirSync(this.link, { recursive: true });
    return super.launch(apiAddress);
  }
}

export class ProcessSandboxFactory implements SandboxFactory {
  readonly isolation = 'process' as const;
  private readonly stems: StemPool | null;

  /** `stemCells`: stem cells kept ready per runtime family (docs/sandbox-lifecycle.md#stem-cells). */
  constructor(
    private readonly host: ProcessHost,
    stemCells?: { size: number; descriptors: readonly RuntimeDescriptor[]; warn?: (message: string) => void },
  ) {
    this.stems =
      stemCells && stemCells.size > 0
        ? new StemPool({
            size: stemCells.size,
            descriptors: stemCells.descriptors,
            make: (d, id) => new ProcessStemCell(d, id, host),
            warn: stemCells.warn ?? ((m) => process.emitWarning(m, { code: 'NIMBUS_SANDBOX' })),
          })
        : null;
  }

  create(spec: SandboxSpec): Sandbox {
    return this.stems?.take(spec)?.adopt(spec) ?? new ProcessSandbox(spec, this.host);
  }

  prestart(): void {
    this.stems?.fill();
  }

  /** Resolves true once every runtime family has its stem cells ready (false: none, or they failed). */
  stemCellsReady(timeoutMs?: number): Promise<boolean> {
    return this.stems ? this.stems.whenFull(timeoutMs) : Promise.resolve(false);
  }

  async close(): Promise<void> {
    await this.stems?.close();
    this.host.users?.close();
  }
}
