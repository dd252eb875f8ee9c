/**
 * Java runtimes: `javaNN` runs on a Java NN runtime (catalog.ts says which one: a registered or
 * host JDK, or one from PyPI), with Nimbus's runtime from guest/java compiled into
 * dist/guest/java/classes. See docs/runtimes.md for the handler forms it supports.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostCatalog, type RuntimeCatalog } from './catalog.js';
import { JAVA_IDS } from './ids.js';
import { pathsOf, unavailableCommand } from './interpreter.js';
import { OPT, type RuntimeDescriptor } from './types.js';

/**
 * AWS's Java runtimes start the JVM for fast start-up (C1 only, serial GC, class data sharing)
 * and give the heap most of the function's memory; the JVM reads that memory from the cgroup.
 * -UsePerfData: no hsperfdata file in the function's /tmp (which is its ephemeral storage), and
 * a few milliseconds less at start-up.
 */
const JVM_OPTIONS = [
  '-XX:+UseSerialGC',
  '-XX:-UsePerfData',
  '-XX:TieredStopAtLevel=1',
  '-Xshare:auto',
  '-XX:MaxRAMPercentage=85',
  '-Djava.net.preferIPv4Stack=true',
];

/**
 * Java cannot remove a variable from its own environment, so a one-line shell moves Nimbus's
 * Unix-socket channel (and the relay ports to wait for, RelayWait.java) into system properties
 * before the JVM starts: the function's environment never shows them. `$0` is the java binary and
 * `$@` the JVM's arguments.
 */
const LAUNCHER =
  'S="${NIMBUS_RUNTIME_API_SOCKET-}"; R="${NIMBUS_API_RELAY_PORTS-}"; unset NIMBUS_RUNTIME_API_SOCKET NIMBUS_API_RELAY_PORTS; ' +
  'exec "$0" -Dnimbus.runtimeApiSocket="$S" -Dnimbus.apiRelayPorts="$R" "$@"';

export function javaDescriptor(catalog: RuntimeCatalog): RuntimeDescriptor {
  return {
    family: 'java',
    ids: JAVA_IDS,
    checkHandler(handler) {
      const sep = handler.lastIndexOf('::');
      const cls = sep < 0 ? handler : handler.slice(0, sep);
      const ok = /^[\p{L}_$][\p{L}\p{N}_$]*(\.[\p{L}_$][\p{L}\p{N}_$]*)*$/u.test(cls) && (sep < 0 || handler.length > sep + 2);
      return ok ? null : `Bad handler ${handler}: expected package.Class or package.Class::method`;
    },
    command(paths, runtime) {
      const a = catalog.availability(runtime);
      if (!a.ok) return unavailableCommand(a);
      // The runtime adds <opt>/java/lib/*.jar to the function's class path (DG "Layer paths for
      // each Lambda runtime"); it is told <opt> only when it is not /opt.
      const opt = paths.optDir && paths.optDir !== OPT ? [`-Dnimbus.optDir=${paths.optDir}`] : [];
      return ['/bin/sh', '-c', LAUNCHER, a.interpreter.executable, ...JVM_OPTIONS, ...opt, '-cp', join(paths.runtimeDir, 'classes'), 'nimbus.runtime.Bootstrap'];
    },
    env() {
      return {};
    },
    hostPaths(runtime) {
      return runtime ? pathsOf(catalog.availability(runtime)) : [];
    },
    hostRuntimeDir() {
      return fileURLToPath(new URL('../../guest/java/', import.meta.url));
    },
    availability: (runtime) => catalog.availability(runtime),
  };
}

/** The Java runtimes over the machine's own interpreters and the shared stores (no data directory). */
export const java: RuntimeDescriptor = javaDescriptor(hostCatalog());
