/**
 * cgroup v2 (admin-guide/cgroup-v2.rst): one directory per sandbox with `memory.max`,
 * `memory.swap.max` 0 (swap must not extend the limit), `pids.max`, `cpu.max` and `cpu.weight`; `memory.peak`
 * (5.19+) for the peak, and `cgroup.kill` (5.14+) to kill everything at once.
 *
 * v2's "no internal processes" rule: controllers can be enabled for children only in a cgroup
 * with no processes of its own. When Nimbus is alone in its cgroup (a systemd unit with
 * `Delegate=yes`), it moves itself into a `supervisor` leaf first, as delegated managers do.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupLimits, CgroupManager, CgroupMount, SandboxCgroup } from './cgroup.js';
import { cgroupDir, cpuMaxOf, cpuWeightOf } from './cgroup.js';
import {
  childCgroups,
  mkdirs,
  readKey,
  readNumber,
  readOptional,
  readPids,
  removeWhenEmpty,
  rmdirQuiet,
  sweep,
  write,
  writeIfPresent,
} from './cgroup-fs.js';

const NEEDED = ['memory', 'pids', 'cpu'];

class V2Group implements SandboxCgroup {
  readonly procsFiles: string[];
  readonly joinFiles: string[];
  readonly dirs: string[];
  /** memory.current samples, for kernels without memory.peak. */
  private sampledPeak = 0;
  private removed: Promise<void> | null = null;

  constructor(private readonly dir: string) {
    this.dirs = [dir];
    this.procsFiles = [join(dir, 'cgroup.procs')];
    this.joinFiles = this.procsFiles;
  }

  peakMemoryBytes(): number {
    const peak = join(this.dir, 'memory.peak');
    if (existsSync(peak)) return readNumber(peak);
    this.sampledPeak = Math.max(this.sampledPeak, readNumber(join(this.dir, 'memory.current')));
    return this.sampledPeak;
  }

  oomKills(): number {
    return readKey(join(this.dir, 'memory.events'), 'oom_kill');
  }

  pids(): number[] {
    return readPids(join(this.dir, 'cgroup.procs'));
  }

  setCpuQuota(quotaUs: number, periodUs: number): void {
    write(join(this.dir, 'cpu.max'), cpuMaxOf(quotaUs, periodUs));
  }

  setCpuShares(shares: number): void {
    // cpu.weight: 1 is the minimum, 100 the default (admin-guide/cgroup-v2.rst).
    write(join(this.dir, 'cpu.weight'), String(cpuWeightOf(shares)));
  }

  memoryBytes(): number {
    return readNumber(join(this.dir, 'memory.current'));
  }

  setMemoryLimit(bytes: number): void {
    // memory.swap.max stays 0: the new limit alone bounds the group.
    write(join(this.dir, 'memory.max'), String(bytes));
  }

  killAll(): void {
    if (!writeIfPresent(join(this.dir, 'cgroup.kill'), '1')) sweep(join(this.dir, 'cgroup.procs'));
  }

  remove(timeoutMs = 5000): Promise<void> {
    this.removed ??= removeWhenEmpty(this.dirs, timeoutMs);
    return this.removed;
  }
}

export class CgroupV2 implements CgroupManager {
  readonly version = 2 as const;
  private prepared = false;

  private constructor(
    private readonly own: string,
    private readonly parent: string,
  ) {}

  /** Builds the manager when a cgroup2 hierarchy offers the memory, pids and cpu controllers. */
  static fromMounts(
    mounts: CgroupMount[],
    paths: Map<string, string>,
    tag: string,
    parentOverride?: string,
  ): { manager: CgroupManager } | { reason: string } {
    const m = mounts.find((x) => x.version === 2);
    if (!m) return { reason: 'cgroup v2: not mounted' };
    const controllers = (readOptional(join(m.mountPoint, 'cgroup.controllers')) ?? '').trim().split(/\s+/);
    const missing = NEEDED.filter((c) => !controllers.includes(c));
    if (missing.length) return { reason: `cgroup v2: controllers ${missing.join(', ')} are not available at ${m.mountPoint}` };
    if (process.getuid?.() !== 0) return { reason: 'cgroup v2: creating cgroups needs root' };
    const own = cgroupDir(m, parentOverride ?? paths.get('') ?? '/');
    return { manager: new CgroupV2(own, join(own, 'nimbus', tag)) };
  }

  create(name: string, limits: CgroupLimits): SandboxCgroup {
    this.prepare();
    const dir = join(this.parent, name);
    mkdirs(dir);
    write(join(dir, 'memory.max'), String(limits.memoryBytes));
    writeIfPresent(join(dir, 'memory.swap.max'), '0');
    write(join(dir, 'pids.max'), String(limits.pidsMax));
    write(join(dir, 'cpu.max'), cpuMaxOf(limits.cpuQuotaUs, limits.cpuPeriodUs));
    write(join(dir, 'cpu.weight'), String(cpuWeightOf(limits.cpuShares)));
    return new V2Group(dir);
  }

  open(dirs: readonly string[]): SandboxCgroup {
    return new V2Group(dirs[0] ?? this.parent);
  }

  dirsFor(name: string): string[] {
    return [join(this.parent, name)];
  }

  list(): string[] {
    return childCgroups(this.parent);
  }

  pruneParents(): void {
    rmdirQuiet(this.parent);
    rmdirQuiet(join(this.parent, '..'));
  }

  /** Enables the controllers from Nimbus's cgroup down to the parent of the sandboxes. */
  private prepare(): void {
    if (this.prepared) return;
    const own = this.own;
    const enable = (dir: string): void => {
      const have = (readOptional(join(dir, 'cgroup.subtree_control')) ?? '').trim().split(/\s+/);
      const want = NEEDED.filter((c) => !have.includes(c));
      if (want.length) write(join(dir, 'cgroup.subtree_control'), want.map((c) => `+${c}`).join(' '));
    };
    try {
      enable(own);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EBUSY') throw e;
      const procs = readPids(join(own, 'cgroup.procs'));
      if (procs.length !== 1 || procs[0] !== process.pid) {
        throw new Error(
          `cgroup v2: cannot enable controllers in ${own}: it holds other processes. ` +
            'Run Nimbus in a cgroup of its own (systemd: Delegate=yes), or as the only process of its container.',
        );
      }
      const leaf = join(own, 'supervisor');
      mkdirs(leaf);
      write(join(leaf, 'cgroup.procs'), String(process.pid));
      enable(own);
    }
    mkdirs(join(own, 'nimbus'));
    enable(join(own, 'nimbus'));
    mkdirs(this.parent);
    enable(this.parent);
    this.prepared = true;
  }
}
