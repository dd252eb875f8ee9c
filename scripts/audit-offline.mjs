// Checks the exact versions in package-lock.json (and test-tools/package-lock.json) against the
// committed advisory snapshot security/advisories.json, with no network: exits 1 and lists the
// matches when an installed version is in a vulnerable range. Also checks that package.json pins
// every dependency to an exact version. `node scripts/audit-offline.mjs [lockfile...]`.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** `1.2.3-pre` as comparable parts; a prerelease sorts before its release. */
function parse(v) {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+.*)?$/.exec(v.trim());
  if (!m) return undefined;
  return { nums: [Number(m[1]), Number(m[2]), Number(m[3])], pre: m[4] ?? '' };
}

function compare(a, b) {
  for (let i = 0; i < 3; i++) if (a.nums[i] !== b.nums[i]) return a.nums[i] < b.nums[i] ? -1 : 1;
  if (a.pre === b.pre) return 0;
  if (!a.pre) return 1;
  if (!b.pre) return -1;
  return a.pre < b.pre ? -1 : 1;
}

/** Whether `version` is in `range`: `||`-separated sets of space-separated `<`, `<=`, `>`, `>=`, `=` bounds. */
export function satisfies(version, range) {
  const v = parse(version);
  if (!v) return false;
  return range.split('||').some((set) =>
    set.trim().split(/\s+/).filter(Boolean).every((c) => {
      const m = /^(<=|>=|<|>|=)?(.+)$/.exec(c);
      const b = parse(m[2]);
      if (!b) throw new Error(`bad bound '${c}' in range '${range}'`);
      const r = compare(v, b);
      switch (m[1] ?? '=') {
        case '<': return r < 0;
        case '<=': return r <= 0;
        case '>': return r > 0;
        case '>=': return r >= 0;
        default: return r === 0;
      }
    }),
  );
}

/** Every (name, version) a lockfile (v2/v3) installs. */
export function installed(lockfile) {
  const lock = JSON.parse(readFileSync(lockfile, 'utf8'));
  const out = [];
  for (const [path, p] of Object.entries(lock.packages ?? {})) {
    if (!path || !p.version || p.link) continue;
    out.push({ name: p.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length), version: p.version, path });
  }
  return out;
}

/** The advisories that match an installed version. */
export function audit(lockfile, advisories) {
  const byName = new Map();
  for (const a of advisories) byName.set(a.package, [...(byName.get(a.package) ?? []), a]);
  const found = [];
  for (const pkg of installed(lockfile)) for (const a of byName.get(pkg.name) ?? []) if (satisfies(pkg.version, a.vulnerable)) found.push({ ...pkg, advisory: a });
  return found;
}

/** Dependencies of a package.json not pinned to one exact version. */
export function unpinned(packageJson) {
  const pkg = JSON.parse(readFileSync(packageJson, 'utf8'));
  const bad = [];
  for (const field of ['dependencies', 'devDependencies', 'optionalDependencies']) {
    for (const [name, spec] of Object.entries(pkg[field] ?? {})) if (!parse(String(spec))) bad.push(`${field}.${name}: ${spec}`);
  }
  return bad;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const snapshot = JSON.parse(readFileSync(join(root, 'security', 'advisories.json'), 'utf8'));
  const locks = process.argv.slice(2).length ? process.argv.slice(2) : [join(root, 'package-lock.json'), join(root, 'test-tools', 'package-lock.json')].filter(existsSync);
  let failed = false;
  for (const lock of locks) {
    for (const f of audit(lock, snapshot.advisories)) {
      failed = true;
      console.log(`${lock}: ${f.name}@${f.version} (${f.path}) ${f.advisory.severity} ${f.advisory.id}: ${f.advisory.title}`);
    }
  }
  for (const pj of [join(root, 'package.json'), join(root, 'test-tools', 'package.json')].filter(existsSync)) {
    for (const b of unpinned(pj)) {
      failed = true;
      console.log(`${pj}: not pinned to an exact version: ${b}`);
    }
  }
  console.log(failed ? 'audit: problems found' : `audit: ${locks.length} lockfile(s) clean against ${snapshot.advisories.length} advisories of ${snapshot.generated}`);
  process.exit(failed ? 1 : 0);
}
