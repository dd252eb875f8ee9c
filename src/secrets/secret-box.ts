/**
 * AES-256-GCM for secrets at rest. A sealed value is one string,
 * `nimbus-enc:1:<key id>:<base64 of iv(12) | tag(16) | ciphertext>`, so it fits the text columns
 * plaintext used to occupy. The associated data binds a ciphertext to its record (a function
 * version's ARN): a value copied onto another record does not decrypt.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { NimbusError } from '../core/errors.js';
import { DEFAULT_KEY, type Keyring } from './keyring.js';

const PREFIX = 'nimbus-enc:1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Why a value could not be opened: its key is not in the keyring, or it does not authenticate. */
export type OpenFailure = 'KMSNotFoundException' | 'KMSAccessDeniedException';

export class SecretBox {
  constructor(private readonly keyring: Keyring) {}

  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }

  isSealed(value: string): boolean {
    return SecretBox.isSealed(value);
  }

  keyIdOf(sealed: string): string | undefined {
    return SecretBox.keyIdOf(sealed);
  }

  /** Whether `name` (a KMSKeyArn, or undefined for the default key) names a key of the keyring. */
  hasKey(name: string | undefined): boolean {
    return this.keyring.has(name ?? DEFAULT_KEY);
  }

  seal(plaintext: string, aad: string, keyName = DEFAULT_KEY): string {
    const key = this.keyring.active(keyName);
    if (!key) throw new NimbusError('ERR_INVALID_PARAMETER', `The key ${keyName} is not in Nimbus's keyring.`);
    const iv = randomBytes(IV_BYTES);
    const c = createCipheriv('aes-256-gcm', key.material, iv, { authTagLength: TAG_BYTES });
    c.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
    return `${PREFIX}${key.id}:${Buffer.concat([iv, c.getAuthTag(), ct]).toString('base64')}`;
  }

  /** The plaintext, or why there is none. */
  open(sealed: string, aad: string): { ok: true; plaintext: string } | { ok: false; failure: OpenFailure } {
    const rest = sealed.slice(PREFIX.length);
    const colon = rest.indexOf(':');
    const key = this.keyring.byKeyId(rest.slice(0, colon));
    if (!SecretBox.isSealed(sealed) || colon < 0 || !key) return { ok: false, failure: 'KMSNotFoundException' };
    const raw = Buffer.from(rest.slice(colon + 1), 'base64');
    if (raw.length < IV_BYTES + TAG_BYTES) return { ok: false, failure: 'KMSAccessDeniedException' };
    try {
      // authTagLength pins the tag to 16 bytes: without it Node accepts a truncated tag.
      const d = createDecipheriv('aes-256-gcm', key.material, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      d.setAAD(Buffer.from(aad, 'utf8'));
      d.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return { ok: true, plaintext: Buffer.concat([d.update(raw.subarray(IV_BYTES + TAG_BYTES)), d.final()]).toString('utf8') };
    } catch {
      return { ok: false, failure: 'KMSAccessDeniedException' };
    }
  }

  /** The key id a sealed value names. */
  static keyIdOf(sealed: string): string | undefined {
    if (!SecretBox.isSealed(sealed)) return undefined;
    const rest = sealed.slice(PREFIX.length);
    return rest.slice(0, rest.indexOf(':'));
  }

  /** Whether a sealed value is under the active key of `keyName` (rotation skips those). */
  isCurrent(sealed: string, keyName = DEFAULT_KEY): boolean {
    return SecretBox.keyIdOf(sealed) === this.keyring.active(keyName)?.id;
  }

  /**
   * A MAC under a key derived from the default key for `purpose` (HMAC-SHA256, hex): for values
   * Nimbus hands out and must recognise later, such as presigned code URLs.
   */
  mac(purpose: string, message: string): string {
    const root = this.keyring.active(DEFAULT_KEY)!;
    const sub = createHmac('sha256', root.material).update(`nimbus:${purpose}:v1`).digest();
    return createHmac('sha256', sub).update(message).digest('hex');
  }

  get ring(): Keyring {
    return this.keyring;
  }
}
