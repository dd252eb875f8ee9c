/**
 * Mounts for stem cells (stem-cell.ts), made in a mount namespace of their own.
 *
 * Node.js has no mount(2), and running mount(8) costs a fork, an exec and libmount's parse of the
 * mount table: 3-25 ms per call measured on this project's 2-core machine under load, while a
 * stem cell's whole cold start aims at 15 ms and its assignment needs three calls. So one
 * resident helper makes the calls: a few lines of Perl (perl-base is part of every Debian and
 * Ubuntu system) that read requests on a pipe and call mount(2) and umount2(2) through `syscall`,
 * about 1 ms per request.
 *
 * The helper runs in a private mount namespace (unshare --mount), and stem cells are started
 * inside it (launcher.ts), so the cells' mounts never appear in the host's mount table: when
 * Nimbus dies, even by SIGKILL, the helper reads end-of-file and exits, the cells die with their
 * parent, and the namespace and every mount in it go with them. Nothing is left to unmount.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { findProgram } from './host-layout.js';

/** One mount(2) or umount2(2) call. */
export type MountStep =
  | { op: 'bind'; source: string; target: string }
  | { op: 'remount-ro'; target: string }
  | { op: 'shared' | 'private'; target: string }
  | { op: 'detach'; target: string };

export interface Mounter {
  /** The helper's mount namespace (`/proc/<pid>/ns/mnt`), where stem cells must start. */
  readonly namespace: string;
  /** Runs the steps in order in the helper's namespace and stops at the first failure (rejecting with it). */
  mount(steps: readonly MountStep[]): Promise<void>;
  close(): void;
}

// <linux/mount.h>
const MS_RDONLY = 1;
const MS_NOSUID = 2;
const MS_NODEV = 4;
const MS_REMOUNT = 32;
const MS_BIND = 4096;
const MS_PRIVATE = 1 << 18;
const MS_SHARED = 1 << 20;
const MNT_DETACH = 2;

/** mount(2) and umount2(2) numbers: x86_64's table, and the generic one arm64 uses. */
const SYSCALLS: Partial<Record<NodeJS.Architecture, { mount: number; umount2: number }>> = {
  x64: { mount: 165, umount2: 166 },
  arm64: { mount: 40, umount2: 39 },
};

/**
 * Each request is one line of NUL-separated (call, path, path, flags) steps; the answer is `ok`,
 * or `err <errno text>` after the first failing call. A numeric argument goes to the kernel as an
 * integer and a string as a pointer (perlfunc, syscall): the file system type and data are NULL.
 */
const PERL = (nr: { mount: number; umount2: number }): string => `$| = 1;
print "ready\\n";
while (my $line = <STDIN>) {
  chomp $line;
  my @f = split /\\0/, $line, -1;
  my $out = "ok";
  for (my $i = 0; $i + 3 < @f; $i += 4) {
    my $r = $f[$i] eq "u"
      ? syscall(${nr.umount2}, $f[$i + 2], $f[$i + 3] + 0)
      : syscall(${nr.mount}, $f[$i + 1], $f[$i + 2], 0, $f[$i + 3] + 0, 0);
    if ($r != 0) { $out = "err $!"; last; }
  }
  print "$out\\n";
}`;

function fieldsOf(s: MountStep): string[] {
  switch (s.op) {
    case 'bind':
      return ['m', s.source, s.target, String(MS_BIND)];
    case 'remount-ro':
      return ['m', '', s.target, String(MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)];
    case 'shared':
      return ['m', '', s.target, String(MS_SHARED)];
    case 'private':
      return ['m', '', s.target, String(MS_PRIVATE)];
    case 'detach':
      return ['u', '', s.target, String(MNT_DETACH)];
  }
}

/** The resident helper; requests are answered in order. */
class PerlMounter implements Mounter {
  readonly namespace: string;
  private readonly child: ChildProcess;
  private buffered = '';
  private readonly waiting: ((answer: string) => void)[] = [];
  private readonly ready: Promise<void>;
  private isReady = false;

  constructor(unshare: string, perl: string, nr: { mount: number; umount2: number }) {
    // Private: the helper's mounts never propagate back to the host.
    this.child = spawn(unshare, ['--mount', '--propagation', 'private', '--', perl, '-e', PERL(nr)], {
      stdio: ['pipe', 'pipe', 'ignore'],
      env: {},
    });
    this.namespace = `/proc/${this.child.pid}/ns/mnt`;
    // Until the helper speaks, its pid may still be in the host's namespace: wait for its first line.
    this.ready = new Promise((resolve, reject) => {
      this.waiting.push((line) => (line === 'ready' ? resolve() : reject(new Error(`mount helper: ${line}`))));
    });
    this.ready.then(() => (this.isReady = true), () => undefined);
    this.child.stdout!.setEncoding('utf8').on('data', (s: string) => this.onData(s));
    const gone = (): void => {
      for (const w of this.waiting.splice(0)) w('err the mount helper exited');
    };
    this.child.once('exit', gone);
    this.child.once('error', gone);
    this.child.stdin!.on('error', () => undefined);
    // The helper keeps Nimbus running only while a request waits; it exits when its input closes.
    this.child.unref();
    (this.child.stdin as unknown as { unref(): void }).unref();
  }

  private holdOpen(): void {
    const out = this.child.stdout as unknown as { ref(): void; unref(): void };
    if (this.waiting.length) out.ref();
    else out.unref();
  }

  /**
   * Once the helper is ready, the request is written before this returns, so the caller's own
   * work that follows (a stem cell's cgroup writes) overlaps the helper's.
   */
  mount(steps: readonly MountStep[]): Promise<void> {
    const fields = steps.flatMap(fieldsOf);
    if (fields.some((f) => /[\0\n]/.test(f))) return Promise.reject(new Error('mount: a path holds a NUL or a newline'));
    return this.isReady ? this.send(steps, fields) : this.ready.then(() => this.send(steps, fields));
  }

  private async send(steps: readonly MountStep[], fields: readonly string[]): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error('mount: the helper exited');
    const answer = await new Promise<string>((resolve) => {
      this.waiting.push(resolve);
      this.holdOpen();
      this.child.stdin!.write(`${fields.join('\0')}\n`);
    });
    if (answer !== 'ok') throw new Error(`mount ${steps.map((s) => `${s.op} ${s.target}`).join(', ')}: ${answer.replace(/^err /, '')}`);
  }

  close(): void {
    this.child.stdin!.end();
    this.child.kill('SIGKILL');
  }

  private onData(s: string): void {
    this.buffered += s;
    let i: number;
    while ((i = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, i);
      this.buffered = this.buffered.slice(i + 1);
      this.waiting.shift()?.(line);
    }
    this.holdOpen();
  }
}

/** The helper, or why this host cannot have one (then there are no stem cells). */
export function createMounter(): { mounter: Mounter } | { reason: string } {
  const nr = SYSCALLS[process.arch];
  if (!nr) return { reason: `no mount(2) number known for ${process.arch}` };
  const unshare = findProgram('unshare');
  const perl = findProgram('perl');
  const nsenter = findProgram('nsenter');
  if (!unshare || !perl || !nsenter) return { reason: 'unshare, nsenter and perl are needed' };
  return { mounter: new PerlMounter(unshare, perl, nr) };
}

/** nsenter(1), which starts stem cells inside the helper's namespace. */
export function nsenterPath(): string {
  return findProgram('nsenter') ?? '/usr/bin/nsenter';
}
