/**
 * A CloudFormation template on the server, the way `nimbus deploy -t` plans it on the client
 * (src/sam: parse, parameters, Conditions, intrinsics, names from the stack's id), then the
 * stack document the stack service applies (api/stacks, the one implementation of apply, owner
 * checks and rollback). The code is never built here: a template deployed through CloudFormation
 * is packaged already (`sam deploy`, `aws cloudformation package`), so a function's code is
 * inline (`InlineCode`, `Code.ZipFile`) or an S3 object read through Nimbus's S3 service
 * (core/objects.ts).
 */
import { definitionLocations } from '../../sam/definition.js';
import { createHash } from 'node:crypto';
import yazl from 'yazl';
import type { Scope } from '../../core/model.js';
import { ObjectError, type ObjectReader } from '../../core/objects.js';
import { stackDocument, type Uploaded } from '../../sam/document.js';
import { SamError } from '../../sam/errors.js';
import { layerPlaceholder, withLayerArns } from '../../sam/layers.js';
import type { LayerService } from '../layers/service.js';
import { planDeployment, type DeployPlan } from '../../sam/plan.js';
import { knownResourceType } from '../../sam/resources.js';
import { parseTemplate, type Template } from '../../sam/template.js';
import type { CodeStore } from '../../store/code-store.js';
import { ZipError } from '../../store/unzip.js';
import { MAX_ZIP_BYTES } from '../functions/service.js';
import { CfnError, validation } from './errors.js';

export const SAM_TRANSFORM = 'AWS::Serverless-2016-10-31';
export const NO_S3_CODE = "S3 code locations need Nimbus's S3 service, which this server does not run";

export interface PlanInput {
  scope: Scope;
  stackName: string;
  stackId: string;
  body: string;
  /** Given parameter values (UsePreviousValue already resolved). */
  parameters: Record<string, string>;
  previousParameters: Record<string, string> | undefined;
  /** `http://<host the client used>`: queue URLs are minted on it. */
  endpoint: string;
  role: string;
  /** The OpenAPI definitions the template's APIs take from S3 (readDefinitions). */
  definitions?: ReadonlyMap<string, string>;
}

export interface Planned {
  template: Template;
  plan: DeployPlan;
}

/**
 * Parses and checks a template the way CloudFormation does before a change set exists: a
 * malformed template, an unknown resource type or a parameter without a value is the caller's
 * ValidationError. Throws SamError for what CloudFormation reports on the change set instead
 * (a transform's or a resource's error).
 */
export function readTemplate(body: string): Template {
  let t: Template;
  try {
    t = parseTemplate(body, 'template');
  } catch (e) {
    if (e instanceof SamError) throw validation(`Template format error: ${e.message.replace(/^template /, '')}`);
    throw e;
  }
  const unknown = [...new Set(Object.values(t.resources).map((r) => r.Type).filter((type) => !knownResourceType(type)))];
  if (unknown.length > 0) throw validation(`Template format error: Unrecognized resource types: [${unknown.join(', ')}]`);
  for (const tr of t.transform) if (tr !== SAM_TRANSFORM) throw validation(`Template format error: Unsupported transform: ${tr}`);
  return t;
}

