/**
 * The SigV4 signing key, `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
 * "aws4_request")` (AWS General Reference, "Calculate the signature"), cached: it changes once a
 * day per key, and four HMACs per request would be most of a warm Invoke's verification cost.
 *
 * The one HMAC left per request (of the string to sign) is computed from its definition
 * (RFC 2104: `H((K ^ opad) || H((K ^ ipad) || m))`) with two one-shot `crypto.hash` calls over
 * blocks prepared once per key, instead of `createHmac().update().digest()`: the latter builds a
 * stream object and crosses into C++ three times, and was the largest single item of a
 * verification (about 3.6 µs against 1.5 µs on the bench machine, docs/auth.md "Cost"). The
 * result is the same HMAC-SHA256, byte for byte (test/unit/sigv4-key.test.ts checks it against
 * createHmac); Node releases without `crypto.hash` (before 20.12) use createHmac.
 */
import * as crypto from 'node:crypto';

type OneShot = (algorithm: string, data: Buffer, encoding: 'latin1') => string;
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;

/** SHA-256's block size: a key up to this long is used as it is, zero-padded. */
const BLOCK = 64;
/** Room for the message after the inner pad; a string to sign is about 130 bytes. */
const MESSAGE_ROOM = 1024;

const hmac = (key: string | Buffer, data: string): Buffer => crypto.createHmac('sha256', key).update(data, 'utf8').digest();

/** A derived signing key, ready to MAC strings to sign. */
export class SigningKey {
  /** `K ^ ipad`, then room for the message. */
  private readonly inner: Buffer;
  /** `K ^ opad`, then the inner digest. */
  private readonly outer: Buffer;

  constructor(private readonly key: Buffer) {
    // A 32-byte HMAC output is always shorter than the block (longer keys would be hashed first).
    if (key.length > BLOCK) throw new Error('a SigV4 signing key is 32 bytes');
    this.inner = Buffer.alloc(BLOCK + MESSAGE_ROOM);
    this.outer = Buffer.alloc(BLOCK + 32);
    for (let i = 0; i < BLOCK; i++) {
      const k = i < key.length ? key[i]! : 0;
      this.inner[i] = k ^ 0x36;
      this.outer[i] = k ^ 0x5c;
    }
  }

  /**
   * Writes HMAC-SHA256(key, data as UTF-8), 32 bytes, into `out` at `offset`. Synchronous, so
   * the blocks can be reused from call to call.
   */
  macInto(data: string, out: Buffer, offset: number): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit: anything that could overflow the room goes the long way.
    if (oneShot === undefined || data.length * 3 > MESSAGE_ROOM) {
      hmac(this.key, data).copy(out, offset);
      return;
    }
    const n = this.inner.write(data, BLOCK, 'utf8');
    this.outer.write(oneShot('sha256', this.inner.subarray(0, BLOCK + n), 'latin1'), BLOCK, 'latin1');
    out.write(oneShot('sha256', this.outer, 'latin1'), offset, 'latin1');
  }
}

interface Entry {
  readonly secret: string;
  readonly key: SigningKey;
}

/** Derives signing keys, remembering the most recent `capacity` (key id, date, region, service). */
export class SigningKeyCache {
  private readonly entries = new Map<string, Entry>();
  /**
   * The last answer and what it was for: a client sends request after request with one scope,
   * and comparing the same strings again is cheaper than building the map key and hashing it.
   */
  private last: { accessKeyId: string; secret: string; date: string; region: string; service: string; key: SigningKey } | undefined;

  constructor(private readonly capacity = 1024) {}

  /**
   * The key for this scope. Cached by access key id rather than by secret, so secrets are not map
   * keys; the stored secret is compared on each hit, so a rotated secret is never served stale.
   */
  get(accessKeyId: string, secret: string, date: string, region: string, service: string): SigningKey {
    const l = this.last;
    if (l !== undefined && l.accessKeyId === accessKeyId && l.secret === secret && l.date === date && l.region === region && l.service === service) return l.key;
    const key = this.lookup(accessKeyId, secret, date, region, service);
    this.last = { accessKeyId, secret, date, region, service, key };
    return key;
  }

  private lookup(accessKeyId: string, secret: string, date: string, region: string, service: string): SigningKey {
    const id = `${accessKeyId}/${date}/${region}/${service}`;
    const hit = this.entries.get(id);
    if (hit && hit.secret === secret) return hit.key;
    const key = new SigningKey(hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request'));
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
    this.last = undefined;
  }
}
