/**
 * The generated seccomp program, run through a small classic-BPF interpreter: what each system
 * call gets, per architecture. (The namespace-isolation test checks the kernel agrees.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DENIED_SYSCALLS, buildSeccompFilter } from '../../src/sandbox/namespace/seccomp.js';
import { AARCH64, X86_64, type SyscallTable } from '../../src/sandbox/namespace/syscalls.js';

const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;
const ENOSYS = 0x00050026;
const KILL = 0x80000000;

/** Runs a classic-BPF seccomp program over one seccomp_data and returns the action. */
function run(prog: Buffer, data: { nr: number; arch: number; args?: number[] }): number {
  const mem = Buffer.alloc(64);
  mem.writeInt32LE(data.nr, 0);
  mem.writeUInt32LE(data.arch, 4);
  (data.args ?? []).forEach((a, i) => mem.writeUInt32LE(a >>> 0, 16 + 8 * i));
  let acc = 0;
  for (let pc = 0; pc < prog.length / 8; ) {
    const code = prog.readUInt16LE(pc * 8);
    const jt = prog.readUInt8(pc * 8 + 2);
    const jf = prog.readUInt8(pc * 8 + 3);
    const k = prog.readUInt32LE(pc * 8 + 4);
    switch (code) {
      case 0x20: acc = mem.readUInt32LE(k); pc++; break;
      case 0x54: acc = (acc & k) >>> 0; pc++; break;
      case 0x15: pc += 1 + (acc === k ? jt : jf); break;
      case 0x35: pc += 1 + (acc >= k ? jt : jf); break;
      case 0x45: pc += 1 + ((acc & k) !== 0 ? jt : jf); break;
      case 0x06: return k;
      default: throw new Error(`unknown opcode ${code.toString(16)}`);
    }
  }
  throw new Error('fell off the end of the program');
}

for (const table of [X86_64, AARCH64] as SyscallTable[]) {
  describe(`seccomp filter (${table.name})`, () => {
    const prog = buildSeccompFilter(table);
    const call = (name: string, args: number[] = []): number => run(prog, { nr: table.nr[name]!, arch: table.auditArch, args });

    it('refuses every denied call that exists on the architecture with EPERM', () => {
      for (const name of DENIED_SYSCALLS) if (table.nr[name] !== undefined) assert.equal(call(name), EPERM, name);
      for (const name of ['mount', 'ptrace', 'unshare', 'setns', 'keyctl', 'bpf', 'init_module', 'kexec_load', 'open_by_handle_at', 'userfaultfd', 'perf_event_open']) {
        assert.equal(call(name), EPERM, name);
      }
    });

    it('allows ordinary calls', () => {
      for (const nr of [0, 1, 3, 60, 63, 93, 231]) {
        if (Object.values(table.nr).includes(nr)) continue;
        assert.equal(run(prog, { nr, arch: table.auditArch }), ALLOW, `nr ${nr}`);
      }
    });

    it('kills a foreign architecture', () => {
      const other = table === X86_64 ? AARCH64 : X86_64;
      assert.equal(run(prog, { nr: 0, arch: other.auditArch }), KILL);
      assert.equal(run(prog, { nr: 0, arch: 0x40000003 /* i386 */ }), KILL);
    });

    it('refuses packet, raw and exotic-family sockets (AF_VSOCK, AF_ALG...) but allows TCP, UDP, Unix and netlink', () => {
      assert.equal(call('socket', [17, 3]), EPERM, 'AF_PACKET');
      assert.equal(call('socket', [2, 3]), EPERM, 'AF_INET SOCK_RAW');
      assert.equal(call('socket', [2, 3 | 0x80000]), EPERM, 'SOCK_RAW | SOCK_CLOEXEC');
      assert.equal(call('socket', [10, 3 | 0x800]), EPERM, 'AF_INET6 SOCK_RAW | SOCK_NONBLOCK');
      assert.equal(call('socket', [2, 1 | 0x80000]), ALLOW, 'TCP');
      assert.equal(call('socket', [2, 2]), ALLOW, 'UDP');
      assert.equal(call('socket', [1, 1]), ALLOW, 'Unix');
      assert.equal(call('socket', [16, 3]), ALLOW, 'netlink (getifaddrs) uses SOCK_RAW on AF_NETLINK');
      assert.equal(call('socket', [2, 10]), EPERM, 'SOCK_PACKET');
      assert.equal(call('socket', [40, 1]), EPERM, 'AF_VSOCK');
      assert.equal(call('socket', [38, 5]), EPERM, 'AF_ALG');
      assert.equal(call('socket', [30, 2]), EPERM, 'AF_TIPC');
      assert.equal(call('socket', [16, 2]), ALLOW, 'netlink datagram');
    });

    it('refuses clone into new namespaces but allows threads and forks; clone3 gets ENOSYS', () => {
      assert.equal(call('clone', [0x10000000]), EPERM, 'CLONE_NEWUSER');
      assert.equal(call('clone', [0x20000000 | 0x11]), EPERM, 'CLONE_NEWPID');
      assert.equal(call('clone', [0x003d0f00]), ALLOW, 'pthread_create flags');
      assert.equal(call('clone', [0x01200011]), ALLOW, 'fork flags');
      assert.equal(call('clone3'), ENOSYS);
    });

    it('refuses terminal injection ioctls only', () => {
      assert.equal(call('ioctl', [0, 0x5412]), EPERM, 'TIOCSTI');
      assert.equal(call('ioctl', [0, 0x5401]), ALLOW, 'TCGETS');
    });
  });
}

describe('seccomp filter (x32 ABI)', () => {
  it('kills x32 calls, which would bypass the 64-bit numbers', () => {
    const prog = buildSeccompFilter(X86_64);
    assert.equal(run(prog, { nr: 0x40000000 + 165, arch: X86_64.auditArch }), KILL);
  });
});
