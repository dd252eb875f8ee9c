/**
 * A function's `Events`, as Nimbus serves them: `Api` and `HttpApi` become routes, `Schedule`
 * (an EventBridge rule) and `ScheduleV2` (EventBridge Scheduler) become Nimbus schedules, `SQS`,
 * `DynamoDB`, `Kinesis`, `SNS`, `EventBridgeRule` and `CloudWatchEvent` become event-source mappings,
 * subscriptions and rules of Nimbus's services (event-sources.ts). Event sources Nimbus has no
 * service for (S3, MSK, ...) are skipped with a warning that names them.
 */
import type { RoutePlan } from './apis.js';
import { SamError } from './errors.js';
import { planEventSource, SOURCE_EVENT_TYPES } from './event-sources.js';
import { s3Event, type NotificationTargetPlan } from './bucket-notifications.js';
import type { IntrinsicContext } from './intrinsics.js';
import type { ServicePlans } from './service-plans.js';
import { MAX_NAME, type Namer } from './names.js';
import { IMPLICIT_HTTP_API, IMPLICIT_REST_API } from './resources.js';


/** A SAM `Schedule`/`ScheduleV2` event, as a Nimbus schedule (PUT /nimbus/v1/schedules/<Name>). */
export interface SchedulePlan {
  /** The logical id SAM gives the rule it generates: `<Function><Event>`, or the resource's own. */
  LogicalId: string;
  /** What CloudFormation would create: an EventBridge rule (`Schedule`) or a Scheduler schedule (`ScheduleV2`). */
  Type: 'AWS::Events::Rule' | 'AWS::Scheduler::Schedule';
  Name: string;
  ScheduleExpression: string;
  FunctionName: string;
  Qualifier?: string;
  Input?: string;
  State: 'ENABLED' | 'DISABLED';
}

export interface EventTarget {
  logicalId: string;
  name: string;
  alias: string | undefined;
  /** The function's ARN, qualified with the alias when there is one (what event sources invoke). */
  arn: string;
}

export interface EventsOut {
  /** Each route with the logical id of the API that serves it, and the event type that made it. */
  routes: { api: string; type: 'Api' | 'HttpApi'; route: RoutePlan; properties: Record<string, unknown> }[];
  schedules: SchedulePlan[];
  /** `S3` events: the bucket's logical id and the function's notification configuration. */
  s3: { bucket: string; target: NotificationTargetPlan }[];
}

export type { RoutePlan } from './apis.js';

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Event types that need a Nimbus service that does not exist yet; they are skipped with this reason. */
const WAITING_FOR: Record<string, string> = {
  MSK: 'a Kafka event source mapping',
  MQ: 'an MQ event source mapping',
  SelfManagedKafka: 'a Kafka event source mapping',
  DocumentDB: 'a DocumentDB stream',
  CloudWatchLogs: 'a CloudWatch Logs subscription',
  IoTRule: 'IoT rules',
  AlexaSkill: 'Alexa skills',
  Cognito: 'Cognito triggers',
};

function requiredString(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') throw new SamError(`${where} is required and must be a string`);
  return v;
}

/**
 * Translates one function's `Events`. Intrinsics are evaluated with `evaluate`, except an event's
 * `ApiId`/`RestApiId`, which must stay a `Ref` to name the API's logical id.
 */
