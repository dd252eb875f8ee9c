/**
 * Applying a deployment plan through Nimbus's HTTP API, as any client would: create or update
 * each function from its built code, publish and move its AutoPublishAlias, create or update its
 * URL config and concurrency, then (once every function exists, since destinations must) the
 * event-invoke configs, the stack's routes in one call, and its schedules.
 */
import { SamError } from './errors.js';
import type { BuiltCode } from './build/index.js';
import type { DeployPlan, FunctionPlan } from './plan.js';

/** The part of the CLI's client the deployer needs (injected, so sam/ does not import cli/). */
export interface ApiClient {
  request(method: string, path: string, body?: object): Promise<{ status: number; body: Buffer }>;
}

export interface ApplyDeps {
  client: ApiClient;
  zipFolder: (dir: string) => Promise<Buffer>;
  role: string;
  /** Progress lines for the user. */
  out: (line: string) => void;
}

export interface FunctionOutcome {
  name: string;
  version: string | undefined;
  url: string | undefined;
}

const fnPath = (name: string): string => `/2015-03-31/functions/${encodeURIComponent(name)}`;
const qualified = (fn: FunctionPlan): string => (fn.autoPublishAlias ? `?Qualifier=${encodeURIComponent(fn.autoPublishAlias)}` : '');

async function call(c: ApiClient, method: string, path: string, body?: object): Promise<Record<string, unknown>> {
  const r = await c.request(method, path, body);
  const text = r.body.toString('utf8');
  let parsed: Record<string, unknown> = {};
  try {
    parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // Not JSON: the status decides, and the text is shown as it came.
  }
  if (r.status >= 400) {
    const msg = (parsed['message'] ?? parsed['Message'] ?? text) as string;
    throw new SamError(`${method} ${path}: ${r.status} ${msg}`);
  }
  return parsed;
}

/** DELETE that is content when there was nothing to delete. */
async function remove(c: ApiClient, path: string): Promise<void> {
  const r = await c.request('DELETE', path);
  if (r.status >= 400 && r.status !== 404) throw new SamError(`DELETE ${path}: ${r.status} ${r.body.toString('utf8')}`);
}

async function deployFunction(fn: FunctionPlan, built: BuiltCode, d: ApplyDeps): Promise<FunctionOutcome> {
  const zip = built.zip.toString('base64');
  const config: Record<string, unknown> = {
    ...fn.settings,
    Handler: fn.handler,
    Runtime: fn.runtime,
    // The template's own variables win over what the build adds.
    Environment: { Variables: { ...built.environment, ...fn.environment } },
    ...(fn.memorySize !== undefined ? { MemorySize: fn.memorySize } : {}),
    ...(fn.timeout !== undefined ? { Timeout: fn.timeout } : {}),
    ...(fn.description !== undefined ? { Description: fn.description } : {}),
  };
  const exists = (await d.client.request('GET', fnPath(fn.name))).status === 200;
  if (exists) {
    await call(d.client, 'PUT', `${fnPath(fn.name)}/code`, { ZipFile: zip, ...(fn.architectures ? { Architectures: fn.architectures } : {}) });
    await call(d.client, 'PUT', `${fnPath(fn.name)}/configuration`, config);
  } else {
    await call(d.client, 'POST', '/2015-03-31/functions', {
      FunctionName: fn.name,
      Role: d.role,
      Code: { ZipFile: zip },
      ...config,
      ...(fn.architectures ? { Architectures: fn.architectures } : {}),
    });
  }
  if (fn.reservedConcurrency !== undefined) {
    await call(d.client, 'PUT', `/2017-10-31/functions/${encodeURIComponent(fn.name)}/concurrency`, { ReservedConcurrentExecutions: fn.reservedConcurrency });
  } else if (exists) {
    await remove(d.client, `/2017-10-31/functions/${encodeURIComponent(fn.name)}/concurrency`);
  }
  let version: string | undefined;
  if (fn.autoPublishAlias) {
    const publish = fn.versionDescription !== undefined ? { Description: fn.versionDescription } : {};
    version = String((await call(d.client, 'POST', `${fnPath(fn.name)}/versions`, publish))['Version']);
    const aliasPath = `${fnPath(fn.name)}/aliases/${encodeURIComponent(fn.autoPublishAlias)}`;
    if ((await d.client.request('GET', aliasPath)).status === 200) {
      await call(d.client, 'PUT', aliasPath, { FunctionVersion: version, RoutingConfig: { AdditionalVersionWeights: {} } });
    } else {
      await call(d.client, 'POST', `${fnPath(fn.name)}/aliases`, { Name: fn.autoPublishAlias, FunctionVersion: version });
    }
    if (fn.provisionedConcurrency !== undefined) {
      await call(d.client, 'PUT', `/2019-09-30/functions/${encodeURIComponent(fn.name)}/provisioned-concurrency${qualified(fn)}`, {
        ProvisionedConcurrentExecutions: fn.provisionedConcurrency,
      });
    }
  }
  let url: string | undefined;
  if (fn.url) {
    const urlPath = `/2021-10-31/functions/${encodeURIComponent(fn.name)}/url${qualified(fn)}`;
    const existing = (await d.client.request('GET', urlPath)).status === 200;
    const body: Record<string, unknown> = { AuthType: fn.url.AuthType };
    // On an update, null clears a Cors config the template no longer has.
    if (fn.url.Cors || existing) body['Cors'] = fn.url.Cors ?? null;
    if (fn.url.InvokeMode) body['InvokeMode'] = fn.url.InvokeMode;
    url = String((await call(d.client, existing ? 'PUT' : 'POST', urlPath, body))['FunctionUrl']);
  }
  return { name: fn.name, version, url };
}

