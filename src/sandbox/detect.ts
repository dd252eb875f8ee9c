/**
 * Which isolation this host can give, and why not when it cannot. `namespace` needs Linux, root
 * (cgroups, and namespaces without a user namespace), bubblewrap, bash and setpriv, a seccomp
 * syscall table for the CPU, memory/pids/cpu cgroups (v1 or v2), and a bwrap that actually starts
 * (it fails inside unprivileged containers): the last one is checked by running it.
 */
import { spawnSync } from 'node:child_process';
import { hostSyscallTable } from './namespace/syscalls.js';
import type { CgroupManager } from './namespace/cgroup.js';
import { detectCgroups } from './namespace/cgroup-detect.js';
import { findProgram, readHostLayout, type HostLayout } from './namespace/host-layout.js';

export interface NamespaceSupport {
  ok: true;
  layout: HostLayout;
  cgroups: CgroupManager;
  /** Null when egress can be given; else why not (functions that ask for it then fail to start). */
  egressUnavailable: string | null;
  /** Null when custom runtimes can get their TCP Runtime API; else why not. */
  tcpApiUnavailable: string | null;
}

/**
 * Why namespace isolation cannot be had. `expected`: the host was set up for it (Linux, root,
 * bubblewrap and its tools installed, a seccomp table for the CPU), so its absence is a fault to
 * report, never a reason to run functions with less isolation.
 */
export type Detection = NamespaceSupport | { ok: false; reasons: string[]; expected: boolean };

/** Checks everything `namespace` isolation needs. `tag` names this instance's cgroups. */
export function detectNamespaceSupport(tag: string): Detection {
  const reasons: string[] = [];
  if (process.platform !== 'linux') return { ok: false, reasons: [`namespaces are Linux-only (this is ${process.platform})`], expected: false };
  let expected = true;
  if (process.getuid?.() !== 0) {
    reasons.push('Nimbus is not running as root (needed for cgroups and namespaces)');
    expected = false;
  }
  if (!hostSyscallTable()) {
    reasons.push(`no seccomp syscall table for ${process.arch}`);
    expected = false;
  }
  let layout: HostLayout | null = null;
  try {
    layout = readHostLayout();
  } catch (e) {
    reasons.push(`${(e as Error).message} (apt-get install bubblewrap util-linux bash)`);
    expected = false;
  }
  const cg = detectCgroups({ tag });
  if ('reason' in cg) reasons.push(cg.reason);
  if (layout && reasons.length === 0) {
    const probe = spawnSync(layout.bwrap, [
      '--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts', '--die-with-parent',
      '--ro-bind', '/usr', '/usr', ...layout.topLevel.flatMap((t) => ('symlink' in t ? ['--symlink', t.symlink, t.path] : ['--ro-bind', t.path, t.path])),
      '--proc', '/proc', '--dev', '/dev', '--', layout.sh, '-c', 'exit 0',
    ], { encoding: 'utf8', timeout: 5000, env: {} });
    if (probe.status !== 0) reasons.push(`bubblewrap cannot create namespaces here: ${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim()}`);
  }
  if (reasons.length || !layout || 'reason' in cg) return { ok: false, reasons, expected };
  const missing = ['ip', 'nft', 'nsenter'].filter((p) => !findProgram(p));
  return {
    ok: true,
    layout,
    cgroups: cg.manager,
    egressUnavailable: missing.length ? `${missing.join(', ')} not installed (apt-get install iproute2 nftables util-linux)` : null,
    tcpApiUnavailable: layout.socat ? null : 'socat is not installed (apt-get install socat)',
  };
}
