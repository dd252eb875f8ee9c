/**
 * How an access key's secret is kept at rest. SigV4 is an HMAC, so the server must recover each
 * secret: it cannot be hashed. The secret goes through a SecretBox, bound to its access key id
 * (AAD), so that an AES-256-GCM box (the secrets-at-rest work of issue 17) can replace the
 * default without touching the store. The default `PlainSecretBox` does not encrypt: the secret
 * is protected by the data directory's permissions only (0700 directory, 0600 files).
 */
export interface SecretBox {
  /** A name stored next to each sealed secret, so a later box can tell what opened it. */
  readonly id: string;
  seal(plain: string, aad: string): Buffer;
  open(sealed: Buffer, aad: string): string;
}

export class PlainSecretBox implements SecretBox {
  readonly id = 'plain';
  seal(plain: string): Buffer {
    return Buffer.from(plain, 'utf8');
  }
  open(sealed: Buffer): string {
    return sealed.toString('utf8');
  }
}
