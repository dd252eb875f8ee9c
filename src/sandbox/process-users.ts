/**
 * `process` isolation when Nimbus runs as root: functions never run as root. Each process sandbox
 * gets a uid of its own (and a gid of the same number), from a range apart from the namespace
 * sandboxes' and from the ones Debian hands out, so that sandboxes cannot signal or read each
 * other's processes, and none can read Nimbus's data.
 *
 * The data directory is 0700, so a sandbox user cannot reach anything inside it. What a sandbox
 * must read and cannot reach — its function's code, the runtime's bootstrap, an interpreter or SDK
 * provisioned under the data directory or a private home — is exported once per run into
 * a directory of its own under the system's temporary directory: 0711 (it can be traversed by a
 * path one knows, never listed), files readable, owned by root. Each sandbox's scratch directory
 * (its /tmp) is created there too, owned by its uid, 0700. A system interpreter (/usr/bin/node,
 * /usr/lib/jvm) is used where it is.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { chmod, copyFile, link, lstat, mkdir, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { execFile, type ChildProcess } from 'node:child_process';
import { basename, dirname, join, resolve } from 'node:path';
import { UidPool } from './uid-pool.js';

/** Where the data directory records its export root, so that the next start removes a crashed run's. */
const RECORD = 'process-export-root';
/** The `cp -al` processes at work, stopped by `close()`. */
const copying = new Set<ChildProcess>();

function cpLinks(src: string, dst: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = execFile('cp', ['-al', '--', src, dst], (e) => {
      copying.delete(c);
      if (e) reject(e);
      else resolve();
    });
    copying.add(c);
  });
}

export class ProcessUsers {
  /** `<root>/sbx`: the sandboxes' scratch directories. */
  readonly scratchRoot: string;
  private readonly uids: UidPool;
  private readonly exports = new Map<string, Promise<string>>();
  private readonly reach = new Map<string, boolean>();

  private constructor(
    readonly root: string,
    private readonly recordFile: string,
  ) {
    this.scratchRoot = join(root, 'sbx');
    mkdirSync(this.scratchRoot, { mode: 0o711 });
    chmodSync(this.scratchRoot, 0o711);
    mkdirSync(join(root, 'x'), { mode: 0o711 });
    chmodSync(join(root, 'x'), 0o711);
    // 300000+: above Debian's users (< 60000) and the namespace sandboxes' 200000-265535.
    this.uids = new UidPool(300_000, 65_536, parseInt(basename(root).slice(-4), 36) || 0);
  }

  /** Whether sandboxes must be given users of their own: Nimbus is root. */
  static needed(): boolean {
    return process.getuid?.() === 0;
  }

  /** Makes a fresh export root for one Nimbus, removing the one a previous, crashed run left. */
  static create(dataDir: string, tag: string): ProcessUsers {
    const recordFile = join(dataDir, RECORD);
    if (existsSync(recordFile)) {
      const old = readFileSync(recordFile, 'utf8').trim();
      // Only ever a directory this code made: the record is in a private directory, but be strict.
      // Removed in the background: an export of interpreters can hold tens of thousands of links.
      if (dirname(old) === tmpdir() && basename(old).startsWith(`nimbus-${tag}-`)) void rm(old, { recursive: true, force: true }).catch(() => undefined);
    }
    const root = mkdtempSync(join(tmpdir(), `nimbus-${tag}-`));
    chmodSync(root, 0o711);
    writeFileSync(recordFile, `${root}\n`, { mode: 0o600 });
    return new ProcessUsers(root, recordFile);
  }

  take(): number {
    return this.uids.take();
  }

  give(uid: number): void {
    this.uids.give(uid);
  }

  /** Creates a sandbox's scratch directory, owned by its uid and private to it. */
  scratchFor(dir: string, uid: number): void {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chownSync(dir, uid, uid);
    chmodSync(dir, 0o700);
  }

