/**
 * `nimbus runtimes add|rm` and the listing: an operator registers an interpreter for a runtime,
 * its version is checked by running it, a wrong version is refused, and the registration wins
 * over what the machine has. Uses the machine's Python interpreters (CI's image has 3.9 to 3.13).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RuntimeCatalog, type Availability } from '../../src/runtimes/catalog.js';
import { repoRoot, tempDir } from './helpers.js';

const cli = (args: string[]) => spawnSync(process.execPath, [join(repoRoot, 'bin', 'nimbus.js'), 'runtimes', ...args], { encoding: 'utf8' });

const host = new RuntimeCatalog();
const py312 = host.availability('python3.12');
const py311 = host.availability('python3.11');
const missing = !py312.ok || !py311.ok ? 'python3.11 and python3.12 are needed on this machine' : false;

describe('registered interpreters', { skip: missing && process.env['CI'] !== 'true' ? missing : false }, () => {
  it('checks the version by running the interpreter, and the registration wins', () => {
    assert.ok(py312.ok && py311.ok, 'python3.11 and python3.12 must be available');
    const data = tempDir('registrations');
    try {
      const wrong = cli(['add', 'python3.12', py311.interpreter.executable, '--data-dir', data.path]);
      assert.equal(wrong.status, 1);
      assert.match(wrong.stderr, new RegExp(`is Python ${py311.interpreter.version.replace(/\./g, '\\.')}, not 3\\.12`));
      assert.match(cli(['add', 'python3.12', '/nonexistent/python3.12', '--data-dir', data.path]).stderr, /does not exist/);

      const ok = cli(['add', 'python3.12', py312.interpreter.executable, '--data-dir', data.path]);
      assert.equal(ok.status, 0, ok.stderr);
      const listed = JSON.parse(execFileSync(process.execPath, [join(repoRoot, 'bin', 'nimbus.js'), 'runtimes', '--json', '--data-dir', data.path], { encoding: 'utf8' })) as Availability[];
      const a = listed.find((x) => x.runtime === 'python3.12');
      assert.ok(a?.ok);
      assert.equal(a.interpreter.source, 'registered');
      assert.equal(a.interpreter.version, py312.interpreter.version);
      // A running Nimbus's catalog sees the file change.
      assert.equal(new RuntimeCatalog({ dataDir: data.path }).availability('python3.12').ok && 'registered', 'registered');

      assert.match(cli(['rm', 'python3.12', '--data-dir', data.path]).stdout, /registration removed/);
      const after = new RuntimeCatalog({ dataDir: data.path }).availability('python3.12');
      assert.ok(after.ok && after.interpreter.source === 'host');
      assert.match(cli(['add', 'provided.al2023', '/bin/sh', '--data-dir', data.path]).stderr, /not a runtime an interpreter can be registered for/);
    } finally {
      data.remove();
    }
  });
});
