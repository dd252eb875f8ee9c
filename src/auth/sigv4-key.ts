/**
 * The SigV4 signing key, `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
 * "aws4_request")` (AWS General Reference, "Calculate the signature"), cached: it changes once a
 * day per key, and four HMACs per request would be most of a warm Invoke's verification cost.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

interface Entry {
  readonly secret: string;
  /** A KeyObject: createHmac takes it without re-importing the key bytes on every request. */
  readonly key: KeyObject;
}

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** Derives signing keys, remembering the most recent `capacity` (key id, date, region, service). */
export class SigningKeyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity = 1024) {}

  /**
   * The key for this scope. Cached by access key id rather than by secret, so secrets are not map
   * keys; the stored secret is compared on each hit, so a rotated secret is never served stale.
   */
  get(accessKeyId: string, secret: string, date: string, region: string, service: string): KeyObject {
    const id = `${accessKeyId}/${date}/${region}/${service}`;
    const hit = this.entries.get(id);
    if (hit && hit.secret === secret) return hit.key;
    const key = createSecretKey(hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request'));
    if (hit) this.entries.delete(id);
    else if (this.entries.size >= this.capacity) {
      // Map iterates in insertion order: the first entry is the oldest.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(id, { secret, key });
    return key;
  }

  /** Forgets every key (for tests and for revocation sweeps). */
  clear(): void {
    this.entries.clear();
  }
}
