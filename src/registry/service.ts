/**
 * The OCI Distribution API v2 over the registry's blobs and metadata: blob uploads (monolithic,
 * chunked, cross-repository mount), blob and manifest reads, manifest pushes by tag or digest,
 * tag lists. Transport-free: the API front end (api/registry) turns HTTP into RegistryRequest
 * and authenticates it first. Repositories are ECR's: per account and region, created on first
 * push when they do not exist yet (ECR's create-on-push).
 */
import type { Readable } from 'node:stream';
import { RegistryBlobs } from './blobs.js';
import { isDigest, sha256Digest } from './digest.js';
import { RegistryError } from './errors.js';
import { MAX_MANIFEST_BYTES, parseManifest } from './manifest.js';
import type { RegistryStore, RepoRef } from './types.js';

export interface RegistryRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Readable;
  /** The account and region the caller's credentials name. */
  accountId: string;
  region: string;
}

export interface RegistryResponse {
  status: number;
  headers: Record<string, string | number>;
  body?: Buffer | undefined;
  /** A blob's bytes (GET); `length` is its Content-Length. */
  stream?: Readable | undefined;
}

/** Repository names as ECR takes them (lower case, `/`-separated components), at most 256 characters. */
export const REPO_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const ROUTE = /^\/v2\/(.+?)\/(?:blobs\/uploads\/?([^/]*)|blobs\/([^/]+)|manifests\/([^/]+)|tags\/list)$/;

const API_HEADER = { 'Docker-Distribution-API-Version': 'registry/2.0' };

