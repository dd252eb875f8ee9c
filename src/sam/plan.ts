/**
 * From a parsed template to what Nimbus will deploy: functions (Globals merged, intrinsics
 * resolved, code source and build method found), their routes, schedules, aliases, URL and
 * event-invoke configs, the built-in queues the template's queues map to, and a list of warnings
 * for everything that is skipped or ignored. Pure: no I/O, so it is unit-tested directly.
 */
import { planRoles, type RolePlan } from './roles.js';
import { routeAuthorizer } from './apis.js';
import { evaluateConditions, included } from './conditions.js';
import { SamError } from './errors.js';
import { planEvents, type SchedulePlan } from './events.js';
import { planFunction, type FunctionPlan } from './function-plan.js';
import { resolve, type IntrinsicContext } from './intrinsics.js';
import { namer } from './names.js';
import { planResources, type ApiPlan, type BucketPlan } from './resources.js';
import { FROM_LAMBDA, lambdaFunctionsAsSam } from './lambda-functions.js';
import { scheduleResource } from './schedule-resources.js';
import { planServiceResources } from './service-resources.js';
import { planTables, type TablePlan } from './table-resources.js';
import { nameStoreResources, planStoreResources, type ParameterPlan, type SecretPlan } from './store-resources.js';
import { planKinesisStreams, type KinesisStreamPlan } from './kinesis-resources.js';
import type { ServicePlans } from './service-plans.js';
import type { Template } from './template.js';

export type { FunctionPlan, CodeSource, BuildSpec } from './function-plan.js';
export type { RoutePlan, SchedulePlan } from './events.js';
export type { ApiPlan, BucketPlan } from './resources.js';
export type { TablePlan } from './table-resources.js';
export type { ParameterPlan, SecretPlan } from './store-resources.js';
export type { QueuePlan, TopicPlan, SubscriptionPlan, BusPlan, RulePlan, MappingPlan, ServicePlans } from './service-plans.js';
import { mergeGlobals } from './globals.js';
import { eventValidation } from './validation.js';
import { planLayers, type LayerPlan } from './layers.js';
import { planUrlResources } from './url-resources.js';

export { mergeGlobals };

/** Queues, topics, subscriptions, event buses, rules and event-source mappings come from ServicePlans. */
export interface DeployPlan extends ServicePlans {
  stack: string;
  stackId: string;
  description: string;
  /** Parameter values as deployed (overrides, else defaults): the stack keeps them for the next deployment. */
  parameters: Record<string, string>;
  functions: FunctionPlan[];
  /** Published before the stack document is sent; the functions may name them (layers.ts). */
  layers: LayerPlan[];
  schedules: SchedulePlan[];
  /** Each API with its routes. */
  apis: ApiPlan[];
  /** `AWS::S3::Bucket` resources (resources.ts). */
  buckets: BucketPlan[];
  /** IAM roles: generated for functions' Policies, and the template's AWS::IAM::Role resources (roles.ts). */
  roles: RolePlan[];
  /** DynamoDB tables (table-resources.ts). */
  tables: TablePlan[];
  /** `AWS::SSM::Parameter` and `AWS::SecretsManager::Secret` resources (store-resources.ts). */
  ssmParameters: ParameterPlan[];
  secrets: SecretPlan[];
  /** Kinesis streams (kinesis-resources.ts). */
  kinesisStreams: KinesisStreamPlan[];
  /** Outputs that resolve locally, by name. */
  outputs: Record<string, string>;
  warnings: string[];
}

