/**
 * Presigned code downloads: GetFunction's `Code.Location` and GetLayerVersion's `Content.Location`
 * are URLs that work without credentials for ten minutes, as AWS's presigned S3 URLs do, and
 * not after (nor for another package: the MAC covers the hash and the expiry). Their host is the
 * configured public URL or the listening address, never the request's `Host` header, so a
 * forged Host cannot make Nimbus hand out links to somewhere else.
 */
import { timingSafeEqual } from 'node:crypto';
import type { SecretBox } from './secret-box.js';

/** AWS's presigned code URLs are valid for 10 minutes. */
export const CODE_URL_TTL_S = 600;

export class CodeUrls {
  /** `http://host:port` the links point at; set once the server listens. */
  private base = '';

  constructor(
    private readonly box: SecretBox,
    private readonly nowMs: () => number,
  ) {}

  setBase(base: string): void {
    this.base = base.replace(/\/+$/, '');
  }

  /** A download link of a package, valid for CODE_URL_TTL_S from now. */
  location(sha256Hex: string): string {
    const expires = Math.floor(this.nowMs() / 1000) + CODE_URL_TTL_S;
    return `${this.base}/nimbus/v1/code/${sha256Hex}?Expires=${expires}&Signature=${this.sign(sha256Hex, expires)}`;
  }

  /** Why a download is refused, or undefined when its signature holds and it has not expired. */
  check(sha256Hex: string, query: URLSearchParams): string | undefined {
    const expiresRaw = query.get('Expires') ?? '';
    const sig = query.get('Signature') ?? '';
    if (!/^\d{1,12}$/.test(expiresRaw) || !/^[0-9a-f]{64}$/.test(sig)) return 'The code URL is not signed.';
    const expires = Number(expiresRaw);
    const want = Buffer.from(this.sign(sha256Hex, expires), 'hex');
    if (!timingSafeEqual(want, Buffer.from(sig, 'hex'))) return 'The code URL signature does not match.';
    if (Math.floor(this.nowMs() / 1000) > expires) return 'The code URL has expired.';
    return undefined;
  }

  private sign(sha256Hex: string, expires: number): string {
    return this.box.mac('code-url', `${sha256Hex}\n${expires}`);
  }
}
