/**
 * Starts bwrap so that the sandbox is inside its cgroups before it can fork, and inherits no file
 * descriptor it should not have.
 *
 * Node's spawn cannot place a child in a cgroup, and writing the pid afterwards races the child's
 * first fork. So a tiny bash wrapper joins every cgroup itself (`JOIN_CGROUPS`), sets the rlimits,
 * closes every descriptor above the ones bwrap needs, and execs bwrap (same pid, already inside).
 * Closing matters: Node marks its own descriptors close-on-exec, but whatever the process that
 * started Nimbus left open is inherited by every child (runc's CVE-2024-21626 was such a leak; exp
 * T6 in docs/reference/reliability-and-isolation.md saw one on this machine's shell).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Duplex, Readable, Writable } from 'node:stream';

/**
 * Shell lines that join the cgroups whose files (SandboxCgroup.joinFiles) come first in the
 * arguments, up to `--`: `0` to a v1 `tasks` file moves the writing thread, the whole of a shell
 * (bash starts no threads), without the kernel's global threadgroup lock and the RCU grace period
 * its write side waits for (cgroup.ts); the pid to a v2 `cgroup.procs`. Exits 125 on a failure:
 * nothing runs outside its cgroups.
 */
export const JOIN_CGROUPS = 'while [ "$1" != -- ]; do case "$1" in */tasks) echo 0 > "$1" ;; *) echo $$ > "$1" ;; esac || exit 125; shift; done; shift';

/** Lambda's limit on open files (1,024), and no core files: they would land in /tmp and leak memory. */
const WRAPPER = [
  'keep="$1"; shift',
  JOIN_CGROUPS,
  'ulimit -n 1024 && ulimit -c 0 || exit 125',
  'for p in /proc/$$/fd/*; do n=${p##*/}; case " $keep " in *" $n "*) ;; *) eval "exec $n>&-" 2>/dev/null ;; esac; done',
  'exec "$@"',
].join('\n');

export interface LaunchInput {
  bash: string;
  bwrap: string;
  /** SandboxCgroup.joinFiles. */
  joinFiles: readonly string[];
  /** NUL-separated bwrap options (environment included), passed on fd 3. */
  options: string[];
  /** The seccomp program, passed on fd 4. */
  seccomp: Buffer;
  command: string[];
  /** Also open fd 5 (bwrap's --info-fd) and fd 6 (--block-fd). */
  egress: boolean;
  /** Start bwrap in this mount namespace (stem cells: mounter.ts) instead of the host's. */
  mountNamespace?: { nsenter: string; path: string };
  /** Also open fd 7 (the extensions' output) and fd 8 (their control channel), docs/extensions.md. */
  extensions?: boolean;
}

export const ARGS_FD = 3;
export const SECCOMP_FD = 4;
export const INFO_FD = 5;
export const BLOCK_FD = 6;
export const EXT_LOG_FD = 7;
export const EXT_CONTROL_FD = 8;

/** A started bwrap and, with egress, its info and block channels. */
export interface Launched {
  child: ChildProcess;
  info: Readable | null;
  block: Writable | null;
  /** With extensions: their output, and the control channel (a socket pair, both ways). */
  extLog: Readable | null;
  control: Duplex | null;
}

/** Spawns the wrapper, feeds bwrap its options and filter, and resolves once it has started. */
export async function launchBwrap(input: LaunchInput): Promise<Launched> {
  const fds = input.egress ? [0, 1, 2, ARGS_FD, SECCOMP_FD, INFO_FD, BLOCK_FD] : [0, 1, 2, ARGS_FD, SECCOMP_FD];
  const stdio: ('ignore' | 'pipe')[] = ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'];
  if (input.egress) stdio.push('pipe', 'pipe');
  if (input.extensions) {
    if (!input.egress) stdio.push('ignore', 'ignore');
    stdio.push('pipe', 'pipe');
    fds.push(EXT_LOG_FD, EXT_CONTROL_FD);
  }
  const ns = input.mountNamespace;
  // nsenter execs bwrap in the same process: it stays the wrapper's pid, already in the cgroups.
  const enter = ns ? [ns.nsenter, `--mount=${ns.path}`, '--'] : [];
  const args = ['-c', WRAPPER, 'nimbus-sandbox', fds.join(' '), ...input.joinFiles, '--', ...enter, input.bwrap, '--args', String(ARGS_FD), '--', ...input.command];
  // The wrapper's own environment is empty: bwrap gets the sandbox's through --setenv on fd 3.
  const child = spawn(input.bash, args, { stdio, env: {} });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const argsPipe = child.stdio[ARGS_FD] as Writable;
  const seccompPipe = child.stdio[SECCOMP_FD] as Writable;
  // bwrap exits early on a bad option: its end of these pipes then closes, which is not our error.
  argsPipe.on('error', () => undefined);
  seccompPipe.on('error', () => undefined);
  argsPipe.end(Buffer.from(input.options.map((a) => `${a}\0`).join('')));
  seccompPipe.end(input.seccomp);
  const streams = child.stdio as unknown as (Readable | Writable | null)[];
  const info = input.egress ? (streams[INFO_FD] as Readable) : null;
  const block = input.egress ? (streams[BLOCK_FD] as Writable) : null;
  block?.on('error', () => undefined);
  const extLog = input.extensions ? (streams[EXT_LOG_FD] as Readable) : null;
  const control = input.extensions ? (streams[EXT_CONTROL_FD] as Duplex) : null;
  control?.on('error', () => undefined);
  return { child, info, block, extLog, control };
}

/** Reads bwrap's `--info-fd` JSON and returns the sandbox's pid 1 as the host sees it. */
export function readChildPid(info: Readable, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => done(new Error('bwrap did not report its child pid')), timeoutMs);
    const done = (err: Error | null, pid?: number): void => {
      clearTimeout(timer);
      info.off('data', onData);
      info.off('end', onEnd);
      if (err) reject(err);
      else resolve(pid!);
    };
    const onData = (c: Buffer): void => {
      text += c.toString('utf8');
      const m = /"child-pid"\s*:\s*(\d+)/.exec(text);
      if (m) done(null, Number(m[1]));
    };
    const onEnd = (): void => done(new Error(`bwrap closed its info channel without a pid: ${text}`));
    info.on('data', onData);
    info.on('end', onEnd);
  });
}
