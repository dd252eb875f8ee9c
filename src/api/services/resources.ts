/**
 * The resource a service request acts on, as IAM names it, so that an identity policy scoped to
 * one queue, topic, rule or bus (`"Resource": "arn:aws:sqs:us-east-1:000000000000:orders"`) is
 * checked against that ARN rather than `*`. Read from the request's parameters before the service
 * validates them: a request whose resource cannot be told is checked against `*` (a policy must then
 * allow the action on every resource), and the service answers its own validation error after.
 */
import { parseQueuePath, parseQueueUrl, queueArn } from '../../sqs/url.js';
import type { WireRequest } from './types.js';

export interface Scope {
  accountId: string;
  region: string;
}

type Request = WireRequest & { body: Buffer };

/** A parameter of a JSON-protocol body (top level). */
function jsonBody(body: Buffer): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The parameters of a request in either protocol: a JSON body, or a Query form (body and URL). */
function paramsOf(req: Request): (name: string) => string | undefined {
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('json')) {
    const j = jsonBody(req.body);
    return (n) => (typeof j[n] === 'string' ? (j[n] as string) : undefined);
  }
  const form = new URLSearchParams(req.body.toString('latin1'));
  return (n) => form.get(n) ?? req.query.get(n) ?? undefined;
}

export function sqsResources(req: Request, scope: Scope): string[] {
  const p = paramsOf(req);
  const url = p('QueueUrl');
  const ref = url !== undefined ? parseQueueUrl(url, scope) : parseQueuePath(req.path);
  if (ref) return [queueArn(scope.region, ref.accountId, ref.name)];
  const name = p('QueueName');
  if (name !== undefined) return [queueArn(scope.region, p('QueueOwnerAWSAccountId') ?? scope.accountId, name)];
  return ['*'];
}

export function snsResources(req: Request, scope: Scope): string[] {
  const p = paramsOf(req);
  const arn = p('TopicArn') ?? p('TargetArn') ?? p('ResourceArn');
  if (arn !== undefined) return [arn];
  // A subscription's ARN is its topic's with a subscription id after it.
  const sub = p('SubscriptionArn');
  if (sub !== undefined && sub.split(':').length === 7) return [sub.slice(0, sub.lastIndexOf(':'))];
  const name = p('Name');
  if (name !== undefined && p('Action') === 'CreateTopic') return [`arn:aws:sns:${scope.region}:${scope.accountId}:${name}`];
  return ['*'];
}

const RULE_OPERATIONS = new Set(['PutRule', 'DeleteRule', 'DescribeRule', 'EnableRule', 'DisableRule']);
const TARGET_OPERATIONS = new Set(['PutTargets', 'RemoveTargets', 'ListTargetsByRule']);
const BUS_OPERATIONS = new Set(['CreateEventBus', 'DeleteEventBus', 'DescribeEventBus']);

export function eventBridgeResources(req: Request, scope: Scope, operation: string): string[] {
  const j = jsonBody(req.body);
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  // A bus named by ARN is the caller's own bus of that name (src/eventbridge/names.ts): the ARN
  // checked is the one acted on, whatever account the request's ARN says.
  const busName = (bus: string | undefined): string => (bus?.startsWith('arn:') ? bus.slice(bus.indexOf('/') + 1) : (bus ?? 'default'));
  const busArn = (bus: string | undefined): string => `arn:aws:events:${scope.region}:${scope.accountId}:event-bus/${busName(bus)}`;
  const ruleArn = (rule: string | undefined, bus: string | undefined): string => {
    if (rule === undefined) return '*';
    const b = busName(bus);
    return `arn:aws:events:${scope.region}:${scope.accountId}:rule/${b === 'default' ? '' : `${b}/`}${rule}`;
  };
  if (RULE_OPERATIONS.has(operation)) return [ruleArn(str(j['Name']), str(j['EventBusName']))];
  if (TARGET_OPERATIONS.has(operation)) return [ruleArn(str(j['Rule']), str(j['EventBusName']))];
  if (BUS_OPERATIONS.has(operation)) return str(j['Name']) === undefined && operation !== 'DescribeEventBus' ? ['*'] : [busArn(str(j['Name']))];
  if (operation === 'PutEvents') {
    const entries = Array.isArray(j['Entries']) ? (j['Entries'] as unknown[]) : [];
    const buses = new Set(entries.map((e) => busArn(str((e as Record<string, unknown> | null)?.['EventBusName']))));
    return buses.size ? [...buses] : ['*'];
  }
  return ['*'];
}
