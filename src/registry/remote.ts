/**
 * Pulling from a registry other than Nimbus's own (an ImageUri naming another host), with the
 * Distribution spec's anonymous token flow: a 401 with `WWW-Authenticate: Bearer realm=...,
 * service=..., scope=...` is answered by asking the realm for a token and retrying with it.
 * Loopback hosts (a second Nimbus, a local registry:2) are spoken to over HTTP, every other host
 * over HTTPS. Every byte is checked against its digest before anything uses it.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MANIFEST_TYPES, MAX_MANIFEST_BYTES } from './manifest.js';

export class PullError extends Error {}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$|\.localhost(:\d+)?$/;

export function registryBase(host: string): string {
  return `${LOOPBACK.test(host) ? 'http' : 'https'}://${host}`;
}

function challenge(h: string | null): { realm: string; params: Record<string, string> } | undefined {
  if (!h || !/^Bearer\s/i.test(h)) return undefined;
  const params: Record<string, string> = {};
  for (const m of h.slice(7).matchAll(/(\w+)="([^"]*)"/g)) params[m[1]!] = m[2]!;
  const realm = params['realm'];
  if (!realm) return undefined;
  delete params['realm'];
  return { realm, params };
}

export class RemoteRegistry {
  private token: string | undefined;

  constructor(
    private readonly host: string,
    private readonly repo: string,
  ) {}

  private async get(path: string, accept?: string): Promise<Response> {
    const url = `${registryBase(this.host)}/v2/${this.repo}/${path}`;
    const headers: Record<string, string> = accept ? { Accept: accept } : {};
    if (this.token) headers['Authorization'] = `Bearer ${this.token}`;
    let res = await fetch(url, { headers, redirect: 'follow' });
    if (res.status === 401 && !this.token) {
      const c = challenge(res.headers.get('www-authenticate'));
      await res.body?.cancel();
      if (!c) throw new PullError(`${this.host} requires credentials; Nimbus pulls other registries anonymously only`);
      const q = new URLSearchParams({ ...c.params, ...(c.params['scope'] ? {} : { scope: `repository:${this.repo}:pull` }) });
      const t = await fetch(`${c.realm}?${q}`);
      if (!t.ok) throw new PullError(`${this.host} refused an anonymous token (${t.status})`);
      const body = (await t.json()) as { token?: string; access_token?: string };
      this.token = body.token ?? body.access_token;
      if (!this.token) throw new PullError(`${this.host} gave no token`);
      headers['Authorization'] = `Bearer ${this.token}`;
      res = await fetch(url, { headers, redirect: 'follow' });
    }
    return res;
  }

  /** A manifest by tag or digest: its bytes and media type; undefined when the registry does not have it. */
  async manifest(reference: string): Promise<{ body: Buffer; mediaType: string; digest: string } | undefined> {
    const res = await this.get(`manifests/${reference}`, MANIFEST_TYPES.join(', '));
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) throw new PullError(`${this.host} answered ${res.status} for ${this.repo}:${reference}`);
    const body = Buffer.from(await res.arrayBuffer());
    if (body.length > MAX_MANIFEST_BYTES) throw new PullError('manifest too large');
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    if (reference.startsWith('sha256:') && reference !== digest) throw new PullError(`${this.host} sent a manifest whose digest is ${digest}, not ${reference}`);
    return { body, mediaType: res.headers.get('content-type')?.split(';')[0] ?? '', digest };
  }

  /** Downloads a blob to a new file in `dir`, checking its digest and size; returns the file. */
  async blobToFile(digest: string, size: number, dir: string, maxBytes: number): Promise<string> {
    if (size > maxBytes) throw new PullError(`blob ${digest} declares ${size} bytes, over the limit of ${maxBytes}`);
    const res = await this.get(`blobs/${digest}`);
    if (!res.ok || !res.body) throw new PullError(`${this.host} answered ${res.status} for blob ${digest}`);
    const file = join(dir, `pull-${randomUUID()}`);
    const hash = createHash('sha256');
    let n = 0;
    try {
      await pipeline(
        Readable.fromWeb(res.body as Parameters<typeof Readable.fromWeb>[0]),
        async function* (src: AsyncIterable<Buffer>) {
          for await (const c of src) {
            n += c.length;
            if (n > size) throw new PullError(`blob ${digest} is longer than the ${size} bytes its manifest declares`);
            hash.update(c);
            yield c;
          }
        },
        createWriteStream(file, { flags: 'wx', mode: 0o600 }),
      );
      const got = `sha256:${hash.digest('hex')}`;
      if (got !== digest) throw new PullError(`blob ${digest} arrived with digest ${got}`);
      if (n !== size) throw new PullError(`blob ${digest} is ${n} bytes, not the ${size} its manifest declares`);
      return file;
    } catch (e) {
      await rm(file, { force: true });
      throw e;
    }
  }
}
