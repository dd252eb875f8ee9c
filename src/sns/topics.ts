/**
 * Topics and subscriptions: CreateTopic, DeleteTopic, ListTopics, GetTopicAttributes,
 * SetTopicAttributes, Subscribe, Unsubscribe, ListSubscriptions, ListSubscriptionsByTopic,
 * GetSubscriptionAttributes, SetSubscriptionAttributes (SNS API reference). Subscriptions with
 * the `lambda` and `sqs` protocols are confirmed at once, as AWS confirms them; filter policies
 * are checked with src/events (SNS's messages).
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { Scope } from '../core/model.js';
import { compileFilterPolicy, validateFilterPolicyScope, type FilterPolicyScope } from '../events/sns-filter.js';
import { invalidParameter, notFound, SnsError } from './errors.js';
import { checkTopicAccess, type Caller } from './policy.js';
import { entries, XmlMap, type XmlValue } from './query.js';
import type { SnsStore, SubscriptionRecord, TopicRecord } from './store.js';

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,256})$/;
const LAMBDA_ARN = /^arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(?:-gov)?-[a-z]+-\d:\d{12}:function:[a-zA-Z0-9-_]{1,64}(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const SQS_ARN = /^arn:aws[a-zA-Z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/;
/** Every protocol SNS knows (its "does not support this protocol string" check); Nimbus delivers two. */
const PROTOCOLS = new Set(['http', 'https', 'email', 'email-json', 'sms', 'sqs', 'application', 'lambda', 'firehose']);
const SUBSCRIPTION_ATTRIBUTES = new Set(['FilterPolicy', 'FilterPolicyScope', 'RawMessageDelivery', 'RedrivePolicy', 'DeliveryPolicy', 'SubscriptionRoleArn']);
const TOPIC_ATTRIBUTES = new Set(['DisplayName', 'Policy', 'DeliveryPolicy', 'KmsMasterKeyId', 'TracingConfig', 'SignatureVersion', 'ArchivePolicy', 'DataProtectionPolicy']);

export interface TopicDeps {
  store: SnsStore;
  clock: Clock;
}

/** SNS answers a missing required member with this ValidationError. */
export const missing = (member: string): SnsError =>
  new SnsError('ValidationError', 400, `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`);

const required = (p: URLSearchParams, key: string, member: string): string => {
  const v = p.get(key);
  if (v === null) throw missing(member);
  return v;
};

export const topicArnOf = (scope: Scope, name: string): string => `arn:aws:sns:${scope.region}:${scope.accountId}:${name}`;

/** The caller of an API operation and the operation's name, for topic policies (policy.ts). */
export interface Access {
  readonly caller?: Caller | undefined;
  readonly operation: string;
}

/**
 * The topic a TopicArn names, in the caller's region: in the caller's account, or, for an
 * authenticated caller, in another account whose topic policy allows it (policy.ts).
 */
export function topicOf(deps: TopicDeps, scope: Scope, arn: string, access?: Access): TopicRecord {
  const m = TOPIC_ARN.exec(arn);
  if (!m) throw invalidParameter('Invalid parameter: TopicArn');
  const t = deps.store.topic(arn);
  if (!t || t.region !== scope.region) throw notFound('Topic does not exist');
  if (access?.caller) checkTopicAccess(t, access.operation, access.caller);
  else if (t.accountId !== scope.accountId) throw notFound('Topic does not exist');
  return t;
}

export function createTopic(deps: TopicDeps, scope: Scope, p: URLSearchParams): { [k: string]: XmlValue } {
  const name = required(p, 'Name', 'name');
  if (!TOPIC_NAME.test(name)) throw invalidParameter('Invalid parameter: Topic Name');
  const attributes = Object.fromEntries(entries(p, 'Attributes.entry', 'key', 'value'));
  for (const k of Object.keys(attributes)) {
    if (k === 'FifoTopic' || k === 'ContentBasedDeduplication') throw invalidParameter('Invalid parameter: Nimbus does not support FIFO topics');
    if (!TOPIC_ATTRIBUTES.has(k)) throw invalidParameter(`Invalid parameter: Attributes Reason: Unknown attribute ${k}`);
  }
  const arn = topicArnOf(scope, name);
  // Idempotent, as on AWS: creating an existing topic answers its ARN.
  if (!deps.store.topic(arn)) {
    const tags = Object.fromEntries(entries(p, 'Tags.member', 'Key', 'Value'));
    deps.store.putTopic({ ...scope, arn, name, attributes, tags, createdAt: deps.clock.now() });
  }
  return { TopicArn: arn };
}

