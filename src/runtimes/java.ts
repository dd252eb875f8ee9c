/**
 * Java runtimes: every `javaNN` runs on the machine's own JDK (NIMBUS_JAVA_HOME, JAVA_HOME, or
 * `java` on PATH), with Nimbus's runtime from guest/java compiled into dist/guest/java/classes.
 * See docs/runtimes.md for the handler forms it supports.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuntimeDescriptor } from './types.js';

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
 * Unix-socket channel into a system property before the JVM starts: the function's environment
 * never shows it. `$0` is the java binary and `$@` the JVM's arguments.
 */
const LAUNCHER =
  'S="${NIMBUS_RUNTIME_API_SOCKET-}"; unset NIMBUS_RUNTIME_API_SOCKET; exec "$0" -Dnimbus.runtimeApiSocket="$S" "$@"';

let javaHome: string | null | undefined;

function findJavaHome(): string | null {
  if (javaHome !== undefined) return javaHome;
  javaHome = null;
  for (const home of [process.env['NIMBUS_JAVA_HOME'], process.env['JAVA_HOME']]) {
    if (home && existsSync(join(home, 'bin', 'java'))) return (javaHome = realpathSync(home));
  }
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    const candidate = dir && join(dir, 'java');
    // bin/java's real location tells the JDK's home (/usr/bin/java is a chain of symlinks).
    if (candidate && existsSync(candidate)) return (javaHome = dirname(dirname(realpathSync(candidate))));
  }
  return javaHome;
}

export const java: RuntimeDescriptor = {
  family: 'java',
  ids: ['java8.al2', 'java11', 'java17', 'java21'],
  checkHandler(handler) {
    const sep = handler.lastIndexOf('::');
    const cls = sep < 0 ? handler : handler.slice(0, sep);
    const ok = /^[\p{L}_$][\p{L}\p{N}_$]*(\.[\p{L}_$][\p{L}\p{N}_$]*)*$/u.test(cls) && (sep < 0 || handler.length > sep + 2);
    return ok ? null : `Bad handler ${handler}: expected package.Class or package.Class::method`;
  },
  command(paths) {
    const home = findJavaHome();
    const bin = home ? join(home, 'bin', 'java') : 'java';
    return ['/bin/sh', '-c', LAUNCHER, bin, ...JVM_OPTIONS, '-cp', join(paths.runtimeDir, 'classes'), 'nimbus.runtime.Bootstrap'];
  },
  env() {
    return {};
  },
  hostPaths() {
    const home = findJavaHome();
    return home ? [home] : [];
  },
  hostRuntimeDir() {
    return fileURLToPath(new URL('../../guest/java/', import.meta.url));
  },
};