/** SAM puts a function's EventInvokeConfig on its alias when it has one, else on $LATEST. */
async function applyEventInvokeConfig(fn: FunctionPlan, d: ApplyDeps): Promise<void> {
  const path = `/2019-09-25/functions/${encodeURIComponent(fn.name)}/event-invoke-config${qualified(fn)}`;
  if (fn.eventInvokeConfig === undefined) return remove(d.client, path);
  await call(d.client, 'PUT', path, fn.eventInvokeConfig);
  const dc = fn.eventInvokeConfig['DestinationConfig'] as Record<string, { Destination: string }> | undefined;
  const to = Object.entries(dc ?? {}).map(([when, v]) => `${when} -> ${v.Destination}`);
  d.out(`  ${fn.logicalId}: event invoke config${to.length ? ` (${to.join(', ')})` : ''}`);
}

/** Deploys every function from its built code, then the rest; stops at the first error. */
export async function applyPlan(plan: DeployPlan, built: Map<string, BuiltCode>, d: ApplyDeps, endpoint: string): Promise<FunctionOutcome[]> {
  const outcomes: FunctionOutcome[] = [];
  for (const fn of plan.functions) {
    const o = await deployFunction(fn, built.get(fn.logicalId)!, d);
    outcomes.push(o);
    d.out(`  ${fn.logicalId}: function ${o.name}${o.version ? ` version ${o.version} (alias ${fn.autoPublishAlias!})` : ''}${o.url ? ` url ${o.url}` : ''}`);
  }
  for (const fn of plan.functions) await applyEventInvokeConfig(fn, d);
  for (const q of plan.queues) d.out(`  ${q.logicalId}: queue ${q.name} (a Nimbus built-in queue; read it with nimbus queue)`);
  await call(d.client, 'PUT', '/nimbus/v1/routes', { Stack: plan.stack, Routes: plan.routes });
  for (const sch of plan.schedules) {
    const { Name, ...body } = sch;
    await call(d.client, 'PUT', `/nimbus/v1/schedules/${encodeURIComponent(Name)}`, body);
    d.out(`  schedule ${Name}: ${sch.ScheduleExpression} -> ${sch.FunctionName}${sch.Qualifier ? `:${sch.Qualifier}` : ''}${sch.State === 'DISABLED' ? ' (disabled)' : ''}`);
  }
  for (const r of plan.routes) {
    const path = r.Path === '$default' ? '/*' : r.Path;
    d.out(`  ${r.Method.padEnd(6)} ${endpoint.replace(/\/$/, '')}${path} -> ${r.FunctionName}${r.Qualifier ? `:${r.Qualifier}` : ''} (payload ${r.PayloadFormatVersion})`);
  }
  return outcomes;
}
