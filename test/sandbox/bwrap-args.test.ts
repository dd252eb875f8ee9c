/** The bubblewrap policy, read as data: namespaces, mounts, environment, capabilities, forwarder. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuntimeDescriptor } from '../../src/runtimes/types.js';
import { INSIDE, bwrapCommand, sandboxEnv } from '../../src/sandbox/namespace/bwrap-args.js';
import type { HostLayout } from '../../src/sandbox/namespace/host-layout.js';
import { spec } from './helpers.js';

const layout: HostLayout = {
  topLevel: [{ path: '/bin', symlink: 'usr/bin' }, { path: '/lib64', bind: true }],
  etc: ['/etc/resolv.conf', '/etc/ssl'],
  procMasks: [{ path: '/proc/kcore', dir: false }, { path: '/proc/acpi', dir: true }],
  bwrap: '/usr/bin/bwrap',
  bash: '/bin/bash',
  setpriv: '/usr/bin/setpriv',
  socat: '/usr/bin/socat',
  sh: '/bin/sh',
};

const input = (over: Partial<Parameters<typeof bwrapCommand>[0]> = {}): Parameters<typeof bwrapCommand>[0] => ({
  layout,
  spec: spec('/srv/code/fn'),
  uid: 200001,
  gid: 200001,
  apiDir: '/data/sandboxes/x/api',
  passwdFile: '/data/sandboxes/x/passwd',
  groupFile: '/data/sandboxes/x/group',
  seccompFd: 4,
  ...over,
});

/** The values following each occurrence of `flag`. */
function after(options: string[], flag: string, n = 1): string[][] {
  const out: string[][] = [];
  options.forEach((o, i) => {
    if (o === flag) out.push(options.slice(i + 1, i + 1 + n));
  });
  return out;
}

describe('bwrap command', () => {
  it('unshares pid, net, ipc, uts; dies with Nimbus; new session; drops capabilities; installs seccomp', () => {
    const { options } = bwrapCommand(input());
    for (const f of ['--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts', '--die-with-parent', '--new-session', '--clearenv']) {
      assert.ok(options.includes(f), f);
    }
    assert.ok(!options.includes('--unshare-user'), 'no user namespace: the uid is real on the host too');
    assert.deepEqual(after(options, '--cap-drop'), [['ALL']]);
    assert.deepEqual(after(options, '--seccomp'), [['4']]);
    assert.deepEqual(after(options, '--remount-ro'), [['/proc/acpi'], ['/']]);
  });

  it('mounts the code at /var/task, the bootstrap at /var/runtime, the API socket dir, all read-only', () => {
    const { options } = bwrapCommand(input());
    const ro = after(options, '--ro-bind', 2);
    assert.deepEqual(ro.find(([, d]) => d === INSIDE.taskRoot), ['/srv/code/fn', '/var/task']);
    assert.ok(ro.some(([, d]) => d === INSIDE.runtimeDir));
    assert.deepEqual(ro.find(([, d]) => d === INSIDE.apiDir), ['/data/sandboxes/x/api', '/run/nimbus']);
    assert.deepEqual(ro.find(([, d]) => d === '/proc/kcore'), ['/dev/null', '/proc/kcore']);
    assert.ok(!options.includes('--bind'), 'nothing is mounted writable from the host');
    assert.deepEqual(after(options, '--size'), [[String(512 * 1048576)]]);
  });

  it('passes exactly the function’s environment plus the family’s and the Runtime API’s', () => {
    process.env['NODE_EXTRA_CA_CERTS'] = '/etc/ssl/certs/ca-certificates.crt';
    const s = spec('/srv/code/fn', { env: { MY_SECRET: 's3cr3t' } });
    const { options, command } = bwrapCommand(input({ spec: s }));
    const env = Object.fromEntries(after(options, '--setenv', 2).map(([k, v]) => [k!, v!]));
    assert.deepEqual(env, sandboxEnv(s, true));
    assert.equal(env['MY_SECRET'], 's3cr3t');
    assert.equal(env['NODE_EXTRA_CA_CERTS'], undefined);
    assert.equal(env['NIMBUS_RUNTIME_API_SOCKET'], '/run/nimbus/rapi.sock');
    assert.equal(env['AWS_LAMBDA_RUNTIME_API'], '127.0.0.1:9001');
    assert.ok(!command.join(' ').includes('s3cr3t'), 'secrets never appear in argv (visible in ps)');
  });

  it('switches to the sandbox uid with an empty bounding set before the runtime starts', () => {
    const { command } = bwrapCommand(input());
    assert.deepEqual(command.slice(0, 11), ['/usr/bin/setpriv', '--reuid', '200001', '--regid', '200001', '--clear-groups', '--bounding-set', '-all', '--inh-caps', '-all', '--']);
    assert.equal(command[11], process.execPath);
  });

  it('runs the TCP forwarder only for runtimes that cannot use the socket, and refuses without socat', () => {
    const custom: RuntimeDescriptor = { ...spec('/x').descriptor, family: 'provided', command: () => ['/var/task/bootstrap'] };
    const s = spec('/srv/code/fn', { descriptor: custom, runtime: 'provided.al2023' });
    const c = bwrapCommand(input({ spec: s }));
    assert.equal(c.forwarder, true);
    assert.deepEqual(c.command.slice(11, 13), ['/bin/sh', '-c']);
    assert.deepEqual(c.command.slice(-2), ['/usr/bin/socat', '/var/task/bootstrap']);
    const env = Object.fromEntries(after(c.options, '--setenv', 2).map(([k, v]) => [k!, v!]));
    assert.equal(env['NIMBUS_RUNTIME_API_SOCKET'], undefined);
    assert.throws(() => bwrapCommand(input({ spec: s, layout: { ...layout, socat: null } })), /socat/);
    assert.equal(bwrapCommand(input()).forwarder, false);
  });
});
