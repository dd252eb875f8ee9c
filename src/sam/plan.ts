/**
 * From a parsed template to what Nimbus will deploy: functions (Globals merged, intrinsics
 * resolved, CodeUri made absolute), their routes, aliases and URL configs, and a list of
 * warnings for everything that is skipped. Pure: no I/O, so it is unit-tested directly.
 */
import { isAbsolute, join } from 'node:path';
import { SamError } from './errors.js';
import { resolve, type IntrinsicContext } from './intrinsics.js';
import type { Template } from './template.js';

export interface FunctionPlan {
  logicalId: string;
  name: string;
  codeDir: string;
  handler: string;
  runtime: string;
  memorySize: number | undefined;
  timeout: number | undefined;
  description: string | undefined;
  environment: Record<string, string>;
  architectures: string[] | undefined;
  autoPublishAlias: string | undefined;
  url: { AuthType: string; Cors?: Record<string, unknown>; InvokeMode?: string } | undefined;
}

export interface RoutePlan {
  Method: string;
  Path: string;
  FunctionName: string;
  Qualifier?: string;
  PayloadFormatVersion: '1.0' | '2.0';
}

/** A SAM `Schedule` event, as a Nimbus schedule (PUT /nimbus/v1/schedules/<Name>). */
export interface SchedulePlan {
  Name: string;
  ScheduleExpression: string;
  FunctionName: string;
  Qualifier?: string;
  Input?: string;
  State: 'ENABLED' | 'DISABLED';
}

export interface DeployPlan {
  stack: string;
  functions: FunctionPlan[];
  routes: RoutePlan[];
  schedules: SchedulePlan[];
  warnings: string[];
}

export interface PlanOptions {
  stack: string;
  region: string;
  accountId: string;
  /** The template's folder: CodeUri is relative to it. */
  baseDir: string;
  parameterOverrides?: Record<string, string>;
}

const FUNCTION_PROPS = new Set([
  'CodeUri', 'Handler', 'Runtime', 'MemorySize', 'Timeout', 'Environment', 'Description', 'FunctionName', 'Architectures',
  'AutoPublishAlias', 'FunctionUrlConfig', 'Events', 'Role', 'Policies', 'Tags', 'Layers', 'Tracing', 'PackageType',
  'InlineCode', 'EphemeralStorage', 'LoggingConfig', 'ReservedConcurrentExecutions', 'DeploymentPreference', 'VpcConfig',
]);
/** Accepted and deliberately ignored: there is no IAM, tagging or tracing backend to give them to. */
const IGNORED_PROPS = new Set(['Role', 'Policies', 'Tags', 'Tracing', 'VpcConfig', 'DeploymentPreference', 'LoggingConfig', 'ReservedConcurrentExecutions', 'EphemeralStorage']);
const IMPLICIT_APIS = new Set(['AWS::Serverless::HttpApi', 'AWS::Serverless::Api']);
const NAME = /^[a-zA-Z0-9-_]{1,64}$/;

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function optionalNumber(v: unknown, where: string): number | undefined {
  if (v === undefined) return undefined;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw new SamError(`${where} must be a whole number, got ${JSON.stringify(v)}`);
  return n;
}

function requiredString(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') throw new SamError(`${where} is required and must be a string`);
  return v;
}

