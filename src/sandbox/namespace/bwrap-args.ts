/**
 * The bubblewrap command line for one sandbox. bubblewrap "is not a complete, ready-made sandbox
 * with a specific security policy... the level of protection... is entirely determined by the
 * arguments" (its README), so the policy lives here, in one pure function that tests can read.
 *
 * The options (environment included) travel through `--args FD`, never argv: /proc/<pid>/cmdline
 * of the host-side bwrap is readable by every host user, and the environment holds the function's
 * secrets.
 */
import type { RuntimeDescriptor } from '../../runtimes/types.js';
import type { SandboxImage, SandboxSpec } from '../types.js';
import { endpointEnv } from '../endpoint.js';
import { withExecWrapper } from '../exec-wrapper.js';
import { findProgram, type HostLayout } from './host-layout.js';
import { HOST_PREFIX, hostTools, imageRootOptions, viaLoader } from './image-root.js';

/** Where things are inside every namespace sandbox (AWS's paths for code and runtime). */
export const INSIDE = {
  taskRoot: '/var/task',
  runtimeDir: '/var/runtime',
  /** The function's layers, merged and read-only, as on AWS. */
  optDir: '/opt',
  apiDir: '/run/nimbus',
  apiSocket: '/run/nimbus/rapi.sock',
  /** AWS_LAMBDA_RUNTIME_API inside: the address AWS's own sandboxes use. */
  apiAddress: '127.0.0.1:9001',
  /** The relay to Nimbus's own API (api-relay.ts): its socket, and the address socat serves it on. */
  nimbusApiSocket: '/run/nimbus/api.sock',
  nimbusApiAddress: '127.0.0.1:9002',
} as const;

/** Runtime families whose Nimbus bootstrap speaks the Runtime API over NIMBUS_RUNTIME_API_SOCKET. */
export const SOCKET_FAMILIES: ReadonlySet<RuntimeDescriptor['family']> = new Set(['nodejs', 'python', 'java']);

export interface BwrapInput {
  layout: HostLayout;
  spec: SandboxSpec;
  uid: number;
  gid: number;
  /** Host directory holding the Runtime API socket; shown read-only at /run/nimbus. */
  apiDir: string;
  passwdFile: string;
  groupFile: string;
  seccompFd: number;
  /** With egress, bwrap reports the sandbox's pid on `infoFd` and waits on `blockFd` until the network is plumbed. */
  egress?: { infoFd: number; blockFd: number };
  /** Whether `apiDir` holds the relay socket to Nimbus's API (socat then serves it inside). */
  apiRelay?: boolean;
  /**
   * Nimbus's own port on the host, served inside too (127.0.0.1:<port>) by the same relay: URLs
   * Nimbus hands out name it (an SQS queue URL, which the JS SDK calls directly), and a function
   * that reads one from its environment must reach it. Skipped for ports the sandbox cannot bind
   * (below 1024) or that it already uses (9001, 9002).
   */
  nimbusPort?: number;
  /** Host directory of the function's merged layers, shown read-only at /opt (spec.layers). */
  optDir?: string;
  /**
   * The function's external extensions (file names in /opt/extensions), started before the
   * runtime with output on fd 7 and the control channel on fd 8; `hostsFile` becomes /etc/hosts
   * so that `sandbox.localdomain` resolves inside.
   */
  extensions?: { names: readonly string[]; hostsFile: string };
  /** A container-image function: the host directory of the unpacked image, which becomes the root (image-root.ts). */
  imageRoot?: string;
}

export interface BwrapCommand {
  /** Options for `--args FD`, NUL-joined by the caller. */
  options: string[];
  /** What bwrap runs: setpriv, then (for TCP runtimes) the forwarder script, then the runtime. */
  command: string[];
  /** Whether a TCP forwarder to the socket runs inside. */
  forwarder: boolean;
}