export function deleteTopic(deps: TopicDeps, scope: Scope, p: URLSearchParams): undefined {
  const arn = required(p, 'TopicArn', 'topicArn');
  // Deleting a topic that does not exist succeeds (DeleteTopic is idempotent on AWS).
  const t = deps.store.topic(arn);
  if (t && t.accountId === scope.accountId && t.region === scope.region) deps.store.deleteTopic(arn);
  return undefined;
}

export function listTopics(deps: TopicDeps, scope: Scope): { [k: string]: XmlValue } {
  return { Topics: deps.store.topics(scope).map((t) => ({ TopicArn: t.arn })) };
}

export function getTopicAttributes(deps: TopicDeps, scope: Scope, p: URLSearchParams, caller?: Caller): { [k: string]: XmlValue } {
  const t = topicOf(deps, scope, required(p, 'TopicArn', 'topicArn'), { caller, operation: 'GetTopicAttributes' });
  const subs = deps.store.subscriptionsOf(t.arn).length;
  return {
    Attributes: new XmlMap({
      TopicArn: t.arn,
      Owner: t.accountId,
      DisplayName: '',
      SubscriptionsConfirmed: String(subs),
      SubscriptionsPending: '0',
      SubscriptionsDeleted: '0',
      ...t.attributes,
    }),
  };
}

export function setTopicAttributes(deps: TopicDeps, scope: Scope, p: URLSearchParams, caller?: Caller): undefined {
  const t = topicOf(deps, scope, required(p, 'TopicArn', 'topicArn'), { caller, operation: 'SetTopicAttributes' });
  const name = required(p, 'AttributeName', 'attributeName');
  if (!TOPIC_ATTRIBUTES.has(name)) throw invalidParameter('Invalid parameter: AttributeName');
  deps.store.putTopic({ ...t, attributes: { ...t.attributes, [name]: p.get('AttributeValue') ?? '' } });
  return undefined;
}

export function subscribe(deps: TopicDeps, scope: Scope, p: URLSearchParams, caller?: Caller): { [k: string]: XmlValue } {
  const t = topicOf(deps, scope, required(p, 'TopicArn', 'topicArn'), { caller, operation: 'Subscribe' });
  const protocol = required(p, 'Protocol', 'protocol');
  if (!PROTOCOLS.has(protocol)) throw invalidParameter(`Invalid parameter: Amazon SNS does not support this protocol string: ${protocol}`);
  if (protocol !== 'lambda' && protocol !== 'sqs') throw invalidParameter(`Invalid parameter: Nimbus delivers to the lambda and sqs protocols only, not ${protocol}`);
  const endpoint = p.get('Endpoint') ?? '';
  if (!(protocol === 'lambda' ? LAMBDA_ARN : SQS_ARN).test(endpoint)) throw invalidParameter(`Invalid parameter: ${protocol === 'lambda' ? 'Lambda' : 'SQS'} endpoint ARN`);
  const attributes = checkAttributes(Object.fromEntries(entries(p, 'Attributes.entry', 'key', 'value')), 'Subscribe');
  // Subscribing the same endpoint again answers the existing subscription (AWS does the same).
  const same = deps.store.subscriptionsOf(t.arn).find((s) => s.protocol === protocol && s.endpoint === endpoint);
  if (same) return { SubscriptionArn: same.arn };
  const sub: SubscriptionRecord = { ...scope, arn: `${t.arn}:${randomUUID()}`, topicArn: t.arn, protocol, endpoint, attributes, createdAt: deps.clock.now() };
  deps.store.putSubscription(sub);
  return { SubscriptionArn: sub.arn };
}

