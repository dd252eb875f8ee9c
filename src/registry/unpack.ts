/**
 * Applies an image's layers, bottom first, into one flattened directory tree (the rootfs the
 * sandbox mounts read-only). Runs as root on the host, on archives anyone may push, so every path
 * is treated as hostile:
 *
 * - names are relative to the image root: an absolute name or a `..` component refuses the image;
 * - each entry's parent is resolved inside the root, as the kernel would resolve it with the root
 *   as `/` (a symlink `etc -> /etc` in the image leads to the image's /etc, never the host's), and
 *   the last component is never followed: an existing entry there is replaced, not written through;
 * - hard links must name a file already inside the root (resolved the same way);
 * - device nodes and FIFOs are skipped; setuid and setgid bits are dropped; owners are root;
 * - the total of the bytes written is bounded (Lambda: 10 GiB uncompressed).
 *
 * Whiteouts (`.wh.<name>` removes a lower layer's entry; `.wh..wh..opq` empties a directory of
 * what lower layers put there) follow the OCI image-spec's "Representing Changes". Layers may be
 * gzip-compressed (required), zstd where Node has it (22.15+), or plain tar.
 */
import { createReadStream } from 'node:fs';
import { chmod, link, lstat, mkdir, open, readdir, readlink, rm, symlink, utimes } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import tar from 'tar-stream';

export class UnpackError extends Error {}

/** Lambda's limit on an image's size, uncompressed. */
export const MAX_IMAGE_BYTES = 10 * 1024 ** 3;
const MAX_SYMLINK_HOPS = 40;
/** Entries across all layers: bytes alone do not bound a layer of millions of empty files (inodes). */
export const MAX_ENTRIES = 1_000_000;