/**
 * The relays inside the sandbox, in one shell that then becomes the runtime: for custom runtimes,
 * the TCP Runtime API (socat listens on 127.0.0.1:9001 of the sandbox's own network namespace and
 * relays each connection to the Unix socket); with an API relay, Nimbus's API on 127.0.0.1:9002
 * (and on Nimbus's own port). A runtime whose first request would otherwise be refused starts only
 * once its ports listen (read from /proc/net/tcp: 0100007F:2329 is 127.0.0.1:9001, state 0A is
 * LISTEN): the Runtime API forwarder always, the API relays only for a custom runtime. Nimbus's
 * own bootstraps are started at once and wait for the API relays themselves, just before the
 * handler loads (`relayPorts`, NIMBUS_API_RELAY_PORTS), so that socat's start overlaps the
 * interpreter's instead of preceding it. `$1` is socat; the rest is the runtime's argv.
 */
function relayScript(runtimeApi: boolean, relayPorts: readonly number[], bootstrapWaits: boolean, extensions?: readonly string[], hostLoader = false): string {
  // In an image's root the host's socat and sleep run through the host's loader (image-root.ts):
  // then `$1`..`$4` are the loader, its library path, socat and sleep.
  const lines = hostLoader ? ['ld="$1"; lp="$2"; socat="$3"; slp="$4"; shift 4'] : ['socat="$1"; shift'];
  const socat = hostLoader ? '"$ld" --library-path "$lp" "$socat"' : '"$socat"';
  const pause = hostLoader ? '"$ld" --library-path "$lp" "$slp" 0.002' : 'sleep 0.002';
  const ready: [string, string][] = [];
  if (runtimeApi) {
    lines.push(`${socat} -lp nimbus-rapi TCP-LISTEN:9001,bind=127.0.0.1,reuseaddr,fork UNIX-CONNECT:${INSIDE.apiSocket} &`);
    ready.push(['0100007F:2329', 'the Runtime API forwarder']);
  }
  for (const port of relayPorts) {
    lines.push(`${socat} -lp nimbus-api TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork UNIX-CONNECT:${INSIDE.nimbusApiSocket} &`);
    if (!bootstrapWaits) ready.push([`0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`, `the Nimbus API relay on port ${port}`]);
  }
  if (ready.length > 0) {
    lines.push('ready() { while read -r _ a _ s _; do [ "$a" = "$1" ] && [ "$s" = 0A ] && return 0; done < /proc/net/tcp; return 1; }');
  }
  for (const [address, what] of ready) {
    lines.push(
      'n=0',
      `until ready ${address}; do n=$((n+1)); [ $n -gt 1000 ] && { echo "nimbus: ${what} did not start" >&2; exit 125; }; ${pause}; done`,
    );
  }
  if (extensions && extensions.length > 0) lines.push(...extensionLines(extensions));
  lines.push('exec "$@"');
  return lines.join('\n');
}

/** The ports the API relay listens on inside: 9002, and Nimbus's own port when it can (BwrapInput.nimbusPort). */
export function relayPortsOf(nimbusPort?: number): number[] {
  return nimbusPort !== undefined && servesOwnPort(nimbusPort) ? [9002, nimbusPort] : [9002];
}

/** Whether the relay can also listen on Nimbus's own port inside (see BwrapInput.nimbusPort). */
export function servesOwnPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1024 && port <= 65535 && port !== 9001 && port !== 9002;
}

