/**
 * Layers in a SAM template (docs/layers.md): `AWS::Serverless::LayerVersion` (`ContentUri`) and
 * `AWS::Lambda::LayerVersion` (`Content` as a local path, as `sam build` and `aws cloudformation
 * package` leave it), and the functions' `Layers:` that name them with `!Ref` or by ARN.
 *
 * Planning is pure: a layer's `Ref` is a placeholder until the layer is published, because its
 * version number is only known then. Before the stack document is sent, the client publishes
 * each layer whose content or settings changed since its newest version (unchanged, the newest
 * version is reused, as CloudFormation keeps a LayerVersion whose properties did not change)
 * through the Lambda API, then puts the version ARNs in the functions and the outputs. Layer
 * versions are not part of the stack record: they stay when the stack is deleted or a deployment
 * is rolled back, as SAM's default `RetentionPolicy: Retain` keeps them.
 *
 * A folder laid out as the layer's `/opt` tree (`nodejs/node_modules`, `python/`, `java/lib`,
 * `bin/`) is deployed as it is. A folder that is not, with `Metadata.BuildMethod` naming a Python
 * or Node.js runtime, is built as `sam build` builds it: the folder's files and the packages of
 * its requirements.txt (pip) under `python/`, or its files and the production dependencies of its
 * package.json (npm) under `nodejs/`. Other build methods (makefile, Java) are refused with the
 * way out (sam build).
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, lutimesSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { copySource } from './build/files.js';
import { productionDependencies } from './build/node.js';
import { hasRequirements, pipInstall } from './build/python.js';
import { SamError } from './errors.js';
import { resolve, type IntrinsicContext } from './intrinsics.js';
import type { FunctionPlan } from './function-plan.js';
import { generatedName } from './names.js';
import type { Template } from './template.js';

/** The deployer's API client (apply.ts's ApiClient). */
interface LayerClient {
  request(method: string, path: string, body?: object): Promise<{ status: number; body: Buffer }>;
}

export const LAYER_TYPES: ReadonlySet<string> = new Set(['AWS::Serverless::LayerVersion', 'AWS::Lambda::LayerVersion']);

/** What a layer's `Ref` resolves to until deployment knows its version ARN. */
export const layerPlaceholder = (logicalId: string): string => `nimbus-layer:${logicalId}`;

export interface LayerPlan {
  logicalId: string;
  name: string;
  /** A folder (its tree is /opt) or a zip; or a zip in S3 (a packaged template: only the server reads it). */
  content: { kind: 'folder' | 'archive'; path: string } | { kind: 's3'; bucket: string; key: string; version?: string };
  /** `Metadata.BuildMethod` of a folder to build as sam build does (python3.X or nodejsNN.x). */
  build?: string;
  /** The PublishLayerVersion members besides Content. */
  settings: { Description?: string; CompatibleRuntimes?: string[]; CompatibleArchitectures?: string[]; LicenseInfo?: string };
}

/** What sam build puts at a layer's root: a folder holding one of these is already built. */
const BUILT_ROOTS = ['nodejs', 'python', 'java', 'bin', 'lib', 'extensions', 'bootstrap'];

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined);

/**
 * The template's layers, with their `Ref` placeholders already in `ctx` (planResources set them).
 * A layer without a LayerName is named like any other resource of the stack (names.ts).
 */
export function planLayers(t: Template, o: { baseDir: string; stack: string; stackId: string }, ctx: IntrinsicContext): LayerPlan[] {
  const baseDir = o.baseDir;
  const plans: LayerPlan[] = [];
  for (const [id, r] of Object.entries(t.resources)) {
    if (!LAYER_TYPES.has(r.Type)) continue;
    const val = (k: string): unknown => resolve(r.Properties[k], ctx, `${id}.${k}`);
    const serverless = r.Type === 'AWS::Serverless::LayerVersion';
    const raw = val(serverless ? 'ContentUri' : 'Content');
    const s3 = s3Content(raw);
    if (s3) {
      plans.push({ logicalId: id, name: layerName(val('LayerName'), o, id), content: s3, settings: layerSettings(val) });
      continue;
    }
    if (typeof raw !== 'string') {
      throw new SamError(`${id}: ${serverless ? 'ContentUri' : 'Content'} must be a local folder, a .zip file, s3://bucket/key or {Bucket, Key}`);
    }
    const path = isAbsolute(raw) ? raw : join(baseDir, raw);
    const content = { kind: /\.zip$/i.test(raw) ? ('archive' as const) : ('folder' as const), path };
    const method = isMap(r.Metadata) ? r.Metadata['BuildMethod'] : undefined;
    const buildable = typeof method === 'string' && /^(python3\.\d+|nodejs\d+\.x)$/.test(method);
    if (method !== undefined && content.kind === 'folder' && !isBuilt(path) && !buildable) {
      throw new SamError(`${id}: Metadata.BuildMethod ${String(method)} installs dependencies Nimbus does not build for layers; run sam build and deploy .aws-sam/build/template.yaml, or lay the folder out as /opt (nodejs/node_modules, python/, ...)`);
    }
    plans.push({
      logicalId: id,
      name: layerName(val('LayerName'), o, id),
      content,
      ...(buildable && content.kind === 'folder' && !isBuilt(path) ? { build: method } : {}),
      settings: layerSettings(val),
    });
  }
  return plans;
}

