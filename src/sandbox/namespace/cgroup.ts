/**
 * Per-sandbox control groups: memory (swap included), process count and CPU, for cgroup v1 and
 * v2 alike. The two versions differ only in file names, so one interface hides them;
 * cgroup-detect.ts picks the version from /proc/self/mountinfo. A hybrid host (v1 controllers plus a v2 mount
 * holding none of them, as on this project's machines) uses v1.
 *
 * Every sandbox cgroup lives at `<Nimbus's own cgroup>/nimbus/<instance tag>/<sandbox id>`: nested
 * under the cgroup Nimbus was started in, so that whoever limits or accounts Nimbus (systemd, a
 * container engine) also covers its sandboxes, and tagged per data directory, so that two Nimbus
 * instances on one machine never touch each other's sandboxes.
 */
import { availableParallelism } from 'node:os';

/** What a sandbox may use; all enforced by the kernel. */
export interface CgroupLimits {
  memoryBytes: number;
  /** Lambda: 1,024 processes and threads per execution environment. */
  pidsMax: number;
  /** CPU time per period, both in microseconds; a quota of -1: none (the `shared` model). */
  cpuQuotaUs: number;
  cpuPeriodUs: number;
  /**
   * The group's CPU weight in cgroup v1 units (`cpu.shares`: 2 to 262,144, 1,024 a plain
   * process's); v2 writes it as `cpu.weight` (cpuWeightOf).
   */
  cpuShares: number;
}

/**
 * How sandboxes share the CPU (`nimbus serve --cpu-model`, docs/performance.md):
 * - `shared` (the default): weights in proportion to memory, no quota. Work-conserving: on an idle
 *   machine a 128 MB function runs at full speed; when sandboxes compete, CPU divides by memory size,
 *   as on Lambda (a 1,769 MB function weighs as much as 13.8 of 128 MB).
 * - `lambda`: Lambda's hard proportional quota (128 MB = 0.07 vCPU, capped at the host's cores),
 *   for users who want Lambda's timings on any machine.
 */
export type CpuModel = 'shared' | 'lambda';
export const CPU_MODELS: readonly CpuModel[] = ['shared', 'lambda'];

/** One sandbox's cgroup(s). */
export interface SandboxCgroup {
  /** Every `cgroup.procs` file a process must join (one per v1 hierarchy, one on v2). */
  readonly procsFiles: readonly string[];
  /**
   * What a process that is still single-threaded (the launch wrapper, launcher.ts) writes to, to
   * join the cgroups itself: on v1 each hierarchy's `tasks` file, written `0` (the writing thread,
   * which is then the whole process); on v2 `cgroup.procs`, written its pid. Why not v1's
   * `cgroup.procs`: moving a whole process takes the kernel's global threadgroup lock for writing,
   * a per-CPU rwsem whose write side waits for an RCU grace period (7-33 ms measured here, per
   * start, on the launch path); moving only the calling thread skips that lock (Linux's
   * cgroup_procs_write_start: "If we migrate a single thread... we can skip the global lock").
   */
  readonly joinFiles: readonly string[];
  /** The cgroup directories, for crash records. */
  readonly dirs: readonly string[];
  /** Highest memory use so far, in bytes (0 when unknown). */
  peakMemoryBytes(): number;
  /** How many times the kernel's OOM killer fired in this cgroup. */
  oomKills(): number;
  /** Pids of every process in the cgroup. */
  pids(): number[];
  /** Changes the CPU quota (microseconds per period; -1: none) of a running cgroup. */
  setCpuQuota(quotaUs: number, periodUs: number): void;
  /** Changes the CPU weight (v1 shares; IDLE_SHARES: runs only on otherwise idle CPU). */
  setCpuShares(shares: number): void;
  /** Memory in use now, in bytes (0 when unknown). */
  memoryBytes(): number;
  /** Changes the memory limit (swap included) of a running cgroup; throws when usage cannot fit under it. */
  setMemoryLimit(bytes: number): void;
  /** SIGKILLs every process in the cgroup, forks in flight included. */
  killAll(): void;
  /** Waits until the cgroup is empty (at most `timeoutMs`), then removes it. Idempotent. */
  remove(timeoutMs?: number): Promise<void>;
}

/** Creates sandbox cgroups under one parent. */
export interface CgroupManager {
  readonly version: 1 | 2;
  /** Creates `<parent>/<name>` with `limits` applied before any process joins. */
  create(name: string, limits: CgroupLimits): SandboxCgroup;
  /** The cgroup of directories recorded by an earlier run, to sweep and remove it. */
  open(dirs: readonly string[]): SandboxCgroup;
  /** The directories a sandbox cgroup called `name` has (or would have). */
  dirsFor(name: string): string[];
  /** Names of sandbox cgroups present under the parent (leftovers when no sandbox runs). */
  list(): string[];
  /** Removes the parent directories if they are empty. */
  pruneParents(): void;
}

/** Lambda gives one full vCPU at 1,769 MB and CPU in proportion below and above it. */
export const MB_PER_VCPU = 1769;
/**
 * A 20 ms period instead of CFS's default 100 ms: the same share, but a small function that
 * spends its quota waits at most ~20 ms for the next period rather than ~100 ms (at 128 MB the
 * quota is 1.45 ms per 20 ms). Quotas below 1 ms are rejected by the kernel.
 */
