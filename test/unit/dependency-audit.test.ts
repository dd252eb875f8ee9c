/**
 * The offline dependency audit (scripts/audit-offline.mjs, docs/security.md): the lockfiles are
 * clean against the committed advisory snapshot and every dependency is pinned exactly; and the
 * check does flag a lockfile holding a known-vulnerable version (so it can fail), without network.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCRIPT = join(ROOT, 'scripts', 'audit-offline.mjs');

test('package-lock.json is clean against security/advisories.json and package.json pins exact versions', () => {
  const r = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /lockfile\(s\) clean against \d+ advisories/);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
    for (const [name, spec] of Object.entries(pkg[field] ?? {})) assert.match(spec, /^\d+\.\d+\.\d+$/, `${field}.${name}`);
  }
});

test('a lockfile with a vulnerable version fails the audit, naming the package and the advisory; one just past the range passes', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-audit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const lock = (versions: Record<string, string>): string => {
    const f = join(dir, `lock-${Object.values(versions).join('-')}.json`);
    const packages: Record<string, unknown> = { '': { name: 'x', version: '1.0.0' } };
    for (const [name, version] of Object.entries(versions)) packages[`node_modules/${name}`] = { version };
    writeFileSync(f, JSON.stringify({ lockfileVersion: 3, packages }));
    return f;
  };
  const bad = spawnSync(process.execPath, [SCRIPT, lock({ semver: '7.5.1', 'find-my-way': '8.1.0', yaml: '2.9.1' })], { encoding: 'utf8' });
  assert.equal(bad.status, 1, bad.stdout);
  assert.match(bad.stdout, /semver@7\.5\.1 .*GHSA-c2qf-rxjj-qqgw/);
  assert.match(bad.stdout, /find-my-way@8\.1\.0 .*GHSA-rrr8-f88r-h8q6/);
  assert.doesNotMatch(bad.stdout, /yaml@/);
  const good = spawnSync(process.execPath, [SCRIPT, lock({ semver: '7.5.2', 'find-my-way': '8.2.2' })], { encoding: 'utf8' });
  assert.equal(good.status, 0, good.stdout);
});
