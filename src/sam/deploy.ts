/**
 * `nimbus deploy -t template.yaml`: read the stack's record (its id, its parameters), plan with
 * the names it gives, build every function (as `sam build` would), upload each package, then
 * deploy the stack document in one request: Nimbus applies it as one change that succeeds whole
 * or is rolled back (src/api/stacks). All builds finish before the first change, so a build error
 * changes nothing either.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { packageFunction } from './build/index.js';
import { stackDocument, type Uploaded } from './document.js';
import { layerZips, publishLayers, withLayerArns } from './layers.js';
import { SamError } from './errors.js';
import { newStackId } from './names.js';
import { planDeployment } from './plan.js';
import { printDeployment, type StackDescription } from './report.js';
import { parseTemplate } from './template.js';

/** The part of the CLI's client the deployer needs (injected, so sam/ does not import cli/). */
export interface ApiClient {
  /** Where the client reaches Nimbus (queue URLs are minted on it); absent, AWS's form is used. */
  readonly endpoint?: string;
  request(method: string, path: string, body?: Buffer | string | object): Promise<{ status: number; body: Buffer }>;
}

export interface DeployDeps {
  client: ApiClient;
  zipFolder: (dir: string) => Promise<Buffer>;
  role: string;
  /** Progress lines for the user. */
  out: (line: string) => void;
}

export interface SamDeployOptions {
  templateFile: string;
  stack?: string | undefined;
  region: string;
  parameterOverrides?: Record<string, string>;
  /** Where installed dependencies are cached (default $NIMBUS_BUILD_CACHE or ~/.cache/nimbus/sam-build). */
  buildCacheDir?: string;
  /** Warnings go here (stderr in the CLI). */
  warn: (line: string) => void;
}

const ACCOUNT = '000000000000';

/**
 * The default stack name: the template's folder (the project's, for `.aws-sam/build/template.yaml`),
 * made a valid CloudFormation stack name. Unlike `sam deploy`'s fixed `sam-app`, two projects
 * deployed without --stack-name are then two stacks.
 */
export function defaultStackName(templateFile: string): string {
  let dir = dirname(resolve(templateFile));
  if (builtBySam(templateFile)) dir = dirname(dirname(dir));
  const name = basename(dir).replace(/[^A-Za-z0-9-]/g, '-').replace(/^[^A-Za-z]+/, '');
  return (name || 'sam-app').slice(0, 128);
}

/** A template `sam build` wrote: its functions are built already. */
export function builtBySam(templateFile: string): boolean {
  const dir = dirname(resolve(templateFile));
  return basename(dir) === 'build' && basename(dirname(dir)) === '.aws-sam';
}

export function defaultBuildCache(): string {
  return process.env['NIMBUS_BUILD_CACHE'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'nimbus', 'sam-build');
}

async function call(c: ApiClient, method: string, path: string, body?: Buffer | object): Promise<Record<string, unknown>> {
  const r = await c.request(method, path, body);
  const text = r.body.toString('utf8');
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // Not JSON: the status decides, and the text is shown as it came.
  }
  if (r.status >= 400) throw new SamError(String(parsed['message'] ?? parsed['Message'] ?? `${method} ${path}: ${r.status} ${text}`));
  return parsed;
}

/** The stack's current record, or undefined when there is no such stack yet. */
async function currentStack(c: ApiClient, stack: string): Promise<StackDescription | undefined> {
  const r = await c.request('GET', `/nimbus/v1/stacks/${encodeURIComponent(stack)}`);
  if (r.status === 404) return undefined;
  if (r.status !== 200) throw new SamError(`reading stack ${stack}: ${r.status} ${r.body.toString('utf8')}`);
  return JSON.parse(r.body.toString('utf8')) as StackDescription;
}

export async function deployTemplate(o: SamDeployOptions, deps: DeployDeps): Promise<StackDescription> {
  let text: string;
  try {
    text = readFileSync(o.templateFile, 'utf8');
  } catch (e) {
    throw new SamError(`cannot read ${o.templateFile}: ${(e as Error).message}`);
  }
  const template = parseTemplate(text, o.templateFile);
  const stack = o.stack ?? defaultStackName(o.templateFile);
  const existing = await currentStack(deps.client, stack);
  const plan = planDeployment(template, {
    stack,
    stackId: existing?.StackId ?? newStackId(stack, o.region, ACCOUNT),
    region: o.region,
    accountId: ACCOUNT,
    baseDir: dirname(resolve(o.templateFile)),
    role: deps.role,
    ...(deps.client.endpoint !== undefined ? { endpoint: deps.client.endpoint } : {}),
    ...(existing ? { previousParameters: Object.fromEntries(existing.Parameters.map((p) => [p.ParameterKey, p.ParameterValue])) } : {}),
    ...(o.parameterOverrides ? { parameterOverrides: o.parameterOverrides } : {}),
  });
  for (const w of plan.warnings) o.warn(`warning: ${w}`);
  if (plan.functions.length === 0) throw new SamError(`${o.templateFile} has no AWS::Serverless::Function resources to deploy`);
  const n = plan.functions.length;
  const prebuilt = builtBySam(o.templateFile);
  deps.out(prebuilt ? `Packaging ${n} function${n === 1 ? '' : 's'} as sam build built them` : `Building ${n} function${n === 1 ? '' : 's'}`);
  const uploaded = new Map<string, Uploaded>();
  const cacheDir = o.buildCacheDir ?? defaultBuildCache();
  const zips = new Map<string, Buffer>();
  for (const fn of plan.functions) {
    if (fn.code.kind === 'image') continue;
    const built = await packageFunction(fn, { cacheDir, prebuilt, zipFolder: deps.zipFolder, out: deps.out });
    const sha256 = createHash('sha256').update(built.zip).digest('hex');
    zips.set(sha256, built.zip);
    uploaded.set(fn.logicalId, { sha256, environment: built.environment });
  }
  const layers = await layerZips(plan.layers, deps.zipFolder, prebuilt ? undefined : { cacheDir, out: deps.out });
  for (const [sha, zip] of zips) await call(deps.client, 'PUT', `/nimbus/v1/artifacts/${sha}`, zip);
  // Layers first: the functions and outputs name the version ARNs they get (layers.ts).
  const final = withLayerArns(plan, await publishLayers(plan.layers, (id) => layers.get(id)!, deps.client, deps.out));
  const routes = plan.apis.reduce((sum, a) => sum + a.routes.length, 0);
  deps.out(`${existing ? 'Updating' : 'Creating'} stack ${stack} (${n} function${n === 1 ? '' : 's'}, ${routes} route${routes === 1 ? '' : 's'})`);
  const result = (await call(deps.client, 'PUT', `/nimbus/v1/stacks/${encodeURIComponent(stack)}`, stackDocument(final, uploaded, deps.role))) as unknown as StackDescription;
  printDeployment(final, result, deps.out);
  return result;
}