function isBuilt(folder: string): boolean {
  return existsSync(folder) && readdirSync(folder).some((n) => BUILT_ROOTS.includes(n));
}

/** A fixed modification time (the zip format's own epoch, 1980) for every entry under `dir`. */
const SETTLED = new Date('1980-01-01T00:00:00Z');
function settleTimes(dir: string): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (lstatSync(p).isDirectory()) settleTimes(p);
    lutimesSync(p, SETTLED, SETTLED);
  }
}

const layerName = (name: unknown, o: { stack: string; stackId: string }, id: string): string => (typeof name === 'string' ? name : generatedName(o.stack, id, o.stackId, 140));

function layerSettings(val: (k: string) => unknown): LayerPlan['settings'] {
  const description = val('Description');
  const license = val('LicenseInfo');
  const runtimes = strings(val('CompatibleRuntimes'));
  const architectures = strings(val('CompatibleArchitectures'));
  return {
    ...(typeof description === 'string' ? { Description: description } : {}),
    ...(runtimes ? { CompatibleRuntimes: runtimes } : {}),
    ...(architectures ? { CompatibleArchitectures: architectures } : {}),
    ...(typeof license === 'string' ? { LicenseInfo: license } : {}),
  };
}

/** `s3://bucket/key`, SAM's `{Bucket, Key, Version}` or the LayerVersion's `{S3Bucket, S3Key, S3ObjectVersion}`. */
function s3Content(raw: unknown): LayerPlan['content'] | undefined {
  if (typeof raw === 'string') {
    const m = /^s3:\/\/([^/]+)\/(.+)$/i.exec(raw);
    return m ? { kind: 's3', bucket: m[1]!, key: m[2]! } : undefined;
  }
  if (!isMap(raw)) return undefined;
  const bucket = raw['Bucket'] ?? raw['S3Bucket'];
  const key = raw['Key'] ?? raw['S3Key'];
  const version = raw['Version'] ?? raw['S3ObjectVersion'];
  if (typeof bucket !== 'string' || typeof key !== 'string') return undefined;
  return { kind: 's3', bucket, key, ...(typeof version === 'string' ? { version } : {}) };
}

/** Where builds cache installed dependencies, and the progress lines for the user (build/index.ts's options). */
export interface LayerBuildOptions {
  cacheDir: string;
  out: (line: string) => void;
}

/**
 * The zip of each layer (a folder is zipped as it is, or built first when its plan says so);
 * made before any API call, as functions' builds are.
 */
export async function layerZips(layers: readonly LayerPlan[], zipFolder: (dir: string) => Promise<Buffer>, build?: LayerBuildOptions): Promise<Map<string, Buffer>> {
  const zips = new Map<string, Buffer>();
  for (const l of layers) {
    if (l.content.kind === 's3') {
      throw new SamError(`${l.logicalId}: s3://${l.content.bucket}/${l.content.key}: S3 locations are not supported by nimbus deploy -t, which deploys local content; deploy a packaged template with sam deploy or aws cloudformation deploy on Nimbus's endpoint (docs/cloudformation.md)`);
    }
    const { kind, path } = l.content;
    const ok = existsSync(path) && (kind === 'folder' ? statSync(path).isDirectory() : statSync(path).isFile());
    if (!ok) throw new SamError(`${l.logicalId}: ${path} is not a ${kind === 'folder' ? 'folder' : 'zip file'}`);
    if (kind === 'folder' && l.build !== undefined) zips.set(l.logicalId, await buildLayer(l.logicalId, path, l.build, zipFolder, build));
    else zips.set(l.logicalId, kind === 'folder' ? await zipFolder(path) : readFileSync(path));
  }
  return zips;
}

/**
 * A layer built as sam build builds it for `method`: Python under `python/` (the folder's files
 * over requirements.txt's packages, as for a function), Node.js under `nodejs/` (the folder's
 * files, package.json with them, and `node_modules` of its production dependencies).
 */
