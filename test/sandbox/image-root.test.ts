/**
 * The bubblewrap policy of a container-image sandbox, read as data (image-root.ts, bwrap-args.ts):
 * the image's tree as the root (symlinks recreated, never bound), the sandbox's own /proc, /dev,
 * /tmp and /run, the image's /etc with Nimbus's passwd and group, the host's /usr only under
 * /run/nimbus-host for Nimbus's helpers, and the same namespaces, seccomp and capabilities as
 * every sandbox.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bwrapCommand } from '../../src/sandbox/namespace/bwrap-args.js';
import { hostTools } from '../../src/sandbox/namespace/image-root.js';
import type { HostLayout } from '../../src/sandbox/namespace/host-layout.js';
import { spec } from './helpers.js';

const layout: HostLayout = {
  topLevel: [{ path: '/bin', symlink: 'usr/bin' }],
  etc: ['/etc/resolv.conf'],
  procMasks: [{ path: '/proc/kcore', dir: false }],
  bwrap: '/usr/bin/bwrap',
  bash: '/bin/bash',
  setpriv: '/usr/bin/setpriv',
  socat: '/usr/bin/socat',
  sh: '/bin/sh',
};

function after(options: string[], flag: string, n = 1): string[][] {
  const out: string[][] = [];
  options.forEach((o, i) => {
    if (o === flag) out.push(options.slice(i + 1, i + 1 + n));
  });
  return out;
}

describe('image sandbox command', () => {
  it('builds the root from the image and keeps the host out of it', (t) => {
    if (!hostTools()) return void t.skip('this host has no merged /usr');
    const root = mkdtempSync(join(tmpdir(), 'nimbus-imgroot-'));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    for (const d of ['var/task', 'usr/bin', 'etc', 'proc', 'tmp', 'run']) mkdirSync(join(root, d), { recursive: true });
    symlinkSync('usr/bin', join(root, 'bin'));
    symlinkSync('/etc', join(root, 'escape'));
    writeFileSync(join(root, 'etc', 'os-release'), 'x');
    writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0::/:/bin/sh\n');
    symlinkSync('/etc/shadow', join(root, 'etc', 'shadowlink'));
    const base = spec('/unused');
    const { options, command } = bwrapCommand({
      layout,
      spec: { ...base, image: { rootfs: async () => root, argv: ['/lambda-entrypoint.sh', 'index.handler'], workdir: '/var/task' } },
      imageRoot: root,
      uid: 200001,
      gid: 200001,
      apiDir: '/data/api',
      passwdFile: '/data/passwd',
      groupFile: '/data/group',
      seccompFd: 4,
    });
    const ro = after(options, '--ro-bind', 2);
    assert.deepEqual(ro.find(([, d]) => d === '/var'), [join(root, 'var'), '/var']);
    assert.deepEqual(ro.find(([, d]) => d === '/usr'), [join(root, 'usr'), '/usr'], "/usr is the image's");
    assert.deepEqual(after(options, '--symlink', 2).sort(), [['/etc/shadow', '/etc/shadowlink'], ['/etc', '/escape'], ['usr/bin', '/bin']].sort(), 'symlinks are recreated, never bound (binding would follow them on the host)');
    assert.ok(!ro.some(([s]) => s === '/etc' || s === '/etc/resolv.conf'), "no host /etc");
    assert.ok(!ro.some(([, d]) => d === '/proc' || d === '/tmp' || d === '/run'), "the image's /proc, /tmp and /run are not used");
    assert.deepEqual(ro.find(([, d]) => d === '/etc/passwd'), ['/data/passwd', '/etc/passwd'], "Nimbus's passwd, not the image's");
    assert.deepEqual(ro.find(([, d]) => d === '/etc/os-release'), [join(root, 'etc', 'os-release'), '/etc/os-release']);
    assert.deepEqual(ro.find(([, d]) => d === '/run/nimbus-host/usr'), ['/usr', '/run/nimbus-host/usr']);
    assert.deepEqual(ro.find(([, d]) => d === '/run/nimbus'), ['/data/api', '/run/nimbus']);
    assert.ok(!options.includes('--bind'), 'nothing writable from the host');
    assert.deepEqual(after(options, '--chdir'), [['/var/task']]);
    assert.deepEqual(after(options, '--remount-ro').at(-1), ['/']);
    assert.deepEqual(after(options, '--seccomp'), [['4']]);
    assert.deepEqual(after(options, '--cap-drop'), [['ALL']]);
    for (const f of ['--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts', '--die-with-parent', '--new-session', '--clearenv']) assert.ok(options.includes(f), f);
    const env = Object.fromEntries(after(options, '--setenv', 2).map(([k, v]) => [k, v]));
    assert.equal(env['AWS_LAMBDA_RUNTIME_API'], '127.0.0.1:9001');
    // setpriv switches to the sandbox uid before anything of the image runs; the image's command comes last.
    const tools = hostTools()!;
    assert.equal(command[0], tools.loader);
    assert.ok(command.includes('--reuid') && command[command.indexOf('--reuid') + 1] === '200001');
    assert.deepEqual(command.slice(-2), ['/lambda-entrypoint.sh', 'index.handler']);
  });
});