export function planTemplate(t: Template, i: PlanInput): Planned {
  const missing = Object.entries(t.parameters)
    .filter(([k, p]) => i.parameters[k] === undefined && i.previousParameters?.[k] === undefined && p['Default'] === undefined)
    .map(([k]) => k);
  if (missing.length > 0) throw validation(`Parameters: [${missing.join(', ')}] must have values`);
  const extra = Object.keys(i.parameters).filter((k) => !(k in t.parameters));
  if (extra.length > 0) throw validation(`Parameters: [${extra.join(', ')}] do not exist in the template`);
  const plan = planDeployment(t, {
    stack: i.stackName,
    stackId: i.stackId,
    region: i.scope.region,
    accountId: i.scope.accountId,
    // Never read: code here is inline or in S3 (a local path is refused below).
    baseDir: '/',
    role: i.role,
    endpoint: i.endpoint,
    ...(i.definitions ? { definitions: i.definitions } : {}),
    parameterOverrides: i.parameters,
    ...(i.previousParameters ? { previousParameters: i.previousParameters } : {}),
  });
  for (const f of plan.functions) {
    if (f.code.kind === 'folder' || f.code.kind === 'archive') {
      throw new SamError(`Resource with id [${f.logicalId}] is invalid. 'CodeUri' is not a valid S3 Uri of the form 's3://bucket/key' with optional versionId query parameter (package the template first: sam deploy, aws cloudformation package).`);
    }
  }
  for (const l of plan.layers) {
    if (l.content.kind !== 's3') {
      throw new SamError(`Resource with id [${l.logicalId}] is invalid. 'ContentUri' is not a valid S3 Uri of the form 's3://bucket/key' with optional versionId query parameter (package the template first: sam deploy, aws cloudformation package).`);
    }
  }
  return { template: t, plan };
}

/** Each function's package, in the code store: inline code zipped as CloudFormation's ZipFile is, S3 objects read. */
export async function stageCode(scope: Scope, plan: DeployPlan, code: CodeStore, objects: ObjectReader | undefined): Promise<Map<string, Uploaded>> {
  const out = new Map<string, Uploaded>();
  for (const fn of plan.functions) {
    let zip: Buffer;
    const c = fn.code;
    // An image is resolved by CreateFunction itself (docs/images.md): nothing to stage.
    if (c.kind === 'image') continue;
    if (c.kind === 'inline') zip = await zipOne(fn.runtime.startsWith('python') ? 'index.py' : 'index.js', c.text);
    else if (c.kind === 's3') {
      if (!objects) throw new CfnError('ValidationError', `${fn.logicalId}: ${NO_S3_CODE}`);
      try {
        zip = await objects.read(scope, c.bucket, c.key, { limit: MAX_ZIP_BYTES, ...(c.version !== undefined ? { versionId: c.version } : {}) });
      } catch (e) {
        if (e instanceof ObjectError) throw new CfnError('ValidationError', `${fn.logicalId}: Error occurred while GetObject. S3 Error Code: ${e.code}. S3 Error Message: ${e.message}`);
        throw e;
      }
    } else throw new CfnError('ValidationError', `${fn.logicalId}: 'CodeUri' is not a valid S3 Uri`);
    try {
      const stored = await code.put(zip);
      out.set(fn.logicalId, { sha256: stored.sha256Hex, environment: {} });
    } catch (e) {
      if (e instanceof ZipError) throw new CfnError('ValidationError', `${fn.logicalId}: Could not unzip uploaded file. Please check your file, then try to upload again. (${e.message})`);
      throw e;
    }
  }
  return out;
}

/**
 * Publishes each of the template's layers from its S3 zip, unless the layer's newest version has
 * the same content and settings (as `nimbus deploy -t` does, and CloudFormation keeps an unchanged
 * LayerVersion); returns the plan with the version ARNs in its functions and outputs. Versions
 * are not stack resources: they stay when the stack goes, as SAM's `RetentionPolicy: Retain`.
 */