/** A word the shell reads back as `s` exactly. */
const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Starts each external extension (docs/extensions.md) in the background, once the Runtime API
 * listens: its output goes to fd 7 (Nimbus reads it as the extensions' log), and when it ends its
 * subshell reports `exit STATUS NAME` on fd 8. The runtime starts only when Nimbus answers `go`
 * on fd 8 (every extension registered), as Lambda starts the runtime after Extension init; it
 * inherits neither descriptor.
 */
function extensionLines(names: readonly string[]): string[] {
  const lines: string[] = [];
  for (const n of names) {
    const q = shellQuote(n);
    lines.push(`( ${shellQuote(`${INSIDE.optDir}/extensions/${n}`)} >&7 2>&7 7>&- 8>&- </dev/null; echo "exit $? "${q} >&8 ) &`);
  }
  lines.push('exec 7>&-', 'read -r go <&8 || exit 125', 'exec 8>&-');
  return lines;
}

/**
 * The environment the runtime sees: the function's, the family's, and the Runtime API's. Nothing
 * from the host. With the API relay, SDK calls go to Nimbus (AWS_ENDPOINT_URL_LAMBDA, and
 * AWS_ENDPOINT_URL for the other services Nimbus serves), unless the function set its own.
 */
export function sandboxEnv(spec: SandboxSpec, socket: boolean, apiRelay = false): Record<string, string> {
  const paths = launchPaths(spec);
  const env: Record<string, string> = {
    ...spec.env,
    ...spec.descriptor.env(paths, spec.runtime),
    AWS_LAMBDA_RUNTIME_API: INSIDE.apiAddress,
    LAMBDA_TASK_ROOT: INSIDE.taskRoot,
    LAMBDA_RUNTIME_DIR: INSIDE.runtimeDir,
  };
  if (socket) env['NIMBUS_RUNTIME_API_SOCKET'] = INSIDE.apiSocket;
  if (apiRelay) Object.assign(env, endpointEnv(`http://${INSIDE.nimbusApiAddress}`, spec.env));
  return env;
}

/** Where the runtime finds things inside: AWS's paths; the layers at /opt when the function has some. */
export function launchPaths(spec: SandboxSpec): { taskRoot: string; runtimeDir: string; optDir?: string } {
  return { taskRoot: INSIDE.taskRoot, runtimeDir: INSIDE.runtimeDir, ...(spec.layers ? { optDir: INSIDE.optDir } : {}) };
}

/** Builds the bwrap options and command for `input`. */
export function bwrapCommand(input: BwrapInput): BwrapCommand {
  if (input.spec.image && input.imageRoot !== undefined) return imageBwrapCommand(input, input.spec.image, input.imageRoot);
  const { layout, spec } = input;
  const socket = SOCKET_FAMILIES.has(spec.descriptor.family);
  if (!socket && !layout.socat) throw new Error(`the ${spec.descriptor.family} runtime needs socat for its TCP Runtime API; install it (apt-get install socat)`);
  const o: string[] = [];
  // Own pid, network, IPC, UTS and cgroup namespaces; mount namespace always. No user namespace:
  // Nimbus runs as root, so the uid switch below gives a real non-root uid on the host as well.
  o.push('--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try');
  // Kill the sandbox when Nimbus dies (PR_SET_PDEATHSIG); a new session blocks TIOCSTI (CVE-2017-5226).
  o.push('--die-with-parent', '--new-session', '--hostname', 'localhost');
  o.push('--clearenv');
  const apiRelay = Boolean(input.apiRelay && layout.socat);
  const relayPorts = apiRelay ? relayPortsOf(input.nimbusPort) : [];
  for (const [k, v] of Object.entries(sandboxEnv(spec, socket, apiRelay))) o.push('--setenv', k, v);
  // Nimbus's bootstraps wait for the relay themselves, and take this out of the environment.
  if (socket && relayPorts.length > 0) o.push('--setenv', 'NIMBUS_API_RELAY_PORTS', relayPorts.join(','));

  o.push('--ro-bind', '/usr', '/usr');
  for (const t of layout.topLevel) {
    if ('symlink' in t) o.push('--symlink', t.symlink, t.path);
    else o.push('--ro-bind', t.path, t.path);
  }
  o.push('--dir', '/etc');
  for (const e of layout.etc) o.push('--ro-bind', e, e);
  o.push('--ro-bind', input.passwdFile, '/etc/passwd', '--ro-bind', input.groupFile, '/etc/group');
  if (input.extensions) o.push('--ro-bind', input.extensions.hostsFile, '/etc/hosts');

  o.push('--proc', '/proc');
  for (const m of layout.procMasks) {
    if (m.dir) o.push('--tmpfs', m.path, '--remount-ro', m.path);
    else o.push('--ro-bind', '/dev/null', m.path);
  }
  o.push('--dev', '/dev');
  // /tmp is a tmpfs capped at the function's ephemeral storage. tmpfs pages are charged to the
  // writer's memory cgroup (exp T3 in docs/reference/reliability-and-isolation.md), so /tmp counts against MemorySize.
  // size=0 would mean "unlimited" to tmpfs: fall back to Lambda's default of 512 MB.
  const tmpMb = spec.ephemeralStorageMb > 0 ? spec.ephemeralStorageMb : 512;
  o.push('--perms', '1777', '--size', String(tmpMb * 1024 * 1024), '--tmpfs', '/tmp');
  const bound = ['/usr', ...layout.topLevel.map((t) => t.path), '/etc', '/proc', '/dev'];
  const made = new Set<string>();
  for (const p of spec.descriptor.hostPaths(spec.runtime)) {
    if (bound.some((b) => p === b || p.startsWith(`${b}/`))) continue;
    // bwrap would create the missing parents (say /root/.pyenv) with mode 0700, which the
    // sandbox user could not cross: create them traversable first. They are empty directories
    // on the sandbox's own root, not the host's.
    const parts = p.split('/').filter(Boolean);
    for (let i = 1; i < parts.length; i++) {
      const dir = `/${parts.slice(0, i).join('/')}`;
      if (!made.has(dir)) o.push('--perms', '0755', '--dir', dir);
      made.add(dir);
    }
    o.push('--ro-bind', p, p);
    bound.push(p);
  }
  // bwrap creates missing parents of a mount point with mode 0700, which the sandbox user could not cross.
  for (const d of ['/var', '/run']) o.push('--perms', '0755', '--dir', d);
  o.push('--ro-bind', spec.codeDir, INSIDE.taskRoot);
  o.push('--ro-bind', spec.descriptor.hostRuntimeDir(), INSIDE.runtimeDir);
  o.push('--ro-bind', input.apiDir, INSIDE.apiDir);
  // AWS mounts layers at /opt; without any, an empty directory keeps NODE_PATH and PATH entries valid.
  if (input.optDir) o.push('--ro-bind', input.optDir, INSIDE.optDir);
  else o.push('--dir', INSIDE.optDir);
  o.push('--chdir', INSIDE.taskRoot);
  o.push('--remount-ro', '/');
  // setpriv needs SETUID/SETGID to switch to the sandbox uid and SETPCAP to empty the bounding
  // set; changing to a non-zero uid then clears every capability (capabilities(7)).
  o.push('--cap-drop', 'ALL', '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--cap-add', 'CAP_SETPCAP');
  o.push('--seccomp', String(input.seccompFd));
  if (input.egress) o.push('--info-fd', String(input.egress.infoFd), '--block-fd', String(input.egress.blockFd));

  const argv = withExecWrapper(spec, spec.descriptor.command(launchPaths(spec), spec.runtime, spec.handler));
  const setpriv = [
    layout.setpriv, '--reuid', String(input.uid), '--regid', String(input.gid), '--clear-groups',
    '--bounding-set', '-all', '--inh-caps', '-all', '--',
  ];
  const ext = input.extensions;
  // Extensions speak HTTP to AWS_LAMBDA_RUNTIME_API, so with them the TCP forwarder always runs.
  if (ext && !layout.socat) throw new Error('extensions need socat for the Runtime API at 127.0.0.1:9001; install it (apt-get install socat)');
  const forwarder = !socket || ext !== undefined;
  const command =
    !forwarder && !apiRelay
      ? [...setpriv, ...argv]
      : [...setpriv, layout.sh, '-c', relayScript(forwarder, relayPorts, socket, ext?.names), 'nimbus-rapi', layout.socat!, ...argv];
  return { options: o, command, forwarder };
}

/** The sandbox's /etc/hosts with extensions: `sandbox.localdomain` is the sandbox itself, as on Lambda. */
export const SANDBOX_HOSTS = '127.0.0.1\tlocalhost sandbox.localdomain sandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n';

/** The sandbox's /etc/passwd and /etc/group: root, the sandbox user (AWS's name), nobody. */
export function identityFiles(uid: number, gid: number): { passwd: string; group: string } {
  return {
    passwd: [
      'root:x:0:0:root:/root:/usr/sbin/nologin',
      `sbx_user1051:x:${uid}:${gid}::/tmp:/usr/sbin/nologin`,
      'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
      '',
    ].join('\n'),
    group: ['root:x:0:', `sbx_user1051:x:${gid}:`, 'nogroup:x:65534:', ''].join('\n'),
  };
}

/**
 * The bwrap command of a container-image function (docs/images.md): the same namespaces, limits,
 * seccomp filter, uid switch and Runtime API forwarder as any sandbox, on the image's own root
 * (image-root.ts) with the image's ENTRYPOINT + CMD in its WORKDIR.
 */
function imageBwrapCommand(input: BwrapInput, image: SandboxImage, rootfs: string): BwrapCommand {
  const { layout, spec } = input;
  const tools = hostTools();
  if (!tools) throw new Error('container images need a host whose dynamic loader lives under /usr (merged /usr)');
  if (!layout.socat) throw new Error('container images need socat for the Runtime API at 127.0.0.1:9001; install it (apt-get install socat)');
  const o: string[] = [];
  o.push('--unshare-pid', '--unshare-net', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try');
  o.push('--die-with-parent', '--new-session', '--hostname', 'localhost');
  o.push('--clearenv');
  const apiRelay = Boolean(input.apiRelay);
  const relayPorts = apiRelay ? relayPortsOf(input.nimbusPort) : [];
  for (const [k, v] of Object.entries(sandboxEnv(spec, false, apiRelay))) o.push('--setenv', k, v);
  o.push(...imageRootOptions(rootfs, input.passwdFile, input.groupFile));
  o.push('--proc', '/proc');
  for (const m of layout.procMasks) {
    if (m.dir) o.push('--tmpfs', m.path, '--remount-ro', m.path);
    else o.push('--ro-bind', '/dev/null', m.path);
  }
  o.push('--dev', '/dev');
  const tmpMb = spec.ephemeralStorageMb > 0 ? spec.ephemeralStorageMb : 512;
  o.push('--perms', '1777', '--size', String(tmpMb * 1024 * 1024), '--tmpfs', '/tmp');
  o.push('--perms', '0755', '--dir', '/run');
  o.push('--ro-bind', input.apiDir, INSIDE.apiDir);
  o.push('--perms', '0755', '--dir', HOST_PREFIX, '--ro-bind', '/usr', `${HOST_PREFIX}/usr`);
  o.push('--chdir', image.workdir);
  o.push('--remount-ro', '/');
  o.push('--cap-drop', 'ALL', '--cap-add', 'CAP_SETUID', '--cap-add', 'CAP_SETGID', '--cap-add', 'CAP_SETPCAP');
  o.push('--seccomp', String(input.seccompFd));
  if (input.egress) o.push('--info-fd', String(input.egress.infoFd), '--block-fd', String(input.egress.blockFd));
  const setpriv = [...viaLoader(tools, layout.setpriv), '--reuid', String(input.uid), '--regid', String(input.gid), '--clear-groups', '--bounding-set', '-all', '--inh-caps', '-all', '--'];
  const inside = (p: string): string => viaLoader(tools, p)[3]!;
  const sleep = findProgram('sleep') ?? '/usr/bin/sleep';
  const command = [
    ...setpriv,
    ...viaLoader(tools, layout.sh),
    '-c',
    relayScript(true, relayPorts, false, undefined, true),
    'nimbus-rapi',
    tools.loader,
    tools.libraryPath,
    inside(layout.socat),
    inside(sleep),
    ...image.argv,
  ];
  return { options: o, command, forwarder: true };
}
