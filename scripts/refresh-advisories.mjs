// Refreshes security/advisories.json when online: asks the npm registry's audit endpoint (through
// `npm audit --json --package-lock-only`, npm's own client) about package-lock.json and
// test-tools/package-lock.json, and merges every advisory it reports into the snapshot (entries
// are keyed by advisory id and package; existing ones are kept). Commit the result: the offline
// check (scripts/audit-offline.mjs) then knows them without a network.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const file = join(root, 'security', 'advisories.json');
const snapshot = JSON.parse(readFileSync(file, 'utf8'));
const byKey = new Map(snapshot.advisories.map((a) => [`${a.id} ${a.package}`, a]));
let added = 0;
for (const dir of [root, join(root, 'test-tools')].filter((d) => existsSync(join(d, 'package-lock.json')))) {
  const r = spawnSync('npm', ['audit', '--json', '--package-lock-only'], { cwd: dir, encoding: 'utf8' });
  if (!r.stdout) throw new Error(`npm audit failed in ${dir}: ${r.stderr}`);
  const report = JSON.parse(r.stdout);
  if (report.error) throw new Error(`npm audit failed in ${dir}: ${JSON.stringify(report.error)}`);
  for (const v of Object.values(report.vulnerabilities ?? {})) {
    for (const via of v.via ?? []) {
      if (typeof via !== 'object' || !via.range) continue;
      const id = /GHSA-[\w-]+/.exec(via.url ?? '')?.[0] ?? `npm-${via.source}`;
      const key = `${id} ${via.name}`;
      if (byKey.has(key)) continue;
      byKey.set(key, { id, package: via.name, vulnerable: via.range, severity: via.severity, title: via.title });
      added++;
    }
  }
}
snapshot.advisories = [...byKey.values()].sort((a, b) => a.package.localeCompare(b.package) || a.id.localeCompare(b.id));
snapshot.generated = new Date().toISOString().slice(0, 10);
snapshot.source = 'npm audit (registry advisories) merged into the earlier snapshot';
writeFileSync(file, `${JSON.stringify(snapshot, null, 2)}\n`);
console.log(`advisories: ${added} added, ${snapshot.advisories.length} in all`);
