/**
 * Registry blobs on disk, content-addressed: `<root>/blobs/sha256/<hex>`, written once, under the
 * digest the client declared only after the bytes were hashed and found to match. Uploads in
 * progress live under `<root>/uploads/<uuid>` (a random id Nimbus chose, never a client's string),
 * so no name a client sends can become a path.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readdirSync, rmSync, type ReadStream } from 'node:fs';
import { link, rename, rm, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { digestHex } from './digest.js';
import { RegistryError } from './errors.js';

const UPLOAD_ID = /^[0-9a-f-]{36}$/;

/** Lambda's limit on an image's uncompressed size; a single compressed layer cannot usefully exceed it. */
export const MAX_BLOB_BYTES = 10 * 1024 ** 3;

export class RegistryBlobs {
  private readonly blobDir: string;
  private readonly uploadDir: string;

  constructor(
    root: string,
    private readonly maxBytes = MAX_BLOB_BYTES,
  ) {
    this.blobDir = join(root, 'blobs', 'sha256');
    this.uploadDir = join(root, 'uploads');
    mkdirSync(this.blobDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.uploadDir, { recursive: true, mode: 0o700 });
    // Uploads do not survive a restart (a client starts them again, as after any registry's): their
    // files would otherwise stay forever.
    for (const f of readdirSync(this.uploadDir)) rmSync(join(this.uploadDir, f), { force: true, recursive: true });
  }

  /** The file of a stored blob (for readers that open it themselves: the image unpacker). */
  path(digest: string): string {
    const hex = digestHex(digest);
    if (!hex) throw new RegistryError('DIGEST_INVALID', `invalid digest: ${digest}`);
    return join(this.blobDir, hex);
  }

  async size(digest: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(digest))).size;
    } catch {
      return undefined;
    }
  }

  reader(digest: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.path(digest), range ?? {});
  }

  newUpload(): string {
    return randomUUID();
  }

  private uploadPath(id: string): string {
    if (!UPLOAD_ID.test(id)) throw new RegistryError('BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry');
    return join(this.uploadDir, id);
  }

  /** Bytes received so far for an upload; undefined when it is not known. */
  async uploadSize(id: string): Promise<number | undefined> {
    try {
      return (await stat(this.uploadPath(id))).size;
    } catch {
      return undefined;
    }
  }

  /** Creates an empty upload file. */
  async begin(id: string): Promise<void> {
    await pipeline(emptyStream(), createWriteStream(this.uploadPath(id), { flags: 'wx', mode: 0o600 }));
  }

  /** Appends a chunk to an upload, refusing it once the whole would pass the size limit. */
  async append(id: string, body: Readable, already: number): Promise<number> {
    let total = already;
    const max = this.maxBytes;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        total += chunk.length;
        if (total > max) cb(new RegistryError('SIZE_INVALID', `blob is larger than the registry's limit of ${max} bytes`));
        else cb(null, chunk);
      },
    });
    await pipeline(body, counter, createWriteStream(this.uploadPath(id), { flags: 'a', mode: 0o600 }));
    return total;
  }

  /**
   * Ends an upload: hashes what was received, and moves it into place only when it matches the
   * digest the client declared (DIGEST_INVALID otherwise; the upload is then dropped).
   */
  async commit(id: string, digest: string): Promise<number> {
    const target = this.path(digest);
    const file = this.uploadPath(id);
    const hash = createHash('sha256');
    await pipeline(createReadStream(file), async function* (src: AsyncIterable<Buffer>) {
      for await (const c of src) hash.update(c);
      yield* [];
    });
    const actual = `sha256:${hash.digest('hex')}`;
    if (actual !== digest) {
      await rm(file, { force: true });
      throw new RegistryError('DIGEST_INVALID', 'provided digest did not match uploaded content', { expected: digest, actual });
    }
    const size = (await stat(file)).size;
    // Another upload may have stored the same content meanwhile: the first one stays.
    try {
      await link(file, target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    await unlink(file);
    return size;
  }

  async cancel(id: string): Promise<void> {
    await rm(this.uploadPath(id), { force: true });
  }

  /** Stores a small blob held in memory (a manifest pulled from another registry is not one: those stay in SQLite). */
  async putBuffer(digest: string, buf: Buffer): Promise<void> {
    const id = this.newUpload();
    const file = this.uploadPath(id);
    await pipeline(bufferStream(buf), createWriteStream(file, { flags: 'wx', mode: 0o600 }));
    try {
      await this.commit(id, digest);
    } finally {
      await rm(file, { force: true });
    }
  }

  /** Moves a file already hashed by the caller into place (blobs pulled from another registry). */
  async adopt(file: string, digest: string): Promise<void> {
    try {
      await link(file, this.path(digest));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    await rename(file, `${file}.done`).catch(() => undefined);
    await rm(`${file}.done`, { force: true });
  }
}

async function* emptyGen(): AsyncGenerator<Buffer> {
  // nothing
}
function emptyStream(): AsyncGenerator<Buffer> {
  return emptyGen();
}
async function* bufferStream(buf: Buffer): AsyncGenerator<Buffer> {
  yield buf;
}
