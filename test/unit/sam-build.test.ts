/**
 * `sam build` as `nimbus deploy -t` runs it, without a server: InlineCode files, archives taken
 * as they are, esbuild bundles with SAM's defaults and BuildProperties, and the projects that
 * are refused with a way out (Gradle, uncompiled Java, makefile and other builders, a custom
 * runtime without bootstrap). Builders that need the network (npm, pip, Maven) are exercised by
 * the published-apps suite.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import yauzl from 'yauzl';
import { zipFolder } from '../../src/cli/zip-folder.js';
import { packageFunction, type BuiltCode } from '../../src/sam/build/index.js';
import { esbuildOptions } from '../../src/sam/build/node.js';
import { SamError } from '../../src/sam/errors.js';
import type { FunctionPlan } from '../../src/sam/plan.js';

const root = mkdtempSync(join(tmpdir(), 'nimbus-sam-build-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

function project(files: Record<string, string>): string {
  const dir = join(root, `p${n++}`);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

function fn(over: Partial<FunctionPlan>): FunctionPlan {
  return {
    logicalId: 'Fn', name: 'Fn', code: { kind: 'folder', path: root }, build: undefined, handler: 'app.handler', runtime: 'nodejs20.x',
    memorySize: undefined, timeout: undefined, description: undefined, environment: {}, architectures: undefined, settings: {},
    autoPublishAlias: undefined, versionDescription: undefined, url: undefined, reservedConcurrency: undefined, provisionedConcurrency: undefined,
    eventInvokeConfig: undefined, ignored: [], ...over,
  };
}

const lines: string[] = [];
const build = (f: FunctionPlan): Promise<BuiltCode> => packageFunction(f, { cacheDir: join(root, 'cache'), zipFolder, out: (l) => void lines.push(l) });

/** The zip's entries, name -> text. */
function entries(zip: Buffer): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(zip, { lazyEntries: true }, (err, z) => {
      if (err) return reject(err);
      const out = new Map<string, string>();
      z.on('entry', (e: yauzl.Entry) => {
        z.openReadStream(e, (e2, s) => {
          if (e2) return reject(e2);
          const chunks: Buffer[] = [];
          s.on('data', (c: Buffer) => chunks.push(c));
          s.on('end', () => {
            out.set(e.fileName, Buffer.concat(chunks).toString('utf8'));
            z.readEntry();
          });
        });
      });
      z.on('end', () => resolve(out));
      z.readEntry();
    });
  });
}

async function refused(f: FunctionPlan, message: RegExp): Promise<void> {
  await assert.rejects(build(f), (e: Error) => e instanceof SamError && message.test(e.message));
}

test('InlineCode becomes index.js or index.py; a zip or jar CodeUri is deployed as it is', async () => {
  const js = await entries((await build(fn({ code: { kind: 'inline', text: 'exports.handler = async () => 1;' } }))).zip);
  assert.deepEqual([...js], [['index.js', 'exports.handler = async () => 1;']]);
  const py = await entries((await build(fn({ runtime: 'python3.12', code: { kind: 'inline', text: 'def handler(e, c): return 1' } }))).zip);
  assert.deepEqual([...py.keys()], ['index.py']);
  const archive = join(root, 'built.jar');
  writeFileSync(archive, await zipFolder(project({ 'example/Handler.class': 'bytes' })));
  const jar = await build(fn({ runtime: 'java17', code: { kind: 'archive', path: archive } }));
  assert.deepEqual([...(await entries(jar.zip)).keys()], ['example/Handler.class']);
  await refused(fn({ code: { kind: 'archive', path: join(root, 'target', 'missing-1.0.jar') } }), /Fn: CodeUri .*missing-1\.0\.jar does not exist; build it first \(for example mvn package or gradle build\)/);
  writeFileSync(join(root, 'not-a-zip.zip'), 'hello');
  await refused(fn({ code: { kind: 'archive', path: join(root, 'not-a-zip.zip') } }), /is not a zip or jar file/);
  await refused(fn({ code: { kind: 'folder', path: join(root, 'nowhere') } }), /Fn: CodeUri .*nowhere is not a folder or a \.zip\/\.jar file/);
});