export const CPU_PERIOD_US = 20_000;
const MIN_QUOTA_US = 1_000;
/**
 * Memory worth a plain process's weight (1,024 shares) in the shared model: Lambda's smallest
 * size. Sandboxes are siblings under Nimbus's own cgroup, so only their weights relative to each
 * other matter (CPU in proportion to memory), and the scale is free: measured, tiny absolute
 * weights (74 shares for 128 MB at 1,024 per 1,769 MB) cost 1.4-10x in throughput at 32
 * connections and 3x in latency at one, against the same sandboxes at 1,024 (docs/performance.md).
 */
const SHARE_UNIT_MB = 128;
/** cpu.shares of a plain process (nice 0), and the kernel's minimum and maximum. */
const NORMAL_SHARES = 1024;
export const IDLE_SHARES = 2;
const MAX_SHARES = 262_144;

/**
 * Limits for a function of `memoryMb` under `model`: memory, 1,024 pids, and CPU in proportion to
 * memory. `lambda`: a hard quota, never more than the host has (`hostCpus`): a 10,240 MB function is
 * worth 5.8 vCPU on Lambda, and a quota above the host's cores only let it take every core from
 * its neighbours. `shared`: no quota, a weight of 1,024 shares per 128 MB.
 */
export function limitsFor(memoryMb: number, model: CpuModel, hostCpus = availableParallelism()): CgroupLimits {
  const memoryBytes = memoryMb * 1024 * 1024;
  if (model === 'shared') {
    const shares = Math.min(MAX_SHARES, Math.max(IDLE_SHARES, Math.round((NORMAL_SHARES * memoryMb) / SHARE_UNIT_MB)));
    return { memoryBytes, pidsMax: 1024, cpuQuotaUs: -1, cpuPeriodUs: CPU_PERIOD_US, cpuShares: shares };
  }
  const share = Math.round((CPU_PERIOD_US * memoryMb) / MB_PER_VCPU);
  return {
    memoryBytes,
    pidsMax: 1024,
    cpuQuotaUs: Math.min(Math.max(MIN_QUOTA_US, share), CPU_PERIOD_US * Math.max(1, hostCpus)),
    cpuPeriodUs: CPU_PERIOD_US,
    cpuShares: NORMAL_SHARES,
  };
}

/**
 * The limits while the runtime starts: at least one vCPU's quota and at least a plain process's
 * weight. At Lambda's proportional share a 128 MB Node.js function needs over a second of wall
 * time just to start (measured: 1.35 s vs 0.15 s), and at 74 shares on a busy machine 32 of them
 * starting at once crawl as well; the sandbox applies `limitsFor` once the runtime is ready,
 * before any invocation.
 */
export function initLimits(limits: CgroupLimits): CgroupLimits {
  const cpuShares = Math.max(limits.cpuShares, NORMAL_SHARES);
  return limits.cpuQuotaUs < 0 ? { ...limits, cpuShares } : { ...limits, cpuShares, cpuQuotaUs: Math.max(limits.cpuQuotaUs, limits.cpuPeriodUs) };
}

/** cgroup v2's `cpu.weight` (1 to 10,000, 100 by default) for v1 `shares` (1,024 by default). */
export function cpuWeightOf(shares: number): number {
  return Math.min(10_000, Math.max(1, Math.round((shares * 100) / NORMAL_SHARES)));
}

/** v2's `cpu.max` text for a quota (-1: none). */
export function cpuMaxOf(quotaUs: number, periodUs: number): string {
  return `${quotaUs < 0 ? 'max' : quotaUs} ${periodUs}`;
}

/** One line of /proc/self/mountinfo that mounts a cgroup file system. */
export interface CgroupMount {
  mountPoint: string;
  /** The hierarchy path mounted there (`/` unless the host itself runs in a container). */
  root: string;
  version: 1 | 2;
  /** v1 controllers bound to this hierarchy (from the super options). */
  controllers: string[];
}

/** Parses the cgroup mounts out of a mountinfo text (proc(5): fields, then " - ", fstype, source, super options). */
export function parseCgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const pre = line.slice(0, sep).split(' ');
    const [fstype, , superOpts = ''] = line.slice(sep + 3).split(' ');
    const root = unescapeMount(pre[3] ?? '/');
    const mountPoint = unescapeMount(pre[4] ?? '');
    if (fstype === 'cgroup2') out.push({ mountPoint, root, version: 2, controllers: [] });
    else if (fstype === 'cgroup') out.push({ mountPoint, root, version: 1, controllers: superOpts.split(',') });
  }
  return out;
}

/** Parses /proc/self/cgroup into hierarchy -> path (v1 keyed by each controller, v2 by ''). */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, ctrls = '', path = '/'] = m;
    if (ctrls === '') out.set('', path);
    for (const c of ctrls.split(',')) if (c) out.set(c.replace(/^name=/, 'name='), path);
  }
  return out;
}

/** Where on disk a process's cgroup of one hierarchy is: the mount point plus the path below the mount's root. */
export function cgroupDir(mount: CgroupMount, procPath: string): string {
  const rel = mount.root !== '/' && procPath.startsWith(mount.root) ? procPath.slice(mount.root.length) : procPath;
  return `${mount.mountPoint}${rel === '/' ? '' : rel}`.replace(/\/+$/, '');
}

/** Decodes the octal escapes (\040 for a space) mountinfo uses in paths. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