export function planDeployment(t: Template, o: PlanOptions): DeployPlan {
  const warnings: string[] = [];
  const warn = (m: string): void => void warnings.push(m);
  if (!t.transform.some((x) => x.startsWith('AWS::Serverless'))) {
    warn('the template has no "Transform: AWS::Serverless-2016-10-31"; reading its AWS::Serverless::* resources anyway');
  }
  const refs: Record<string, string> = {
    'AWS::Region': o.region,
    'AWS::AccountId': o.accountId,
    'AWS::StackName': o.stack,
    'AWS::StackId': `arn:aws:cloudformation:${o.region}:${o.accountId}:stack/${o.stack}/nimbus`,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::NoValue': '',
  };
  for (const [name, p] of Object.entries(t.parameters)) {
    const v = o.parameterOverrides?.[name] ?? p['Default'];
    if (v === undefined) throw new SamError(`parameter ${name} has no Default; give it with --parameter-overrides ${name}=...`);
    refs[name] = String(v);
  }
  for (const name of Object.keys(o.parameterOverrides ?? {})) {
    if (!(name in t.parameters)) warn(`--parameter-overrides: the template has no parameter ${name}`);
  }
  const ctx: IntrinsicContext = { refs, resources: {}, conditions: {}, warn };
  // Names first, so that Ref/GetAtt between functions resolve whatever the order.
  const fnIds = Object.entries(t.resources).filter(([, r]) => r.Type === 'AWS::Serverless::Function');
  for (const [id, r] of fnIds) {
    const raw = resolve(r.Properties['FunctionName'], ctx, `${id}.FunctionName`);
    const name = typeof raw === 'string' ? raw : id;
    if (!NAME.test(name)) throw new SamError(`${id}: function name '${name}' must be 1-64 characters of letters, digits, - and _`);
    ctx.resources[id] = { ref: name, arn: `arn:aws:lambda:${o.region}:${o.accountId}:function:${name}` };
  }
  for (const [id, r] of Object.entries(t.resources)) {
    if (r.Type === 'AWS::Serverless::Function') continue;
    if (IMPLICIT_APIS.has(r.Type)) {
      warn(`${id} (${r.Type}): its events are served on Nimbus's port; the API's own settings (Auth, StageName, CORS, domains) are not applied`);
    } else {
      warn(`${id}: resource type ${r.Type} is not supported by Nimbus; skipped`);
    }
  }
  for (const section of Object.keys(t.globals)) {
    if (section !== 'Function') warn(`Globals.${section} is not applied by Nimbus; ignored`);
  }
  const globals = isMap(t.globals['Function']) ? t.globals['Function'] : {};
  const functions: FunctionPlan[] = [];
  const routes: RoutePlan[] = [];
  const schedules: SchedulePlan[] = [];
  const seen = new Set<string>();
  for (const [id, r] of fnIds) {
    if (r.Condition !== undefined) warn(`${id}: Condition ${JSON.stringify(r.Condition)} is not evaluated; the function is deployed`);
    const props = mergeGlobals(globals, r.Properties);
    const where = (p: string): string => `${id}.${p}`;
    for (const k of Object.keys(props)) {
      if (!FUNCTION_PROPS.has(k)) warn(`${id}: property ${k} is not supported by Nimbus; ignored`);
      else if (IGNORED_PROPS.has(k)) warn(`${id}: property ${k} has no effect on Nimbus; ignored`);
    }
    if (props['PackageType'] === 'Image') throw new SamError(`${id}: PackageType Image is not supported; Nimbus runs Zip functions`);
    if (props['InlineCode'] !== undefined) throw new SamError(`${id}: InlineCode is not supported; put the code in a folder and set CodeUri`);
    if (Array.isArray(props['Layers']) && props['Layers'].length > 0) throw new SamError(`${id}: Layers are not supported by Nimbus yet`);
    const codeUri = resolve(props['CodeUri'] ?? '.', ctx, where('CodeUri'));
    if (typeof codeUri !== 'string') throw new SamError(`${id}: CodeUri must be a local folder; S3 locations are not supported`);
    const env = resolve(props['Environment'], ctx, where('Environment'));
    const variables: Record<string, string> = {};
    if (isMap(env) && isMap(env['Variables'])) {
      for (const [k, v] of Object.entries(env['Variables'])) {
        if (v === undefined) continue;
        variables[k] = typeof v === 'string' ? v : JSON.stringify(v);
      }
    }
    const alias = resolve(props['AutoPublishAlias'], ctx, where('AutoPublishAlias'));
    if (alias !== undefined && (typeof alias !== 'string' || !/^(?!^[0-9]+$)[a-zA-Z0-9-_]+$/.test(alias))) {
      throw new SamError(`${id}: AutoPublishAlias must be an alias name (letters, digits, - and _, not all digits)`);
    }
    const urlRaw = resolve(props['FunctionUrlConfig'], ctx, where('FunctionUrlConfig'));
    let url: FunctionPlan['url'];
    if (urlRaw !== undefined) {
      if (!isMap(urlRaw) || typeof urlRaw['AuthType'] !== 'string') throw new SamError(`${id}: FunctionUrlConfig needs an AuthType`);
      url = { AuthType: urlRaw['AuthType'] };
      if (isMap(urlRaw['Cors'])) url.Cors = urlRaw['Cors'];
      if (typeof urlRaw['InvokeMode'] === 'string') url.InvokeMode = urlRaw['InvokeMode'];
    }
    const archs = props['Architectures'];
    const fn: FunctionPlan = {
      logicalId: id,
      name: ctx.resources[id]!.ref,
      codeDir: isAbsolute(codeUri) ? codeUri : join(o.baseDir, codeUri),
      handler: requiredString(resolve(props['Handler'], ctx, where('Handler')), where('Handler')),
      runtime: requiredString(resolve(props['Runtime'], ctx, where('Runtime')), where('Runtime')),
      memorySize: optionalNumber(resolve(props['MemorySize'], ctx, where('MemorySize')), where('MemorySize')),
      timeout: optionalNumber(resolve(props['Timeout'], ctx, where('Timeout')), where('Timeout')),
      description: typeof props['Description'] === 'string' ? props['Description'] : undefined,
      environment: variables,
      architectures: Array.isArray(archs) ? archs.filter((a): a is string => typeof a === 'string') : undefined,
      autoPublishAlias: alias as string | undefined,
      url,
    };
    functions.push(fn);
    const events = props['Events'] ?? {};
    if (!isMap(events)) throw new SamError(`${id}.Events must be a mapping`);
    for (const [eventId, ev] of Object.entries(events)) {
      const ew = `${id}.Events.${eventId}`;
      if (!isMap(ev) || typeof ev['Type'] !== 'string') throw new SamError(`${ew} has no Type`);
      const p = resolve(ev['Properties'] ?? {}, ctx, ew);
      if (!isMap(p)) throw new SamError(`${ew}.Properties must be a mapping`);
      const type = ev['Type'];
      if (type === 'HttpApi' || type === 'Api') {
        const route = eventRoute(type, p, ew);
        const key = `${route.Method} ${route.Path}`;
        if (seen.has(key)) throw new SamError(`${ew}: route ${key} is already used by another event`);
        seen.add(key);
        routes.push({ ...route, FunctionName: fn.name, ...(fn.autoPublishAlias ? { Qualifier: fn.autoPublishAlias } : {}) });
      } else if (type === 'Schedule') {
        schedules.push(scheduleOf(p, ew, `${o.stack}-${id}-${eventId}`, fn));
      } else {
        warn(`${ew}: event type ${type} is not supported by Nimbus; skipped`);
      }
    }
  }
  return { stack: o.stack, functions, routes, schedules, warnings };
}

