/**
 * Downloads one file from a package registry to disk, hashing it on the way, with progress on the
 * log, and refuses it unless it matches the checksum the registry's index published for it
 * (npm's `dist.integrity` or `dist.shasum`, PyPI's `sha256`).
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** A checksum: the hash algorithm and the expected digest (base64 for SRI, hex otherwise). */
export interface Checksum {
  algorithm: 'sha512' | 'sha256' | 'sha1';
  digest: string;
  encoding: 'base64' | 'hex';
}

/** The strongest checksum an npm `dist` offers: `integrity` (SRI, sha512) before `shasum` (sha1). */
export function npmChecksum(dist: { integrity?: string; shasum?: string }): Checksum {
  for (const part of (dist.integrity ?? '').split(/\s+/)) {
    const m = /^(sha512|sha256)-([A-Za-z0-9+/=]+)$/.exec(part);
    if (m) return { algorithm: m[1] as 'sha512' | 'sha256', digest: m[2]!, encoding: 'base64' };
  }
  if (dist.shasum && /^[0-9a-f]{40}$/.test(dist.shasum)) return { algorithm: 'sha1', digest: dist.shasum, encoding: 'hex' };
  throw new Error('the registry published no checksum for this package');
}

/** `sha512-<base64>` and the like, for manifests and messages. */
export function describeChecksum(c: Checksum): string {
  return `${c.algorithm}-${c.digest}`;
}

export type Log = (line: string) => void;

/**
 * Fetches `url` into `dest`. Logs `<label>: 10% of 52.7 MB` lines (every tenth, at most), and
 * throws when the status is not 200 or the bytes do not match `checksum`.
 */
export async function download(url: string, dest: string, checksum: Checksum, label: string, log: Log): Promise<number> {
  const res = await fetch(url, { redirect: 'follow' });
  if (res.status !== 200 || !res.body) throw new Error(`GET ${url}: HTTP ${res.status}`);
  const total = Number(res.headers.get('content-length') ?? 0);
  log(`${label}: downloading ${total ? megabytes(total) : 'unknown size'} from ${url}`);
  const hash = createHash(checksum.algorithm);
  const out = createWriteStream(dest, { mode: 0o600 });
  let received = 0;
  let nextTenth = 1;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      received += chunk.length;
      if (!out.write(chunk)) await once(out, 'drain');
      // Progress only for downloads worth watching (the interpreters), not for small wheels.
      if (total >= 5e6 && received * 10 >= total * nextTenth && nextTenth < 10) {
        log(`${label}: ${nextTenth * 10}% of ${megabytes(total)}`);
        nextTenth = Math.floor((received * 10) / total) + 1;
      }
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  const got = hash.digest(checksum.encoding);
  if (got !== checksum.digest) {
    throw new Error(`${label}: checksum mismatch for ${url}: expected ${checksum.algorithm} ${checksum.digest}, got ${got}`);
  }
  log(`${label}: ${megabytes(received)} received, ${checksum.algorithm} verified`);
  return received;
}

export function megabytes(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

/** GETs a JSON document (a registry index), with `accept`. */
export async function getJson<T>(url: string, accept = 'application/json'): Promise<T> {
  const res = await fetch(url, { headers: { accept }, redirect: 'follow' });
  if (res.status === 404) throw new Error(`not found: ${url}`);
  if (res.status !== 200) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}
