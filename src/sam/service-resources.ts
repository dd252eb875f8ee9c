/**
 * The template's own SQS, SNS and EventBridge resources and event-source mappings, in two
 * steps: `nameServiceResources` gives each its physical name and the values of `Ref` and
 * `Fn::GetAtt` (before anything is resolved, so references work in any order), and
 * `planServiceResources` turns their properties into what the services' APIs take.
 *
 * CloudFormation's values (its resource reference pages): a queue's `Ref` is its URL, `GetAtt`
 * Arn, QueueName and QueueUrl; a topic's `Ref` is its ARN, `GetAtt` TopicArn and TopicName; an
 * event bus's `Ref` is its name, `GetAtt` Arn and Name; a rule's `Ref` is its name (`bus|name` on
 * a custom bus), `GetAtt` Arn. Unnamed queues, topics and rules get `<stack>-<LogicalId>-<suffix>`,
 * a FIFO queue's with `.fifo` after it. Queue URLs are Nimbus's own (`<endpoint>/<account>/<name>`),
 * the URLs its SQS service answers, so that an SDK that sends to the queue URL's host reaches Nimbus.
 * An AWS::SQS::QueuePolicy becomes the Policy attribute of its queues (stored, not enforced).
 */
import { SamError } from './errors.js';
import { resolve, type IntrinsicContext } from './intrinsics.js';
import { MAX_NAME, type Namer } from './names.js';
import {
  emptyServicePlans,
  isMap,
  jsonText,
  scalarText,
  tagList,
  type RuleTargetPlan,
  type ServicePlans,
  type SubscriptionPlan,
} from './service-plans.js';
import { planQueue } from './queue-properties.js';
import type { Template, TemplateResource } from './template.js';

export interface ServiceResourceOptions {
  names: Namer;
  region: string;
  accountId: string;
  /** Where the deploying client reaches Nimbus; queue URLs are minted on it. */
  endpoint: string | undefined;
}

/** The resource types this file plans (an AWS::Events::Rule only when it has an EventPattern). */
export const SERVICE_TYPES = new Set(['AWS::SQS::Queue', 'AWS::SQS::QueuePolicy', 'AWS::SNS::Topic', 'AWS::SNS::Subscription', 'AWS::Events::EventBus', 'AWS::Lambda::EventSourceMapping']);

export const isPatternRule = (r: TemplateResource): boolean => r.Type === 'AWS::Events::Rule' && r.Properties['EventPattern'] !== undefined;

const DEFAULT_BUS = 'default';

/** A queue's URL, as Nimbus's SQS service mints it. */
export function queueUrl(o: ServiceResourceOptions, name: string): string {
  const origin = o.endpoint?.replace(/\/+$/, '') ?? `https://sqs.${o.region}.amazonaws.com`;
  return `${origin}/${o.accountId}/${name}`;
}

/** Registers a queue's name, `Ref` and `GetAtt` values; answers its physical name. */
export function nameQueue(id: string, explicit: unknown, fifo: boolean, o: ServiceResourceOptions, ctx: IntrinsicContext): string {
  const name = typeof explicit === 'string' ? explicit : fifo ? `${o.names.physical(id, undefined, MAX_NAME.queue - 5)}.fifo` : o.names.physical(id, undefined, MAX_NAME.queue);
  const url = queueUrl(o, name);
  ctx.resources[id] = { ref: url, attrs: { Arn: `arn:aws:sqs:${o.region}:${o.accountId}:${name}`, QueueName: name, QueueUrl: url } };
  return name;
}

/** Registers a rule's name, `Ref` and `GetAtt Arn`; answers its physical name. */
export function nameRule(id: string, explicit: unknown, bus: string, o: ServiceResourceOptions, ctx: IntrinsicContext): string {
  const name = typeof explicit === 'string' ? explicit : o.names.physical(id, undefined, MAX_NAME.schedule);
  const custom = bus !== DEFAULT_BUS;
  ctx.resources[id] = { ref: custom ? `${bus}|${name}` : name, attrs: { Arn: `arn:aws:events:${o.region}:${o.accountId}:rule/${custom ? `${bus}/` : ''}${name}` } };
  return name;
}

/** A bus given by name or ARN (EventBusName takes both), as its name. */
export function busOf(v: unknown, where: string): string {
  if (v === undefined || v === null || v === '') return DEFAULT_BUS;
  if (typeof v !== 'string') throw new SamError(`${where} must be an event bus name or ARN`);
  return /^arn:aws[a-z-]*:events:[^:]*:\d{12}:event-bus\/(.+)$/.exec(v)?.[1] ?? v;
}

