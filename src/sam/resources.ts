/**
 * What the template's resources are worth locally, before any function is planned: the value of
 * `Ref` and `Fn::GetAtt` for each resource Nimbus knows (functions, the resources SAM generates
 * for them, APIs, queues), and a warning for each it does not.
 *
 * - APIs: `AWS::Serverless::Api`/`HttpApi` and the implicit `ServerlessRestApi` (Api events
 *   without RestApiId) and `ServerlessHttpApi` (HttpApi events without ApiId), as SAM names them
 *   (docs: "generated resources"). Each is served on its own host (apis.ts); `Ref` is its id.
 * - SQS queues, SNS topics and subscriptions, EventBridge buses and pattern rules, event-source
 *   mappings, and the queues and rules SAM generates for a function's events: service-resources.ts
 *   and event-sources.ts.
 *
 * Functions and queues without an explicit name get the stack's generated names (names.ts).
 */
import { planApi, type ApiPlan } from './apis.js';
import { gatewayApi, GATEWAY_API_TYPES, GATEWAY_STAGE_TYPES } from './apigateway-resources.js';
import { bucketNotification, type NotificationPlan } from './bucket-notifications.js';
import { mergeGlobals } from './globals.js';
import { resolve, type IntrinsicContext } from './intrinsics.js';
import { MAX_NAME, type Namer } from './names.js';
import type { Template } from './template.js';
import { LAYER_TYPES, layerPlaceholder } from './layers.js';
import { URL_TYPE } from './url-resources.js';
import { nameEventResources } from './event-sources.js';
import { isPatternRule, nameServiceResources, SERVICE_TYPES } from './service-resources.js';
import { nameTables, TABLE_TYPES } from './table-resources.js';
import { STORE_TYPES } from './store-resources.js';
import { KINESIS_STREAM_TYPE, nameKinesisStreams } from './kinesis-resources.js';
import { generatedRoleName, generatesRole, iamRoleName } from './roles.js';

export type { ApiPlan } from './apis.js';
export type { QueuePlan } from './service-plans.js';

/** The implicit APIs' logical ids, as SAM generates them. */
export const IMPLICIT_REST_API = 'ServerlessRestApi';
export const IMPLICIT_HTTP_API = 'ServerlessHttpApi';

const API_TYPES = new Set(['AWS::Serverless::Api', 'AWS::Serverless::HttpApi']);
/** Planned elsewhere (schedule-resources.ts) once every function's name is known. */
const SCHEDULE_TYPES = new Set(['AWS::Scheduler::Schedule', 'AWS::Events::Rule']);
/** Declared but deliberately without effect: there is no IAM, and a policy only grants access. */
const NO_EFFECT_TYPES = new Set([
  'AWS::IAM::Role', 'AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::SQS::QueueInlinePolicy',
  'AWS::SNS::TopicPolicy', 'AWS::SNS::TopicInlinePolicy', 'AWS::Events::EventBusPolicy', 'AWS::Lambda::Permission', 'AWS::Logs::LogGroup',
]);

export interface ResourcesPlan {
  apis: ApiPlan[];
  /** `AWS::S3::Bucket` resources, created through Nimbus's S3 service (api/stacks). */
  buckets: BucketPlan[];
}

export interface BucketPlan {
  logicalId: string;
  name: string;
  /** Its NotificationConfiguration, with SAM's S3 events of functions added (bucket-notifications.ts). */
  notification?: NotificationPlan | undefined;
}

/** Handled as resources of their own (BucketPolicy: accepted, not applied). */
const BUCKET_TYPE = 'AWS::S3::Bucket';
const BUCKET_POLICY_TYPE = 'AWS::S3::BucketPolicy';
/** S3's bucket names: 3 to 63 lower-case letters, digits, dots and hyphens. */
const MAX_BUCKET = 63;

/**
 * Whether Nimbus plans this resource type at all (created, or accepted without effect), as
 * opposed to skipping it with a warning: CloudFormation's endpoint refuses the latter.
 */
export function knownResourceType(type: string): boolean {
  return (
    type === 'AWS::Serverless::Function' || type === 'AWS::Lambda::Function' || API_TYPES.has(type) || SERVICE_TYPES.has(type) ||
    GATEWAY_API_TYPES.has(type) || GATEWAY_STAGE_TYPES.has(type) ||
    SCHEDULE_TYPES.has(type) || type === URL_TYPE || LAYER_TYPES.has(type) || NO_EFFECT_TYPES.has(type) ||
    type === BUCKET_TYPE || type === BUCKET_POLICY_TYPE || STORE_TYPES.has(type)
  );
}