async function buildLayer(id: string, dir: string, method: string, zipFolder: (dir: string) => Promise<Buffer>, o: LayerBuildOptions | undefined): Promise<Buffer> {
  const opts = o ?? { cacheDir: join(tmpdir(), 'nimbus-sam-build'), out: () => undefined };
  const ctx = { who: id, cacheDir: opts.cacheDir, out: opts.out };
  const scratch = mkdtempSync(join(tmpdir(), 'nimbus-layer-'));
  try {
    if (method.startsWith('python')) {
      const root = join(scratch, 'python');
      if (hasRequirements(dir)) cpSync(await pipInstall(dir, { ...ctx, runtime: method }), root, { recursive: true, verbatimSymlinks: true });
      copySource(dir, root);
    } else {
      const root = join(scratch, 'nodejs');
      const deps = await productionDependencies(dir, ctx);
      copySource(dir, root);
      if (deps) cpSync(deps, join(root, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    }
    opts.out(`  ${id}: layer built as sam build does (${method})`);
    // Copies get fresh timestamps; one fixed time makes the zip depend on the contents only, so an
    // unchanged layer keeps its newest version (publishLayers compares the zips' SHA-256).
    settleTimes(scratch);
    return await zipFolder(scratch);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function call(client: LayerClient, method: string, path: string, body?: object): Promise<Record<string, unknown>> {
  const r = await client.request(method, path, body);
  const text = r.body.toString('utf8');
  const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (r.status >= 400) throw new SamError(`${method} ${path}: ${r.status} ${String(parsed['message'] ?? parsed['Message'] ?? text)}`);
  return parsed;
}

/**
 * Publishes each layer unless its newest version has the same content and settings; returns
 * each placeholder's version ARN.
 */
export async function publishLayers(layers: readonly LayerPlan[], zipOf: (logicalId: string) => Buffer, client: LayerClient, out: (line: string) => void): Promise<Map<string, string>> {
  const api = (method: string, path: string, body?: object): Promise<Record<string, unknown>> => call(client, method, path, body);
  const arns = new Map<string, string>();
  for (const l of layers) {
    const zip = zipOf(l.logicalId);
    const sha = createHash('sha256').update(zip).digest('base64');
    const path = `/2018-10-31/layers/${encodeURIComponent(l.name)}/versions`;
    const newest = ((await api('GET', `${path}?MaxItems=1`))['LayerVersions'] as Record<string, unknown>[] | undefined)?.[0];
    let arn: string | undefined;
    if (newest) {
      const v = await api('GET', `${path}/${String(newest['Version'])}`);
      const same = (v['Content'] as Record<string, unknown> | undefined)?.['CodeSha256'] === sha && sameSettings(v, l.settings);
      if (same) arn = String(v['LayerVersionArn']);
    }
    const reused = arn !== undefined;
    arn ??= String((await api('POST', path, { ...l.settings, Content: { ZipFile: zip.toString('base64') } }))['LayerVersionArn']);
    arns.set(layerPlaceholder(l.logicalId), arn);
    out(`  ${l.logicalId}: layer ${arn}${reused ? ' (unchanged)' : ''}`);
  }
  return arns;
}

function sameSettings(v: Record<string, unknown>, s: LayerPlan['settings']): boolean {
  const eq = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  return (
    eq(v['Description'] ?? '', s.Description ?? '') &&
    eq(v['CompatibleRuntimes'], s.CompatibleRuntimes) &&
    eq(v['CompatibleArchitectures'], s.CompatibleArchitectures) &&
    eq(v['LicenseInfo'], s.LicenseInfo)
  );
}

/** The plan with its layers' placeholders replaced by their version ARNs, in functions and outputs. */
export function withLayerArns<P extends { functions: FunctionPlan[]; outputs: Record<string, string> }>(plan: P, arns: Map<string, string>): P {
  const swap = (v: string): string => v.replace(/nimbus-layer:[A-Za-z0-9]+/g, (p) => arns.get(p) ?? p);
  return {
    ...plan,
    functions: plan.functions.map((fn) => ({ ...fn, layers: resolvedLayers(fn.logicalId, fn.layers ?? [], arns) })),
    outputs: Object.fromEntries(Object.entries(plan.outputs).map(([k, v]) => [k, swap(v)])),
  };
}

/** A function's Layers with this template's placeholders replaced by the published ARNs. */
export function resolvedLayers(id: string, layers: readonly string[], arns: Map<string, string>): string[] {
  return layers.map((l) => {
    if (!l.startsWith('nimbus-layer:')) return l;
    const arn = arns.get(l);
    if (arn === undefined) throw new SamError(`${id}: Layers names ${l.slice('nimbus-layer:'.length)}, which this deployment did not publish`);
    return arn;
  });
}