function header(h: RegistryRequest['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

export class RegistryService {
  constructor(
    readonly store: RegistryStore,
    readonly blobs: RegistryBlobs,
    private readonly now: () => number = Date.now,
  ) {}

  async handle(r: RegistryRequest): Promise<RegistryResponse> {
    if (r.path === '/v2/' || r.path === '/v2') return { status: 200, headers: { ...API_HEADER, 'Content-Type': 'application/json' }, body: Buffer.from('{}') };
    if (r.path === '/v2/_catalog') {
      // The caller's own repositories (ECR has no catalog; crane and skopeo list with it).
      const names = (await this.store.listRepositories(r.accountId, r.region)).map((x) => x.name);
      return { status: 200, headers: { ...API_HEADER, 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify({ repositories: names })) };
    }
    const m = ROUTE.exec(r.path);
    if (!m) throw new RegistryError('UNSUPPORTED', `unsupported path ${r.path}`);
    const name = decodeURIComponent(m[1]!);
    if (name.length > 256 || !REPO_NAME.test(name)) throw new RegistryError('NAME_INVALID', `invalid repository name: ${name}`);
    const repo: RepoRef = { accountId: r.accountId, region: r.region, name };
    const base = `/v2/${name}`;
    if (m[2] !== undefined && r.path.includes('/blobs/uploads')) return this.upload(r, repo, base, m[2]);
    if (m[3] !== undefined) return this.blob(r, repo, m[3]);
    if (m[4] !== undefined) return this.manifest(r, repo, base, decodeURIComponent(m[4]));
    return this.tags(r, repo);
  }

  /** The repository, made on first push (writes) or refused as unknown (reads). */
  private async repository(repo: RepoRef, create: boolean): Promise<void> {
    if (await this.store.getRepository(repo)) return;
    if (!create) throw new RegistryError('NAME_UNKNOWN', `The repository with name '${repo.name}' does not exist in the registry with id '${repo.accountId}'`);
    await this.store.createRepository({ ...repo, created: this.now(), tagMutability: 'MUTABLE' });
  }

  private async upload(r: RegistryRequest, repo: RepoRef, base: string, id: string): Promise<RegistryResponse> {
    const location = (u: string): string => `${base}/blobs/uploads/${u}`;
    const progress = (u: string, size: number, status: number): RegistryResponse => ({
      status,
      headers: { ...API_HEADER, Location: location(u), Range: `0-${Math.max(0, size - 1)}`, 'Docker-Upload-UUID': u, 'Content-Length': 0 },
    });
    const done = (digest: string): RegistryResponse => ({
      status: 201,
      headers: { ...API_HEADER, Location: `${base}/blobs/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': 0 },
    });
    if (id === '') {
      if (r.method !== 'POST') throw new RegistryError('UNSUPPORTED', `${r.method} is not supported here`);
      await this.repository(repo, true);
      const mount = r.query.get('mount');
      const from = r.query.get('from');
      if (mount !== null && from !== null && isDigest(mount) && REPO_NAME.test(from)) {
        // Blobs are stored once for the whole registry: mounting one that the caller's other repository holds is immediate.
        const source = { accountId: r.accountId, region: r.region, name: from };
        if ((await this.store.hasBlob(source, mount)) && (await this.blobs.size(mount)) !== undefined) {
          await this.store.linkBlob(repo, mount);
          return done(mount);
        }
      }
      const u = this.blobs.newUpload();
      await this.blobs.begin(u);
      const digest = r.query.get('digest');
      if (digest !== null) {
        // Monolithic upload: the whole blob in the POST.
        if (!isDigest(digest)) {
          await this.blobs.cancel(u);
          throw new RegistryError('DIGEST_INVALID', `invalid digest: ${digest}`);
        }
        try {
          await this.blobs.append(u, r.body, 0);
        } catch (e) {
          await this.blobs.cancel(u);
          throw e;
        }
        await this.blobs.commit(u, digest);
        await this.store.linkBlob(repo, digest);
        return done(digest);
      }
      return progress(u, 0, 202);
    }
    const size = await this.blobs.uploadSize(id);
    if (size === undefined) throw new RegistryError('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry');
    if (r.method === 'GET') return progress(id, size, 204);
    if (r.method === 'DELETE') {
      await this.blobs.cancel(id);
      return { status: 204, headers: { ...API_HEADER } };
    }
    if (r.method === 'PATCH' || r.method === 'PUT') {
      const range = header(r.headers, 'content-range');
      if (range !== undefined) {
        const rm = /^(?:bytes )?(\d+)-(\d+)$/.exec(range.trim());
        if (!rm || Number(rm[1]) !== size) return { status: 416, headers: { ...API_HEADER, Location: location(id), Range: `0-${Math.max(0, size - 1)}` }, body: new RegistryError('RANGE_INVALID', 'invalid content range').body() };
      }
      let total = size;
      try {
        total = await this.blobs.append(id, r.body, size);
      } catch (e) {
        await this.blobs.cancel(id);
        throw e;
      }
      if (r.method === 'PATCH') return progress(id, total, 202);
      const digest = r.query.get('digest');
      if (digest === null || !isDigest(digest)) {
        await this.blobs.cancel(id);
        throw new RegistryError('DIGEST_INVALID', `invalid digest: ${digest ?? '(none)'}`);
      }
      await this.blobs.commit(id, digest);
      // An upload id is not bound to its repository: the blob belongs to the one the PUT names.
      await this.repository(repo, true);
      await this.store.linkBlob(repo, digest);
      return done(digest);
    }
    throw new RegistryError('UNSUPPORTED', `${r.method} is not supported here`);
  }

  private async blob(r: RegistryRequest, repo: RepoRef, digest: string): Promise<RegistryResponse> {
    if (r.method === 'DELETE') throw new RegistryError('UNSUPPORTED', 'blob deletion is not supported; delete images instead');
    if (r.method !== 'GET' && r.method !== 'HEAD') throw new RegistryError('UNSUPPORTED', `${r.method} is not supported here`);
    if (!isDigest(digest)) throw new RegistryError('DIGEST_INVALID', `invalid digest: ${digest}`);
    await this.repository(repo, false);
    const size = (await this.store.hasBlob(repo, digest)) ? await this.blobs.size(digest) : undefined;
    if (size === undefined) throw new RegistryError('BLOB_UNKNOWN', 'blob unknown to registry', { digest });
    const headers = { ...API_HEADER, 'Content-Type': 'application/octet-stream', 'Docker-Content-Digest': digest, 'Content-Length': size, ETag: `"${digest}"` };
    if (r.method === 'HEAD') return { status: 200, headers };
    return { status: 200, headers, stream: this.blobs.reader(digest) };
  }

  /** A tag or digest to the manifest's digest (undefined when there is no such tag). */
  async resolve(repo: RepoRef, reference: string): Promise<string | undefined> {
    return isDigest(reference) ? reference : this.store.resolveTag(repo, reference);
  }

  private async manifest(r: RegistryRequest, repo: RepoRef, base: string, reference: string): Promise<RegistryResponse> {
    if (!isDigest(reference) && !TAG.test(reference)) throw new RegistryError('MANIFEST_INVALID', `invalid tag: ${reference}`);
    if (r.method === 'PUT') return this.putManifest(r, repo, base, reference);
    await this.repository(repo, false);
    const digest = await this.resolve(repo, reference);
    const m = digest && (await this.store.getManifest(repo, digest));
    if (r.method === 'DELETE') {
      if (!isDigest(reference)) {
        if (!(await this.store.deleteTag(repo, reference))) throw new RegistryError('MANIFEST_UNKNOWN', 'manifest unknown', { tag: reference });
      } else if (!(await this.store.deleteManifest(repo, reference))) throw new RegistryError('MANIFEST_UNKNOWN', 'manifest unknown', { digest: reference });
      return { status: 202, headers: { ...API_HEADER, 'Content-Length': 0 } };
    }
    if (r.method !== 'GET' && r.method !== 'HEAD') throw new RegistryError('UNSUPPORTED', `${r.method} is not supported here`);
    if (!m) throw new RegistryError('MANIFEST_UNKNOWN', `Requested image not found`, isDigest(reference) ? { digest: reference } : { tag: reference });
    const headers = { ...API_HEADER, 'Content-Type': m.mediaType, 'Docker-Content-Digest': m.digest, 'Content-Length': m.body.length, ETag: `"${m.digest}"` };
    return { status: 200, headers, body: r.method === 'HEAD' ? undefined : m.body };
  }

  private async putManifest(r: RegistryRequest, repo: RepoRef, base: string, reference: string): Promise<RegistryResponse> {
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of r.body as AsyncIterable<Buffer>) {
      n += c.length;
      if (n > MAX_MANIFEST_BYTES) throw new RegistryError('SIZE_INVALID', `manifest is larger than ${MAX_MANIFEST_BYTES} bytes`);
      chunks.push(c);
    }
    const body = Buffer.concat(chunks);
    const digest = sha256Digest(body);
    if (isDigest(reference) && reference !== digest) throw new RegistryError('DIGEST_INVALID', 'manifest digest did not match', { expected: reference, actual: digest });
    const parsed = parseManifest(body, header(r.headers, 'content-type'));
    await this.repository(repo, true);
    let imageSize = 0;
    if (parsed.kind === 'image') {
      // Every blob it names must already be here, with the size it declares (a lie about a size is refused now, not at pull).
      for (const d of [parsed.config, ...parsed.layers]) {
        const size = (await this.store.hasBlob(repo, d.digest)) ? await this.blobs.size(d.digest) : undefined;
        if (size === undefined) throw new RegistryError('MANIFEST_BLOB_UNKNOWN', 'blob unknown to registry', { digest: d.digest });
        if (size !== d.size) throw new RegistryError('MANIFEST_INVALID', `size of ${d.digest} is ${size}, not ${d.size}`);
        imageSize += size;
      }
    } else {
      for (const d of parsed.manifests) {
        const child = await this.store.getManifest(repo, d.digest);
        if (!child) throw new RegistryError('MANIFEST_BLOB_UNKNOWN', 'manifest unknown to registry', { digest: d.digest });
        imageSize += child.imageSize;
      }
    }
    const tag = isDigest(reference) ? undefined : reference;
    const repoRecord = await this.store.getRepository(repo);
    if (tag && repoRecord?.tagMutability === 'IMMUTABLE') {
      const had = await this.store.resolveTag(repo, tag);
      if (had && had !== digest) throw new RegistryError('DENIED', `The image tag '${tag}' already exists in the '${repo.name}' repository and cannot be overwritten because the repository is immutable.`);
    }
    await this.store.putManifest(repo, { digest, mediaType: parsed.mediaType, body, pushed: this.now(), imageSize }, tag);
    return { status: 201, headers: { ...API_HEADER, Location: `${base}/manifests/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': 0 } };
  }

  private async tags(r: RegistryRequest, repo: RepoRef): Promise<RegistryResponse> {
    if (r.method !== 'GET') throw new RegistryError('UNSUPPORTED', `${r.method} is not supported here`);
    await this.repository(repo, false);
    const all = (await this.store.listImages(repo)).flatMap((i) => i.tags).sort();
    const last = r.query.get('last');
    const nRaw = r.query.get('n');
    const n = nRaw === null ? 1000 : Math.max(0, Math.min(1000, Number(nRaw) || 0));
    const after = last === null ? all : all.filter((t) => t > last);
    const page = after.slice(0, n);
    const headers: Record<string, string | number> = { ...API_HEADER, 'Content-Type': 'application/json' };
    if (after.length > n && page.length) headers['Link'] = `</v2/${repo.name}/tags/list?n=${n}&last=${encodeURIComponent(page[page.length - 1]!)}>; rel="next"`;
    return { status: 200, headers, body: Buffer.from(JSON.stringify({ name: repo.name, tags: page })) };
  }
}
