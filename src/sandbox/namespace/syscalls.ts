/**
 * System call numbers the seccomp filter needs, per architecture. They are kernel ABI (x86_64:
 * arch/x86/entry/syscalls/syscall_64.tbl; aarch64: include/uapi/asm-generic/unistd.h) and never
 * change once assigned, so a table beats depending on libseccomp.
 */

/** A seccomp architecture: the `AUDIT_ARCH_*` value the kernel reports in `seccomp_data.arch`. */
export interface SyscallTable {
  readonly name: 'x86_64' | 'aarch64';
  /** AUDIT_ARCH_X86_64 = EM_X86_64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE, and likewise for aarch64. */
  readonly auditArch: number;
  /**
   * x86_64 also accepts x32-ABI calls, numbered from __X32_SYSCALL_BIT (0x40000000): a filter that
   * only lists 64-bit numbers must refuse them outright or they bypass it.
   */
  readonly x32Bit: number | null;
  readonly nr: Readonly<Record<string, number>>;
}

const shared = {
  io_uring_setup: 425,
  io_uring_enter: 426,
  io_uring_register: 427,
  open_tree: 428,
  move_mount: 429,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  clone3: 435,
  pidfd_getfd: 438,
  mount_setattr: 442,
  quotactl_fd: 443,
} as const;

export const X86_64: SyscallTable = {
  name: 'x86_64',
  auditArch: 0xc000003e,
  x32Bit: 0x40000000,
  nr: {
    ...shared,
    ioctl: 16,
    socket: 41,
    clone: 56,
    ptrace: 101,
    syslog: 103,
    uselib: 134,
    vhangup: 153,
    pivot_root: 155,
    adjtimex: 159,
    chroot: 161,
    acct: 163,
    settimeofday: 164,
    mount: 165,
    umount2: 166,
    swapon: 167,
    swapoff: 168,
    reboot: 169,
    sethostname: 170,
    setdomainname: 171,
    iopl: 172,
    ioperm: 173,
    init_module: 175,
    delete_module: 176,
    quotactl: 179,
    lookup_dcookie: 212,
    clock_settime: 227,
    kexec_load: 246,
    add_key: 248,
    request_key: 249,
    keyctl: 250,
    unshare: 272,
    perf_event_open: 298,
    name_to_handle_at: 303,
    open_by_handle_at: 304,
    clock_adjtime: 305,
    setns: 308,
    process_vm_readv: 310,
    process_vm_writev: 311,
    finit_module: 313,
    kexec_file_load: 320,
    bpf: 321,
    userfaultfd: 323,
  },
};

export const AARCH64: SyscallTable = {
  name: 'aarch64',
  auditArch: 0xc00000b7,
  x32Bit: null,
  nr: {
    ...shared,
    lookup_dcookie: 18,
    ioctl: 29,
    umount2: 39,
    mount: 40,
    pivot_root: 41,
    chroot: 51,
    vhangup: 58,
    quotactl: 60,
    acct: 89,
    unshare: 97,
    kexec_load: 104,
    init_module: 105,
    delete_module: 106,
    clock_settime: 112,
    syslog: 116,
    ptrace: 117,
    reboot: 142,
    sethostname: 161,
    setdomainname: 162,
    settimeofday: 170,
    adjtimex: 171,
    socket: 198,
    add_key: 217,
    request_key: 218,
    keyctl: 219,
    clone: 220,
    swapon: 224,
    swapoff: 225,
    perf_event_open: 241,
    name_to_handle_at: 264,
    open_by_handle_at: 265,
    clock_adjtime: 266,
    setns: 268,
    process_vm_readv: 270,
    process_vm_writev: 271,
    finit_module: 273,
    bpf: 280,
    userfaultfd: 282,
    kexec_file_load: 294,
  },
};

/** The table for the machine Nimbus runs on, or null on an architecture without one. */
export function hostSyscallTable(arch: string = process.arch): SyscallTable | null {
  if (arch === 'x64') return X86_64;
  if (arch === 'arm64') return AARCH64;
  return null;
}
