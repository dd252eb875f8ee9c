/**
 * A test-only sandbox that hands the Runtime API to the runtime as a Unix socket
 * (NIMBUS_RUNTIME_API_SOCKET), as network-isolated sandboxes do, while AWS_LAMBDA_RUNTIME_API
 * points at a port where nothing listens: a runtime that ignores the socket cannot work.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ChildSandbox } from '../../src/sandbox/child-sandbox.js';
import type { SandboxSpec } from '../../src/sandbox/types.js';

export class UnixSocketSandbox extends ChildSandbox {
  private readonly dir: string;

  constructor(spec: SandboxSpec, scratchRoot: string) {
    super(spec);
    this.dir = join(scratchRoot, spec.id);
  }

  protected apiTarget(): { path: string } {
    mkdirSync(this.dir, { recursive: true });
    return { path: join(this.dir, 'rapi.sock') };
  }

  protected async launch(apiAddress: string): Promise<ChildProcess> {
    const { descriptor, runtime, handler, codeDir } = this.spec;
    const paths = { taskRoot: codeDir, runtimeDir: descriptor.hostRuntimeDir() };
    const argv = descriptor.command(paths, runtime, handler);
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: codeDir,
      env: {
        ...this.spec.env,
        ...descriptor.env(paths),
        // Port 9 (discard) on loopback: nothing answers there.
        AWS_LAMBDA_RUNTIME_API: '127.0.0.1:9',
        NIMBUS_RUNTIME_API_SOCKET: apiAddress,
        LAMBDA_TASK_ROOT: paths.taskRoot,
        LAMBDA_RUNTIME_DIR: paths.runtimeDir,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
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
    return 0;
  }

  protected async release(): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
