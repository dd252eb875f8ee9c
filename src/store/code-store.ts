/**
 * Content-addressed code: `<dataDir>/code/<sha256>.zip` is the package as uploaded and
 * `<dataDir>/code/<sha256>/task` its extracted, read-only tree. Identical packages are stored
 * once. The empty package.json beside `task/` ends Node's search for a package scope there, so
 * a function's `.js` files are CommonJS unless its own package.json says otherwise, as on Lambda,
 * whatever the package.json of the directory Nimbus runs in says.
 *
 * Layers are packages too (their tree is what /opt shows). A function's layers, merged in order,
 * are `<dataDir>/code/sets/<set hash>/opt` (layer-sets.ts): built once, removed with any of its
 * layers' packages, and at start when no function version uses the set any more (`keepSets`).
 *
 * In cluster mode a BlobSource (PostgreSQL) holds every package and this directory is the node's
 * cache of it: `put` stores there too, `ensure` fetches what this node has not seen (hash checked)
 * and extracts it as an upload would, `remove` deletes it there as well. Without one (a single
 * node) nothing else changes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { privateCodeBlobs, privateDir } from '../core/private-files.js';
import type { BlobSource } from './blob-source.js';
import { mergeTrees } from './layer-sets.js';
import { isStorageFailure, unzipTo, ZipError } from './unzip.js';
import { messageOf, NimbusError } from '../core/errors.js';

export interface StoredCode {
  sha256Hex: string;
  size: number;
  /** Bytes of the extracted tree (Lambda's 250 MB limit counts a function with its layers). */
  unzippedSize: number;
}

const HASH = /^[0-9a-f]{64}$/;
const UNZIPPED = 'unzipped-size';

export class CodeStore {
  private readonly root: string;
  /** Sandboxes running each package: it stays on disk until the last one is gone. */
  private readonly leases = new Map<string, number>();
  /** Packages removed while leased: deleted when their last lease ends. */
  private readonly doomed = new Set<string>();

  /** Layer sets being built or built this run: one build per set. */
  private readonly sets = new Map<string, Promise<string>>();

  /** Packages known to be in the local directory (cluster mode): the warm path makes no syscall. */
  private readonly present = new Set<string>();
  /** Packages being fetched from the BlobSource: one fetch per package. */
  private readonly fetching = new Map<string, Promise<void>>();
  /** Deletions in the BlobSource not yet done (`close` waits for them). */
  private readonly removing = new Set<Promise<void>>();

  constructor(
    dataDir: string,
    private readonly blobs?: BlobSource,
    private readonly warn: (message: string) => void = () => undefined,
  ) {
    this.root = join(dataDir, 'code');
    privateDir(this.root);
    privateCodeBlobs(this.root);
    // Leftovers of extractions interrupted by a crash.
    for (const name of readdirSync(this.root)) {
      if (name.startsWith('.tmp-')) rmSync(join(this.root, name), { recursive: true, force: true });
    }
  }

