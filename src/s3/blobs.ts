/**
 * Object bodies on disk: one file per body under `<data-dir>/s3/blobs/`, named by a random id
 * that the metadata store points to. Keys never become file names, so no key (`../x`, `%2F`,
 * 1024 bytes of unicode) can reach outside this directory.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Transform } from 'node:stream';
import { createReadStream, createWriteStream, mkdirSync, readdirSync, type ReadStream, type WriteStream } from 'node:fs';
import { open, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

const ID = /^[0-9a-f-]{36}$/;

export class BlobDir {
  readonly dir: string;

  constructor(root: string) {
    this.dir = join(root, 'blobs');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  newId(): string {
    return randomUUID();
  }

  private path(id: string): string {
    if (!ID.test(id)) throw new Error(`not a blob id: ${id}`);
    return join(this.dir, id);
  }

  writer(id: string): WriteStream {
    return createWriteStream(this.path(id), { flags: 'wx', mode: 0o600 });
  }

  /** A new blob holding `body` (a body Nimbus itself writes, not one streamed from a client). */
  async writeBuffer(body: Buffer): Promise<string> {
    const id = this.newId();
    await writeFile(this.path(id), body, { flag: 'wx', mode: 0o600 });
    return id;
  }

  /** Bytes `start`..`end` inclusive (or the whole body). */
  reader(id: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.path(id), range ? { start: range.start, end: range.end } : {});
  }

  /** The whole body, in memory (ObjectReader's callers set a limit first). */
  async read(id: string, size: number): Promise<Buffer> {
    const fh = await open(this.path(id), 'r');
    try {
      const buf = Buffer.alloc(size);
      let off = 0;
      while (off < size) {
        const { bytesRead } = await fh.read(buf, off, size - off, off);
        if (bytesRead === 0) break;
        off += bytesRead;
      }
      return off === size ? buf : buf.subarray(0, off);
    } finally {
      await fh.close();
    }
  }

  /** A new blob holding `ids` one after the other (CompleteMultipartUpload). */
  async concat(ids: readonly string[]): Promise<string> {
    const id = this.newId();
    const out = this.writer(id);
    try {
      for (const part of ids) await pipeline(this.reader(part), out, { end: false });
      await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    } catch (e) {
      out.destroy();
      await this.remove(id);
      throw e;
    }
    return id;
  }

  /** A new blob holding bytes `range` of `id` (UploadPartCopy), and their MD5. */
  async copyRange(id: string, range: { start: number; end: number } | undefined): Promise<{ id: string; md5: Buffer; size: number }> {
    const out = this.newId();
    const md5 = createHash('md5');
    let size = 0;
    const hash = new Transform({
      transform(chunk: Buffer, _enc, done) {
        md5.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    try {
      await pipeline(this.reader(id, range), hash, this.writer(out));
    } catch (e) {
      await this.remove(out);
      throw e;
    }
    return { id: out, md5: md5.digest(), size };
  }

  async remove(id: string | undefined): Promise<void> {
    if (id === undefined) return;
    await unlink(this.path(id)).catch(() => undefined);
  }

  /** Files no record names (an upload cut short by a crash), removed at start. */
  async sweep(keep: Set<string>): Promise<number> {
    let n = 0;
    for (const f of readdirSync(this.dir)) {
      if (!keep.has(f) && ID.test(f)) {
        await this.remove(f);
        n++;
      }
    }
    return n;
  }
}
