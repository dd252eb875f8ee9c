/**
 * Images for functions: resolving an ImageUri to a digest (at CreateFunction/UpdateFunctionCode,
 * as Lambda does), and unpacking an image once per manifest digest into a read-only root
 * (`<data-dir>/images/roots/<hex>`) that sandboxes mount. The image may live in Nimbus's own
 * registry (an ECR-style host `<account>.dkr.ecr.<region>.amazonaws.com`, or this server's own
 * address) or in another registry, whose manifest and blobs are then copied into Nimbus's blob
 * store at resolve time, so that running the function never depends on that registry again.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageCode, ImageRoots, ImageRunConfig } from '../core/images.js';
import { digestHex, isDigest } from './digest.js';
import { MAX_BLOB_BYTES } from './blobs.js';
import { type Descriptor, parseManifest, type Parsed } from './manifest.js';
import { PullError, RemoteRegistry } from './remote.js';
import type { RegistryService } from './service.js';
import { MAX_IMAGE_BYTES, unpackLayers } from './unpack.js';

/** Why an ImageUri cannot be used; the API answers InvalidParameterValueException with the message. */
export class ImageError extends Error {}

const ECR_HOST = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.(?:amazonaws\.com(?:\.cn)?|localhost)(?::\d+)?$/;
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

export interface ImageRef {
  host: string;
  repo: string;
  tag?: string | undefined;
  digest?: string | undefined;
}

/** `host[:port]/repo[:tag][@sha256:...]`; undefined when it is not an image reference with a registry host. */
export function parseImageUri(uri: string): ImageRef | undefined {
  if (uri.length > 512 || /\s/.test(uri)) return undefined;
  let rest = uri;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) return undefined;
  }
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const host = rest.slice(0, slash);
  if (!/^[a-zA-Z0-9.-]+(:\d+)?$|^\[[0-9a-fA-F:]+\](:\d+)?$/.test(host)) return undefined;
  if (!host.includes('.') && !host.includes(':') && host !== 'localhost') return undefined;
  let path = rest.slice(slash + 1);
  let tag: string | undefined;
  const colon = path.lastIndexOf(':');
  if (colon > path.lastIndexOf('/')) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) return undefined;
  }
  if (!/^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(path)) return undefined;
  return { host, repo: path, tag: tag ?? (digest ? undefined : 'latest'), digest };
}

/** The linux architecture name OCI uses for this host. */
export function hostOciArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch;
}

export class ImageService implements ImageRoots {
  private ownHosts = new Set<string>();
  private readonly roots = new Map<string, Promise<string>>();
  private readonly manifestDir: string;
  private readonly rootDir: string;
  private readonly pullDir: string;

  constructor(
    private readonly registry: RegistryService,
    cacheRoot: string,
    private readonly maxImageBytes = MAX_IMAGE_BYTES,
  ) {
    this.manifestDir = join(cacheRoot, 'manifests');
    this.rootDir = join(cacheRoot, 'roots');
    this.pullDir = join(cacheRoot, 'pulls');
    for (const d of [this.manifestDir, this.rootDir, this.pullDir]) mkdirSync(d, { recursive: true, mode: 0o700 });
    // What a crash left mid-way: half-unpacked roots (dot-named) and partial downloads.
    for (const name of readdirSync(this.rootDir)) if (name.startsWith('.')) rmSync(join(this.rootDir, name), { recursive: true, force: true });
    for (const name of readdirSync(this.pullDir)) rmSync(join(this.pullDir, name), { recursive: true, force: true });
  }

  /** The `host:port` names this server's own registry answers under (set once it listens). */
  setOwnHosts(hosts: readonly string[]): void {
    this.ownHosts = new Set(hosts.map((h) => h.toLowerCase()));
  }

