/**
 * The sandbox's seccomp filter, generated as a classic-BPF program (`struct sock_filter[]`) that
 * `bwrap --seccomp FD` installs before it execs the runtime. Generating it here means no
 * libseccomp and no compiler on the host.
 *
 * Policy: allow by default, refuse with EPERM the calls that administer the kernel or widen the
 * attack surface (the list Docker's and Firecracker's profiles converge on), and kill the process
 * on a foreign architecture or the x32 ABI, which would otherwise slip past the number checks.
 * EPERM rather than SIGSYS keeps runtimes alive: libuv, glibc and the JVM probe several of these
 * calls and fall back when they fail.
 */
import type { SyscallTable } from './syscalls.js';

/** Calls refused outright. Each one either needs a capability the sandbox never has or is a known kernel attack path. */
export const DENIED_SYSCALLS: readonly string[] = [
  // Mounts and root changes: a container's filesystem view must stay the one it was given.
  'mount', 'umount2', 'pivot_root', 'chroot', 'open_tree', 'move_mount', 'fsopen', 'fsconfig', 'fsmount', 'fspick', 'mount_setattr',
  // New namespaces: unprivileged user namespaces are the entry point of a whole CVE class (CVE-2022-0185, CVE-2023-0386).
  'unshare', 'setns',
  // Looking into or stealing from other processes.
  'ptrace', 'process_vm_readv', 'process_vm_writev', 'pidfd_getfd',
  // The kernel keyring is not namespaced.
  'keyctl', 'add_key', 'request_key',
  // eBPF, perf and userfaultfd: large kernel surfaces; userfaultfd widens race windows in exploits.
  'bpf', 'perf_event_open', 'userfaultfd',
  // io_uring bypasses seccomp for the operations it performs, and has had many CVEs.
  'io_uring_setup', 'io_uring_enter', 'io_uring_register',
  // Modules, kexec, reboot, swap, accounting, quotas, the kernel log.
  'init_module', 'finit_module', 'delete_module', 'kexec_load', 'kexec_file_load', 'reboot',
  'swapon', 'swapoff', 'acct', 'quotactl', 'quotactl_fd', 'syslog', 'lookup_dcookie', 'uselib', 'vhangup',
  // File handles bypass path permissions (the "shocker" container escape).
  'open_by_handle_at', 'name_to_handle_at',
  // The clock and host names are global to the machine (the UTS namespace covers names, but deny anyway).
  'settimeofday', 'clock_settime', 'clock_adjtime', 'adjtimex', 'sethostname', 'setdomainname',
  // Raw port I/O (x86 only; absent names are skipped).
  'iopl', 'ioperm',
];

// Classic BPF opcodes (include/uapi/linux/filter.h, bpf_common.h).
const LD_W_ABS = 0x20;
const ALU_AND_K = 0x54;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;

// seccomp return actions (include/uapi/linux/seccomp.h).
const RET_KILL_PROCESS = 0x80000000;
const RET_ERRNO = 0x00050000;
const RET_ALLOW = 0x7fff0000;
const EPERM = 1;
const ENOSYS = 38;

// Offsets in struct seccomp_data { int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]; }.
// The low 32 bits of args[i] sit at 16 + 8 * i on little-endian machines (both supported arches).
const OFF_NR = 0;
const OFF_ARCH = 4;
const argLow = (i: number): number => 16 + 8 * i;

const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const AF_NETLINK = 16;
const SOCK_TYPE_MASK = 0xf; // strips SOCK_NONBLOCK and SOCK_CLOEXEC
const SOCK_RAW = 3;
const SOCK_PACKET = 10;
/** CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET. */
const CLONE_NS_FLAGS = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000;
/** Terminal injection into the controlling terminal (CVE-2017-5226), and its console sibling. */
const TIOCSTI = 0x5412;
const TIOCLINUX = 0x541c;

type Target = string;
interface Insn {
  code: number;
  k: number;
  jt?: Target;
  jf?: Target;
  label?: string;
}