  /**
   * Removes the merged layer sets no function version uses any more (called at start, with the
   * store's layer lists): moved aside at once, deleted in the background, for a set of a large
   * layer can hold tens of thousands of links.
   */
  keepSets(used: readonly (readonly string[])[]): void {
    const dir = join(this.root, 'sets');
    if (!existsSync(dir)) return;
    const keep = new Set(used.map((shas) => CodeStore.setKey(shas)));
    for (const key of readdirSync(dir)) {
      if (keep.has(key) || this.leases.has(`sets/${key}`)) continue;
      const old = join(this.root, `.tmp-${randomBytes(6).toString('hex')}`);
      renameSync(join(dir, key), old);
      void rm(old, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  /** Validates, extracts and stores a package; throws ZipError when it is not acceptable. */
  async put(zip: Buffer): Promise<StoredCode> {
    const sha256Hex = createHash('sha256').update(zip).digest('hex');
    // Uploaded again while a sandbox still held it: it is wanted after all.
    this.doomed.delete(sha256Hex);
    const stored = await this.extract(sha256Hex, zip);
    // Validated here first: a package that does not extract never reaches the other nodes.
    if (this.blobs) {
      try {
        await this.blobs.put(sha256Hex, zip);
      } catch (e) {
        throw new NimbusError('ERR_STORAGE_UNAVAILABLE', `Nimbus could not store the package in PostgreSQL: ${messageOf(e)}`);
      }
    }
    return stored;
  }

  /**
   * Makes packages this node has not stored yet local, from the BlobSource, before a sandbox uses
   * them. Undefined when there is nothing to wait for (always on a single node), so the warm path
   * pays no await.
   */
  ensure(sha256s: readonly string[]): Promise<void> | undefined {
    if (!this.blobs) return undefined;
    let missing: string[] | undefined;
    for (const sha of sha256s) {
      if (this.present.has(sha)) continue;
      if (existsSync(join(this.root, sha))) this.present.add(sha);
      else if (HASH.test(sha)) (missing ??= []).push(sha);
    }
    if (!missing) return undefined;
    return Promise.all(missing.map((sha) => this.fetch(sha))).then(() => undefined);
  }

  private fetch(sha256Hex: string): Promise<void> {
    let p = this.fetching.get(sha256Hex);
    if (!p) {
      p = (async () => {
        const zip = await this.blobs!.get(sha256Hex);
        if (!zip) throw new NimbusError('ERR_STORAGE_UNAVAILABLE', `The package ${sha256Hex} is in no store of this cluster.`);
        // The hash is checked again here: the cache is keyed by it.
        if (createHash('sha256').update(zip).digest('hex') !== sha256Hex) throw new NimbusError('ERR_STORAGE_UNAVAILABLE', `The package ${sha256Hex} fetched does not match its hash.`);
        await this.extract(sha256Hex, zip);
      })().finally(() => this.fetching.delete(sha256Hex));
      this.fetching.set(sha256Hex, p);
    }
    return p;
  }

  /** Extracts a package into the local directory, once. */
  private async extract(sha256Hex: string, zip: Buffer): Promise<StoredCode> {
    const final = join(this.root, sha256Hex);
    if (!existsSync(final)) {
      const tmp = join(this.root, `.tmp-${randomBytes(6).toString('hex')}`);
      try {
        // Inside the try: on a full disk the directory itself may be what fails (ENOSPC on mkdir).
        mkdirSync(tmp);
        const { unzippedBytes } = await unzipTo(zip, join(tmp, 'task'));
        writeFileSync(join(tmp, 'package.json'), '{}\n');
        writeFileSync(join(tmp, 'package.zip'), zip, { mode: 0o600 });
        writeFileSync(join(tmp, UNZIPPED), `${unzippedBytes}\n`);
        renameSync(tmp, final);
      } catch (e) {
        rmSync(tmp, { recursive: true, force: true });
        if (existsSync(final)) return { sha256Hex, size: zip.length, unzippedSize: this.unzippedSize(sha256Hex) };
        // A full or failing disk is Nimbus's trouble, not the package's (it used to read as a bad zip).
        if (isStorageFailure(e)) throw new NimbusError('ERR_STORAGE_UNAVAILABLE', `Nimbus could not store the package: ${e.code} (${e.message}).`);
        throw e instanceof ZipError ? e : new ZipError(messageOf(e));
      }
    }
    return { sha256Hex, size: zip.length, unzippedSize: this.unzippedSize(sha256Hex) };
  }

  /**
   * Bytes of a package's extracted files, as extraction counted them. Packages stored before the
   * count was kept are measured once (the sizes of their files, links' targets not followed).
   */
  unzippedSize(sha256Hex: string): number {
    const file = join(this.root, sha256Hex, UNZIPPED);
    try {
      return Number(readFileSync(file, 'utf8'));
    } catch {
      const n = treeBytes(this.taskDir(sha256Hex));
      if (existsSync(join(this.root, sha256Hex))) writeFileSync(file, `${n}\n`);
      return n;
    }
  }

  /** The key under which a set of layers is merged: its packages, in order. */
  static setKey(layerShas: readonly string[]): string {
    return createHash('sha256').update(`layers\0${layerShas.join('\0')}`).digest('hex');
  }

  /** Where the merge of these layers (in this order) is, once `layerSet` built it. */
  layerSetDir(layerShas: readonly string[]): string {
    return join(this.root, 'sets', CodeStore.setKey(layerShas), 'opt');
  }

  /** Merges the layers (packages already stored) for /opt, once per set; resolves to its directory. */
  layerSet(layerShas: readonly string[]): Promise<string> {
    const key = CodeStore.setKey(layerShas);
    let p = this.sets.get(key);
    if (!p) {
      p = this.buildSet(key, layerShas);
      this.sets.set(key, p);
      // A failed build is tried again by the next sandbox.
      p.catch(() => this.sets.delete(key));
    }
    return p;
  }

  private async buildSet(key: string, layerShas: readonly string[]): Promise<string> {
    const final = join(this.root, 'sets', key);
    if (existsSync(join(final, 'opt'))) return join(final, 'opt');
    for (const sha of layerShas) if (!HASH.test(sha) || !existsSync(this.taskDir(sha))) throw new Error(`layer package ${sha} is not stored`);
    mkdirSync(join(this.root, 'sets'), { recursive: true, mode: 0o700 });
    const tmp = join(this.root, `.tmp-${randomBytes(6).toString('hex')}`);
    mkdirSync(tmp, { mode: 0o755 });
    try {
      await mergeTrees(layerShas.map((sha) => this.taskDir(sha)), join(tmp, 'opt'));
      // Which packages went in: the set goes when any of them does.
      await writeFile(join(tmp, 'members'), `${layerShas.join('\n')}\n`);
      await rename(tmp, final);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      if (!existsSync(join(final, 'opt'))) throw e;
    }
    return join(final, 'opt');
  }

  /** The extracted code of a package (the sandbox's task root). */
  taskDir(sha256Hex: string): string {
    return join(this.root, sha256Hex, 'task');
  }

  /** The package as uploaded. */
  zipPath(sha256Hex: string): string {
    return join(this.root, sha256Hex, 'package.zip');
  }

  /**
   * Keeps a package on disk while a sandbox runs it (a code update or a delete must not pull the
   * files from under an invocation in flight); returns the release, which may be called once.
   */
  lease(sha256Hex: string): () => void {
    return this.hold(sha256Hex);
  }

  /** Keeps a merged layer set on disk while a sandbox mounts it, as `lease` does for a package. */
  leaseSet(layerShas: readonly string[]): () => void {
    return this.hold(`sets/${CodeStore.setKey(layerShas)}`);
  }

  private hold(key: string): () => void {
    this.leases.set(key, (this.leases.get(key) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.leases.get(key) ?? 1) - 1;
      if (n > 0) return void this.leases.set(key, n);
      this.leases.delete(key);
      if (this.doomed.delete(key)) this.drop(key);
    };
  }

  /**
   * Deletes a package, or, while sandboxes still run it, once the last of them is gone. The
   * layer sets merged from it go too, each once no sandbox mounts it.
   */
  remove(sha256Hex: string): void {
    if (!HASH.test(sha256Hex)) return;
    this.drop(sha256Hex);
    if (!this.blobs) return;
    // The callers do not wait (a single node's delete is synchronous); `close` does.
    const p = this.blobs.remove(sha256Hex).catch((e: unknown) => this.warn(`could not delete package ${sha256Hex} from PostgreSQL: ${messageOf(e)}`));
    this.removing.add(p);
    void p.finally(() => this.removing.delete(p));
  }

  /** Waits for deletions in the BlobSource, then closes it. */
  async close(): Promise<void> {
    await Promise.all([...this.removing]);
    await this.blobs?.close();
  }

  /** Removes a package (`<sha>`) or a layer set (`sets/<key>`) now, or when its last lease ends. */
  private drop(key: string): void {
    if (this.leases.has(key)) return void this.doomed.add(key);
    this.present.delete(key);
    rmSync(join(this.root, key), { recursive: true, force: true });
    if (key.startsWith('sets/')) return void this.sets.delete(key.slice(5));
    for (const set of this.setsWith(key)) this.drop(`sets/${set}`);
  }

  /** The layer sets (keys) merged from a package. */
  private setsWith(sha256Hex: string): string[] {
    const dir = join(this.root, 'sets');
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((key) => {
      try {
        return readFileSync(join(dir, key, 'members'), 'utf8').split('\n').includes(sha256Hex);
      } catch {
        return false;
      }
    });
  }
}

/** Bytes of the regular files under `dir`. */
function treeBytes(dir: string): number {
  let n = 0;
  if (!existsSync(dir)) return 0;
  for (const name of readdirSync(dir)) {
    const st = lstatSync(join(dir, name));
    if (st.isDirectory()) n += treeBytes(join(dir, name));
    else if (st.isFile()) n += st.size;
  }
  return n;
}
