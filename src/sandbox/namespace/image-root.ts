/**
 * The sandbox root of a container-image function (docs/images.md): the image's own tree,
 * read-only, instead of the host's /usr and /etc. bwrap builds the root as an empty tmpfs; each
 * top-level entry of the unpacked image is bound into it (a directory or file) or recreated (a
 * symlink: never bound, since binding would follow it on the host). /proc, /dev, /tmp and /run are
 * the sandbox's own; /etc is the image's entries one by one, with Nimbus's passwd and group.
 *
 * The helpers Nimbus runs before the function (setpriv, and socat for the Runtime API at
 * 127.0.0.1:9001) are the host's: its /usr is shown read-only at /run/nimbus-host/usr and they are
 * started through the host's dynamic loader with the host's library directory, so they work
 * whatever C library the image has (or none).
 */
import { lstatSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const HOST_PREFIX = '/run/nimbus-host';

/** Top-level entries the sandbox provides itself, whatever the image has there. */
const OWN = new Set(['proc', 'dev', 'tmp', 'run', 'etc', 'sys']);
/** /etc entries the sandbox provides itself. */
const OWN_ETC = new Set(['passwd', 'group']);

export interface HostTools {
  /** The host's dynamic loader, as seen inside (under HOST_PREFIX). */
  loader: string;
  /** Its library directory, as seen inside. */
  libraryPath: string;
}

/** The host's loader and libraries, when they live under /usr (merged-/usr hosts: Debian 12, Ubuntu, Fedora). */
export function hostTools(): HostTools | null {
  for (const l of ['/lib64/ld-linux-x86-64.so.2', '/lib/ld-linux-aarch64.so.1']) {
    try {
      const real = realpathSync(l);
      if (!real.startsWith('/usr/')) continue;
      return { loader: HOST_PREFIX + real, libraryPath: HOST_PREFIX + dirname(real) };
    } catch {
      // Not this architecture.
    }
  }
  return null;
}

/** `argv` of a host program (an absolute host path under /usr) as run inside through the loader. */
export function viaLoader(tools: HostTools, program: string): string[] {
  return [tools.loader, '--library-path', tools.libraryPath, HOST_PREFIX + realpathSync(program)];
}

/** bwrap options that lay the image's tree out as the sandbox's root (before /proc, /dev, /tmp). */
export function imageRootOptions(rootfs: string, passwdFile: string, groupFile: string): string[] {
  const o: string[] = [];
  for (const name of readdirSync(rootfs).sort()) {
    if (OWN.has(name)) continue;
    o.push(...entry(join(rootfs, name), `/${name}`));
  }
  o.push('--perms', '0755', '--dir', '/etc');
  const etc = join(rootfs, 'etc');
  let etcEntries: string[] = [];
  try {
    if (lstatSync(etc).isDirectory()) etcEntries = readdirSync(etc).sort();
  } catch {
    // An image without /etc: only Nimbus's files there.
  }
  for (const name of etcEntries) if (!OWN_ETC.has(name)) o.push(...entry(join(etc, name), `/etc/${name}`));
  o.push('--ro-bind', passwdFile, '/etc/passwd', '--ro-bind', groupFile, '/etc/group');
  return o;
}

function entry(host: string, inside: string): string[] {
  const st = lstatSync(host);
  if (st.isSymbolicLink()) return ['--symlink', readlinkSync(host), inside];
  if (st.isDirectory() || st.isFile()) return ['--ro-bind', host, inside];
  return [];
}
