/**
 * What a template asks of Nimbus's SQS, SNS and EventBridge services and its event-source
 * mappings, in the terms of their own APIs: queue and topic attributes as CreateQueue and
 * CreateTopic take them, subscriptions as Subscribe takes them, rules with PutRule's pattern text
 * and PutTargets' targets, mappings as CreateEventSourceMapping's body. Both the template's own
 * resources (service-resources.ts) and the resources SAM generates for a function's `SQS`, `SNS`,
 * `EventBridgeRule` and `CloudWatchEvent` events (event-sources.ts) end up here; the stack API
 * applies them (src/api/stacks/apply-services.ts, apply-triggers.ts).
 */
import { SamError } from './errors.js';

export interface QueuePlan {
  logicalId: string;
  name: string;
  arn: string;
  /** CreateQueue's Attributes (strings, as the SQS API takes them). */
  attributes: Record<string, string>;
  tags: Record<string, string>;
}

export interface TopicPlan {
  logicalId: string;
  name: string;
  arn: string;
  /** CreateTopic's Attributes. */
  attributes: Record<string, string>;
  tags: Record<string, string>;
}

export interface SubscriptionPlan {
  logicalId: string;
  topicArn: string;
  protocol: string;
  endpoint: string;
  /** FilterPolicy, FilterPolicyScope, RawMessageDelivery, RedrivePolicy, as Subscribe's Attributes. */
  attributes: Record<string, string>;
}

export interface BusPlan {
  logicalId: string;
  name: string;
}

export interface RuleTargetPlan {
  Id: string;
  Arn: string;
  Input?: string;
  InputPath?: string;
  InputTransformer?: Record<string, unknown>;
}

export interface RulePlan {
  logicalId: string;
  name: string;
  bus: string;
  /** PutRule's EventPattern: the pattern as JSON text. */
  pattern: string;
  state: 'ENABLED' | 'DISABLED';
  description: string | undefined;
  targets: RuleTargetPlan[];
}

export interface MappingPlan {
  logicalId: string;
  /** CreateEventSourceMapping's body: FunctionName, EventSourceArn and the settings the template gives. */
  body: Record<string, unknown>;
}

/** Everything a deployment asks of the services, by kind. */
export interface ServicePlans {
  queues: QueuePlan[];
  topics: TopicPlan[];
  subscriptions: SubscriptionPlan[];
  buses: BusPlan[];
  rules: RulePlan[];
  mappings: MappingPlan[];
}

export const emptyServicePlans = (): ServicePlans => ({ queues: [], topics: [], subscriptions: [], buses: [], rules: [], mappings: [] });

export const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * CloudFormation's `Json` properties (an event pattern, a filter policy, a redrive policy) may
 * be written as a YAML mapping or as JSON text; the services take the text.
 */
export function jsonText(v: unknown, where: string): string {
  if (typeof v === 'string') return v;
  if (isMap(v) || Array.isArray(v)) return JSON.stringify(v);
  throw new SamError(`${where} must be a JSON object or a JSON string`);
}

/** A CloudFormation scalar (number, boolean or string) as the string the SQS and SNS APIs take. */
export function scalarText(v: unknown, where: string): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new SamError(`${where} must be a number, a boolean or a string`);
}

/** CloudFormation's `Tags: [{Key, Value}]`. */
export function tagList(v: unknown, where: string): Record<string, string> {
  if (v === undefined) return {};
  if (!Array.isArray(v) || v.some((t) => !isMap(t) || typeof t['Key'] !== 'string')) throw new SamError(`${where} must be a list of {Key, Value}`);
  return Object.fromEntries((v as Record<string, unknown>[]).map((t) => [t['Key'] as string, String(t['Value'] ?? '')]));
}

/** EventBridge's target ids: at most 64 characters; SAM cuts the logical id and keeps the suffix (samtranslator events.py). */
export function targetId(logicalId: string, suffix: string): string {
  return logicalId.length + suffix.length <= 64 ? logicalId + suffix : logicalId.slice(0, 64 - suffix.length) + suffix;
}
