/**
 * Node.js builds as `sam build` does them (aws-lambda-builders' NodejsNpmBuilder and
 * NodejsNpmEsbuildBuilder): production dependencies from package.json installed with npm, and,
 * with `Metadata: BuildMethod: esbuild`, the entry points bundled with esbuild using SAM's
 * defaults (`--bundle --platform=node --target=es2020 --format=cjs --minify`) and the template's
 * BuildProperties. esbuild is Nimbus's own pinned copy, not the app's.
 */
import { cpSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions as EsbuildOptions, type Loader } from 'esbuild';
import { SamError } from '../errors.js';
import { cacheKey, cached } from './cache.js';
import { bytesOf, readJson } from './files.js';
import { runTool } from './run.js';

export interface NodeBuildContext {
  who: string;
  cacheDir: string;
  out: (line: string) => void;
}

/**
 * The node_modules folder the app's production dependencies live in: its own when it has one,
 * else an npm install of its package.json from the cache; undefined when it declares none.
 */
export async function productionDependencies(dir: string, c: NodeBuildContext): Promise<string | undefined> {
  const pkg = readJson(join(dir, 'package.json'));
  const deps = pkg?.['dependencies'];
  if (typeof deps !== 'object' || deps === null || Object.keys(deps).length === 0) return undefined;
  const own = join(dir, 'node_modules');
  if (existsSync(own)) return own;
  const manifests = ['package.json', 'package-lock.json', 'npm-shrinkwrap.json', '.npmrc'];
  const key = cacheKey(['npm-omit-dev', ...manifests.map((m) => bytesOf(join(dir, m)))]);
  const entry = await cached(c.cacheDir, 'npm', key, async (tmp) => {
    c.out(`  ${c.who}: installing dependencies (npm install --omit=dev)`);
    for (const m of manifests) if (existsSync(join(dir, m))) cpSync(join(dir, m), join(tmp, m));
    await runTool('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--no-save', '--loglevel=error'], { cwd: tmp, who: c.who });
  });
  if (entry.hit) c.out(`  ${c.who}: dependencies from the build cache`);
  return join(entry.dir, 'node_modules');
}

const BOOL = (v: unknown, where: string): boolean => {
  if (v === true || v === 'true') return true;
  if (v === false || v === 'false') return false;
  throw new SamError(`${where} must be true or false`);
};
const STR = (v: unknown, where: string): string => {
  if (typeof v !== 'string' || v === '') throw new SamError(`${where} must be a string`);
  return v;
};
const LIST = (v: unknown, where: string): string[] => {
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new SamError(`${where} must be a list of strings`);
  return v as string[];
};
/** `['.js=.mjs']` -> `{'.js': '.mjs'}`, as esbuild's `--out-extension:.js=.mjs`. */
const PAIRS = (v: unknown, where: string): Record<string, string> =>
  Object.fromEntries(
    LIST(v, where).map((p) => {
      const i = p.indexOf('=');
      if (i <= 0) throw new SamError(`${where}: '${p}' must look like key=value`);
      return [p.slice(0, i), p.slice(i + 1)];
    }),
  );

/** SAM's BuildProperties for esbuild, as esbuild options (SAM passes each one to esbuild's CLI). */
export function esbuildOptions(props: Record<string, unknown>, who: string): { entryPoints: string[]; options: EsbuildOptions; sourcemap: boolean } {
  const w = (k: string): string => `${who}.Metadata.BuildProperties.${k}`;
  const o: EsbuildOptions = { target: 'es2020', format: 'cjs', minify: true };
  let entryPoints: string[] | undefined;
  let sourcemap = false;
  for (const [k, v] of Object.entries(props)) {
    switch (k) {
      case 'EntryPoints': entryPoints = LIST(v, w(k)); break;
      case 'Minify': o.minify = BOOL(v, w(k)); break;
      case 'Target': o.target = STR(v, w(k)).split(','); break;
      case 'Format': o.format = STR(v, w(k)) as EsbuildOptions['format']; break;
      case 'Sourcemap': sourcemap = BOOL(v, w(k)); o.sourcemap = sourcemap; break;
      case 'SourcesContent': o.sourcesContent = BOOL(v, w(k)); break;
      case 'External': o.external = LIST(v, w(k)); break;
      case 'Loader': o.loader = PAIRS(v, w(k)) as Record<string, Loader>; break;
      case 'MainFields': o.mainFields = STR(v, w(k)).split(','); break;
      case 'OutExtension': o.outExtension = PAIRS(v, w(k)); break;
      case 'Banner': o.banner = PAIRS(v, w(k)); break;
      case 'Footer': o.footer = PAIRS(v, w(k)); break;
      case 'KeepNames': o.keepNames = BOOL(v, w(k)); break;
      case 'Tsconfig': o.tsconfig = STR(v, w(k)); break;
      // npm's behaviour, not esbuild's; and `platform` is always node, as in SAM.
      case 'UseNpmCi': case 'Platform': break;
      default:
        throw new SamError(`${w(k)} is not supported by Nimbus's esbuild build; use sam build and deploy .aws-sam/build/template.yaml`);
    }
  }
  if (!entryPoints || entryPoints.length === 0) throw new SamError(`${w('EntryPoints')} is required for BuildMethod esbuild (for example [app.ts])`);
  return { entryPoints, options: o, sourcemap };
}

/** Bundles the entry points of `dir` into `outDir`; resolves with the environment SAM adds. */
export async function esbuildBundle(dir: string, outDir: string, props: Record<string, unknown>, c: NodeBuildContext): Promise<Record<string, string>> {
  const { entryPoints, options, sourcemap } = esbuildOptions(props, c.who);
  // SAM accepts an entry point without its extension and looks for .ts, then .js.
  const entries = entryPoints.map((e) => {
    if (existsSync(join(dir, e))) return e;
    const ext = ['.ts', '.js'].find((x) => existsSync(join(dir, e + x)));
    if (!ext) throw new SamError(`${c.who}: esbuild entry point ${e} does not exist in ${dir}`);
    return e + ext;
  });
  const deps = await productionDependencies(dir, c);
  c.out(`  ${c.who}: bundling ${entries.join(', ')} with esbuild`);
  try {
    await build({
      ...options,
      entryPoints: entries,
      bundle: true,
      platform: 'node',
      outdir: outDir,
      absWorkingDir: dir,
      // Dependencies installed in the cache resolve as if they were in the app's node_modules.
      ...(deps && deps !== join(dir, 'node_modules') ? { nodePaths: [deps] } : {}),
      logLevel: 'silent',
    });
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number } | null }[] }).errors ?? [];
    const lines = errors.map((x) => `${x.location ? `${x.location.file}:${x.location.line}: ` : ''}${x.text}`);
    throw new SamError(`${c.who}: esbuild failed:\n${lines.join('\n') || (e as Error).message}`);
  }
  // sam build sets this when Sourcemap is on, so that stack traces point into the sources.
  return sourcemap ? { NODE_OPTIONS: '--enable-source-maps' } : {};
}