export function subscriptionOf(deps: TopicDeps, scope: Scope, arn: string): SubscriptionRecord {
  const s = deps.store.subscription(arn);
  if (!s || s.accountId !== scope.accountId || s.region !== scope.region) throw notFound('Subscription does not exist');
  return s;
}

export function unsubscribe(deps: TopicDeps, scope: Scope, p: URLSearchParams): undefined {
  const arn = required(p, 'SubscriptionArn', 'subscriptionArn');
  subscriptionOf(deps, scope, arn);
  deps.store.deleteSubscription(arn);
  return undefined;
}

const listed = (s: SubscriptionRecord): { [k: string]: XmlValue } => ({ SubscriptionArn: s.arn, Owner: s.accountId, Protocol: s.protocol, Endpoint: s.endpoint, TopicArn: s.topicArn });

export function listSubscriptions(deps: TopicDeps, scope: Scope): { [k: string]: XmlValue } {
  return { Subscriptions: deps.store.subscriptions(scope).map(listed) };
}

export function listSubscriptionsByTopic(deps: TopicDeps, scope: Scope, p: URLSearchParams, caller?: Caller): { [k: string]: XmlValue } {
  const t = topicOf(deps, scope, required(p, 'TopicArn', 'topicArn'), { caller, operation: 'ListSubscriptionsByTopic' });
  return { Subscriptions: deps.store.subscriptionsOf(t.arn).map(listed) };
}

export function getSubscriptionAttributes(deps: TopicDeps, scope: Scope, p: URLSearchParams): { [k: string]: XmlValue } {
  const s = subscriptionOf(deps, scope, required(p, 'SubscriptionArn', 'subscriptionArn'));
  return {
    Attributes: new XmlMap({
      SubscriptionArn: s.arn,
      TopicArn: s.topicArn,
      Owner: s.accountId,
      Protocol: s.protocol,
      Endpoint: s.endpoint,
      ConfirmationWasAuthenticated: 'true',
      PendingConfirmation: 'false',
      RawMessageDelivery: 'false',
      SubscriptionPrincipal: `arn:aws:iam::${s.accountId}:root`,
      ...(s.attributes['FilterPolicy'] !== undefined ? { FilterPolicyScope: 'MessageAttributes' } : {}),
      ...s.attributes,
    }),
  };
}

export function setSubscriptionAttributes(deps: TopicDeps, scope: Scope, p: URLSearchParams): undefined {
  const s = subscriptionOf(deps, scope, required(p, 'SubscriptionArn', 'subscriptionArn'));
  const name = required(p, 'AttributeName', 'attributeName');
  if (!SUBSCRIPTION_ATTRIBUTES.has(name)) throw invalidParameter('Invalid parameter: AttributeName');
  const value = p.get('AttributeValue') ?? '';
  const next = { ...s.attributes, [name]: value };
  // An empty FilterPolicy removes it (SNS's documented way to clear a policy).
  if (name === 'FilterPolicy' && value === '') delete next['FilterPolicy'];
  deps.store.putSubscription({ ...s, attributes: checkAttributes(next, 'SetSubscriptionAttributes') });
  return undefined;
}

function checkAttributes(attrs: Record<string, string>, call: 'Subscribe' | 'SetSubscriptionAttributes'): Record<string, string> {
  for (const k of Object.keys(attrs)) {
    if (!SUBSCRIPTION_ATTRIBUTES.has(k)) throw invalidParameter(`Invalid parameter: Attributes Reason: Unknown attribute ${k}`);
  }
  const scopeText = attrs['FilterPolicyScope'];
  if (scopeText !== undefined) {
    const bad = validateFilterPolicyScope(scopeText);
    if (bad) throw invalidParameter(bad.message);
  }
  if (attrs['FilterPolicy'] !== undefined) {
    const r = compileFilterPolicy(attrs['FilterPolicy'], (scopeText ?? 'MessageAttributes') as FilterPolicyScope, call);
    if (!r.ok) throw invalidParameter(r.error.message);
  }
  const raw = attrs['RawMessageDelivery'];
  if (raw !== undefined && raw !== 'true' && raw !== 'false') throw invalidParameter('Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value [' + raw + ']. Must be true or false.');
  return attrs;
}
