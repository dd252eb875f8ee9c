/**
 * The keyring: the AES-256 keys that encrypt secrets at rest (docs/security.md). It lives in one
 * JSON file outside the databases: `<data dir>/keyring.json` (created 0600 on first start), or the
 * file given by `--key-file` / `NIMBUS_KEY_FILE`. A key has a name (`default`, or the KMS key ARN a
 * function names as `KMSKeyArn`) and an id; ciphertexts name the id, so a name can have several
 * keys while a rotation re-encrypts, and the active one (the newest) encrypts.
 *
 * `NIMBUS_MASTER_KEY` (32 bytes, base64) may instead supply the default key; it is read once and
 * removed from the process environment, so no runtime ever inherits it. Such a keyring has no file,
 * so it cannot be rotated in place.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { NimbusError } from '../core/errors.js';

export const DEFAULT_KEY = 'default';
const FORMAT = 'nimbus-keyring/1';
const KEY_BYTES = 32;

export interface KeyEntry {
  /** Unique, named in every ciphertext it made. */
  id: string;
  /** `default` or a KMS key ARN. */
  name: string;
  material: Buffer;
  /** Epoch ms it was made; the newest key of a name is the active one. */
  created: number;
}

interface KeyFile {
  format: string;
  keys: { id: string; name: string; material: string; created: number }[];
}

const configError = (message: string): NimbusError => new NimbusError('ERR_CONFIG', message);

export class Keyring {
  private readonly byId = new Map<string, KeyEntry>();

  private constructor(
    /** The file the keyring is saved to; undefined for a key from the environment. */
    readonly file: string | undefined,
    entries: readonly KeyEntry[],
  ) {
    for (const e of entries) this.byId.set(e.id, e);
  }

  /**
   * The keyring for a server: from `NIMBUS_MASTER_KEY` when set, else the key file (made with a
   * fresh default key, 0600, when missing). A file others can read is refused: it holds every key.
   */
  static open(file: string, env: NodeJS.ProcessEnv = process.env): Keyring {
    const fromEnv = env['NIMBUS_MASTER_KEY'];
    if (fromEnv !== undefined) {
      delete env['NIMBUS_MASTER_KEY'];
      const material = Buffer.from(fromEnv, 'base64');
      if (material.length !== KEY_BYTES) throw configError('NIMBUS_MASTER_KEY must be 32 bytes, base64-encoded.');
      const id = `env-${createHash('sha256').update(material).digest('hex').slice(0, 12)}`;
      return new Keyring(undefined, [{ id, name: DEFAULT_KEY, material, created: 0 }]);
    }
    if (!existsSync(file)) {
      const ring = new Keyring(file, [newKey(DEFAULT_KEY)]);
      ring.save(true);
      return ring;
    }
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw configError(`The key file ${file} is readable by other users (mode ${mode.toString(8)}); run chmod 600 on it.`);
    }
    let parsed: KeyFile;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as KeyFile;
    } catch (e) {
      throw configError(`The key file ${file} is not a Nimbus keyring: ${(e as Error).message}`);
    }
    if (parsed.format !== FORMAT || !Array.isArray(parsed.keys)) throw configError(`The key file ${file} is not a ${FORMAT} keyring.`);
    const entries = parsed.keys.map((k) => {
      const material = Buffer.from(String(k.material), 'base64');
      if (typeof k.id !== 'string' || typeof k.name !== 'string' || material.length !== KEY_BYTES) {
        throw configError(`The key file ${file} has a malformed key (each needs an id, a name and 32 bytes of base64 material).`);
      }
      return { id: k.id, name: k.name, material, created: Number(k.created) || 0 };
    });
    const ring = new Keyring(file, entries);
    if (!ring.names().includes(DEFAULT_KEY)) {
      const k = newKey(DEFAULT_KEY);
      ring.byId.set(k.id, k);
      ring.save(false);
    }
    return ring;
  }

  /** A keyring held only in memory (tests, and the in-memory store). */
  static ephemeral(): Keyring {
    return new Keyring(undefined, [newKey(DEFAULT_KEY)]);
  }

  /**
   * A secret for `purpose` derived from the oldest key of the default name (HMAC-SHA256 of the
   * purpose): the same on every node given the same keyring, and unchanged by a rotation, which
   * adds a newer key and keeps the old ones. A cluster's nodes sign and verify functions'
   * credentials with it (src/runtimes/credentials.ts).
   */
  derive(purpose: string): Buffer {
    let oldest: KeyEntry | undefined;
    for (const e of this.byId.values()) if (e.name === DEFAULT_KEY && (!oldest || e.created < oldest.created)) oldest = e;
    if (!oldest) throw configError('The keyring has no default key.');
    return createHmac('sha256', oldest.material).update(`nimbus:${purpose}`).digest();
  }

  names(): string[] {
    return [...new Set([...this.byId.values()].map((e) => e.name))];
  }

  has(name: string): boolean {
    return this.active(name) !== undefined;
  }

  /** The key that encrypts for `name` now: its newest. */
  active(name: string): KeyEntry | undefined {
    let best: KeyEntry | undefined;
    for (const e of this.byId.values()) if (e.name === name && (!best || e.created >= best.created)) best = e;
    return best;
  }

  byKeyId(id: string): KeyEntry | undefined {
    return this.byId.get(id);
  }

  /** Adds a named key (a KMS key ARN functions may name); refused when the name exists. */
  addKey(name: string): KeyEntry {
    this.requireFile();
    if (this.has(name)) throw new NimbusError('ERR_CONFLICT', `A key named ${name} already exists.`);
    const k = newKey(name);
    this.byId.set(k.id, k);
    this.save(false);
    return k;
  }

  /** Adds a new active key for each of `names`; the old ones stay until `retire`, so every ciphertext stays readable. */
  rotate(names: readonly string[]): KeyEntry[] {
    this.requireFile();
    const made = names.map((n) => {
      const prev = this.active(n);
      const k = newKey(n);
      // Strictly newer than the key it replaces, even within one millisecond.
      if (prev && k.created <= prev.created) k.created = prev.created + 1;
      this.byId.set(k.id, k);
      return k;
    });
    this.save(false);
    return made;
  }

  /** Removes keys no ciphertext uses any more (never an active one). */
  retire(ids: readonly string[]): void {
    const active = new Set(this.names().map((n) => this.active(n)!.id));
    for (const id of ids) if (!active.has(id)) this.byId.delete(id);
    this.save(false);
  }

  /** Every key id, active or not. */
  ids(): string[] {
    return [...this.byId.keys()];
  }

  private requireFile(): void {
    if (!this.file) {
      throw new NimbusError('ERR_INVALID_PARAMETER', 'The keys come from NIMBUS_MASTER_KEY; use a key file (--key-file) to add or rotate keys.');
    }
  }

  /** Writes the file atomically (a 0600 temp file, fsync, rename): a crash leaves the old or the new keyring, never half of one. */
  private save(create: boolean): void {
    if (!this.file) return;
    const body: KeyFile = {
      format: FORMAT,
      keys: [...this.byId.values()].map((k) => ({ id: k.id, name: k.name, material: k.material.toString('base64'), created: k.created })),
    };
    const tmp = `${this.file}.tmp-${process.pid}`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(body, null, 2) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (create && existsSync(this.file)) throw configError(`The key file ${this.file} appeared while Nimbus created it.`);
    renameSync(tmp, this.file);
  }
}

function newKey(name: string): KeyEntry {
  return { id: `k-${randomBytes(8).toString('hex')}`, name, material: randomBytes(KEY_BYTES), created: Date.now() };
}