/** An entry's path as components relative to the root; refuses absolute names and `..`. */
export function entryParts(name: string): string[] {
  if (name.startsWith('/')) throw new UnpackError(`layer entry has an absolute path: ${name}`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new UnpackError(`layer entry leaves the image root: ${name}`);
  if (parts.some((p) => p.includes('\0'))) throw new UnpackError('layer entry name holds a NUL byte');
  return parts;
}

/**
 * The host path of `parts` inside `root`, with every symlink among them resolved as if `root`
 * were `/` (absolute targets restart at `root`, `..` stops at it). The last component is resolved
 * too unless `followLast` is false. Never returns a path outside `root`.
 */
export async function resolveInRoot(root: string, parts: readonly string[], followLast: boolean): Promise<string[]> {
  const done: string[] = [];
  const todo = [...parts];
  let hops = 0;
  while (todo.length > 0) {
    const p = todo.shift()!;
    if (p === '.' || p === '') continue;
    if (p === '..') {
      done.pop();
      continue;
    }
    const isLast = todo.length === 0;
    const here = join(root, ...done, p);
    let st;
    try {
      st = await lstat(here);
    } catch {
      // Missing: the rest is created below it, nothing more to resolve.
      done.push(p, ...todo);
      return done;
    }
    if (st.isSymbolicLink() && (!isLast || followLast)) {
      if (++hops > MAX_SYMLINK_HOPS) throw new UnpackError('too many levels of symbolic links in a layer');
      const target = await readlink(here);
      if (target.startsWith('/')) done.length = 0;
      todo.unshift(...target.split('/'));
      continue;
    }
    done.push(p);
  }
  return done;
}

function decompressor(first: Buffer): NodeJS.ReadWriteStream | undefined {
  if (first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b) return zlib.createGunzip();
  if (first.length >= 4 && first.readUInt32LE(0) === 0xfd2fb528) {
    const z = (zlib as unknown as { createZstdDecompress?: () => NodeJS.ReadWriteStream }).createZstdDecompress;
    if (!z) throw new UnpackError(`this layer is zstd-compressed, which needs Node.js 22.15 or later (running ${process.version}); push it gzip-compressed`);
    return z();
  }
  return undefined;
}

async function readHead(file: string): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await fh.read(b, 0, 4, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

export interface UnpackOptions {
  /** The most bytes all layers may write together (default MAX_IMAGE_BYTES). */
  maxBytes?: number;
  /** The most entries all layers may hold together (default MAX_ENTRIES). */
  maxEntries?: number;
}

/** Applies the layer files (compressed or not) to `root`, in order. Returns the bytes written. */
export async function unpackLayers(root: string, layerFiles: readonly string[], o: UnpackOptions = {}): Promise<number> {
  const budget = { left: o.maxBytes ?? MAX_IMAGE_BYTES, written: 0, entries: o.maxEntries ?? MAX_ENTRIES };
  await mkdir(root, { recursive: true, mode: 0o755 });
  for (const f of layerFiles) {
    const head = await readHead(f);
    const d = decompressor(head);
    const src: Readable = createReadStream(f);
    await applyLayer(root, d ? (src.pipe(d) as unknown as Readable) : src, budget);
  }
  return budget.written;
}

async function remove(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

async function applyLayer(root: string, archive: Readable, budget: { left: number; written: number; entries: number }): Promise<void> {
  const extract = tar.extract();
  archive.on('error', (e) => extract.destroy(e));
  archive.pipe(extract);
  /** What this layer made: an opaque whiteout empties only what lower layers left. */
  const made = new Set<string>();
  for await (const entry of extract) {
    const h = entry.header;
    try {
      if (--budget.entries < 0) throw new UnpackError('the image has more entries than the limit of files Nimbus unpacks');
      const parts = entryParts(h.name);
      if (parts.length === 0) {
        entry.resume();
        continue;
      }
      const base = parts[parts.length - 1]!;
      const parent = await resolveInRoot(root, parts.slice(0, -1), true);
      const dir = join(root, ...parent);
      if (base === '.wh..wh..opq') {
        const rel = parent.join('/');
        for (const child of await readdir(dir).catch(() => [] as string[])) {
          const key = rel ? `${rel}/${child}` : child;
          if (!made.has(key)) await remove(join(dir, child));
        }
        entry.resume();
        continue;
      }
      if (base.startsWith('.wh.')) {
        const victim = base.slice(4);
        if (victim && victim !== '.' && victim !== '..' && !victim.includes('/')) await remove(join(dir, victim));
        entry.resume();
        continue;
      }
      const relParts = [...parent, base];
      const target = join(root, ...relParts);
      made.add(relParts.join('/'));
      const mode = (h.mode ?? 0o644) & 0o1777;
      await mkdir(dir, { recursive: true, mode: 0o755 });
      const existing = await lstat(target).catch(() => undefined);
      switch (h.type) {
        case 'directory':
          if (existing && !existing.isDirectory()) await remove(target);
          if (!existing || !existing.isDirectory()) await mkdir(target, { mode });
          await chmod(target, mode);
          entry.resume();
          break;
        case 'file':
        case 'contiguous-file': {
          if (existing) await remove(target);
          const size = h.size ?? 0;
          if (size > budget.left) throw new UnpackError(`the image is larger than the limit of ${budget.left + budget.written} bytes uncompressed`);
          const fh = await open(target, 'wx', mode);
          try {
            let n = 0;
            for await (const chunk of entry as AsyncIterable<Buffer>) {
              n += chunk.length;
              if (n > budget.left) throw new UnpackError(`the image is larger than the limit of ${budget.left + budget.written} bytes uncompressed`);
              await fh.write(chunk);
            }
            budget.left -= n;
            budget.written += n;
          } finally {
            await fh.close();
          }
          await chmod(target, mode);
          if (h.mtime) await utimes(target, h.mtime, h.mtime).catch(() => undefined);
          break;
        }
        case 'symlink':
          if (existing) await remove(target);
          // Kept as written: read by the sandbox with the image as its root, never followed here.
          await symlink(h.linkname ?? '', target);
          entry.resume();
          break;
        case 'link': {
          const from = await resolveInRoot(root, entryParts(h.linkname ?? ''), false);
          const source = join(root, ...from);
          const st = await lstat(source).catch(() => undefined);
          if (!st || st.isDirectory()) throw new UnpackError(`hard link ${h.name} names ${h.linkname ?? ''}, which is not a file of the image`);
          if (existing) await remove(target);
          await link(source, target);
          entry.resume();
          break;
        }
        default:
          // Device nodes, FIFOs, and anything else: not in a Lambda sandbox.
          made.delete(relParts.join('/'));
          entry.resume();
      }
    } catch (e) {
      entry.resume();
      extract.destroy();
      archive.destroy();
      throw e instanceof UnpackError ? e : new UnpackError(`could not unpack ${h.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/** Posix join for image paths (WORKDIR and the like), for callers that check paths lexically. */
export const imagePath = (p: string): string => posix.normalize(`/${p}`);