export async function withPublishedLayers(scope: Scope, plan: DeployPlan, layers: LayerService, objects: ObjectReader | undefined): Promise<DeployPlan> {
  const arns = new Map<string, string>();
  for (const l of plan.layers) {
    const c = l.content;
    if (c.kind !== 's3') throw new CfnError('ValidationError', `${l.logicalId}: 'ContentUri' is not a valid S3 Uri`);
    if (!objects) throw new CfnError('ValidationError', `${l.logicalId}: ${NO_S3_CODE}`);
    let zip: Buffer;
    try {
      zip = await objects.read(scope, c.bucket, c.key, { limit: MAX_ZIP_BYTES, ...(c.version !== undefined ? { versionId: c.version } : {}) });
    } catch (e) {
      if (e instanceof ObjectError) throw new CfnError('ValidationError', `${l.logicalId}: Error occurred while GetObject. S3 Error Code: ${e.code}. S3 Error Message: ${e.message}`);
      throw e;
    }
    const sha = createHash('sha256').update(zip).digest('hex');
    const newest = (await layers.listVersions(scope, l.name, { runtime: null, architecture: null, marker: null, maxItems: '1' })).items[0];
    const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
    const s = l.settings;
    const unchanged =
      newest !== undefined && newest.codeSha256 === sha && newest.description === (s.Description ?? '') && same(newest.compatibleRuntimes, s.CompatibleRuntimes) &&
      same(newest.compatibleArchitectures, s.CompatibleArchitectures) && same(newest.licenseInfo, s.LicenseInfo);
    const v = unchanged ? newest : await layers.publish(scope, l.name, { ...s, Content: { ZipFile: zip.toString('base64') } });
    arns.set(layerPlaceholder(l.logicalId), `arn:aws:lambda:${scope.region}:${scope.accountId}:layer:${v.layerName}:${v.version}`);
  }
  return arns.size === 0 ? plan : withLayerArns(plan, arns);
}

export function documentOf(plan: DeployPlan, staged: Map<string, Uploaded>, role: string): Record<string, unknown> {
  return stackDocument(plan, staged, role);
}

/** The bucket and key of a TemplateURL: path style (`https://s3.<region>.amazonaws.com/b/k`, Nimbus's `http://host:port/b/k`) or virtual-hosted (`https://b.s3.amazonaws.com/k`). */
export function templateLocation(url: string): { bucket: string; key: string; versionId?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw validation(`TemplateURL must be a supported URL.`);
  }
  const path = decodeURIComponent(u.pathname.replace(/^\/+/, ''));
  const virtual = /^(.+?)\.s3[.-]/.exec(u.hostname);
  const versionId = u.searchParams.get('versionId') ?? undefined;
  const [bucket, key] = virtual ? [virtual[1]!, path] : [path.slice(0, path.indexOf('/')), path.slice(path.indexOf('/') + 1)];
  if (!bucket || !key || (!virtual && !path.includes('/'))) throw validation('TemplateURL must be a supported URL.');
  return { bucket, key, ...(versionId ? { versionId } : {}) };
}

/**
 * The S3 objects the template's APIs take their OpenAPI definitions from (what `sam deploy`
 * uploads for `DefinitionUri` and `AWS::Include`), by their `s3://` URI. One that cannot be read
 * is left out: planning then names it.
 */
export async function readDefinitions(scope: Scope, t: Template, objects: ObjectReader | undefined): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (!objects) return out;
  for (const uri of definitionLocations(t)) {
    const m = /^s3:\/\/([^/]+)\/([^?]+)(?:\?versionId=(.+))?$/.exec(uri);
    if (!m) continue;
    try {
      out.set(uri, (await objects.read(scope, m[1]!, m[2]!, { limit: 10 * 1024 * 1024, ...(m[3] ? { versionId: m[3] } : {}) })).toString('utf8'));
    } catch (e) {
      if (!(e instanceof ObjectError)) throw e;
    }
  }
  return out;
}

export async function readTemplateUrl(scope: Scope, url: string, objects: ObjectReader | undefined): Promise<string> {
  const { bucket, key, versionId } = templateLocation(url);
  if (!objects) throw validation(`TemplateURL needs Nimbus's S3 service, which this server does not run; pass the template as TemplateBody`);
  try {
    return (await objects.read(scope, bucket, key, { limit: 1024 * 1024, ...(versionId ? { versionId } : {}) })).toString('utf8');
  } catch (e) {
    if (e instanceof ObjectError) throw validation(`S3 error: ${e.code}: ${e.message}`);
    throw e;
  }
}

function zipOne(name: string, text: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = new yazl.ZipFile();
    z.addBuffer(Buffer.from(text), name, { mode: 0o100644, mtime: new Date('1980-01-02T00:00:00Z') });
    z.end();
    const chunks: Buffer[] = [];
    z.outputStream.on('data', (c: Buffer) => chunks.push(c));
    z.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    z.outputStream.on('error', reject);
  });
}
