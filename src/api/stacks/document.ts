/**
 * The stack document: what `PUT /nimbus/v1/stacks/<name>` deploys, as a client (`nimbus deploy
 * -t`, from a SAM template) computed it. It is desired state, the way a processed CloudFormation
 * template is: every function with its physical name, its code (a package uploaded beforehand to
 * /nimbus/v1/artifacts, named by SHA-256) and its whole configuration; the APIs with their routes;
 * schedules; the queues, topics, subscriptions, event buses, rules and event-source mappings of
 * Nimbus's services (document-services.ts). Only the shape is checked here; each setting is checked by the service
 * that applies it (FunctionService, AliasService, ...), with Lambda's own messages.
 */
import type { BucketNotification, NotificationTarget } from '../../core/objects.js';
import { existsSync } from 'node:fs';
import { NimbusError, validationError } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import type { CodeStore } from '../../store/code-store.js';
import type { ParsedApis, RouteService } from '../http-routes/service.js';
import { isObject } from '../http/validate.js';
import { list, LOGICAL_ID, named, optionalObject, stringMap } from './document-fields.js';
import { parseRoles, type RoleSpec } from './document-roles.js';
import { parseTables, type TableSpec } from './document-tables.js';
import { parseStoreResources, type SecretSpec, type SsmParameterSpec } from './document-store.js';
import { parseKinesisStreams, type KinesisStreamSpec } from './kinesis-streams.js';
import { parseServices, type MappingSpec, type RuleSpec, type SubscriptionSpec, type TopicSpec } from './document-services.js';

export type { MappingSpec, RuleSpec, SubscriptionSpec, TopicSpec } from './document-services.js';

/** CloudFormation's stack names: a letter, then letters, digits and hyphens, at most 128. */
export const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const FUNCTION_NAME = /^[a-zA-Z0-9-_]{1,64}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const ALIAS = /^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$/;
const SCHEDULE_NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const QUEUE_NAME = /^[a-zA-Z0-9_-]{1,75}(\.fifo|[a-zA-Z0-9_-]{0,5})$/;

export interface FunctionSpec {
  LogicalId: string;
  FunctionName: string;
  /** The uploaded package's SHA-256; '' for an image function. */
  CodeSha256: string;
  /** PackageType Image: Code.ImageUri, resolved by CreateFunction/UpdateFunctionCode (docs/images.md). */
  ImageUri?: string | undefined;
  /** CreateFunction's members other than FunctionName, Code and Publish. */
  Configuration: Record<string, unknown>;
  ReservedConcurrentExecutions: number | undefined;
  /** SAM's AutoPublishAlias: publish a version, point the alias at it. */
  Alias: { Name: string; VersionDescription?: string; ProvisionedConcurrentExecutions?: number } | undefined;
  /** CreateFunctionUrlConfig's body (on the alias when there is one). */
  Url: Record<string, unknown> | undefined;
  /**
   * `AWS::Lambda::Url` resources of the template on this function: each its own logical id,
   * qualifier (none: the unqualified function) and CreateFunctionUrlConfig body.
   */
  Urls: { LogicalId: string; Qualifier?: string; Config: Record<string, unknown> }[];
  /** PutFunctionEventInvokeConfig's body (on the alias when there is one). */
  EventInvokeConfig: Record<string, unknown> | undefined;
}

export interface ScheduleSpec {
  LogicalId: string;
  Name: string;
  /** PUT /nimbus/v1/schedules/<Name>'s body. */
  Body: Record<string, unknown>;
  /** CloudFormation's type: AWS::Events::Rule for SAM Schedule events, AWS::Scheduler::Schedule for ScheduleV2. */
  Type: string;
}

export interface QueueSpec {
  LogicalId: string;
  QueueName: string;
  /** CreateQueue's Attributes. */
  Attributes: Record<string, string>;
  Tags: Record<string, string>;
}

export interface StackDocument {
  /** When given, the stack's id (the client derives physical names from it); must match an existing stack's. */
  StackId: string | undefined;
  Description: string;
  Parameters: Record<string, string>;
  Outputs: Record<string, string>;
  Functions: FunctionSpec[];
  Apis: ParsedApis;
  Schedules: ScheduleSpec[];
  Queues: QueueSpec[];
  Topics: TopicSpec[];
  Subscriptions: SubscriptionSpec[];
  EventBuses: { LogicalId: string; Name: string }[];
  Rules: RuleSpec[];
  EventSourceMappings: MappingSpec[];
  /** IAM roles (document-roles.ts); absent: none. */
  Roles: RoleSpec[];
  /** S3 buckets (`AWS::S3::Bucket`), created through Nimbus's S3 service; absent: none. */
  Buckets: { LogicalId: string; BucketName: string; Notification?: BucketNotification | undefined }[];
  /** DynamoDB tables (document-tables.ts); absent: none. */
  Tables: TableSpec[];
  /** Parameter Store parameters and Secrets Manager secrets (document-store.ts); absent: none. */
  SsmParameters: SsmParameterSpec[];
  Secrets: SecretSpec[];
  /** Kinesis streams (kinesis-streams.ts); absent: none. */
  KinesisStreams: KinesisStreamSpec[];
}