  /**
   * Resolves `uri` for a function of `scope`: the digest it names now, the image's settings, and
   * (for another registry) a copy of the image. Throws ImageError with Lambda's message.
   */
  async resolve(scope: { accountId: string; region: string }, uri: string): Promise<ImageCode> {
    const ref = parseImageUri(uri);
    const missing = `Source image ${uri} does not exist. Provide a valid source image.`;
    if (!ref) throw new ImageError(`Source image ${uri} is not valid. Provide a valid source image.`);
    const ecr = ECR_HOST.exec(ref.host);
    const own = ecr !== null || this.ownHosts.has(ref.host.toLowerCase());
    if (ecr && ecr[1] !== scope.accountId) {
      throw new ImageError(`Lambda does not have permission to access the ECR image. Check the ECR permissions. (Nimbus: the image belongs to account ${ecr[1]}, the function to ${scope.accountId})`);
    }
    const repoBase = `${ref.host}/${ref.repo}`;
    let top: { body: Buffer; mediaType: string; digest: string } | undefined;
    let fetchChild: (d: Descriptor) => Promise<{ body: Buffer; digest: string } | undefined>;
    let remote: RemoteRegistry | undefined;
    /** Whether a blob the manifest names is readable: in this repository (own registry), anywhere once copied (another registry). */
    let holds: (digest: string) => Promise<boolean> = async () => true;
    if (own) {
      const repo = { accountId: scope.accountId, region: ecr?.[2] ?? scope.region, name: ref.repo };
      holds = (digest) => this.registry.store.hasBlob(repo, digest);
      const digest = await this.registry.resolve(repo, ref.digest ?? ref.tag!).catch(() => undefined);
      const m = digest ? await this.registry.store.getManifest(repo, digest) : undefined;
      if (m && ref.tag && ref.digest && (await this.registry.store.resolveTag(repo, ref.tag)) !== ref.digest) throw new ImageError(missing);
      top = m && { body: m.body, mediaType: m.mediaType, digest: m.digest };
      fetchChild = async (d) => {
        const c = await this.registry.store.getManifest(repo, d.digest);
        return c && { body: c.body, digest: c.digest };
      };
    } else {
      remote = new RemoteRegistry(ref.host, ref.repo);
      const r = remote;
      try {
        top = await r.manifest(ref.digest ?? ref.tag!);
      } catch (e) {
        throw new ImageError(`${missing} (${e instanceof Error ? e.message : String(e)})`);
      }
      fetchChild = (d) => r.manifest(d.digest);
    }
    if (!top) throw new ImageError(missing);
    let parsed: Parsed;
    let platform = top;
    try {
      parsed = parseManifest(top.body, top.mediaType);
      if (parsed.kind === 'index') {
        const arch = hostOciArch();
        const pick = parsed.manifests.find((d) => d.platform?.os === 'linux' && d.platform.architecture === arch);
        if (!pick) throw new ImageError(`The image ${uri} has no linux/${arch} variant, the architecture of this Nimbus host.`);
        const child = await fetchChild(pick);
        if (!child) throw new ImageError(missing);
        platform = { ...child, mediaType: pick.mediaType };
        parsed = parseManifest(child.body, pick.mediaType);
        if (parsed.kind !== 'image') throw new ImageError(`The image ${uri} nests an index in an index; Nimbus runs single-platform manifests.`);
      }
    } catch (e) {
      if (e instanceof ImageError) throw e;
      throw new ImageError(`The image manifest of ${uri} is not valid: ${e instanceof Error ? e.message : String(e)}`);
    }
    const total = parsed.layers.reduce((n, l) => n + l.size, 0);
    if (total > this.maxImageBytes) throw new ImageError(`The image ${uri} is ${total} bytes compressed, over Lambda's limit of ${this.maxImageBytes} bytes.`);
    if (remote) await this.copy(remote, [parsed.config, ...parsed.layers]);
    for (const d of [parsed.config, ...parsed.layers]) {
      if (!(await holds(d.digest)) || (await this.registry.blobs.size(d.digest)) !== d.size) throw new ImageError(`${missing} (blob ${d.digest} is missing)`);
    }
    const config = await this.readConfig(parsed.config, uri);
    await writeFile(join(this.manifestDir, `${digestHex(platform.digest)!}.json`), platform.body, { mode: 0o600 });
    const code: ImageCode = { uri, resolvedUri: `${repoBase}@${top.digest}`, digest: top.digest, manifestDigest: platform.digest, config };
    // Unpacked now, in the background, as Lambda optimises an image while the function is Pending:
    // the first invocation then finds it ready (or waits for the same unpacking, never a second one).
    this.rootfs(code).catch(() => undefined);
    return code;
  }

