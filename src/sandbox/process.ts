/**
 * `process` isolation: the runtime is a plain child process in its own process group, with a
 * clean environment and its own scratch /tmp. It does NOT isolate the function from the host
 * (same user, same filesystem, same network); Nimbus says so loudly when it starts in this mode.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, rmdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RuntimeDescriptor } from '../runtimes/types.js';
import type { NimbusApiTarget } from './api-relay.js';
import { ChildSandbox } from './child-sandbox.js';
import { endpointEnv } from './endpoint.js';
import { StemPool, assignFunction, startupEnvMatches, stemEnvironment, stemRuntimeOf, type StemCell } from './stem.js';
import { SandboxInitError, type InitReport, type Sandbox, type SandboxFactory, type SandboxSpec } from './types.js';

export class ProcessSandbox extends ChildSandbox {
  /** This sandbox's scratch directory (its /tmp lives inside); removed on release. */
  protected readonly scratchDir: string;
  private readonly tmpDir: string;

  constructor(
    spec: SandboxSpec,
    scratchRoot: string,
    /** Nimbus's API: the function's SDK calls go there directly (nothing is isolated here). */
    private readonly nimbusApi: NimbusApiTarget | null = null,
  ) {
    super(spec);
    this.scratchDir = join(scratchRoot, spec.id);
    this.tmpDir = join(this.scratchDir, 'tmp');
  }

  protected apiTarget(): { port: number } | { path: string } {
    return { port: 0 };
  }

  /** How the runtime finds its Runtime API: `host:port` in AWS_LAMBDA_RUNTIME_API. */
  protected runtimeApiEnv(apiAddress: string): Record<string, string> {
    return { AWS_LAMBDA_RUNTIME_API: apiAddress };
  }

  /** Where the runtime finds the function's code: LAMBDA_TASK_ROOT and its working directory. */
  protected taskRoot(): string {
    return this.spec.codeDir;
  }

  /** The runtime's whole environment for the current spec: the function's, the family's, the Runtime API's. */
  protected runtimeEnv(apiAddress: string): Record<string, string> {
    const { descriptor } = this.spec;
    const paths = { taskRoot: this.taskRoot(), runtimeDir: descriptor.hostRuntimeDir() };
    const api = this.nimbusApi?.();
    return {
      ...(api ? endpointEnv(`http://${api.host.includes(':') ? `[${api.host}]` : api.host}:${api.port}`, this.spec.env) : {}),
      ...this.spec.env,
      ...descriptor.env(paths, this.spec.runtime),
      ...this.runtimeApiEnv(apiAddress),
      LAMBDA_TASK_ROOT: paths.taskRoot,
      LAMBDA_RUNTIME_DIR: paths.runtimeDir,
      TMPDIR: this.tmpDir,
    };
  }

  protected async launch(apiAddress: string): Promise<ChildProcess> {
    mkdirSync(this.tmpDir, { recursive: true });
    const { descriptor, runtime, handler } = this.spec;
    const argv = descriptor.command({ taskRoot: this.taskRoot(), runtimeDir: descriptor.hostRuntimeDir() }, runtime, handler);
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: this.taskRoot(),
      env: this.runtimeEnv(apiAddress),
      stdio: ['ignore', 'pipe', 'pipe'],
      // A process group of its own, so that one kill reaches everything the runtime forked.
      detached: true,
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    return child;
  }

  protected killTree(): void {
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

  constructor(descriptor: RuntimeDescriptor, id: string, scratchRoot: string, nimbusApi: NimbusApiTarget | null = null) {
    const link = join(scratchRoot, id, 'task');
    super(
      { id, runtime: stemRuntimeOf(descriptor), descriptor, handler: '', codeDir: link, memoryMb: 512, ephemeralStorageMb: 512, env: stemEnvironment(), network: 'none' },
      scratchRoot,
      nimbusApi,
    );
    this.link = link;
    this.argv = JSON.stringify(this.commandFor(this.spec));
  }

  fits(spec: SandboxSpec): boolean {
    return (
      !this.adopted &&
      this.state === 'idle' &&
      spec.descriptor.family === this.spec.descriptor.family &&
      JSON.stringify(this.commandFor(spec)) === this.argv &&
      startupEnvMatches(spec.env, this.spec.env)
    );
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
    try {
      if (this.state !== 'starting') throw new Error('the stem cell died before its assignment');
      rmdirSync(this.link);
      symlinkSync(this.spec.codeDir, this.link);
    } catch (e) {
      await this.dispose();
      throw new SandboxInitError({ kind: 'exit', reason: `stem cell: ${e instanceof Error ? e.message : String(e)}` }, '', performance.now() - t0);
    }
    this.state = 'idle';
    const report = await assignFunction(this, this.runtimeEnv(this.apiAddress), initTimeoutMs);
    return { durationMs: performance.now() - t0, logs: report.logs };
  }

  protected override taskRoot(): string {
    return this.link;
  }

  protected override launch(apiAddress: string): Promise<ChildProcess> {
    this.apiAddress = apiAddress;
    mkdirSync(this.link, { recursive: true });
    return super.launch(apiAddress);
  }

  private commandFor(spec: SandboxSpec): string[] {
    return spec.descriptor.command({ taskRoot: this.link, runtimeDir: spec.descriptor.hostRuntimeDir() }, spec.runtime, spec.handler);
  }
}

export class ProcessSandboxFactory implements SandboxFactory {
  readonly isolation = 'process' as const;
  private readonly stems: StemPool | null;

  /** `stemCells`: stem cells kept ready per runtime family (process-stem-cell.ts). */
  constructor(
    private readonly scratchRoot: string,
    stemCells?: { size: number; descriptors: readonly RuntimeDescriptor[]; warn?: (message: string) => void },
    private readonly nimbusApi: NimbusApiTarget | null = null,
  ) {
    this.stems =
      stemCells && stemCells.size > 0
        ? new StemPool({
            size: stemCells.size,
            descriptors: stemCells.descriptors,
            make: (d, id) => new ProcessStemCell(d, id, scratchRoot, nimbusApi),
            warn: stemCells.warn ?? ((m) => process.emitWarning(m, { code: 'NIMBUS_SANDBOX' })),
          })
        : null;
  }

  create(spec: SandboxSpec): Sandbox {
    return this.stems?.take(spec)?.adopt(spec) ?? new ProcessSandbox(spec, this.scratchRoot, this.nimbusApi);
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
  }
}