interface ResourceOptions {
  names: Namer;
  region: string;
  accountId: string;
  role: string;
  /** Where the deploying client reaches Nimbus (queue URLs are minted on it). */
  endpoint: string | undefined;
  /** The template's folder (OpenAPI definitions in files are relative to it). */
  baseDir?: string;
  /** OpenAPI definitions in Nimbus's S3, read beforehand (definition.ts). */
  definitions?: ReadonlyMap<string, string>;
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Fills `ctx.resources` for every resource Nimbus knows and warns about the rest. */
export function planResources(t: Template, o: ResourceOptions, ctx: IntrinsicContext): ResourcesPlan {
  const arnPrefix = (service: string): string => `arn:aws:${service}:${o.region}:${o.accountId}`;
  const apis: ApiPlan[] = [];
  const buckets: BucketPlan[] = [];
  nameServiceResources(t, o, ctx);
  nameTables(t, o, ctx);
  nameKinesisStreams(t, o, ctx);
  const fnIds = Object.entries(t.resources).filter(([, r]) => r.Type === 'AWS::Serverless::Function');
  for (const [id, r] of fnIds) {
    const raw = resolve(r.Properties['FunctionName'], ctx, `${id}.FunctionName`);
    const name = o.names.physical(id, typeof raw === 'string' ? raw : undefined, MAX_NAME.function);
    const arn = `${arnPrefix('lambda')}:function:${name}`;
    ctx.resources[id] = { ref: name, attrs: { Arn: arn } };
    // SAM generates an execution role per function: a real one when the function has Policies
    // (roles.ts); without, the deploy role, which leaves it its account's administrator (docs/auth.md).
    const explicit = r.Properties['Role'];
    if (generatesRole(r.Properties)) {
      const roleName = generatedRoleName(id, o.names);
      ctx.resources[`${id}Role`] = { ref: roleName, attrs: { Arn: `arn:aws:iam::${o.accountId}:role/${roleName}` } };
    } else if (explicit === undefined) {
      ctx.resources[`${id}Role`] = { ref: o.role.slice(o.role.lastIndexOf('/') + 1), attrs: { Arn: o.role } };
    }
    const alias = r.Properties['AutoPublishAlias'];
    if (typeof alias === 'string') ctx.resources[`${id}.Alias`] = { ref: `${arn}:${alias}`, attrs: {} };
  }
  let implicitRest = false;
  let implicitHttp = false;
  for (const [id, r] of fnIds) {
    const events = r.Properties['Events'];
    if (!isMap(events)) continue;
    nameEventResources(id, events, o, ctx, (v, where) => resolve(v, ctx, where));
    for (const ev of Object.values(events)) {
      if (!isMap(ev)) continue;
      const p = isMap(ev['Properties']) ? ev['Properties'] : {};
      if (ev['Type'] === 'Api' && p['RestApiId'] === undefined) implicitRest = true;
      if (ev['Type'] === 'HttpApi' && p['ApiId'] === undefined) implicitHttp = true;
    }
  }
  const addApi = (logicalId: string, type: ApiPlan['type'], implicit: boolean, props: Record<string, unknown>, sam = true): void => {
    // SAM applies Globals.Api and Globals.HttpApi to the implicit APIs too, not to API Gateway's own resources.
    const globals = sam ? (t.globals[type === 'REST' ? 'Api' : 'HttpApi'] ?? {}) : {};
    const id = o.names.apiId(logicalId);
    ctx.resources[logicalId] = { ref: id, attrs: { ApiEndpoint: `https://${id}.execute-api.${o.region}.amazonaws.com`, ApiId: id } };
    // Planned once every resource has its Ref and GetAtt values: a definition names queues, roles, functions.
    later.push(() => apis.push(planApi(logicalId, type, implicit, id, mergeGlobals(globals, props), ctx, { baseDir: o.baseDir ?? '/', s3: o.definitions })));
  };
  const later: (() => void)[] = [];
  if (implicitRest) addApi(IMPLICIT_REST_API, 'REST', true, {});
  if (implicitHttp) addApi(IMPLICIT_HTTP_API, 'HTTP', true, {});
  for (const [id, r] of Object.entries(t.resources)) {
    if (r.Type === 'AWS::Serverless::Function') continue;
    if (API_TYPES.has(r.Type)) {
      addApi(id, r.Type === 'AWS::Serverless::Api' ? 'REST' : 'HTTP', false, r.Properties);
    } else if (GATEWAY_API_TYPES.has(r.Type)) {
      const g = gatewayApi(id, t, ctx);
      if (g) addApi(id, g.type, false, g.props, false);
      else ctx.resources[id] = { ref: o.names.apiId(id), attrs: {} };
    } else if (GATEWAY_STAGE_TYPES.has(r.Type)) {
      // Read by gatewayApi for its API's stage.
    } else if (SERVICE_TYPES.has(r.Type) || isPatternRule(r) || TABLE_TYPES.has(r.Type) || STORE_TYPES.has(r.Type) || r.Type === KINESIS_STREAM_TYPE) {
      // Named by nameServiceResources above, planned by planServiceResources.
    } else if (SCHEDULE_TYPES.has(r.Type)) {
      ctx.resources[id] = { ref: id, attrs: { Arn: `${arnPrefix(r.Type === 'AWS::Events::Rule' ? 'events' : 'scheduler')}:${r.Type === 'AWS::Events::Rule' ? 'rule' : 'schedule/default'}/${id}` } };
    } else if (r.Type === URL_TYPE) {
      // Set on its function by planUrlResources; Ref and GetAtt FunctionArn are the target's ARN (resolved there).
      const target = r.Properties['TargetFunctionArn'];
      const given = resolve(target, { ...ctx, warn: () => undefined }, `${id}.TargetFunctionArn`);
      // A function named by its name (`!Ref Fn`) is reported by its ARN, as CloudFormation does.
      const byName = typeof given === 'string' && !given.startsWith('arn:') ? Object.values(ctx.resources).find((x) => x.ref === given)?.attrs['Arn'] : undefined;
      const arn = byName ?? given;
      ctx.resources[id] = { ref: typeof arn === 'string' ? arn : id, attrs: typeof arn === 'string' ? { FunctionArn: arn } : {} };
    } else if (r.Type === BUCKET_TYPE) {
      const raw = resolve(r.Properties['BucketName'], ctx, `${id}.BucketName`);
      // CloudFormation's generated bucket names are lower case (S3 allows nothing else).
      const name = typeof raw === 'string' ? raw : o.names.physical(id, undefined, MAX_BUCKET).toLowerCase();
      const notification = bucketNotification(id, r.Properties['NotificationConfiguration'], ctx);
      buckets.push({ logicalId: id, name, ...(notification ? { notification } : {}) });
      const domain = `${name}.s3.amazonaws.com`;
      ctx.resources[id] = {
        ref: name,
        attrs: { Arn: `arn:aws:s3:::${name}`, DomainName: domain, RegionalDomainName: `${name}.s3.${o.region}.amazonaws.com`, WebsiteURL: `http://${name}.s3-website-${o.region}.amazonaws.com` },
      };
    } else if (r.Type === BUCKET_POLICY_TYPE) {
      ctx.warn(`${id}: ${r.Type} is accepted and not enforced by Nimbus; skipped`);
    } else if (LAYER_TYPES.has(r.Type)) {
      // Published before the stack is applied (layers.ts); its Ref is the version ARN it gets then.
      ctx.resources[id] = { ref: layerPlaceholder(id), attrs: {} };
    } else if (NO_EFFECT_TYPES.has(r.Type)) {
      if (r.Type === 'AWS::IAM::Role') {
        // A real role (roles.ts), planned once every name is known.
        const { name, path } = iamRoleName(id, r.Properties, o.names, ctx);
        ctx.resources[id] = { ref: name, attrs: { Arn: `arn:aws:iam::${o.accountId}:role${path}${name}`, RoleId: id } };
        continue;
      }
      ctx.warn(
        r.Type === 'AWS::Logs::LogGroup'
          ? `${id}: AWS::Logs::LogGroup is not created: Nimbus keeps each function's logs itself (nimbus logs); skipped`
          : `${id}: ${r.Type} has no effect on Nimbus (no IAM or resource policies); skipped`,
      );
    } else {
      ctx.warn(`${id}: resource type ${r.Type} is not supported by Nimbus; skipped`);
    }
  }
  for (const plan of later) plan();
  return { apis, buckets };
}
