/**
 * What a function can see and do inside a `namespace` sandbox (test plan rows 25-28, 30-32 of
 * docs/reference/reliability-and-isolation.md §5): its own code, env and /tmp only; no host processes; no host
 * ports; not root, no capabilities, seccomp on; dangerous calls refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import { PLATFORM_ENV } from '../../src/runtimes/env.js';
import { nodejs } from '../../src/runtimes/node.js';
import { createSandboxFactory } from '../../src/sandbox/index.js';
import { NamespaceSandboxFactory } from '../../src/sandbox/namespace/factory.js';
import { hostSyscallTable } from '../../src/sandbox/namespace/syscalls.js';
import type { Sandbox } from '../../src/sandbox/types.js';
import { assertIsolation, call, codeDir, hostPidsOfUid, isolationSkip, rmrf, spec, tempDir } from './helpers.js';

type Read = { ok: boolean; value?: unknown; code?: string };
type Status = { uid: number; gid: number; env: Record<string, string>; status: string; pids: number[]; pid1: Read; fds: string[] };

// The same guarantees whether a sandbox starts fresh or from a stem cell (docs/isolation.md).
for (const stem of [false, true]) describe(`namespace sandbox isolation${stem ? ' (from stem cells)' : ''}`, { skip: isolationSkip() }, () => {
  let dataDir: string;
  let factory: NamespaceSandboxFactory;
  let codeA: string;
  let codeB: string;
  let a: Sandbox;
  let b: Sandbox;
  let server: net.Server;
  let port: number;
  const savedCa = process.env['NODE_EXTRA_CA_CERTS'];

  before(async () => {
    assertIsolation();
    // The host variable that must never leak: set it here so the test means something anywhere.
    process.env['NODE_EXTRA_CA_CERTS'] = '/etc/ssl/certs/ca-certificates.crt';
    dataDir = tempDir('nimbus-iso-');
    const choice = createSandboxFactory({ isolation: 'namespace', dataDir, hostPorts: [], ...(stem ? { stemCells: 2, stemRuntimes: [nodejs] } : {}) });
    assert.equal(choice.isolation, 'namespace');
    factory = choice.factory as NamespaceSandboxFactory;
    if (stem) {
      factory.prestart();
      assert.equal(await factory.stemCellsReady(30_000), true, 'two stem cells start');
    }
    codeA = codeDir({ 'secret-a.txt': 'code-secret-of-a' });
    codeB = codeDir();
    // Lambda's platform variables, as Nimbus passes them: a stem cell was started with the same.
    a = factory.create(spec(codeA, { functionName: 'fn-a', env: { ...PLATFORM_ENV, SECRET_A: 'env-secret-of-a' } }));
    b = factory.create(spec(codeB, { functionName: 'fn-b', env: { ...PLATFORM_ENV } }));
    await Promise.all([a.start(10_000), b.start(10_000)]);
    for (const sb of [a, b]) assert.equal(factory.cgroupDirsOf(sb.id)[0]!.includes('/stem'), stem, 'the sandbox comes from a stem cell iff enabled');
    server = net.createServer((s) => s.end('host'));
    await new Promise<void>((r) => server.listen(0, '0.0.0.0', r));
    port = (server.address() as net.AddressInfo).port;
  });

  after(async () => {
    if (savedCa === undefined) delete process.env['NODE_EXTRA_CA_CERTS'];
    else process.env['NODE_EXTRA_CA_CERTS'] = savedCa;
    server?.close();
    await factory?.close();
    for (const d of [dataDir, codeA, codeB]) if (d) rmrf(d);
  });

  it('runs as a non-root uid with no capabilities, no_new_privs and a seccomp filter', async () => {
    const s = await call<Status>(a, { op: 'status' });
    assert.notEqual(s.uid, 0);
    assert.notEqual(s.gid, 0);
    assert.notEqual(s.uid, process.getuid?.(), 'the sandbox uid differs from Nimbus’s');
    const field = (k: string): string | undefined => new RegExp(`^${k}:\\s+(\\S+)`, 'm').exec(s.status)?.[1];
    assert.equal(field('CapEff'), '0000000000000000');
    assert.equal(field('CapPrm'), '0000000000000000');
    assert.equal(field('CapBnd'), '0000000000000000');
    assert.equal(field('NoNewPrivs'), '1');
    assert.equal(field('Seccomp'), '2');
    const sb = await call<Status>(b, { op: 'status' });
    assert.notEqual(sb.uid, s.uid, 'two sandboxes never share a uid');
  });

  it('gets exactly the function’s environment: nothing from the host', async () => {
    const s = await call<Status>(a, { op: 'status' });
    assert.equal(s.env['SECRET_A'], 'env-secret-of-a');
    assert.equal(s.env['AWS_LAMBDA_FUNCTION_NAME'], 'fn-a');
    assert.equal(s.env['NODE_EXTRA_CA_CERTS'], undefined);
    assert.equal(s.env['NIMBUS_RUNTIME_API_SOCKET'], undefined, 'the bootstrap hides its own channel');
    for (const k of ['HOME', 'USER', 'SHELL', 'CI', 'NODE_OPTIONS']) assert.equal(s.env[k], undefined, k);
    const expected = new Set([...Object.keys(spec(codeA).env), ...Object.keys(PLATFORM_ENV), 'SECRET_A', 'NODE_PATH', 'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR', 'PWD',
      // Nimbus's own API, through the sandbox's relay (src/sandbox/api-relay.ts).
      'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_LAMBDA']);
    for (const k of Object.keys(s.env)) assert.ok(expected.has(k), `unexpected variable ${k} in the sandbox`);
  });

  it('inherits no file descriptor beyond stdio', async () => {
    const r = await call<{ stdout: string }>(a, { op: 'sh', cmd: 'ls /proc/$$/fd' });
    // The shell inherits every descriptor not marked close-on-exec, which is what a leak looks like.
    assert.deepEqual(r.stdout.trim().split('\n').map(Number).sort((x, y) => x - y), [0, 1, 2]);
  });

  it('sees only its own processes', async () => {
    const s = await call<Status>(a, { op: 'status' });
    assert.ok(s.pids.length < 10, `saw ${s.pids.length} processes: ${s.pids.join(',')}`);
    assert.ok(!s.pids.includes(process.pid) || process.pid < 10, 'the test runner is not visible');
    assert.match(String(s.pid1.value), /bwrap/, 'pid 1 is the sandbox’s own init');
    const environs = await call<Read[]>(b, { op: 'environs' });
    assert.ok(!JSON.stringify(environs).includes('env-secret-of-a'), 'B cannot read A’s environment');
  });

  it('cannot signal another sandbox’s processes, even knowing their host pids', async () => {
    const { uid } = await call<Status>(b, { op: 'status' });
    const pids = hostPidsOfUid(uid);
    assert.ok(pids.length > 0);
    const r = await call<{ stdout: string }>(a, { op: 'sh', cmd: pids.map((p) => `kill -0 ${p} 2>/dev/null && echo reached ${p}`).join('; ') + '; true' });
    assert.equal(r.stdout, '', 'no host pid of B exists in A’s pid namespace');
    assert.equal((await call<Status>(b, { op: 'status' })).uid, uid, 'B is unharmed');
  });

  it('cannot read another sandbox’s code, environment or /tmp', async () => {
    assert.equal((await call<Read>(a, { op: 'write', path: '/tmp/marker', data: 'tmp-secret-of-a' })).ok, true);
    assert.deepEqual(await call<Read>(a, { op: 'read', path: '/tmp/marker' }), { ok: true, value: 'tmp-secret-of-a' });
    assert.equal((await call<Read>(a, { op: 'read', path: '/var/task/secret-a.txt' })).value, 'code-secret-of-a');
    assert.equal((await call<Read>(b, { op: 'read', path: '/tmp/marker' })).ok, false);
    assert.equal((await call<Read>(b, { op: 'read', path: '/var/task/secret-a.txt' })).ok, false);
    assert.equal((await call<Read>(b, { op: 'read', path: `${codeA}/secret-a.txt` })).ok, false, 'A’s host path is not mounted in B');
    assert.equal((await call<Read>(b, { op: 'list', path: dataDir })).ok, false, 'the data directory is not mounted');
    const grep = await call<{ stdout: string }>(b, { op: 'sh', cmd: 'grep -rl code-secret-of-a /tmp /var /run /etc /opt /dev 2>/dev/null | head -3' });
    assert.equal(grep.stdout.trim(), '', 'nothing of A is anywhere in B');
  });

  it('has a read-only root and code directory and a writable, capped /tmp', async () => {
    assert.equal((await call<Read>(a, { op: 'write', path: '/var/task/x', data: '1' })).code, 'EROFS');
    assert.equal((await call<Read>(a, { op: 'write', path: '/x', data: '1' })).code, 'EROFS');
    assert.equal((await call<Read>(a, { op: 'write', path: '/usr/x', data: '1' })).code, 'EROFS');
    const df = await call<{ stdout: string }>(a, { op: 'sh', cmd: 'df -k /tmp | tail -1' });
    assert.equal(Number(df.stdout.trim().split(/\s+/)[1]), 512 * 1024, '/tmp is capped at EphemeralStorage');
    for (const p of ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/etc/shadow']) {
      const r = await call<Read>(a, { op: 'read', path: p });
      assert.ok(!r.ok || r.value === '', `${p} must be unreadable or empty`);
    }
  });

  it('cannot reach the host’s ports, on loopback or on the host’s addresses', async () => {
    const own = await call<Read>(a, { op: 'connect', host: '127.0.0.1', port });
    assert.equal(own.ok, false);
    assert.equal(own.code, 'ECONNREFUSED', 'loopback is the sandbox’s own');
    const hostIps = Object.values(networkInterfaces()).flat().filter((i) => i && i.family === 'IPv4' && !i.internal).map((i) => i!.address);
    for (const host of hostIps) {
      const r = await call<Read>(a, { op: 'connect', host, port, timeoutMs: 1000 });
      assert.equal(r.ok, false, `reached the host at ${host}`);
    }
    const ifaces = await call<{ stdout: string }>(a, { op: 'sh', cmd: 'ls /sys/class/net 2>/dev/null; cat /proc/net/dev' });
    assert.doesNotMatch(ifaces.stdout, /eth|veth|ens|nbx/, 'only loopback exists');
  });

  it('refuses ptrace, unshare, mount and keyctl (seccomp), raw sockets and exotic families (AF_VSOCK, AF_ALG)', async () => {
    const t = hostSyscallTable()!;
    const py = [
      'import ctypes, json',
      'libc = ctypes.CDLL(None, use_errno=True)',
      'def sc(nr, *a):',
      '    r = libc.syscall(nr, *[ctypes.c_long(x) for x in a])',
      '    return 0 if r == 0 else ctypes.get_errno()',
      `print(json.dumps({"ptrace": sc(${t.nr['ptrace']}, 0, 0, 0, 0), "unshare": sc(${t.nr['unshare']}, 0x10000000), ` +
        `"keyctl": sc(${t.nr['keyctl']}, 0, 0, 0, 0, 0), "bpf": sc(${t.nr['bpf']}, 0, 0, 0), ` +
        `"mount": libc.mount(b"none", b"/tmp", b"tmpfs", 0, None) and ctypes.get_errno(), ` +
        `"rawsock": sc(${t.nr['socket']}, 17, 3, 0) and ctypes.get_errno(), ` +
        // socket() returns a descriptor (> 0) when the family is allowed: -1 with EPERM is refusal.
        `"vsock": (libc.socket(40, 1, 0) < 0) and ctypes.get_errno(), "alg": (libc.socket(38, 5, 0) < 0) and ctypes.get_errno()}))`,
    ].join('\n');
    const r = await call<{ stdout: string; stderr: string; status: number }>(a, { op: 'sh', cmd: `/usr/bin/python3 -c '${py}'` });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout) as Record<string, number>;
    // PTRACE_TRACEME and unshare(CLONE_NEWUSER) need no privilege at all: only seccomp refuses them.
    assert.deepEqual(got, { ptrace: 1, unshare: 1, keyctl: 1, bpf: 1, mount: 1, rawsock: 1, vsock: 1, alg: 1 });
    const u = await call<{ status: number; stderr: string }>(a, { op: 'sh', cmd: 'unshare --user --map-root-user true' });
    assert.notEqual(u.status, 0);
    assert.match(u.stderr, /Operation not permitted/);
  });
});