/** S3's bucket names. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

const str = (v: unknown): v is string => typeof v === 'string';

/** Checks a stack document's shape; the code it names must have been uploaded. */
export function parseDocument(scope: Scope, stack: string, body: unknown, deps: { routes: RouteService; code: CodeStore }): StackDocument {
  if (!isObject(body)) throw new NimbusError('ERR_INVALID_REQUEST_CONTENT', 'Could not parse request body into json: expected an object');
  const stackId = body['StackId'];
  if (stackId !== undefined && (!str(stackId) || !stackId.startsWith(`arn:aws:cloudformation:${scope.region}:${scope.accountId}:stack/${stack}/`))) {
    throw validationError(stackId, 'stackId', `Member must be arn:aws:cloudformation:${scope.region}:${scope.accountId}:stack/${stack}/<id>`);
  }
  const description = body['Description'] ?? '';
  if (!str(description)) throw validationError(description, 'description', 'Member must be a string');
  const logicalIds = new Set<string>();
  const once = (id: string): void => {
    if (logicalIds.has(id)) throw new NimbusError('ERR_CONFLICT', `Logical id ${id} is used twice in stack ${stack}.`);
    logicalIds.add(id);
  };
  const names = new Set<string>();
  const functions = list(body['Functions'], 'functions').map((f, i): FunctionSpec => {
    const m = `functions.${i}`;
    if (!isObject(f)) throw validationError(f, m, 'Member must be a structure');
    const logicalId = named(f['LogicalId'], 'LogicalId', LOGICAL_ID, m);
    once(logicalId);
    const name = named(f['FunctionName'], 'FunctionName', FUNCTION_NAME, m);
    if (names.has(name)) throw new NimbusError('ERR_CONFLICT', `${logicalId}: function name ${name} is used twice in stack ${stack}.`);
    names.add(name);
    const imageUri = f['ImageUri'];
    if (imageUri !== undefined && (typeof imageUri !== 'string' || imageUri === '' || imageUri.length > 512)) throw validationError(imageUri, `${m}.imageUri`, 'Member must be an image URI');
    const sha = imageUri !== undefined ? '' : named(f['CodeSha256'], 'CodeSha256', SHA256, m);
    if (imageUri === undefined && !existsSync(deps.code.zipPath(sha))) {
      throw new NimbusError('ERR_INVALID_PARAMETER', `${logicalId}: no package with SHA-256 ${sha} was uploaded; PUT it to /nimbus/v1/artifacts/${sha} first.`);
    }
    const configuration = optionalObject(f['Configuration'], `${m}.configuration`) ?? {};
    const reserved = f['ReservedConcurrentExecutions'];
    if (reserved !== undefined && reserved !== null && typeof reserved !== 'number') throw validationError(reserved, `${m}.reservedConcurrentExecutions`, 'Member must be an integer');
    const alias = optionalObject(f['Alias'], `${m}.alias`);
    if (alias) {
      named(alias['Name'], 'Name', ALIAS, `${m}.alias`);
      const pc = alias['ProvisionedConcurrentExecutions'];
      if (pc !== undefined && typeof pc !== 'number') throw validationError(pc, `${m}.alias.provisionedConcurrentExecutions`, 'Member must be an integer');
      if (alias['VersionDescription'] !== undefined && !str(alias['VersionDescription'])) throw validationError(alias['VersionDescription'], `${m}.alias.versionDescription`, 'Member must be a string');
    }
    return {
      LogicalId: logicalId,
      FunctionName: name,
      CodeSha256: sha,
      ...(typeof imageUri === 'string' ? { ImageUri: imageUri } : {}),
      Configuration: configuration,
      ReservedConcurrentExecutions: typeof reserved === 'number' ? reserved : undefined,
      Alias: alias as FunctionSpec['Alias'],
      Url: optionalObject(f['Url'], `${m}.url`),
      Urls: urlResources(f['Urls'], `${m}.urls`, logicalIds, f['Url'] !== undefined ? (alias as FunctionSpec['Alias'])?.Name ?? '' : undefined),
      EventInvokeConfig: optionalObject(f['EventInvokeConfig'], `${m}.eventInvokeConfig`),
    };
  });
  const schedules = list(body['Schedules'], 'schedules').map((s, i): ScheduleSpec => {
    const m = `schedules.${i}`;
    if (!isObject(s)) throw validationError(s, m, 'Member must be a structure');
    const logicalId = named(s['LogicalId'], 'LogicalId', LOGICAL_ID, m);
    once(logicalId);
    const type = s['Type'] ?? 'AWS::Events::Rule';
    if (type !== 'AWS::Events::Rule' && type !== 'AWS::Scheduler::Schedule') throw validationError(type, `${m}.type`, 'Member must satisfy enum value set: [AWS::Events::Rule, AWS::Scheduler::Schedule]');
    return { LogicalId: logicalId, Name: named(s['Name'], 'Name', SCHEDULE_NAME, m), Body: optionalObject(s['Body'], `${m}.body`) ?? {}, Type: type };
  });
  const queues = list(body['Queues'], 'queues').map((q, i): QueueSpec => {
    const m = `queues.${i}`;
    if (!isObject(q)) throw validationError(q, m, 'Member must be a structure');
    const logicalId = named(q['LogicalId'], 'LogicalId', LOGICAL_ID, m);
    once(logicalId);
    return { LogicalId: logicalId, QueueName: named(q['QueueName'], 'QueueName', QUEUE_NAME, m), Attributes: stringMap(q['Attributes'], `${m}.attributes`), Tags: stringMap(q['Tags'], `${m}.tags`) };
  });
  const buckets = list(body['Buckets'], 'buckets').map((b, i) => {
    const m = `buckets.${i}`;
    if (!isObject(b)) throw validationError(b, m, 'Member must be a structure');
    const logicalId = named(b['LogicalId'], 'LogicalId', LOGICAL_ID, m);
    once(logicalId);
    const notification = b['Notification'] === undefined || b['Notification'] === null ? undefined : parseNotification(b['Notification'], `${m}.notification`);
    return { LogicalId: logicalId, BucketName: named(b['BucketName'], 'BucketName', BUCKET_NAME, m), ...(notification ? { Notification: notification } : {}) };
  });
  const services = parseServices(body, once);
  const roles = parseRoles(body, once);
  const tables = parseTables(body, once);
  const store = parseStoreResources(body, once);
  const kinesisStreams = parseKinesisStreams(body, once);
  const apis = deps.routes.parse(scope, stack, body['Apis'] ?? []);
  for (const a of apis.apis) once(a.logicalId);
  return {
    StackId: stackId,
    Description: description,
    Parameters: stringMap(body['Parameters'], 'parameters'),
    Outputs: stringMap(body['Outputs'], 'outputs'),
    Functions: functions,
    Apis: apis,
    Schedules: schedules,
    Queues: queues,
    ...services,
    Roles: roles,
    Buckets: buckets,
    Tables: tables,
    ...store,
    KinesisStreams: kinesisStreams,
  };
}

