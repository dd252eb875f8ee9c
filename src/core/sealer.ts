/**
 * Values a service keeps encrypted at rest (SecureString parameters, secrets): sealed with the
 * keyring (src/secrets/secret-box.ts), which app.ts hands in; `aad` binds a value to its record.
 */
export interface Sealer {
  seal(plaintext: string, aad: string): string;
  /** The plaintext, or undefined when the keyring cannot open it. */
  open(sealed: string, aad: string): string | undefined;
}