  /** Copies the blobs a remote image names into Nimbus's blob store (those it lacks). */
  private async copy(remote: RemoteRegistry, blobs: readonly Descriptor[]): Promise<void> {
    for (const d of blobs) {
      if ((await this.registry.blobs.size(d.digest)) === d.size) continue;
      try {
        const file = await remote.blobToFile(d.digest, d.size, this.pullDir, MAX_BLOB_BYTES);
        await this.registry.blobs.adopt(file, d.digest);
      } catch (e) {
        throw new ImageError(`Could not copy the image: ${e instanceof PullError || e instanceof Error ? e.message : String(e)}`);
      }
    }
  }

  private async readConfig(d: Descriptor, uri: string): Promise<ImageRunConfig> {
    if (d.size > MAX_CONFIG_BYTES) throw new ImageError(`The image config of ${uri} is too large.`);
    let doc: { architecture?: unknown; os?: unknown; config?: Record<string, unknown> };
    try {
      doc = JSON.parse((await readFile(this.registry.blobs.path(d.digest))).toString('utf8')) as typeof doc;
    } catch {
      throw new ImageError(`The image config of ${uri} is not valid JSON.`);
    }
    if (doc.os !== undefined && doc.os !== 'linux') throw new ImageError(`The image ${uri} is for ${String(doc.os)}; Lambda runs linux images.`);
    const arch = hostOciArch();
    if (typeof doc.architecture === 'string' && doc.architecture !== arch) {
      throw new ImageError(`The image ${uri} is built for ${doc.architecture}; this Nimbus host runs ${arch} images.`);
    }
    const c = doc.config ?? {};
    const list = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined);
    return {
      entrypoint: list(c['Entrypoint']),
      cmd: list(c['Cmd']),
      env: list(c['Env']),
      workdir: typeof c['WorkingDir'] === 'string' && c['WorkingDir'] !== '' ? c['WorkingDir'] : undefined,
    };
  }

  /** The image's root, unpacked on first use (once, however many sandboxes ask at the same time). */
  rootfs(image: ImageCode): Promise<string> {
    const hex = digestHex(image.manifestDigest);
    if (!hex) return Promise.reject(new Error(`not a digest: ${image.manifestDigest}`));
    let p = this.roots.get(hex);
    if (!p) {
      p = this.unpack(hex).catch((e: unknown) => {
        this.roots.delete(hex);
        throw e;
      });
      this.roots.set(hex, p);
    }
    return p;
  }

  private async unpack(hex: string): Promise<string> {
    const dir = join(this.rootDir, hex);
    if (existsSync(dir)) return dir;
    const parsed = parseManifest(await readFile(join(this.manifestDir, `${hex}.json`)), undefined);
    if (parsed.kind !== 'image') throw new Error('not an image manifest');
    const tmp = join(this.rootDir, `.${hex}.${randomUUID()}`);
    try {
      await unpackLayers(tmp, parsed.layers.map((l) => this.registry.blobs.path(l.digest)), { maxBytes: this.maxImageBytes });
      await rename(tmp, dir);
    } catch (e) {
      await rm(tmp, { recursive: true, force: true });
      throw e;
    }
    return dir;
  }
}
