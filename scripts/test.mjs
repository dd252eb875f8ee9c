// Runs every compiled test file with node's own test runner. Files are listed explicitly
// because `node --test <dir>` behaves differently across Node 20, 22 and 24.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const filter = process.argv.slice(2);

function collect(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...collect(p));
    else if (e.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

// The interpreters and SDKs the tests run on (a no-op once they are in the checkout's store).
spawnSync(process.execPath, [join(root, 'scripts', 'provision-test-runtimes.mjs')], { cwd: root, stdio: 'inherit' });
// What the published apps and the sam-cli interop test download to build (npm, PyPI, Maven), into
// the checkout's build cache; a no-op once done. The tests then need no network.
const buildCache = process.env.NIMBUS_BUILD_CACHE ?? join(root, 'node_modules', '.cache', 'nimbus-sam-build');
for (const step of ['provision-test-apps.mjs', 'provision-sam-cli.mjs']) {
  spawnSync(process.execPath, [join(root, 'scripts', step)], { cwd: root, stdio: 'inherit', env: { ...process.env, NIMBUS_BUILD_CACHE: buildCache } });
}

let files = collect(join(root, 'dist', 'test')).sort();
if (filter.length) files = files.filter((f) => filter.some((s) => relative(root, f).includes(s)));
const concurrency = process.env.NIMBUS_TEST_CONCURRENCY ?? '2';
// A test that hangs fails after 15 minutes instead of holding the whole run (CI's limit is 90 minutes).
const r = spawnSync(process.execPath, ['--test', `--test-concurrency=${concurrency}`, '--test-timeout=900000', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test', NIMBUS_BUILD_CACHE: buildCache },
});
process.exit(r.status ?? 1);