  /** Whether any user can reach `path`: every directory on the way searchable by others, the end readable. */
  reachable(path: string): boolean {
    const known = this.reach.get(path);
    if (known !== undefined) return known;
    // A path that does not exist (yet) is not remembered: it may be made later (a stem cell's link).
    if (!existsSync(path)) return false;
    let ok = true;
    try {
      const parts = resolve(path).split('/').filter(Boolean);
      for (let i = 0; i <= parts.length && ok; i++) {
        const p = `/${parts.slice(0, i).join('/')}`;
        const st = statSync(p);
        const last = i === parts.length;
        ok = last ? (st.mode & (st.isDirectory() ? 0o005 : 0o004)) !== 0 : (st.mode & 0o001) !== 0;
      }
    } catch {
      ok = false;
    }
    this.reach.set(path, ok);
    return ok;
  }

  /**
   * The path under which sandbox users can read `dir` (a package's task tree, a runtime's
   * bootstrap, an interpreter's prefix): a tree of hard links made on first use (a copy across
   * file systems), so that exporting a 200 MB interpreter costs no space, and, made with
   * asynchronous calls, never blocks the server. A `package.json` beside `dir` comes along,
   * because it bounds Node's package scope (see store/code-store.ts).
   */
  exported(dir: string): Promise<string> {
    let p = this.exports.get(dir);
    if (!p) {
      p = this.export(dir);
      this.exports.set(dir, p);
      // A failed export is tried again by the next sandbox.
      p.catch(() => this.exports.delete(dir));
    }
    return p;
  }

  private async export(dir: string): Promise<string> {
    const key = createHash('sha256').update(dir).digest('hex').slice(0, 24);
    const parent = join(this.root, 'x', key);
    const target = join(parent, basename(dir));
    if (existsSync(target)) return target;
    const tmp = join(this.root, 'x', `.tmp-${randomBytes(6).toString('hex')}`);
    await mkdir(tmp, { mode: 0o755 });
    try {
      await exportTree(dir, join(tmp, basename(dir)));
      const scope = join(dirname(dir), 'package.json');
      if (existsSync(scope)) await exportTree(scope, join(tmp, 'package.json'));
      await chmod(tmp, 0o755);
      await rename(tmp, parent);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
    return target;
  }

  /** Removes the export root (at shutdown; sandboxes are gone by then). */
  close(): void {
    // An export still being made by `cp` adds files while the tree is removed: stop it first, and
    // let the removal retry on a directory that filled meanwhile.
    for (const c of copying) c.kill('SIGKILL');
    try {
      rmSync(this.root, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
    } catch {
      // Left for the next start on this data directory, which removes what its record names.
      return;
    }
    rmSync(this.recordFile, { force: true });
  }
}

/**
 * Recreates `src` at `dst` with hard links. GNU `cp -al` does it in one process: for the Node.js
 * SDK's tree (8,867 entries) 90 ms of CPU against 460 ms for linkTree's awaited calls, and each
 * node of a cluster lab exports such trees for its stem cells at start. Where cp cannot (no GNU
 * cp, another file system), linkTree does it, copying across file systems.
 */
async function exportTree(src: string, dst: string): Promise<void> {
  try {
    await cpLinks(src, dst);
    return;
  } catch {
    await rm(dst, { recursive: true, force: true });
  }
  await linkTree(src, dst);
}

/**
 * Recreates `src` at `dst`: directories made anew (with `src`'s modes), files hard-linked (they keep
 * their owner and modes: root's and readable), symbolic links copied as they are; files are copied
 * where a hard link cannot cross file systems.
 */
async function linkTree(src: string, dst: string): Promise<void> {
  const st = await lstat(src);
  if (st.isSymbolicLink()) await symlink(await readlink(src), dst);
  else if (st.isDirectory()) {
    await mkdir(dst, { mode: st.mode & 0o777 });
    for (const name of await readdir(src)) await linkTree(join(src, name), join(dst, name));
  } else if (st.isFile()) {
    try {
      await link(src, dst);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      await copyFile(src, dst);
    }
  }
}
