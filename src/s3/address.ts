/**
 * Which bucket and key a request addresses, as S3 reads it: virtual-hosted style
 * (`<bucket>.s3.<anything>`, `<bucket>.s3-<region>.<anything>`, `<bucket>.localhost`) or path
 * style (`/<bucket>/<key>` on any other host). The key is the rest of the path, percent-decoded
 * once (`%2F` is a `/` in the key; nothing is normalised: `a/../b` is a key of its own).
 */

export interface S3Address {
  bucket: string | undefined;
  key: string | undefined;
}

const VIRTUAL = /^(.+?)\.s3(?:[.-][^.]*)?\.(?:.+)$/;

/** The bucket named by the Host, if the request is virtual-hosted style. */
export function hostBucket(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  if (name.startsWith('[')) return undefined;
  const m = VIRTUAL.exec(name);
  if (m) return m[1];
  if (name.endsWith('.localhost') && !name.startsWith('s3.')) {
    const b = name.slice(0, -'.localhost'.length);
    return b.includes('.') ? undefined : b;
  }
  return undefined;
}

/** Whether the Host names an S3 endpoint (`s3.<anything>`, `<bucket>.s3.<anything>`). */
export function isS3Host(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  return name.startsWith('s3.') || name.startsWith('s3-') || VIRTUAL.test(name);
}

function decode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** undefined when the path is not valid percent-encoded UTF-8. */
export function s3Address(host: string | undefined, rawPath: string): S3Address | undefined {
  const fromHost = hostBucket(host);
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  if (fromHost !== undefined) {
    const key = decode(path);
    return key === undefined ? undefined : { bucket: fromHost, key: key || undefined };
  }
  if (path === '') return { bucket: undefined, key: undefined };
  const slash = path.indexOf('/');
  const bucket = decode(slash < 0 ? path : path.slice(0, slash));
  const key = slash < 0 ? '' : decode(path.slice(slash + 1));
  if (bucket === undefined || key === undefined) return undefined;
  return { bucket, key: key || undefined };
}