/**
 * A function's `Urls`: one URL config per qualifier, each with a logical id of its own in the
 * stack. `ownQualifier` is where the function's own `Url` goes ('' unqualified), which no
 * `Urls` entry may take too.
 */
function urlResources(v: unknown, m: string, logicalIds: Set<string>, ownQualifier: string | undefined): FunctionSpec['Urls'] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw validationError(v, m, 'Member must be a list');
  const qualifiers = new Set(ownQualifier === undefined ? [] : [ownQualifier]);
  return v.map((u: unknown, i) => {
    const at = `${m}.${i + 1}.member`;
    if (!isObject(u)) throw validationError(u, at, 'Member must be a structure');
    const id = u['LogicalId'];
    if (!str(id) || !LOGICAL_ID.test(id)) throw validationError(id, `${at}.logicalId`, 'Member must be a logical id');
    if (logicalIds.has(id)) throw new NimbusError('ERR_CONFLICT', `Logical id ${id} is used twice in the stack.`);
    logicalIds.add(id);
    const q = u['Qualifier'];
    if (q !== undefined && !str(q)) throw validationError(q, `${at}.qualifier`, 'Member must be a string');
    if (qualifiers.has(q ?? '')) throw new NimbusError('ERR_CONFLICT', `${id}: the function already has a URL for ${q === undefined ? 'its unqualified ARN' : `qualifier ${q}`}.`);
    qualifiers.add(q ?? '');
    const config = optionalObject(u['Config'], `${at}.config`) ?? {};
    return { LogicalId: id, ...(q !== undefined ? { Qualifier: q } : {}), Config: config };
  });
}

/**
 * A bucket's `Notification`: `{Functions, Queues, Topics}`, each a list of `{Id, Arn, Events,
 * Prefix?, Suffix?}`; S3's own checks (ARN shapes, event names) run when it is applied.
 */
function parseNotification(v: unknown, member: string): BucketNotification {
  if (!isObject(v)) throw validationError(v, member, 'Member must be a structure');
  const targets = (list: unknown, m: string): NotificationTarget[] => {
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list)) throw validationError(list, m, 'Member must be a list');
    return list.map((t, i) => {
      const at = `${m}.${i}`;
      if (!isObject(t) || typeof t['Id'] !== 'string' || typeof t['Arn'] !== 'string') throw validationError(t, at, 'Member must be a structure with Id and Arn');
      const events = t['Events'];
      if (!Array.isArray(events) || events.some((e) => typeof e !== 'string')) throw validationError(events ?? null, `${at}.events`, 'Member must be a list of strings');
      const text = (x: unknown): string => (typeof x === 'string' ? x : '');
      return { id: t['Id'], arn: t['Arn'], events: events as string[], prefix: text(t['Prefix']), suffix: text(t['Suffix']) };
    });
  };
  return { functions: targets(v['Functions'], `${member}.functions`), queues: targets(v['Queues'], `${member}.queues`), topics: targets(v['Topics'], `${member}.topics`) };
}
