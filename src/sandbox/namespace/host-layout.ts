/**
 * What the host offers to build a sandbox root from, read once per factory: whether /bin and
 * /lib are merged into /usr (symlinks to recreate) or real directories (to bind), which /etc files
 * exist, and where the helper programs are. Only read-only system files are ever exposed.
 */
import { existsSync, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** A top-level system directory: recreated as the same symlink, or bound read-only. */
export type TopLevel = { path: string; symlink: string } | { path: string; bind: true };

export interface HostLayout {
  topLevel: TopLevel[];
  /** /etc entries that exist on the host, bound read-only at the same path. */
  etc: string[];
  /** /proc entries to hide behind /dev/null or an empty directory (runc's masked paths). */
  procMasks: { path: string; dir: boolean }[];
  bwrap: string;
  bash: string;
  setpriv: string;
  /** socat, for the TCP Runtime API forwarder; null when not installed. */
  socat: string | null;
  sh: string;
}

const TOP = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/**
 * Name resolution, TLS roots, time zone, the dynamic loader's cache and Debian's alternatives
 * (how /usr/bin/java resolves). Deliberately absent: passwd/shadow (generated per sandbox),
 * machine-id, hostname, and anything with host configuration or secrets.
 */
const ETC = [
  'resolv.conf', 'hosts', 'nsswitch.conf', 'host.conf', 'gai.conf', 'protocols', 'services', 'localtime',
  'timezone', 'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'ssl', 'ca-certificates', 'ca-certificates.conf', 'pki',
  'alternatives', 'mime.types', 'os-release', 'debian_version',
];

/** runc's default masked paths (libcontainer/specconv/example.go) that exist in a proc mount. */
const PROC_MASKS = [
  ['acpi', true], ['asound', true], ['scsi', true], ['kcore', false], ['keys', false], ['latency_stats', false],
  ['timer_list', false], ['timer_stats', false], ['sched_debug', false], ['kallsyms', false], ['kmsg', false],
  ['kpagecgroup', false], ['kpagecount', false], ['kpageflags', false], ['sysrq-trigger', false],
] as const;

/** Finds a program in the usual system directories. */
export function findProgram(name: string): string | null {
  for (const dir of ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin']) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return null;
}

/** Reads the host's layout; throws when a required program is missing. */
export function readHostLayout(): HostLayout {
  const topLevel: TopLevel[] = [];
  for (const path of TOP) {
    try {
      const st = lstatSync(path);
      if (st.isSymbolicLink()) topLevel.push({ path, symlink: readlinkSync(path) });
      else if (st.isDirectory()) topLevel.push({ path, bind: true });
    } catch {
      // Not on this host.
    }
  }
  const etc = ETC.map((e) => `/etc/${e}`).filter((p) => existsSync(p));
  // JDKs on Debian keep their configuration in /etc/java-NN-openjdk, reached through symlinks.
  try {
    for (const e of readdirSync('/etc')) if (/^java-\d+/.test(e)) etc.push(`/etc/${e}`);
  } catch {
    // No /etc listing: nothing more to add.
  }
  const procMasks = PROC_MASKS.filter(([p]) => existsSync(`/proc/${p}`)).map(([p, dir]) => ({ path: `/proc/${p}`, dir }));
  const need = (name: string): string => {
    const p = findProgram(name);
    if (!p) throw new Error(`${name} is not installed`);
    return p;
  };
  return {
    topLevel,
    etc,
    procMasks,
    bwrap: need('bwrap'),
    bash: need('bash'),
    setpriv: need('setpriv'),
    sh: need('sh'),
    socat: findProgram('socat'),
  };
}