export interface PlanOptions {
  stack: string;
  /** The stack's id: generated names and API ids derive from it (names.ts). */
  stackId: string;
  region: string;
  accountId: string;
  /** The template's folder: CodeUri is relative to it. */
  baseDir: string;
  parameterOverrides?: Record<string, string>;
  /** Values the stack's previous deployment used, for parameters without an override (CloudFormation's UsePreviousValue). */
  previousParameters?: Record<string, string>;
  /** The execution role functions get (SAM's generated `<Function>Role` resolves to it). */
  role?: string;
  /** Where the deploying client reaches Nimbus: queue URLs (a queue's `Ref`) are minted on it. */
  endpoint?: string;
  /** `s3://bucket/key` -> text of the OpenAPI definitions the template's APIs name in S3 (definition.ts). */
  definitions?: ReadonlyMap<string, string>;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

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
    'AWS::StackId': o.stackId,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::NoValue': '',
  };
  const parameters: Record<string, string> = {};
  for (const [name, p] of Object.entries(t.parameters)) {
    const v = o.parameterOverrides?.[name] ?? o.previousParameters?.[name] ?? p['Default'];
    if (v === undefined) throw new SamError(`parameter ${name} has no Default; give it with --parameter-overrides ${name}=...`);
    refs[name] = parameters[name] = String(v);
    // An SSM parameter type's value is a parameter name: it becomes a dynamic reference, which the
    // stack service resolves from Parameter Store when it applies the stack (api/stacks/dynamic-refs.ts).
    if (typeof p['Type'] === 'string' && p['Type'].startsWith('AWS::SSM::Parameter::Value<')) refs[name] = `{{resolve:ssm:${String(v)}}}`;
  }
  for (const name of Object.keys(o.parameterOverrides ?? {})) {
    if (!(name in t.parameters)) warn(`--parameter-overrides: the template has no parameter ${name}`);
  }
  const ctx: IntrinsicContext = { refs, resources: {}, conditions: {}, warn };
  evaluateConditions(t.conditions, ctx);
  // Resources whose Condition is false are not part of this deployment at all.
  // Plain AWS::Lambda::Function resources are planned as the SAM functions they are equivalent to.
  const kept = lambdaFunctionsAsSam(Object.fromEntries(Object.entries(t.resources).filter(([id, r]) => included(r.Condition, ctx, id))));
  const template: Template = { ...t, resources: kept };
  // Every resource's Ref/GetAtt value first, so that references resolve whatever the order.
  const names = namer(o.stack, o.stackId);
  const where = { names, region: o.region, accountId: o.accountId, endpoint: o.endpoint };
  nameStoreResources(template, where, o.stackId, ctx);
  const resources = planResources(template, { ...where, role: o.role ?? 'arn:aws:iam::000000000000:role/nimbus', baseDir: o.baseDir, ...(o.definitions ? { definitions: o.definitions } : {}) }, ctx);
  const services = planServiceResources(template, where, ctx);
  const tables = planTables(template, ctx);
  const store = planStoreResources(template, ctx);
  const kinesisStreams = planKinesisStreams(template, ctx);
  for (const section of Object.keys(t.globals)) {
    if (!['Function', 'Api', 'HttpApi'].includes(section)) warn(`Globals.${section} is not applied by Nimbus; ignored`);
  }
  const globals = isMap(t.globals['Function']) ? t.globals['Function'] : {};
  // SAM applies Globals to its own functions only, not to plain AWS::Lambda::Function resources.
  const globalsFor = (meta: Record<string, unknown> | undefined, props: Record<string, unknown>): Record<string, unknown> =>
    meta?.[FROM_LAMBDA] === true ? props : mergeGlobals(globals, props);
  const functions: FunctionPlan[] = [];
  const schedules: SchedulePlan[] = [];
  const apis = new Map(resources.apis.map((a) => [a.logicalId, a]));
  /** Per API, `METHOD path` -> the function that has it. */
  const seen = new Map<string, string>();
  // The routes of OpenAPI definitions come first: an event may not define one of them again (as in SAM).
  for (const a of resources.apis) {
    for (const r of a.routes) seen.set(`${a.logicalId} ${r.Path === '$default' ? '$default' : `${r.Method} ${r.Path}`}`, `${a.logicalId}'s OpenAPI definition`);
  }
  for (const [id, r] of Object.entries(template.resources)) {
    if (r.Type !== 'AWS::Serverless::Function') continue;
    const props = globalsFor(r.Metadata, r.Properties);
    const fn = planFunction(id, props, r.Metadata, { baseDir: o.baseDir, ctx, name: ctx.resources[id]!.ref });
    if (fn.ignored.length > 0) warn(`${id}: not applied by Nimbus (no backend for them): ${fn.ignored.join(', ')}`);
    const role = props['Role'] !== undefined ? resolve(props['Role'], ctx, `${id}.Role`) : ctx.resources[`${id}Role`]?.attrs['Arn'];
    if (props['Role'] !== undefined && typeof role !== 'string') throw new SamError(`${id}.Role must be a role ARN`);
    if (typeof role === 'string' && role !== o.role) fn.role = role;
    functions.push(fn);
    const events = props['Events'] ?? {};
    if (!isMap(events)) throw new SamError(`${id}.Events must be a mapping`);
    const arn = `${ctx.resources[id]!.attrs['Arn']!}${fn.autoPublishAlias ? `:${fn.autoPublishAlias}` : ''}`;
    const target = { logicalId: id, name: fn.name, alias: fn.autoPublishAlias, arn };
    const planned = planEvents(events, target, names, ctx, (v, at) => resolve(v, ctx, at), services);
    for (const { api, type, route, properties } of planned.routes) {
      const a = apis.get(api);
      if (!a) throw new SamError(`${id}: the ${type} event names API ${api}, which is not an AWS::Serverless::${type === 'Api' ? 'Api' : 'HttpApi'} of this template`);
      if ((a.type === 'REST') !== (type === 'Api')) throw new SamError(`${id}: an ${type} event cannot use ${api}, which is ${a.type === 'REST' ? 'a REST' : 'an HTTP'} API`);
      // Each API has its own host, so a route may exist once per API; the same route on two APIs is two routes.
      const key = `${api} ${route.Path === '$default' ? '$default' : `${route.Method} ${route.Path}`}`;
      const other = seen.get(key);
      if (other !== undefined) throw new SamError(`${id}: route ${key.slice(api.length + 1)} of ${api} is already used by ${other}`);
      seen.set(key, id);
      const authorizer = routeAuthorizer(a, route.Authorizer, `${id}.Events`);
      const { Authorizer: _requested, ...rest } = route;
      const validation = type === 'Api' ? eventValidation(properties, a.models, `${id}.Events`) : undefined;
      if (validation) rest.Validation = validation;
      a.routes.push(authorizer === undefined ? rest : { ...rest, Authorizer: authorizer });
    }
    schedules.push(...planned.schedules);
    for (const { bucket, target } of planned.s3) {
      const b = resources.buckets.find((x) => x.logicalId === bucket);
      if (!b) throw new SamError(`${id}: the S3 event names ${bucket}, which is not an AWS::S3::Bucket of this template (SAM requires the bucket in the same template)`);
      b.notification ??= { Functions: [], Queues: [], Topics: [] };
      b.notification.Functions.push(target);
    }
  }
  for (const [id, r] of Object.entries(template.resources)) {
    if (r.Type !== 'AWS::Scheduler::Schedule' && r.Type !== 'AWS::Events::Rule') continue;
    // A rule with an event pattern is an EventBridge rule (service-resources.ts).
    if (r.Properties['EventPattern'] !== undefined) continue;
    const planned = scheduleResource(id, r, names, ctx);
    if (planned === undefined) warn(`${id}: ${r.Type} without a ScheduleExpression or an EventPattern does nothing on Nimbus; skipped`);
    else schedules.push(...planned);
  }
  planUrlResources(template, functions, ctx);
  const outputs: Record<string, string> = {};
  const quiet: IntrinsicContext = { ...ctx, warn: () => undefined };
  for (const [name, out] of Object.entries(t.outputs)) {
    // Outputs often name what exists only after deployment (a function URL); those are left out quietly.
    const v = isMap(out) ? resolve(out['Value'], quiet, `Outputs.${name}`) : undefined;
    if (typeof v === 'string') outputs[name] = v;
  }
  const layers = planLayers(template, { baseDir: o.baseDir, stack: o.stack, stackId: o.stackId }, ctx);
  const roles = planRoles(template, names, where, ctx, (id) => globalsFor(template.resources[id]!.Metadata, template.resources[id]!.Properties));
  return { stack: o.stack, stackId: o.stackId, description: t.description, parameters, functions, layers, schedules, apis: resources.apis, buckets: resources.buckets, ...services, roles, tables, kinesisStreams, ssmParameters: store.parameters, secrets: store.secrets, outputs, warnings };
}
