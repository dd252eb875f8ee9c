/**
 * A namespace stem cell: a bwrap sandbox whose runtime is already running, with its own uid,
 * cgroups, seccomp filter and namespaces, and an empty /var/task (docs/isolation.md, "Stem cells").
 *
 * /var/task is bound from `<scratch>/task`, which the host first makes a shared mount point of
 * its own. bwrap turns every mount it copies into a slave of the host's (MS_SLAVE | MS_REC), so a
 * mount the host later makes on `<scratch>/task` propagates into the cell's /var/task, and nowhere
 * else. The assignment mounts the function's code there read-only in two steps, because
 * `mount --bind -o ro` binds read-write and only then remounts read-only, and propagation copies a
 * mount as it is when it is made: the code is bound read-only on `<scratch>/stage` (a private
 * mount point, so that step propagates nowhere), and that read-only mount is bound on the task
 * directory. The cell's copy is read-only, nosuid and nodev from its first instant.
 *
 * /opt is made the same way from `<scratch>/opt`: empty while the cell waits (and for a function
 * without layers), the function's merged layers once assigned (docs/layers.md).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RuntimeDescriptor } from '../../runtimes/types.js';
import { assignFunction, startupEnvMatches, stemEnvironment, stemRuntimeOf, type StemCell } from '../stem.js';
import { SandboxInitError, type InitReport, type Sandbox, type SandboxSpec } from '../types.js';
import { launchPaths, sandboxEnv } from './bwrap-args.js';
import { IDLE_SHARES, initLimits } from './cgroup.js';
import type { NamespaceContext } from './context.js';
import { nsenterPath, type Mounter } from './mounter.js';
import { NamespaceSandbox } from './sandbox.js';
import { messageOf } from '../../core/errors.js';

/** The memory limit while the cell waits; its function's MemorySize replaces it on assignment. */
const STEM_MEMORY_MB = 512;
/** A stem cell's /tmp has Lambda's default size: functions that ask for another start normally. */
const STEM_TMP_MB = 512;
/** The runtime must leave the function this share of its MemorySize after lowering the limit. */
const MAX_USED_SHARE = 0.75;

export class NamespaceStemCell extends NamespaceSandbox implements StemCell {
  private adopted = false;
  private readonly taskDir: string;
  private readonly stageDir: string;
  private readonly optDir: string;
  private readonly optStageDir: string;
  private readonly argv: string;
  /** The host paths its runtime was started with (the SDK's among them). */
  private readonly hostPathsAtStart: string;

  constructor(
    descriptor: RuntimeDescriptor,
    id: string,
    ctx: NamespaceContext,
    private readonly mounter: Mounter,
  ) {
    const opt = join(ctx.scratchRoot, id, 'opt');
    super(
      {
        id,
        runtime: stemRuntimeOf(descriptor),
        descriptor,
        handler: '',
        codeDir: join(ctx.scratchRoot, id, 'task'),
        memoryMb: STEM_MEMORY_MB,
        ephemeralStorageMb: STEM_TMP_MB,
        env: stemEnvironment(),
        network: 'none',
        // bwrap binds the cell's own /opt mount point there; the assignment mounts the layers on it.
        layers: { dir: () => Promise.resolve(opt) },
      },
      ctx,
    );
    this.taskDir = this.spec.codeDir;
    this.stageDir = join(this.scratch, 'stage');
    this.optDir = opt;
    this.optStageDir = join(this.scratch, 'opt-stage');
    this.argv = JSON.stringify(commandOf(this.spec));
    this.hostPathsAtStart = JSON.stringify(this.spec.descriptor.hostPaths(this.spec.runtime));
  }

  fits(spec: SandboxSpec): boolean {
    if (this.adopted || this.state !== 'idle') return false;
    if (spec.network !== 'none') return false;
    // Extensions start before the runtime (docs/extensions.md); this cell's runtime already runs.
    if (spec.layers?.extensions) return false;
    if ((spec.ephemeralStorageMb || STEM_TMP_MB) !== STEM_TMP_MB) return false;
    if (spec.descriptor.family !== this.spec.descriptor.family || JSON.stringify(commandOf(spec)) !== this.argv) return false;
    if (!startupEnvMatches(spec.env, this.spec.env)) return false;
    return (this.cgroup?.memoryBytes() ?? 0) <= spec.memoryMb * 1024 * 1024 * MAX_USED_SHARE;
  }

  /** Started before its runtime's SDK was installed (runtimes/sdk-install.ts): its runtime cannot see it. */
  stale(): boolean {
    return JSON.stringify(this.spec.descriptor.hostPaths(this.spec.runtime)) !== this.hostPathsAtStart;
  }

