/**
 * Which JDK compiles a Java function. A runtime's JVM need not be able to compile (the java21
 * runtime Nimbus provisions from PyPI is a JRE without javac), so the build looks for a JDK of its
 * own: the one in NIMBUS_JAVA_HOME when set (the operator's choice, used as it is), else the JDK of
 * the runtime's feature release, else the oldest newer one (javac N compiles for release 21 when
 * the pom says so; a class file is never newer than its target). An older JDK cannot compile for
 * a newer runtime, so the build refuses with where it looked and how to provide one.
 */
import { existsSync, readFileSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SamError } from '../errors.js';

export interface Jdk {
  home: string;
  major: number;
}

/** `JAVA_VERSION="21.0.8"` (or `"1.8.0_402"`) in a JDK's `release` file, as its feature release. */
export function releaseMajor(home: string): number | undefined {
  try {
    const m = /^JAVA_VERSION="(\d+)(?:\.(\d+))?/m.exec(readFileSync(join(home, 'release'), 'utf8'));
    if (!m) return undefined;
    return m[1] === '1' ? Number(m[2]) : Number(m[1]);
  } catch {
    return undefined;
  }
}

/** Every JDK (a home with bin/javac) in JAVA_HOME, /usr/lib/jvm and behind javac on PATH. */
export function findJdks(env: NodeJS.ProcessEnv = process.env): Jdk[] {
  const homes: string[] = [];
  if (env['JAVA_HOME']) homes.push(env['JAVA_HOME']);
  try {
    for (const e of readdirSync('/usr/lib/jvm')) homes.push(join('/usr/lib/jvm', e));
  } catch {
    // No system JDKs.
  }
  for (const dir of (env['PATH'] ?? '').split(':')) {
    const javac = dir && join(dir, 'javac');
    if (javac && existsSync(javac)) homes.push(dirname(dirname(realpathSync(javac))));
  }
  const seen = new Set<string>();
  const out: Jdk[] = [];
  for (const h of homes) {
    let real: string;
    try {
      real = realpathSync(h);
    } catch {
      continue;
    }
    if (seen.has(real) || !existsSync(join(real, 'bin', 'javac'))) continue;
    seen.add(real);
    const major = releaseMajor(real);
    if (major !== undefined) out.push({ home: real, major });
  }
  return out;
}

/** The runtime's feature release: `java21` -> 21, `java8.al2` -> 8. */
export function runtimeMajor(runtime: string): number | undefined {
  const m = /^java(\d+)/.exec(runtime);
  return m ? Number(m[1]) : undefined;
}

/**
 * The JDK that compiles for `runtime`: NIMBUS_JAVA_HOME when set, else the runtime's own release,
 * else the oldest newer one; refused when every JDK here is older than the runtime.
 */
export function chooseJdk(runtime: string, who: string, env: NodeJS.ProcessEnv = process.env, jdks: Jdk[] = findJdks(env)): Jdk | undefined {
  const explicit = env['NIMBUS_JAVA_HOME'];
  if (explicit) return { home: explicit, major: releaseMajor(explicit) ?? 0 };
  const want = runtimeMajor(runtime);
  if (want === undefined) return undefined;
  const usable = jdks.filter((j) => j.major >= want).sort((a, b) => a.major - b.major);
  const best = usable[0];
  if (best) return best;
  const found = jdks.length ? jdks.map((j) => `${j.major} (${j.home})`).join(', ') : 'none';
  throw new SamError(
    `${who}: ${runtime} needs a JDK ${want} or newer to compile (a JDK with javac); JDKs found: ${found}. ` +
      `Install one (for example openjdk-${want}-jdk-headless) or point NIMBUS_JAVA_HOME at it`,
  );
}
