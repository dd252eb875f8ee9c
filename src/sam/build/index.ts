/**
 * `sam build` for one function, then its deployment zip: what `nimbus deploy -t` runs before it
 * calls the Lambda API, so that a template deploys as it would after `sam build && sam deploy`.
 *
 * - InlineCode: the text as index.js or index.py (CloudFormation's ZipFile convention).
 * - CodeUri a .zip or .jar: deployed as it is (a built artifact).
 * - A template `sam build` wrote (`.aws-sam/build/template.yaml`): every folder as it is.
 * - CodeUri a folder, by runtime and `Metadata.BuildMethod`:
 *   nodejs: esbuild bundle when BuildMethod is esbuild, else the folder plus its production
 *   dependencies (npm); python: the folder plus requirements.txt's packages (pip); java: a Maven
 *   build of pom.xml, a folder of built classes as it is, a Gradle or uncompiled project refused;
 *   provided: the folder, which must hold `bootstrap`. BuildMethod makefile and the Go, Rust and
 *   .NET builders are refused with the way out (sam build).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yazl from 'yazl';
import { SamError } from '../errors.js';
import type { FunctionPlan } from '../function-plan.js';
import { copySource } from './files.js';
import { javaProject, mavenBuild, refuseUnbuilt } from './java.js';
import { esbuildBundle, productionDependencies } from './node.js';
import { hasRequirements, pipInstall } from './python.js';

export interface BuildOptions {
  /** Where installed dependencies are cached between deployments. */
  cacheDir: string;
  /**
   * The code is already built (a template in `.aws-sam/build`, written by `sam build`): each
   * folder is deployed as it is, as `sam deploy` packages it, with nothing installed again.
   */
  prebuilt?: boolean;
  zipFolder: (dir: string) => Promise<Buffer>;
  /** Progress lines for the user. */
  out: (line: string) => void;
}

export interface BuiltCode {
  zip: Buffer;
  /** Variables the build adds to the function's environment (esbuild source maps). */
  environment: Record<string, string>;
}

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

export async function packageFunction(fn: FunctionPlan, o: BuildOptions): Promise<BuiltCode> {
  const who = fn.logicalId;
  const code = fn.code;
  if (code.kind === 'inline') {
    return { zip: await zipOne(fn.runtime.startsWith('python') ? 'index.py' : 'index.js', code.text), environment: {} };
  }
  if (code.kind === 's3') {
    throw new SamError(`${who}: CodeUri s3://${code.bucket}/${code.key}: S3 locations are not supported by nimbus deploy -t, which builds local code; deploy a packaged template with sam deploy or aws cloudformation deploy on Nimbus's endpoint (docs/cloudformation.md)`);
  }
  if (code.kind === 'image') throw new SamError(`${who}: an image function has no package to build (ImageUri ${code.uri})`);
  if (code.kind === 'archive') {
    if (!existsSync(code.path) || !statSync(code.path).isFile()) {
      throw new SamError(`${who}: CodeUri ${code.path} does not exist; build it first (for example mvn package or gradle build)`);
    }
    const zip = readFileSync(code.path);
    if (!zip.subarray(0, 4).equals(ZIP_MAGIC)) throw new SamError(`${who}: CodeUri ${code.path} is not a zip or jar file`);
    return { zip, environment: {} };
  }
  if (!existsSync(code.path) || !statSync(code.path).isDirectory()) {
    throw new SamError(`${who}: CodeUri ${code.path} is not a folder or a .zip/.jar file`);
  }
  if (o.prebuilt) return { zip: await o.zipFolder(code.path), environment: {} };
  const method = builderFor(fn);
  const scratch = mkdtempSync(join(tmpdir(), 'nimbus-build-'));
  try {
    const out = join(scratch, 'out');
    const ctx = { who, cacheDir: o.cacheDir, out: o.out };
    switch (method) {
      case 'esbuild': {
        const environment = await esbuildBundle(code.path, out, fn.build?.properties ?? {}, ctx);
        return { zip: await o.zipFolder(out), environment };
      }
      case 'npm': {
        const deps = await productionDependencies(code.path, ctx);
        if (!deps || deps === join(code.path, 'node_modules')) return { zip: await o.zipFolder(code.path), environment: {} };
        copySource(code.path, out);
        cpSync(deps, join(out, 'node_modules'), { recursive: true, verbatimSymlinks: true });
        return { zip: await o.zipFolder(out), environment: {} };
      }
      case 'pip': {
        if (!hasRequirements(code.path)) return { zip: await o.zipFolder(code.path), environment: {} };
        const site = await pipInstall(code.path, { ...ctx, runtime: fn.runtime });
        // Packages first, then the code: a module of the app wins over a package of the same name.
        cpSync(site, out, { recursive: true, verbatimSymlinks: true });
        copySource(code.path, out);
        return { zip: await o.zipFolder(out), environment: {} };
      }
      case 'java': {
        const kind = javaProject(code.path);
        if (kind === 'gradle' || kind === 'empty') refuseUnbuilt(kind, code.path, who);
        if (kind === 'built') return { zip: await o.zipFolder(code.path), environment: {} };
        await mavenBuild(code.path, join(scratch, 'maven'), out, { ...ctx, runtime: fn.runtime });
        return { zip: await o.zipFolder(out), environment: {} };
      }
      case 'provided': {
        if (!existsSync(join(code.path, 'bootstrap'))) {
          throw new SamError(`${who}: a custom runtime (${fn.runtime}) needs an executable named bootstrap at the root of ${code.path}`);
        }
        return { zip: await o.zipFolder(code.path), environment: {} };
      }
      default:
        return { zip: await o.zipFolder(code.path), environment: {} };
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

type Builder = 'esbuild' | 'npm' | 'pip' | 'java' | 'provided' | 'none';

/** The builder `sam build` would pick: BuildMethod when given, else the runtime's. */
export function builderFor(fn: FunctionPlan): Builder {
  const family = /^(nodejs|python|java|provided)/.exec(fn.runtime)?.[1];
  const byRuntime: Builder = family === 'nodejs' ? 'npm' : family === 'python' ? 'pip' : family === 'java' ? 'java' : family === 'provided' ? 'provided' : 'none';
  const method = fn.build?.method;
  if (method === undefined || method === fn.runtime) return byRuntime;
  if (method === 'esbuild') {
    if (family !== 'nodejs') throw new SamError(`${fn.logicalId}: BuildMethod esbuild needs a Node.js runtime, not ${fn.runtime}`);
    return 'esbuild';
  }
  throw new SamError(
    `${fn.logicalId}: Metadata.BuildMethod ${method} is not supported by Nimbus (it builds esbuild, npm, pip and Maven projects). ` +
      'Run sam build and deploy .aws-sam/build/template.yaml',
  );
}

function zipOne(name: string, text: string): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(text), name, { mode: 0o100644 });
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}
