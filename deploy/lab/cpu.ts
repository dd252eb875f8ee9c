/**
 * CPU accounting for the lab: cgroup v1 `cpuacct` groups beside the nodes' `cpu` quota groups, one
 * per node (the node and every sandbox it forks), one for PostgreSQL and etcd (`infra`) and one for
 * the load generator (`client`), so that the scaling bench (bench/scenarios/cluster.ts) can say what
 * an invocation costs and where, how much of the machine a run used, and how often a node's CFS
 * quota ran out. Where the `cpuacct` hierarchy is not mounted every figure is undefined (the bench
 * then leaves the columns out); nothing here is needed to run the lab.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
/** What these helpers need of a lab's configuration (lab.ts's LabConfig has it): the name prefix of its groups. */
type LabConfig = { prefix: string };

const ACCT = '/sys/fs/cgroup/cpuacct';
const CPU = '/sys/fs/cgroup/cpu';

const group = (c: LabConfig, name: string): string => join(ACCT, `${c.prefix}-${name}`);

/** Whether the `cpuacct` hierarchy (cgroup v1) is there. */
export function accountingAvailable(): boolean {
  return existsSync(join(ACCT, 'cpuacct.usage'));
}

/** Makes the accounting group `name` if it can; returns its `cgroup.procs` path, or undefined. */
export function accountingProcs(c: LabConfig, name: string): string | undefined {
  if (!accountingAvailable()) return undefined;
  const g = group(c, name);
  mkdirSync(g, { recursive: true });
  return join(g, 'cgroup.procs');
}

/** Moves `pid` and every process descended from it into the accounting group `name`. */
export function accountTree(c: LabConfig, name: string, pid: number): void {
  const procs = accountingProcs(c, name);
  if (!procs) return;
  for (const p of descendants(pid)) {
    try {
      writeFileSync(procs, String(p));
    } catch {
      // Gone between the scan and the move.
    }
  }
}

/** `root` and its descendants, from /proc's parent links. */
function descendants(root: number): number[] {
  const parent = new Map<number, number[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const st = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(ppid, [...(parent.get(ppid) ?? []), Number(e)]);
    } catch {
      // Exited while scanning.
    }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(parent.get(out[i]!) ?? []));
  return out;
}

/** CPU time the group `name` has used so far, ms (undefined without accounting). */
export function cpuMs(c: LabConfig, name: string): number | undefined {
  const f = join(group(c, name), 'cpuacct.usage');
  return existsSync(f) ? Number(readFileSync(f, 'utf8')) / 1e6 : undefined;
}

/** The CFS figures of node `k`'s quota group: periods elapsed, periods in which the quota ran out, time held back. */
export interface Throttling {
  periods: number;
  throttled: number;
  throttledMs: number;
}

export function throttling(c: LabConfig, k: number): Throttling | undefined {
  const f = join(CPU, `${c.prefix}-n${k}`, 'cpu.stat');
  if (!existsSync(f)) return undefined;
  const m = new Map(readFileSync(f, 'utf8').trim().split('\n').map((l) => l.split(' ') as [string, string]));
  return { periods: Number(m.get('nr_periods') ?? 0), throttled: Number(m.get('nr_throttled') ?? 0), throttledMs: Number(m.get('throttled_time') ?? 0) / 1e6 };
}

/** Removes the lab's accounting groups (once their processes are gone; tries for a few seconds). */
export function removeAccounting(c: LabConfig): void {
  if (!accountingAvailable()) return;
  for (const e of readdirSync(ACCT)) {
    if (!e.startsWith(`${c.prefix}-`)) continue;
    for (let i = 0; i < 50; i++) {
      try {
        rmdirSync(join(ACCT, e));
        break;
      } catch {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      }
    }
  }
}
