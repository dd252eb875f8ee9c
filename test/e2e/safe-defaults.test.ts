/**
 * Safe defaults, as an operator meets them: Nimbus refuses to listen on a public address without
 * being told that it is meant; `auto` isolation fails closed where containers should work but do
 * not (cgroups hidden, as under `ip netns exec`), and `process` isolation, chosen deliberately,
 * never runs a function as root; the data directory and its files are private to Nimbus's user.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { startNimbus } from '../../src/app.js';
import { deployNode, payloadJson, sdkClient, startTestNimbus } from '../helpers/nimbus.js';
import { NIMBUS_BIN } from '../helpers/serve.js';

const CI = process.env['CI'] === 'true';
const isRoot = process.getuid?.() === 0;
const UID_HANDLER = 'exports.handler = async () => ({ uid: process.getuid(), gid: process.getgid() });';

/** Runs `nimbus serve` with extra arguments, optionally wrapped; resolves once it listens or exits. */
function serveWith(
  t: TestContext,
  args: string[],
  wrap: string[] = [],
): Promise<{ url?: string; code?: number | null; stderr: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-safe-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const argv = [process.execPath, NIMBUS_BIN, 'serve', '--port', '0', '--data-dir', dataDir, ...args];
  const child = wrap.length ? spawn(wrap[0]!, [...wrap.slice(1), ...argv], { stdio: ['ignore', 'ignore', 'pipe'] }) : spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ stderr: `${stderr}\n(timed out)` }), 30_000);
    let started = false;
    child.stderr.setEncoding('utf8').on('data', (s: string) => {
      stderr += s;
      const m = started ? null : /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) {
        started = true;
        clearTimeout(timer);
        t.after(() => {
          child.kill('SIGTERM');
          return new Promise((r) => child.once('exit', r));
        });
        resolve({ url: m[1]!, stderr });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

function needRoot(t: TestContext, what: string): boolean {
  if (isRoot) return true;
  assert.ok(!CI, `CI runs as root: ${what}`);
  t.skip(`needs root: ${what}`);
  return false;
}

test('a public address without authentication is refused unless explicitly allowed, then warned about', async (t) => {
  const refused = await serveWith(t, ['--host', '0.0.0.0']);
  assert.equal(refused.url, undefined, 'it did not start');
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /without --auth keys Nimbus does not authenticate requests/);
  assert.match(refused.stderr, /Refusing to listen on 0\.0\.0\.0/);
  assert.match(refused.stderr, /--allow-public-unauthenticated/);
  assert.match(refused.stderr, /--auth keys/);
  await assert.rejects(startNimbus({ host: '0.0.0.0', port: 0, dataDir: join(tmpdir(), 'never-created'), log: () => undefined }), /Refusing to listen/);

  const allowed = await serveWith(t, ['--host', '0.0.0.0', '--allow-public-unauthenticated']);
  assert.ok(allowed.url, allowed.stderr);
  assert.match(allowed.stderr, /WARNING: Nimbus listens on 0\.0\.0\.0/);
  const port = new URL(allowed.url).port;
  const health = await fetch(`http://127.0.0.1:${port}/nimbus/v1/health`);
  assert.equal(health.status, 200);

  // With keys a public address is fine, but plain HTTP is warned about.
  const keyed = await serveWith(t, ['--host', '0.0.0.0', '--auth', 'keys']);
  assert.ok(keyed.url, keyed.stderr);
  assert.match(keyed.stderr, /WARNING: Nimbus listens on 0\.0\.0\.0 without TLS/);
  assert.match(keyed.stderr, /every API request must be SigV4-signed/);
  assert.equal((await fetch(`http://127.0.0.1:${new URL(keyed.url).port}/2015-03-31/functions`)).status, 403);

  // Loopback addresses need no flag; the local-development mode says what it accepts.
  const loop = await serveWith(t, ['--host', '127.0.0.2']);
  assert.ok(loop.url, loop.stderr);
  assert.doesNotMatch(loop.stderr, /WARNING: Nimbus listens on/);
  assert.match(loop.stderr, /Authentication: local-development mode\. Any well-formed credentials \(or none\) are accepted/);
});

test('auto isolation fails closed when cgroups are hidden; process isolation then runs functions unprivileged', async (t) => {
  if (!needRoot(t, 'mount namespaces')) return;
  // As under `ip netns exec`: a private mount namespace where /sys/fs/cgroup shows nothing.
  const hide = ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs none /sys/fs/cgroup && exec "$@"', 'hide-cgroups'];
  const auto = await serveWith(t, [], hide);
  assert.equal(auto.url, undefined, `it must not start: ${auto.stderr}`);
  assert.notEqual(auto.code, 0);
  assert.match(auto.stderr, /namespace isolation should be available on this host/);
  assert.match(auto.stderr, /cgroup/);
  assert.match(auto.stderr, /--isolation process/);

  const chosen = await serveWith(t, ['--isolation', 'process'], hide);
  assert.ok(chosen.url, chosen.stderr);
  assert.match(chosen.stderr, /WARNING: sandbox isolation is "process"/);
  const lambda = sdkClient(chosen.url);
  t.after(() => lambda.destroy());
  await deployNode(lambda, 'who', { 'index.js': UID_HANDLER });
  const first = payloadJson((await lambda.send(new InvokeCommand({ FunctionName: 'who', Payload: Buffer.from('{}') }))).Payload) as { uid: number; gid: number };
  assert.notEqual(first.uid, 0, 'never root');
  assert.ok(first.uid >= 300_000, `a uid of its own: ${first.uid}`);
  assert.equal(first.gid, first.uid);
});

test('the data directory is 0700 and its files 0600, so other local users read nothing', async (t) => {
  if (!needRoot(t, 'reading as another user')) return;
  const nimbus = await startTestNimbus(t);
  await deployNode(nimbus.lambda, 'secretive', { 'index.js': 'exports.handler = async () => 1;' }, { Environment: { Variables: { TOKEN: 'canary-secret' } } });
  await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'secretive', Payload: Buffer.from('{}') }));
  await fetch(`${nimbus.url}/2015-03-31/functions/secretive/invocations`, { method: 'POST', headers: { 'X-Amz-Invocation-Type': 'Event' }, body: '{}' });

  const mode = (p: string): string => (statSync(p).mode & 0o777).toString(8);
  const d = nimbus.dataDir;
  assert.equal(mode(d), '700');
  const files = ['nimbus.db', 'nimbus.db-wal', 'nimbus.db-shm', 'queue.db', 'queue.db-wal', 'queue.db-shm'].map((f) => join(d, f));
  const sha = readdirSync(join(d, 'code')).find((n) => /^[0-9a-f]{64}$/.test(n))!;
  files.push(join(d, 'code', sha, 'package.zip'));
  for (const f of files) assert.equal(mode(f), '600', f);

  // As nobody: neither the database nor the code blob can be read, even by its full path.
  for (const f of [join(d, 'nimbus.db'), join(d, 'code', sha, 'package.zip')]) {
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) =>
      execFile('cat', [f], { uid: 65534, gid: 65534, encoding: 'utf8' }, (e, _out, stderr) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stderr })),
    );
    assert.notEqual(r.code, 0, `${f} must not be readable`);
    assert.match(r.stderr, /Permission denied/);
  }
});

test('a data directory left loose by an older Nimbus is tightened at start', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-loose-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await startNimbus({ port: 0, dataDir, log: () => undefined });
  const lambda = sdkClient(first.url);
  await deployNode(lambda, 'old', { 'index.js': 'exports.handler = async () => 1;' });
  lambda.destroy();
  await first.close();
  chmodSync(dataDir, 0o755);
  chmodSync(join(dataDir, 'nimbus.db'), 0o644);
  chmodSync(join(dataDir, 'queue.db'), 0o644);
  const sha = readdirSync(join(dataDir, 'code')).find((n) => /^[0-9a-f]{64}$/.test(n))!;
  chmodSync(join(dataDir, 'code', sha, 'package.zip'), 0o644);

  const again = await startNimbus({ port: 0, dataDir, log: () => undefined });
  t.after(() => again.close());
  for (const [p, m] of [[dataDir, 0o700], [join(dataDir, 'nimbus.db'), 0o600], [join(dataDir, 'queue.db'), 0o600], [join(dataDir, 'code', sha, 'package.zip'), 0o600]] as const) {
    assert.equal(statSync(p).mode & 0o777, m, p);
  }
});
