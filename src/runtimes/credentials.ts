/**
 * Credentials for a function's execution role, as Lambda gives them in AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN (temporary credentials from assuming the role).
 *
 * Nimbus has no STS. It issues session-like credentials per sandbox, derived from a server secret
 * (`<data-dir>/credentials.key`, 32 random bytes, created once, mode 0600) so that they can be
 * verified later without storing them (a later security issue checks SigV4 signatures with them):
 *
 *   token   = "NMB1." + base64url(claims JSON) + "." + base64url(HMAC(secret, "token" | claims))
 *   keyId   = "ASIA" + 16 base32 characters of HMAC(secret, "key-id" | claims)      (AWS's form for temporary keys)
 *   secret  = base64(HMAC(secret, "secret" | keyId | claims)), 40 characters
 *
 * The claims name the account, region, function and role, and when the credentials expire.
 * Given a request's key id and session token, `verify` recomputes both and hands back the claims
 * and the secret key that the request's signature must have been made with.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** What a set of credentials stands for. */
export interface CredentialClaims {
  /** Account id. */
  a: string;
  /** Region. */
  r: string;
  /** Function name. */
  f: string;
  /** Execution role ARN. */
  role: string;
  /** Expiry, epoch seconds. */
  exp: number;
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch ms. */
  expiration: number;
}

/** How long issued credentials are valid: longer than a sandbox lives (AWS's role sessions last up to 12 h). */
export const CREDENTIAL_LIFETIME_MS = 12 * 3600_000;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(buf: Buffer, chars: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < chars) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

export class CredentialIssuer {
  constructor(private readonly secret: Buffer) {
    if (secret.length < 32) throw new Error('the credential secret must have at least 32 bytes');
  }

  /** The issuer of a data directory, creating its secret on first use. */
  static forDataDir(dataDir: string): CredentialIssuer {
    const file = join(dataDir, 'credentials.key');
    let secret: Buffer;
    try {
      secret = readFileSync(file);
    } catch {
      mkdirSync(dirname(file), { recursive: true });
      secret = randomBytes(32);
      // 'wx': two processes starting at once must not overwrite each other's secret.
      try {
        writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
      } catch {
        secret = readFileSync(file);
      }
      chmodSync(file, 0o600);
    }
    return new CredentialIssuer(secret);
  }

  private mac(purpose: string, ...parts: string[]): Buffer {
    const h = createHmac('sha256', this.secret).update(purpose);
    for (const p of parts) h.update('\0').update(p);
    return h.digest();
  }

  /** Credentials for `fn`'s role, valid from `now` (epoch ms) for CREDENTIAL_LIFETIME_MS. */
  issue(fn: { accountId: string; region: string; name: string; role: string }, now: number): Credentials {
    const claims: CredentialClaims = { a: fn.accountId, r: fn.region, f: fn.name, role: fn.role, exp: Math.floor((now + CREDENTIAL_LIFETIME_MS) / 1000) };
    const body = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const sessionToken = `NMB1.${body}.${this.mac('token', body).toString('base64url')}`;
    const accessKeyId = `ASIA${base32(this.mac('key-id', body), 16)}`;
    const secretAccessKey = this.mac('secret', accessKeyId, body).toString('base64').slice(0, 40);
    return { accessKeyId, secretAccessKey, sessionToken, expiration: claims.exp * 1000 };
  }

  /**
   * The claims and secret key behind a key id and session token, or null when they were not
   * issued with this secret, do not belong together, or have expired at `now` (epoch ms).
   */
  verify(accessKeyId: string, sessionToken: string, now: number): { claims: CredentialClaims; secretAccessKey: string } | null {
    const m = /^NMB1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(sessionToken);
    if (!m) return null;
    const [, body, tag] = m as unknown as [string, string, string];
    const expected = this.mac('token', body);
    const given = Buffer.from(tag, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    if (accessKeyId !== `ASIA${base32(this.mac('key-id', body), 16)}`) return null;
    let claims: CredentialClaims;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as CredentialClaims;
    } catch {
      return null;
    }
    if (claims.exp * 1000 <= now) return null;
    return { claims, secretAccessKey: this.mac('secret', accessKeyId, body).toString('base64').slice(0, 40) };
  }
}
