/**
 * Which cgroup version this host gives Nimbus (cgroup.ts describes the interface both hide):
 * v1 when its memory, pids and cpu controllers are mounted, else v2, else the reason neither works.
 * Apart from cgroup.ts so that the interface does not import its implementations.
 */
import { readFileSync } from 'node:fs';
import { parseCgroupMounts, parseProcCgroup, type CgroupManager } from './cgroup.js';
import { CgroupV1 } from './cgroup-v1.js';
import { CgroupV2 } from './cgroup-v2.js';

/** Options for `detectCgroups`; the defaults read the running system. */
export interface CgroupDetectOptions {
  /** Instance tag: a short hash of the data directory. */
  tag: string;
  mountinfo?: string;
  procCgroup?: string;
  /** Overrides the parent (for v1, a map controller -> directory; for v2 one directory). */
  parent?: string;
}

/** Picks cgroup v1 or v2 and returns a manager, or the reason neither can be used. */
export function detectCgroups(opts: CgroupDetectOptions): { manager: CgroupManager } | { reason: string } {
  let mountinfo: string;
  let procCgroup: string;
  try {
    mountinfo = opts.mountinfo ?? readFileSync('/proc/self/mountinfo', 'utf8');
    procCgroup = opts.procCgroup ?? readFileSync('/proc/self/cgroup', 'utf8');
  } catch (e) {
    return { reason: `cannot read /proc: ${(e as Error).message}` };
  }
  const mounts = parseCgroupMounts(mountinfo);
  const paths = parseProcCgroup(procCgroup);
  const v1 = CgroupV1.fromMounts(mounts, paths, opts.tag, opts.parent);
  if ('manager' in v1) return v1;
  const v2 = CgroupV2.fromMounts(mounts, paths, opts.tag, opts.parent);
  if ('manager' in v2) return v2;
  return { reason: `${v1.reason}; ${v2.reason}` };
}
