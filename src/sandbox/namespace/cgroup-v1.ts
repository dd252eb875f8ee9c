/**
 * cgroup v1: one directory per controller hierarchy (memory, pids, cpu). Limits follow the kernel
 * docs (admin-guide/cgroup-v1/memory.rst, pids.rst, scheduler/sched-bwc.rst):
 * `memory.limit_in_bytes`, then `memory.memsw.limit_in_bytes` at the same value so swap cannot
 * extend the limit, `pids.max`, `cpu.cfs_quota_us` / `cpu.cfs_period_us` (-1: no quota) and `cpu.shares`.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { CgroupLimits, CgroupManager, CgroupMount, SandboxCgroup } from './cgroup.js';
import { cgroupDir } from './cgroup.js';
import {
  childCgroups,
  CounterFile,
  mkdirs,
  readKey,
  readNumber,
  readPids,
  removeWhenEmpty,
  rmdirQuiet,
  sweep,
  write,
  writeIfPresent,
} from './cgroup-fs.js';

const CONTROLLERS = ['memory', 'pids', 'cpu'] as const;
type Controller = (typeof CONTROLLERS)[number];

class V1Group implements SandboxCgroup {
  readonly procsFiles: string[];
  readonly joinFiles: string[];
  private readonly memoryDir: string | undefined;
  private readonly cpuDir: string | undefined;
  private readonly peak: CounterFile | undefined;
  private removed: Promise<void> | null = null;

  constructor(readonly dirs: string[]) {
    this.procsFiles = dirs.map((d) => join(d, 'cgroup.procs'));
    this.joinFiles = dirs.map((d) => join(d, 'tasks'));
    // Recognised by content rather than by path, so records from any mount layout work.
    this.memoryDir = dirs.find((d) => existsSync(join(d, 'memory.limit_in_bytes')));
    this.cpuDir = dirs.find((d) => existsSync(join(d, 'cpu.cfs_quota_us')));
    this.peak = this.memoryDir ? new CounterFile(join(this.memoryDir, 'memory.max_usage_in_bytes')) : undefined;
  }

  peakMemoryBytes(): number {
    return this.peak?.read() ?? 0;
  }

  oomKills(): number {
    const d = this.memoryDir;
    return d ? readKey(join(d, 'memory.oom_control'), 'oom_kill') : 0;
  }

  pids(): number[] {
    return [...new Set(this.procsFiles.flatMap(readPids))];
  }

  setCpuQuota(quotaUs: number, periodUs: number): void {
    if (!this.cpuDir) return;
    write(join(this.cpuDir, 'cpu.cfs_period_us'), String(periodUs));
    write(join(this.cpuDir, 'cpu.cfs_quota_us'), String(quotaUs));
  }

  setCpuShares(shares: number): void {
    // cpu.shares: 2 is the kernel's minimum, 1024 its default (scheduler/sched-design-CFS.rst).
    if (this.cpuDir) write(join(this.cpuDir, 'cpu.shares'), String(shares));
  }

  memoryBytes(): number {
    const d = this.memoryDir;
    return d ? readNumber(join(d, 'memory.usage_in_bytes')) : 0;
  }

  setMemoryLimit(bytes: number): void {
    const d = this.memoryDir;
    if (!d) return;
    const memsw = join(d, 'memory.memsw.limit_in_bytes');
    // memsw must stay >= limit_in_bytes at every step: lower the limit first, raise memsw first.
    const current = readNumber(join(d, 'memory.limit_in_bytes'));
    if (bytes < current) {
      write(join(d, 'memory.limit_in_bytes'), String(bytes));
      writeIfPresent(memsw, String(bytes));
    } else {
      writeIfPresent(memsw, String(bytes));
      write(join(d, 'memory.limit_in_bytes'), String(bytes));
    }
  }

  killAll(): void {
    // v1 has no cgroup.kill; the pids hierarchy lists every process, so sweep it first.
    for (const f of this.procsFiles) sweep(f);
  }

  remove(timeoutMs = 5000): Promise<void> {
    this.peak?.close();
    this.removed ??= removeWhenEmpty(this.dirs, timeoutMs);
    return this.removed;
  }
}

export class CgroupV1 implements CgroupManager {
  readonly version = 1 as const;

  private constructor(private readonly parents: Record<Controller, string>) {}

  /** Builds the manager when the memory, pids and cpu controllers are mounted as v1 hierarchies. */
  static fromMounts(
    mounts: CgroupMount[],
    paths: Map<string, string>,
    tag: string,
    parentOverride?: string,
  ): { manager: CgroupManager } | { reason: string } {
    const parents = {} as Record<Controller, string>;
    for (const c of CONTROLLERS) {
      const m = mounts.find((x) => x.version === 1 && x.controllers.includes(c));
      if (!m) return { reason: `cgroup v1: the ${c} controller is not mounted` };
      const own = parentOverride ?? paths.get(c) ?? '/';
      parents[c] = join(cgroupDir(m, own), 'nimbus', tag);
    }
    const memParent = join(parents.memory, '..', '..');
    // Creating cgroups needs root (or a delegated subtree, which v1 does not really have).
    if (process.getuid?.() !== 0) return { reason: 'cgroup v1: creating cgroups needs root' };
    if (!existsSync(join(memParent, 'cgroup.procs'))) return { reason: `cgroup v1: ${memParent} is not a cgroup directory` };
    return { manager: new CgroupV1(parents) };
  }

  create(name: string, limits: CgroupLimits): SandboxCgroup {
    const dirs = this.dirsFor(name);
    for (const d of dirs) mkdirs(d);
    const [mem, pids, cpu] = dirs as [string, string, string];
    const bytes = String(limits.memoryBytes);
    // memsw must stay >= limit_in_bytes, and a fresh cgroup starts unlimited: set memory first.
    write(join(mem, 'memory.limit_in_bytes'), bytes);
    writeIfPresent(join(mem, 'memory.memsw.limit_in_bytes'), bytes);
    // Without memsw the only swap guard left is swappiness 0 (the cgroup's own knob in v1).
    writeIfPresent(join(mem, 'memory.swappiness'), '0');
    write(join(pids, 'pids.max'), String(limits.pidsMax));
    write(join(cpu, 'cpu.cfs_period_us'), String(limits.cpuPeriodUs));
    write(join(cpu, 'cpu.cfs_quota_us'), String(limits.cpuQuotaUs));
    write(join(cpu, 'cpu.shares'), String(limits.cpuShares));
    return new V1Group(dirs);
  }

  open(dirs: readonly string[]): SandboxCgroup {
    return new V1Group([...dirs]);
  }

  dirsFor(name: string): string[] {
    return CONTROLLERS.map((c) => join(this.parents[c], name));
  }

  list(): string[] {
    return [...new Set(CONTROLLERS.flatMap((c) => childCgroups(this.parents[c])))];
  }

  pruneParents(): void {
    for (const c of CONTROLLERS) {
      rmdirQuiet(this.parents[c]);
      rmdirQuiet(join(this.parents[c], '..'));
    }
  }
}
