/**
 * Extracts chosen files from a gzipped tar (an npm package tarball). Only the entries `pick`
 * names are written, each to the path `pick` returns under `destDir`: names from the archive
 * never become paths, so a hostile archive cannot write outside `destDir` (no `..`, no absolute
 * paths, no symlinks followed). Understands ustar names with a prefix, pax `path` records and GNU
 * long names, which is what npm publishes.
 */
import { createReadStream, createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createGunzip } from 'node:zlib';

const BLOCK = 512;

interface Header {
  name: string;
  size: number;
  mode: number;
  type: string;
}

function field(buf: Buffer, start: number, len: number): string {
  const raw = buf.subarray(start, start + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? len : nul).toString('utf8');
}

function octal(buf: Buffer, start: number, len: number): number {
  // GNU base-256 for sizes of 8 GiB and more: never in npm tarballs, refused rather than misread.
  if ((buf[start] ?? 0) & 0x80) throw new Error('tar: base-256 numbers are not supported');
  const s = field(buf, start, len).trim();
  return s ? parseInt(s, 8) : 0;
}

function parseHeader(b: Buffer): Header | null {
  if (b.every((x) => x === 0)) return null;
  const name = field(b, 0, 100);
  const prefix = b.subarray(257, 262).toString('latin1') === 'ustar' ? field(b, 345, 155) : '';
  return { name: prefix ? `${prefix}/${name}` : name, size: octal(b, 124, 12), mode: octal(b, 100, 8), type: String.fromCharCode(b[156] ?? 48) || '0' };
}

/** pax records: `<len> <key>=<value>\n`. */
function paxPath(data: Buffer): string | undefined {
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number(data.subarray(i, sp).toString('latin1'));
    if (!Number.isInteger(len) || len <= 0) break;
    const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (rec.slice(0, eq) === 'path') return rec.slice(eq + 1);
    i += len;
  }
  return undefined;
}

/**
 * Reads `tgz` and writes each regular file for which `pick(name)` returns a relative path.
 * Resolves with the relative paths written; the execute bits of the archive's mode are kept.
 */
export async function extractPicked(tgz: string, destDir: string, pick: (name: string) => string | null): Promise<string[]> {
  const written: string[] = [];
  let buf: Buffer = Buffer.alloc(0);
  let header: Header | null = null;
  let remaining = 0;
  let padding = 0;
  let sink: WriteStream | null = null;
  let meta: Buffer[] | null = null;
  let nextName: string | undefined;
  let ended = false;

  const startEntry = async (h: Header): Promise<void> => {
    header = h;
    remaining = h.size;
    padding = (BLOCK - (h.size % BLOCK)) % BLOCK;
    meta = null;
    sink = null;
    if (h.type === 'x' || h.type === 'L') meta = [];
    else if (h.type === '0' || h.type === '\0' || h.type === '7') {
      const name = (nextName ?? h.name).replace(/^\.\//, '');
      nextName = undefined;
      const rel = pick(name);
      if (rel !== null) {
        if (rel.split('/').some((p) => p === '..' || p === '') ) throw new Error(`tar: bad output path ${rel}`);
        const out = join(destDir, rel);
        mkdirSync(dirname(out), { recursive: true });
        sink = createWriteStream(out, { mode: h.mode & 0o111 ? 0o755 : 0o644 });
        written.push(rel);
      }
    } else nextName = undefined;
    if (remaining === 0) await endEntry();
  };

  const endEntry = async (): Promise<void> => {
    const h = header!;
    if (meta) {
      const data = Buffer.concat(meta);
      nextName = h.type === 'x' ? (paxPath(data) ?? nextName) : field(data, 0, data.length);
    }
    if (sink) {
      const s: WriteStream = sink;
      s.end();
      await once(s, 'close');
    }
    sink = null;
    meta = null;
    header = null;
  };

  const input = createReadStream(tgz).pipe(createGunzip());
  for await (const chunk of input as AsyncIterable<Buffer>) {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    for (;;) {
      if (ended) break;
      if (header) {
        if (remaining > 0) {
          if (buf.length === 0) break;
          const take = Math.min(remaining, buf.length);
          const part = buf.subarray(0, take);
          buf = buf.subarray(take);
          remaining -= take;
          if (meta) (meta as Buffer[]).push(Buffer.from(part));
          else if (sink) {
            const s: WriteStream = sink;
            if (!s.write(part)) await once(s, 'drain');
          }
          if (remaining > 0) break;
          await endEntry();
        } else await endEntry();
        continue;
      }
      if (padding > 0) {
        const skip = Math.min(padding, buf.length);
        buf = buf.subarray(skip);
        padding -= skip;
        if (padding > 0) break;
        continue;
      }
      if (buf.length < BLOCK) break;
      const h = parseHeader(buf.subarray(0, BLOCK));
      buf = buf.subarray(BLOCK);
      if (!h) {
        ended = true;
        break;
      }
      await startEntry(h);
    }
    if (ended) break;
  }
  if (header) throw new Error('tar: archive ends inside an entry');
  return written;
}