/** Builds the filter for one architecture; returns the bytes `bwrap --seccomp` reads. */
export function buildSeccompFilter(table: SyscallTable): Buffer {
  const p: Insn[] = [];
  const label = (name: string): void => {
    p.push({ code: -1, k: 0, label: name });
  };
  p.push({ code: LD_W_ABS, k: OFF_ARCH });
  p.push({ code: JEQ_K, k: table.auditArch, jf: 'kill' });
  p.push({ code: LD_W_ABS, k: OFF_NR });
  if (table.x32Bit !== null) p.push({ code: JGE_K, k: table.x32Bit, jt: 'kill' });
  const nr = (name: string): number => {
    const n = table.nr[name];
    if (n === undefined) throw new Error(`seccomp: no ${name} on ${table.name}`);
    return n;
  };
  p.push({ code: JEQ_K, k: nr('socket'), jt: 'socket' });
  p.push({ code: JEQ_K, k: nr('clone'), jt: 'clone' });
  p.push({ code: JEQ_K, k: nr('ioctl'), jt: 'ioctl' });
  // clone3 passes its flags in a struct seccomp cannot read; ENOSYS makes glibc fall back to clone.
  p.push({ code: JEQ_K, k: nr('clone3'), jt: 'enosys' });
  for (const name of DENIED_SYSCALLS) {
    const n = table.nr[name];
    if (n !== undefined) p.push({ code: JEQ_K, k: n, jt: 'deny' });
  }
  p.push({ code: RET_K, k: RET_ALLOW });

  // Address families: Unix, IPv4, IPv6 and netlink only, as runtimes need. Every other family is a
  // kernel surface a function has no use for: AF_VSOCK reaches the hypervisor's host side, AF_ALG,
  // AF_TIPC, AF_RDS and AF_BLUETOOTH have had privilege-escalation bugs, AF_PACKET forges traffic.
  // Raw IP sockets forge traffic too (CAP_NET_RAW is gone, this is the second lock); netlink uses
  // SOCK_RAW for ordinary things (getifaddrs, `ip route`).
  label('socket');
  p.push({ code: LD_W_ABS, k: argLow(0) });
  p.push({ code: JEQ_K, k: AF_INET, jt: 'socket-type' });
  p.push({ code: JEQ_K, k: AF_INET6, jt: 'socket-type' });
  p.push({ code: JEQ_K, k: AF_UNIX, jt: 'allow' });
  p.push({ code: JEQ_K, k: AF_NETLINK, jt: 'allow' });
  p.push({ code: RET_K, k: RET_ERRNO | EPERM });
  label('socket-type');
  p.push({ code: LD_W_ABS, k: argLow(1) });
  p.push({ code: ALU_AND_K, k: SOCK_TYPE_MASK });
  p.push({ code: JEQ_K, k: SOCK_RAW, jt: 'deny' });
  p.push({ code: JEQ_K, k: SOCK_PACKET, jt: 'deny' });
  p.push({ code: RET_K, k: RET_ALLOW });

  label('clone');
  p.push({ code: LD_W_ABS, k: argLow(0) });
  p.push({ code: JSET_K, k: CLONE_NS_FLAGS, jt: 'deny' });
  p.push({ code: RET_K, k: RET_ALLOW });

  label('ioctl');
  p.push({ code: LD_W_ABS, k: argLow(1) });
  p.push({ code: JEQ_K, k: TIOCSTI, jt: 'deny' });
  p.push({ code: JEQ_K, k: TIOCLINUX, jt: 'deny' });
  p.push({ code: RET_K, k: RET_ALLOW });

  label('allow');
  p.push({ code: RET_K, k: RET_ALLOW });
  label('deny');
  p.push({ code: RET_K, k: RET_ERRNO | EPERM });
  label('enosys');
  p.push({ code: RET_K, k: RET_ERRNO | ENOSYS });
  label('kill');
  p.push({ code: RET_K, k: RET_KILL_PROCESS });
  return assemble(p);
}

/** Resolves labels to forward jump offsets and encodes `struct sock_filter { u16 code; u8 jt, jf; u32 k; }`. */
function assemble(program: Insn[]): Buffer {
  const at = new Map<string, number>();
  const real: Insn[] = [];
  for (const insn of program) {
    if (insn.label) at.set(insn.label, real.length);
    else real.push(insn);
  }
  const buf = Buffer.alloc(real.length * 8);
  real.forEach((insn, i) => {
    const off = (t: Target | undefined): number => {
      if (t === undefined) return 0;
      const dest = at.get(t);
      if (dest === undefined) throw new Error(`seccomp: unknown label ${t}`);
      const d = dest - i - 1;
      // Classic BPF jumps only forward, by at most 255 instructions.
      if (d < 0 || d > 255) throw new Error(`seccomp: jump to ${t} out of range (${d})`);
      return d;
    };
    buf.writeUInt16LE(insn.code, i * 8);
    buf.writeUInt8(off(insn.jt), i * 8 + 2);
    buf.writeUInt8(off(insn.jf), i * 8 + 3);
    buf.writeUInt32LE(insn.k >>> 0, i * 8 + 4);
  });
  return buf;
}