/** SAM's Schedule event: Schedule (the expression), Input, Enabled/State, Name. */
function scheduleOf(p: Record<string, unknown>, where: string, defaultName: string, fn: FunctionPlan): SchedulePlan {
  const expression = requiredString(p['Schedule'], `${where}.Schedule`);
  const name = typeof p['Name'] === 'string' ? p['Name'] : defaultName;
  const disabled = p['Enabled'] === false || p['State'] === 'DISABLED';
  if (p['Input'] !== undefined && typeof p['Input'] !== 'string') throw new SamError(`${where}.Input must be a JSON string`);
  return {
    Name: name.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64),
    ScheduleExpression: expression,
    FunctionName: fn.name,
    ...(fn.autoPublishAlias ? { Qualifier: fn.autoPublishAlias } : {}),
    ...(typeof p['Input'] === 'string' ? { Input: p['Input'] } : {}),
    State: disabled ? 'DISABLED' : 'ENABLED',
  };
}

function eventRoute(type: 'HttpApi' | 'Api', p: Record<string, unknown>, where: string): Omit<RoutePlan, 'FunctionName'> {
  const format = p['PayloadFormatVersion'] ?? (type === 'HttpApi' ? '2.0' : '1.0');
  if (format !== '1.0' && format !== '2.0') throw new SamError(`${where}.PayloadFormatVersion must be "1.0" or "2.0"`);
  if (type === 'Api' && (p['Path'] === undefined || p['Method'] === undefined)) throw new SamError(`${where}: an Api event needs Path and Method`);
  // An HttpApi event without Path and Method is the API's catch-all `$default` route.
  if (p['Path'] === undefined && p['Method'] === undefined) return { Method: 'ANY', Path: '$default', PayloadFormatVersion: format };
  const path = requiredString(p['Path'], `${where}.Path`);
  const method = requiredString(p['Method'] ?? 'ANY', `${where}.Method`).toUpperCase();
  return { Method: method === 'X-AMAZON-APIGATEWAY-ANY-METHOD' ? 'ANY' : method, Path: path, PayloadFormatVersion: format };
}

/** SAM's Globals rules: a function's own value wins; maps (Environment.Variables) are merged. */
export function mergeGlobals(globals: Record<string, unknown>, own: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...globals };
  for (const [k, v] of Object.entries(own)) {
    const g = out[k];
    out[k] = isMap(g) && isMap(v) ? mergeGlobals(g, v) : v;
  }
  return out;
}
