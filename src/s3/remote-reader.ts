/**
 * Reading Lambda code from an external S3-compatible endpoint (`nimbus serve --s3-endpoint URL`:
 * AWS S3, MinIO, moto, another Nimbus) instead of Nimbus's own S3: a SigV4-signed path-style
 * GetObject with the credentials of Nimbus's environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), its S3 error codes carried into ObjectError so the
 * Lambda API words AWS's message. The body is read up to the caller's limit and no further.
 */
import type { Scope } from '../core/model.js';
import { ObjectError, type ObjectErrorCode, type ObjectReader } from '../core/objects.js';
import { signHeaders, type SigningCredentials } from '../auth/sigv4-sign.js';

const KNOWN: readonly string[] = ['NoSuchBucket', 'NoSuchKey', 'NoSuchVersion', 'AccessDenied', 'EntityTooLarge'];

const encodeKey = (key: string): string => key.split('/').map((s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');

export class RemoteObjectReader implements ObjectReader {
  private readonly base: URL;

  constructor(
    endpoint: string,
    private readonly credentials: () => SigningCredentials,
    /** The region to sign for; default the caller's. */
    private readonly region?: string,
  ) {
    this.base = new URL(endpoint);
  }

  async read(scope: Scope, bucket: string, key: string, opts: { versionId?: string; limit?: number } = {}): Promise<Buffer> {
    const prefix = this.base.pathname.replace(/\/+$/, '');
    const target = `${prefix}/${encodeURIComponent(bucket)}/${encodeKey(key)}${opts.versionId !== undefined ? `?versionId=${encodeURIComponent(opts.versionId)}` : ''}`;
    const headers = signHeaders({ method: 'GET', host: this.base.host, target, headers: {}, body: undefined, region: this.region ?? scope.region, service: 's3', credentials: this.credentials(), s3: true });
    let res: Response;
    try {
      res = await fetch(new URL(target, this.base), { headers, redirect: 'error' });
    } catch (e) {
      throw new ObjectError('AccessDenied', `The S3 endpoint ${this.base.origin} could not be reached (${e instanceof Error ? e.message : String(e)})`);
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? (res.status === 404 ? 'NoSuchKey' : 'AccessDenied');
      const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? `HTTP ${res.status}`;
      throw new ObjectError((KNOWN.includes(code) ? code : 'AccessDenied') as ObjectErrorCode, message);
    }
    const limit = opts.limit ?? Infinity;
    if (Number(res.headers.get('content-length') ?? 0) > limit) {
      await res.body?.cancel();
      throw new ObjectError('EntityTooLarge', `The object is larger than ${limit} bytes.`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) {
      size += c.length;
      if (size > limit) throw new ObjectError('EntityTooLarge', `The object is larger than ${limit} bytes.`);
      chunks.push(Buffer.from(c));
    }
    return Buffer.concat(chunks, size);
  }
}