/** Step one: names and reference values of every service resource of the template. */
export function nameServiceResources(t: Template, o: ServiceResourceOptions, ctx: IntrinsicContext): void {
  const val = (r: TemplateResource, k: string, id: string): unknown => resolve(r.Properties[k], ctx, `${id}.${k}`);
  for (const [id, r] of Object.entries(t.resources)) {
    if (r.Type === 'AWS::SQS::Queue') {
      nameQueue(id, val(r, 'QueueName', id), String(val(r, 'FifoQueue', id)) === 'true', o, ctx);
    } else if (r.Type === 'AWS::SNS::Topic') {
      const raw = val(r, 'TopicName', id);
      const name = o.names.physical(id, typeof raw === 'string' ? raw : undefined, 256);
      const arn = `arn:aws:sns:${o.region}:${o.accountId}:${name}`;
      ctx.resources[id] = { ref: arn, attrs: { TopicArn: arn, TopicName: name } };
    } else if (r.Type === 'AWS::Events::EventBus') {
      const name = val(r, 'Name', id);
      if (typeof name !== 'string' || name === '') throw new SamError(`${id}: an AWS::Events::EventBus needs a Name`);
      ctx.resources[id] = { ref: name, attrs: { Name: name, Arn: `arn:aws:events:${o.region}:${o.accountId}:event-bus/${name}` } };
    }
  }
  // Rules after buses: `EventBusName: !Ref Bus` names the bus.
  for (const [id, r] of Object.entries(t.resources)) {
    if (isPatternRule(r)) nameRule(id, val(r, 'Name', id), busOf(val(r, 'EventBusName', id), `${id}.EventBusName`), o, ctx);
  }
}

/** Step two: the services' requests for the template's own service resources. */
export function planServiceResources(t: Template, o: ServiceResourceOptions, ctx: IntrinsicContext): ServicePlans {
  const out = emptyServicePlans();
  for (const [id, r] of Object.entries(t.resources)) {
    const ref = ctx.resources[id];
    if (r.Type === 'AWS::SQS::Queue') {
      out.queues.push(planQueue(id, r.Properties, ref!.attrs['QueueName']!, ref!.attrs['Arn']!, ctx));
    } else if (r.Type === 'AWS::SNS::Topic') {
      planTopic(id, r, ref!.attrs['TopicName']!, ref!.ref, ctx, out);
    } else if (r.Type === 'AWS::SNS::Subscription') {
      const p = resolve(r.Properties, ctx, id);
      if (!isMap(p)) continue;
      out.subscriptions.push(subscription(id, p['TopicArn'], p['Protocol'], p['Endpoint'], p, ctx));
    } else if (r.Type === 'AWS::Events::EventBus') {
      for (const k of Object.keys(r.Properties)) if (!['Name', 'Description', 'Tags'].includes(k)) ctx.warn(`${id}: ${k} is not applied by Nimbus`);
      out.buses.push({ logicalId: id, name: ref!.ref });
    } else if (isPatternRule(r)) {
      const p = resolve(r.Properties, ctx, id);
      if (!isMap(p)) continue;
      const state = p['State'] === 'DISABLED' ? 'DISABLED' : 'ENABLED';
      const targets = Array.isArray(p['Targets']) ? p['Targets'].map((x, i) => ruleTarget(x, `${id}.Targets.${i}`, ctx)) : [];
      const bus = busOf(p['EventBusName'], `${id}.EventBusName`);
      const name = bus === DEFAULT_BUS ? ref!.ref : ref!.ref.slice(bus.length + 1);
      out.rules.push({ logicalId: id, name, bus, pattern: jsonText(p['EventPattern'], `${id}.EventPattern`), state, description: typeof p['Description'] === 'string' ? p['Description'] : undefined, targets });
    } else if (r.Type === 'AWS::Lambda::EventSourceMapping') {
      const p = resolve(r.Properties, ctx, id);
      if (!isMap(p)) continue;
      if (typeof p['EventSourceArn'] !== 'string' || !/^arn:aws[a-z-]*:sqs:/.test(p['EventSourceArn'])) {
        ctx.warn(`${id}: Nimbus's event-source mappings read SQS queues only; ${String(p['EventSourceArn'])} is skipped`);
        continue;
      }
      out.mappings.push({ logicalId: id, body: { ...p, ...(p['FilterCriteria'] !== undefined ? { FilterCriteria: filterCriteria(p['FilterCriteria'], `${id}.FilterCriteria`) } : {}) } });
    }
  }
  storeQueuePolicies(t, out, ctx);
  return out;
}

/**
 * An AWS::SQS::QueuePolicy sets the `Policy` attribute of each queue it names (by URL), as on AWS.
 * Nimbus stores it (GetQueueAttributes answers it) and does not enforce it: there is no IAM.
 */
function storeQueuePolicies(t: Template, out: ServicePlans, ctx: IntrinsicContext): void {
  for (const [id, r] of Object.entries(t.resources)) {
    if (r.Type !== 'AWS::SQS::QueuePolicy') continue;
    const p = resolve(r.Properties, ctx, id);
    if (!isMap(p) || !Array.isArray(p['Queues'])) throw new SamError(`${id}: an AWS::SQS::QueuePolicy needs Queues, a list of queue URLs`);
    const policy = jsonText(p['PolicyDocument'], `${id}.PolicyDocument`);
    for (const url of p['Queues']) {
      const q = out.queues.find((x) => ctx.resources[x.logicalId]?.ref === url);
      if (q) q.attributes['Policy'] = policy;
      else ctx.warn(`${id}: ${String(url)} is not a queue of this template; its policy is not set`);
    }
    // As CloudFormation does: the queues' Policy attribute, which Nimbus's SQS enforces (src/sqs/policy.ts); nothing to warn about.
  }
}