  adopt(spec: SandboxSpec): Sandbox {
    if (this.adopted) throw new Error(`stem cell ${this.scratch} is already assigned`);
    this.adopted = true;
    this.adoptSpec(spec);
    this.state = 'starting';
    return this;
  }

  override async start(initTimeoutMs: number): Promise<InitReport> {
    return this.adopted ? this.specialise(initTimeoutMs) : super.start(initTimeoutMs);
  }

  /** A waiting cell keeps its init CPU; the function's own quota applies once its handler is loaded. */
  protected override capCpu(report: InitReport): Promise<InitReport> {
    return this.adopted ? super.capCpu(report) : Promise.resolve(report);
  }

  protected override mountNamespace(): { nsenter: string; path: string } {
    return { nsenter: nsenterPath(), path: this.mounter.namespace };
  }

  protected override async launch(): Promise<ChildProcess> {
    mkdirSync(this.taskDir, { mode: 0o755 });
    mkdirSync(this.stageDir, { mode: 0o700 });
    mkdirSync(this.optDir, { mode: 0o755 });
    mkdirSync(this.optStageDir, { mode: 0o700 });
    await this.mounter.mount([
      { op: 'bind', source: this.taskDir, target: this.taskDir },
      { op: 'shared', target: this.taskDir },
      { op: 'bind', source: this.stageDir, target: this.stageDir },
      { op: 'private', target: this.stageDir },
      { op: 'bind', source: this.optDir, target: this.optDir },
      { op: 'shared', target: this.optDir },
      { op: 'bind', source: this.optStageDir, target: this.optStageDir },
      { op: 'private', target: this.optStageDir },
    ]);
    const child = await super.launch();
    // Waiting cells take CPU nobody else wants: starting them must not slow real work.
    this.cgroup?.setCpuShares(IDLE_SHARES);
    return child;
  }

  private async specialise(initTimeoutMs: number): Promise<InitReport> {
    const t0 = performance.now();
    const fail = async (reason: string): Promise<never> => {
      await this.dispose();
      throw new SandboxInitError({ kind: 'exit', reason }, '', performance.now() - t0);
    };
    if (this.state !== 'starting' || !this.cgroup) return fail('the stem cell died before its assignment');
    try {
      // The merge of the function's layers (once per set), mounted read-only on /opt as the code is on /var/task.
      const layers = this.spec.layers ? await this.spec.layers.dir() : undefined;
      // The mounts and the cgroup writes are independent: the helper mounts while this process writes.
      const mounted = this.mounter.mount([
        { op: 'bind', source: this.spec.codeDir, target: this.stageDir },
        { op: 'remount-ro', target: this.stageDir },
        { op: 'bind', source: this.stageDir, target: this.taskDir },
        ...(layers
          ? ([
              { op: 'bind', source: layers, target: this.optStageDir },
              { op: 'remount-ro', target: this.optStageDir },
              { op: 'bind', source: this.optStageDir, target: this.optDir },
            ] as const)
          : []),
      ]);
      try {
        const limits = this.limits();
        this.cgroup.setMemoryLimit(limits.memoryBytes);
        // The function's init runs at init weight; `capCpu` applies its own share after.
        this.cgroup.setCpuShares(initLimits(limits).cpuShares);
      } finally {
        // Both must have worked before the runtime hears of its function.
        await mounted;
      }
    } catch (e) {
      return fail(`stem cell: ${messageOf(e)}`);
    }
    if (this.state !== 'starting') return fail('the stem cell died during its assignment');
    this.state = 'idle';
    // The environment a normal start gives, minus the socket variable, which the bootstrap already consumed.
    const report = await assignFunction(this, sandboxEnv(this.spec, false, this.apiRelayed), initTimeoutMs);
    return this.capCpu({ durationMs: performance.now() - t0, logs: report.logs });
  }

  protected override async release(): Promise<void> {
    // Only the helper's namespace holds these mounts. The code mount sits on the task directory's
    // own bind, so each point is detached until there is nothing left (EINVAL: not a mount point).
    for (const target of [this.taskDir, this.taskDir, this.stageDir, this.stageDir, this.optDir, this.optDir, this.optStageDir, this.optStageDir]) {
      await this.mounter.mount([{ op: 'detach', target }]).catch(() => undefined);
    }
    await super.release();
  }
}

function commandOf(spec: SandboxSpec): string[] {
  return spec.descriptor.command(launchPaths(spec), spec.runtime, spec.handler);
}
