/**
 * Java builds. A Maven project (pom.xml) is built as `sam build` does it (aws-lambda-builders'
 * JavaMavenBuilder): `mvn package` and `dependency:copy-dependencies` with runtime scope, then
 * target/classes at the root of the package and the dependency jars in lib/. Maven is run when it
 * is on PATH because Maven Central is all it needs (and ~/.m2 makes rebuilds offline); JAVA_HOME
 * is the JDK jdk.ts chooses for the runtime (NIMBUS_JAVA_HOME when set).
 *
 * Gradle projects are refused with a "build it first" message: the Gradle wrapper downloads a
 * Gradle distribution from services.gradle.org, which Nimbus cannot assume is reachable.
 */
import { cpSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SamError } from '../errors.js';
import { copySource } from './files.js';
import { chooseJdk } from './jdk.js';
import { runTool } from './run.js';

export interface JavaBuildContext {
  who: string;
  /** The function's runtime (java21): which JDK compiles it. */
  runtime: string;
  out: (line: string) => void;
}

export type JavaProject = 'maven' | 'gradle' | 'built' | 'empty';

/** What a Java function's code folder holds. */
export function javaProject(dir: string): JavaProject {
  if (existsSync(join(dir, 'pom.xml'))) return 'maven';
  if (existsSync(join(dir, 'build.gradle')) || existsSync(join(dir, 'build.gradle.kts'))) return 'gradle';
  return hasCompiled(dir) ? 'built' : 'empty';
}

function hasCompiled(dir: string, depth = 0): boolean {
  if (depth > 12) return false;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile() && /\.(class|jar)$/.test(e.name)) return true;
    if (e.isDirectory() && hasCompiled(join(dir, e.name), depth + 1)) return true;
  }
  return false;
}

export function refuseUnbuilt(kind: 'gradle' | 'empty', dir: string, who: string): never {
  if (kind === 'gradle') {
    throw new SamError(
      `${who}: ${dir} is a Gradle project that has not been built, and Nimbus does not run Gradle. ` +
        'Build it first (sam build, then deploy .aws-sam/build/template.yaml; or gradle build and set CodeUri to the zip it makes)',
    );
  }
  throw new SamError(`${who}: ${dir} has no compiled classes or jars and no pom.xml. Build it first (sam build, or mvn package) and deploy the result`);
}

/** Builds the Maven project in `dir` into `outDir` (classes at the root, jars in lib/). */
export async function mavenBuild(dir: string, scratch: string, outDir: string, c: JavaBuildContext): Promise<void> {
  copySource(dir, scratch, ['target']);
  const jdk = chooseJdk(c.runtime, c.who);
  c.out(`  ${c.who}: building with Maven (mvn package)${jdk ? ` on the JDK in ${jdk.home}` : ''}`);
  const env = jdk ? { ...process.env, JAVA_HOME: jdk.home } : process.env;
  await runTool(
    'mvn',
    ['-B', '-q', '-Dstyle.color=never', '-DskipTests', 'package', 'dependency:copy-dependencies', '-DincludeScope=runtime', '-Dmdep.prependGroupId=true'],
    { cwd: scratch, env, who: c.who },
  );
  const classes = join(scratch, 'target', 'classes');
  if (!existsSync(classes)) throw new SamError(`${c.who}: mvn package produced no target/classes`);
  cpSync(classes, outDir, { recursive: true });
  const deps = join(scratch, 'target', 'dependency');
  if (existsSync(deps)) cpSync(deps, join(outDir, 'lib'), { recursive: true });
}