/** SNS topic attributes CloudFormation sets from the topic's properties. */
const TOPIC_ATTRIBUTES = ['DisplayName', 'KmsMasterKeyId', 'TracingConfig', 'SignatureVersion'];
const TOPIC_JSON_ATTRIBUTES = ['DataProtectionPolicy', 'ArchivePolicy'];

function planTopic(id: string, r: TemplateResource, name: string, arn: string, ctx: IntrinsicContext, out: ServicePlans): void {
  const p = resolve(r.Properties, ctx, id);
  if (!isMap(p)) return;
  if (p['FifoTopic'] === true || p['FifoTopic'] === 'true') throw new SamError(`${id}: Nimbus's SNS has standard topics only; FifoTopic is not supported`);
  const attributes: Record<string, string> = {};
  for (const k of TOPIC_ATTRIBUTES) if (p[k] !== undefined) attributes[k] = scalarText(p[k], `${id}.${k}`);
  for (const k of TOPIC_JSON_ATTRIBUTES) if (p[k] !== undefined) attributes[k] = jsonText(p[k], `${id}.${k}`);
  for (const k of Object.keys(p)) {
    if (![...TOPIC_ATTRIBUTES, ...TOPIC_JSON_ATTRIBUTES, 'TopicName', 'Tags', 'Subscription', 'FifoTopic'].includes(k)) ctx.warn(`${id}: ${k} is not applied by Nimbus`);
  }
  out.topics.push({ logicalId: id, name, arn, attributes, tags: tagList(p['Tags'], `${id}.Tags`) });
  // Inline subscriptions ({Endpoint, Protocol}) are part of the topic in CloudFormation; here each is a subscription of the stack.
  const inline = Array.isArray(p['Subscription']) ? p['Subscription'] : [];
  inline.forEach((s, i) => {
    if (!isMap(s)) throw new SamError(`${id}.Subscription.${i} must be a mapping`);
    out.subscriptions.push(subscription(`${id}Subscription${i + 1}`, arn, s['Protocol'], s['Endpoint'], {}, ctx));
  });
}

const SUBSCRIPTION_ATTRIBUTES = ['FilterPolicy', 'FilterPolicyScope', 'RawMessageDelivery', 'RedrivePolicy', 'DeliveryPolicy', 'SubscriptionRoleArn'];

/** One SNS subscription; `p` holds its attributes as CloudFormation names them. */
export function subscription(id: string, topic: unknown, protocol: unknown, endpoint: unknown, p: Record<string, unknown>, ctx: IntrinsicContext): SubscriptionPlan {
  if (typeof topic !== 'string') throw new SamError(`${id}: the subscription's topic must be a topic ARN (or !Ref of a topic of this template)`);
  if (typeof protocol !== 'string' || typeof endpoint !== 'string') throw new SamError(`${id}: a subscription needs a Protocol and an Endpoint`);
  const attributes: Record<string, string> = {};
  for (const k of SUBSCRIPTION_ATTRIBUTES) {
    const v = p[k];
    if (v === undefined) continue;
    attributes[k] = k === 'FilterPolicy' || k === 'RedrivePolicy' || k === 'DeliveryPolicy' ? jsonText(v, `${id}.${k}`) : scalarText(v, `${id}.${k}`);
  }
  if (p['Region'] !== undefined && typeof p['Region'] === 'string' && !topic.includes(`:${p['Region']}:`)) ctx.warn(`${id}: Region is not applied by Nimbus`);
  return { logicalId: id, topicArn: topic, protocol, endpoint, attributes };
}

/** One target of an AWS::Events::Rule, as PutTargets takes it. */
function ruleTarget(v: unknown, where: string, ctx: IntrinsicContext): RuleTargetPlan & Record<string, unknown> {
  if (!isMap(v) || typeof v['Id'] !== 'string' || typeof v['Arn'] !== 'string') throw new SamError(`${where} needs an Id and an Arn`);
  for (const k of ['RetryPolicy', 'DeadLetterConfig', 'RoleArn']) if (v[k] !== undefined) ctx.warn(`${where}: ${k} is not applied by Nimbus`);
  const { RetryPolicy: _r, DeadLetterConfig: _d, RoleArn: _a, ...rest } = v;
  return rest as RuleTargetPlan & Record<string, unknown>;
}

/** `FilterCriteria: {Filters: [{Pattern}]}`, each pattern as JSON text (CloudFormation takes a string; YAML mappings are accepted too). */
export function filterCriteria(v: unknown, where: string): Record<string, unknown> {
  if (!isMap(v)) throw new SamError(`${where} must be a mapping with Filters`);
  const filters = v['Filters'];
  if (filters === undefined) return {};
  if (!Array.isArray(filters)) throw new SamError(`${where}.Filters must be a list of {Pattern}`);
  return { Filters: filters.map((f, i) => ({ Pattern: jsonText(isMap(f) ? f['Pattern'] : undefined, `${where}.Filters.${i}.Pattern`) })) };
}
