/**
 * `process` isolation: the runtime is a plain child process in its own process group, with a
 * clean environment and its own scratch /tmp. It does NOT isolate the function from the host
 * (same user, same filesystem, same network); Nimbus says so loudly when it starts in this mode.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ChildSandbox } from './child-sandbox.js';
import type { Sandbox, SandboxFactory, SandboxSpec } from './types.js';

export class ProcessSandbox extends ChildSandbox {
  /** This sandbox's scratch directory (its /tmp lives inside); removed on release. */
  protected readonly scratchDir: string;
  private readonly tmpDir: string;

  constructor(spec: SandboxSpec, scratchRoot: string) {
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

  protected async launch(apiAddress: string): Promise<ChildProcess> {
    mkdirSync(this.tmpDir, { recursive: true });
    const { descriptor, runtime, handler, codeDir } = this.spec;
    const paths = { taskRoot: codeDir, runtimeDir: descriptor.hostRuntimeDir() };
    const argv = descriptor.command(paths, runtime, handler);
    const env: Record<string, string> = {
      ...this.spec.env,
      ...descriptor.env(paths),
      ...this.runtimeApiEnv(apiAddress),
      LAMBDA_TASK_ROOT: paths.taskRoot,
      LAMBDA_RUNTIME_DIR: paths.runtimeDir,
      TMPDIR: this.tmpDir,
    };
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: codeDir,
      env,
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

export class ProcessSandboxFactory implements SandboxFactory {
  readonly isolation = 'process' as const;
  constructor(private readonly scratchRoot: string) {}
  create(spec: SandboxSpec): Sandbox {
    return new ProcessSandbox(spec, this.scratchRoot);
  }
}