test('esbuild: SAM defaults, BuildProperties, a bundle that runs, and NODE_OPTIONS for source maps', async () => {
  const dir = project({
    'app.ts': "import { twice } from './lib/math';\nexport const handler = async (e: { n: number }): Promise<number> => twice(e.n);\n",
    'lib/math.ts': 'export function twice(n: number): number {\n  return n * 2;\n}\n',
    'package.json': '{"name":"x","devDependencies":{"typescript":"^5.0.0"}}',
  });
  const built = await build(fn({ code: { kind: 'folder', path: dir }, build: { method: 'esbuild', properties: { Minify: false, Sourcemap: true, EntryPoints: ['app'] } } }));
  assert.deepEqual(built.environment, { NODE_OPTIONS: '--enable-source-maps' });
  const files = await entries(built.zip);
  assert.deepEqual([...files.keys()].sort(), ['app.js', 'app.js.map']);
  const bundle = join(root, 'bundle.cjs');
  writeFileSync(bundle, files.get('app.js')!);
  // SAM's default format is CommonJS, and lib/math.ts is inside the bundle.
  const out = execFileSync(process.execPath, ['-e', `require(${JSON.stringify(bundle)}).handler({ n: 21 }).then((v) => console.log(v))`], { encoding: 'utf8' });
  assert.equal(out.trim(), '42');
  assert.ok(lines.includes('  Fn: bundling app.ts with esbuild'), lines.join('\n'));

  const esm = await build(fn({ code: { kind: 'folder', path: dir }, build: { method: 'esbuild', properties: { Format: 'esm', OutExtension: ['.js=.mjs'], EntryPoints: ['app.ts'] } } }));
  assert.deepEqual([...(await entries(esm.zip)).keys()], ['app.mjs']);
  assert.deepEqual(esm.environment, {});
  await refused(fn({ code: { kind: 'folder', path: dir }, build: { method: 'esbuild', properties: { EntryPoints: ['nope.ts'] } } }), /Fn: esbuild entry point nope\.ts does not exist/);
  const broken = project({ 'app.ts': 'export const handler = async ( => 1;\n' });
  await refused(fn({ code: { kind: 'folder', path: broken }, build: { method: 'esbuild', properties: { EntryPoints: ['app.ts'] } } }), /Fn: esbuild failed:\napp\.ts:1: /);
});

test('esbuild BuildProperties map as SAM passes them to esbuild; unknown ones are refused', () => {
  const { entryPoints, options, sourcemap } = esbuildOptions(
    { EntryPoints: ['src/a.ts', 'src/b.ts'], Minify: 'false', Target: 'node20', External: ['@aws-sdk/*', 'pg'], Loader: ['.png=file'], MainFields: 'module,main', Banner: ['js=// hi'] },
    'Fn',
  );
  assert.deepEqual(entryPoints, ['src/a.ts', 'src/b.ts']);
  assert.equal(sourcemap, false);
  assert.deepEqual(options, { target: ['node20'], format: 'cjs', minify: false, external: ['@aws-sdk/*', 'pg'], loader: { '.png': 'file' }, mainFields: ['module', 'main'], banner: { js: '// hi' } });
  assert.throws(() => esbuildOptions({ EntryPoints: ['a.ts'], Splitting: true }, 'Fn'), /Fn\.Metadata\.BuildProperties\.Splitting is not supported by Nimbus's esbuild build/);
  assert.throws(() => esbuildOptions({ Minify: true }, 'Fn'), /EntryPoints is required for BuildMethod esbuild/);
  assert.throws(() => esbuildOptions({ EntryPoints: ['a.ts'], Minify: 'yes' }, 'Fn'), /Minify must be true or false/);
});

test('projects Nimbus cannot build are refused with the way out', async () => {
  const gradle = project({ 'build.gradle': "plugins { id 'java' }", 'src/main/java/a/A.java': 'class A {}' });
  await refused(fn({ runtime: 'java21', code: { kind: 'folder', path: gradle } }), /Fn: .* is a Gradle project that has not been built, and Nimbus does not run Gradle\. Build it first \(sam build/);
  const sources = project({ 'src/main/java/a/A.java': 'class A {}' });
  await refused(fn({ runtime: 'java17', code: { kind: 'folder', path: sources } }), /has no compiled classes or jars and no pom\.xml\. Build it first \(sam build, or mvn package\)/);
  const classes = project({ 'example/Handler.class': 'x', 'lib/dep.jar': 'x' });
  assert.deepEqual([...(await entries((await build(fn({ runtime: 'java17', code: { kind: 'folder', path: classes } }))).zip)).keys()].sort(), ['example/Handler.class', 'lib/dep.jar']);
  await refused(fn({ runtime: 'provided.al2023', code: { kind: 'folder', path: project({ Makefile: 'build:' }) } }), /a custom runtime \(provided\.al2023\) needs an executable named bootstrap at the root of/);
  await refused(fn({ runtime: 'provided.al2023', code: { kind: 'folder', path: project({ 'main.go': '' }) }, build: { method: 'go1.x', properties: {} } }), /Metadata\.BuildMethod go1\.x is not supported by Nimbus .* Run sam build and deploy \.aws-sam\/build\/template\.yaml/);
  await refused(fn({ runtime: 'python3.12', code: { kind: 'folder', path: project({ 'a.py': '' }) }, build: { method: 'esbuild', properties: {} } }), /BuildMethod esbuild needs a Node\.js runtime, not python3\.12/);
  // A BuildMethod naming the runtime is the runtime's own builder, as in SAM.
  const plain = project({ 'app.py': 'def handler(e, c): return 1\n' });
  assert.deepEqual([...(await entries((await build(fn({ runtime: 'python3.12', code: { kind: 'folder', path: plain }, build: { method: 'python3.12', properties: {} } }))).zip)).keys()], ['app.py']);
});
