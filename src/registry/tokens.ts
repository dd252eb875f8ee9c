/**
 * Registry passwords, as ECR's GetAuthorizationToken hands them out: a client logs in as user
 * `AWS` with a password that names an account and region and expires (12 hours, as ECR's). The
 * password is signed with a secret of the server's keyring, so it is verified without storing it:
 *
 *   password = "NRT1." + base64url({"a":account,"r":region,"exp":epochSeconds}) + "." + base64url(HMAC(secret, claims))
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TOKEN_LIFETIME_MS = 12 * 3600 * 1000;

export interface TokenClaims {
  a: string;
  r: string;
  exp: number;
  /** The access key the password was issued to: its policies apply to what the password does. */
  k?: string;
}

export class RegistryTokens {
  constructor(private readonly secret: Buffer) {}

  issue(accountId: string, region: string, now: number, accessKeyId?: string): { password: string; expiresAt: number } {
    const exp = Math.floor((now + TOKEN_LIFETIME_MS) / 1000);
    const claims = Buffer.from(JSON.stringify({ a: accountId, r: region, exp, ...(accessKeyId ? { k: accessKeyId } : {}) } satisfies TokenClaims)).toString('base64url');
    return { password: `NRT1.${claims}.${this.mac(claims)}`, expiresAt: exp * 1000 };
  }

  /** The claims of a valid, unexpired password; null otherwise. */
  verify(password: string, now: number): TokenClaims | null {
    const parts = password.split('.');
    if (parts.length !== 3 || parts[0] !== 'NRT1') return null;
    const want = Buffer.from(this.mac(parts[1]!));
    const got = Buffer.from(parts[2]!);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
    let c: TokenClaims;
    try {
      c = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return null;
    }
    if (typeof c.a !== 'string' || typeof c.r !== 'string' || typeof c.exp !== 'number' || c.exp * 1000 < now) return null;
    if (c.k !== undefined && typeof c.k !== 'string') return null;
    return c;
  }

  private mac(claims: string): string {
    return createHmac('sha256', this.secret).update(`registry-token|${claims}`).digest('base64url');
  }
}