export function planEvents(
  events: Record<string, unknown>,
  fn: EventTarget,
  names: Namer,
  ctx: IntrinsicContext,
  evaluate: (v: unknown, where: string) => unknown,
  services: ServicePlans,
): EventsOut {
  const warn = ctx.warn;
  const out: EventsOut = { routes: [], schedules: [], s3: [] };
  const target = { FunctionName: fn.name, ...(fn.alias ? { Qualifier: fn.alias } : {}) };
  for (const [eventId, ev] of Object.entries(events)) {
    const where = `${fn.logicalId}.Events.${eventId}`;
    if (!isMap(ev) || typeof ev['Type'] !== 'string') throw new SamError(`${where} has no Type`);
    const raw = ev['Properties'] ?? {};
    if (!isMap(raw)) throw new SamError(`${where}.Properties must be a mapping`);
    const type = ev['Type'];
    // Kept as written: they must stay a Ref naming a logical id.
    const apiKey = type === 'HttpApi' ? 'ApiId' : type === 'S3' ? 'Bucket' : 'RestApiId';
    const p = evaluate(Object.fromEntries(Object.entries(raw).filter(([k]) => k !== apiKey)), where);
    if (!isMap(p)) throw new SamError(`${where}.Properties must be a mapping`);
    if (type === 'HttpApi' || type === 'Api') {
      const apiRef = raw[apiKey];
      const api = apiRef === undefined ? (type === 'HttpApi' ? IMPLICIT_HTTP_API : IMPLICIT_REST_API) : apiLogicalId(apiRef, where);
      const auth = p['Auth'];
      if (auth !== undefined && !isMap(auth)) throw new SamError(`${where}.Auth must be a mapping`);
      const requested = auth?.['Authorizer'];
      if (requested !== undefined && typeof requested !== 'string') throw new SamError(`${where}.Auth.Authorizer must be a string`);
      out.routes.push({ api, type, route: { ...eventRoute(type, p, where), ...target, ...(requested !== undefined ? { Authorizer: requested } : {}) }, properties: p });
      const authIgnored = Object.keys(auth ?? {}).filter((k) => k !== 'Authorizer');
      if (authIgnored.length > 0) warn(`${where}: Auth.${authIgnored.join(', Auth.')} not applied by Nimbus`);
      // A REST route's RequestModel and RequestParameters are its validation (plan.ts, validation.ts).
      for (const k of type === 'Api' ? ['RouteSettings', 'TimeoutInMillis'] : ['RequestParameters', 'RequestModel', 'RouteSettings', 'TimeoutInMillis']) {
        if (p[k] !== undefined) warn(`${where}: ${k} is not applied by Nimbus; the route is served without it`);
      }
    } else if (type === 'Schedule') {
      const logicalId = `${fn.logicalId}${eventId}`;
      const rule = { LogicalId: logicalId, Type: 'AWS::Events::Rule' as const };
      out.schedules.push({ ...rule, ...schedule(requiredString(p['Schedule'], `${where}.Schedule`), p, where, names.physical(logicalId, undefined, MAX_NAME.schedule), target) });
      for (const k of ['DeadLetterConfig', 'RetryPolicy']) if (p[k] !== undefined) warn(`${where}: ${k} is not applied by Nimbus`);
    } else if (type === 'ScheduleV2') {
      const logicalId = `${fn.logicalId}${eventId}`;
      const s = {
        LogicalId: logicalId,
        Type: 'AWS::Scheduler::Schedule' as const,
        ...schedule(requiredString(p['ScheduleExpression'], `${where}.ScheduleExpression`), p, where, names.physical(logicalId, undefined, MAX_NAME.schedule), target),
      };
      if (p['Input'] === undefined) warn(`${where}: without Input, Nimbus sends EventBridge's scheduled-event JSON`);
      const tz = p['ScheduleExpressionTimezone'];
      if (tz !== undefined && tz !== 'UTC' && tz !== 'Etc/UTC') warn(`${where}: ScheduleExpressionTimezone ${String(tz)} is not applied; Nimbus evaluates cron() in UTC`);
      for (const k of ['FlexibleTimeWindow', 'StartDate', 'EndDate', 'DeadLetterConfig', 'RetryPolicy', 'GroupName', 'KmsKeyArn']) {
        if (p[k] !== undefined) warn(`${where}: ${k} is not applied by Nimbus`);
      }
      out.schedules.push(s);
    } else if (type === 'S3') {
      out.s3.push(s3Event(fn.logicalId, eventId, fn.arn, raw['Bucket'], p, where));
    } else if (SOURCE_EVENT_TYPES.has(type)) {
      planEventSource(type, eventId, p, { logicalId: fn.logicalId, arn: fn.arn }, ctx, services);
    } else {
      const why = WAITING_FOR[type];
      warn(`${where}: event type ${type} is not supported by Nimbus${why ? ` (it needs ${why})` : ''}; skipped`);
    }
  }
  return out;
}

/** `ApiId: !Ref MyApi` arrives resolved to the API's id; the plan needs the logical id back. */
function apiLogicalId(v: unknown, where: string): string {
  if (isMap(v) && typeof v['Ref'] === 'string') return v['Ref'];
  throw new SamError(`${where}: the API must be given as !Ref to an AWS::Serverless::Api or AWS::Serverless::HttpApi in this template`);
}

type ScheduleBody = Omit<SchedulePlan, 'LogicalId' | 'Type'>;

function schedule(expression: string, p: Record<string, unknown>, where: string, defaultName: string, target: Omit<ScheduleBody, 'Name' | 'ScheduleExpression' | 'State'>): ScheduleBody {
  const name = typeof p['Name'] === 'string' ? p['Name'] : defaultName;
  const disabled = p['Enabled'] === false || p['State'] === 'DISABLED';
  if (p['Input'] !== undefined && typeof p['Input'] !== 'string') throw new SamError(`${where}.Input must be a JSON string`);
  return {
    Name: name.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64),
    ScheduleExpression: expression,
    ...target,
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
