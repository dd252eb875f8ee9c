/**
 * Access keys' secrets sealed with the keyring (AES-256-GCM, src/secrets): the secret is bound to
 * its access key id, so a sealed secret copied onto another key's row does not open. The sealed
 * value names the keyring key that made it, so the keyring must be the one the server runs with
 * (`--key-file` or NIMBUS_MASTER_KEY; in a cluster, the one all nodes share).
 */
import type { SecretBox as Sealer } from '../secrets/secret-box.js';
import type { SecretBox } from './secret-box.js';

export class KeyringSecretBox implements SecretBox {
  readonly id = 'keyring';

  constructor(private readonly sealer: Sealer) {}

  seal(plain: string, aad: string): Buffer {
    return Buffer.from(this.sealer.seal(plain, `nimbus:access-key:${aad}`), 'utf8');
  }

  open(sealed: Buffer, aad: string): string {
    const r = this.sealer.open(sealed.toString('utf8'), `nimbus:access-key:${aad}`);
    if (!r.ok) throw new Error(`the secret of ${aad} does not open with this keyring (${r.failure})`);
    return r.plaintext;
  }
}
