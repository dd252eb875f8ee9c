/**
 * What makes a stack's functions run, applied once the functions exist: SNS subscriptions,
 * EventBridge rules with their targets, and event-source mappings. Each is found again by its
 * logical id in the previous deployment and updated in place (a subscription's attributes, a
 * rule's pattern, state and targets, a mapping's settings, those the template dropped back to
 * Lambda's defaults); otherwise it is created. Every change is journaled with its inverse.
 * Subscriptions and mappings are known by the ARN and UUID their services gave them; a rule by
 * `bus|name`, CloudFormation's own reference for a rule of a custom bus.
 */
import { invalidParameter } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import type { EventSourceMappingRecord, StackResource } from '../../store/records.js';
import type { StackDeps } from './deps.js';
import type { MappingSpec, RuleSpec, StackDocument, SubscriptionSpec } from './document.js';
import type { Journal } from './journal.js';
import { isMissing, service } from './service-errors.js';

type Within = <T>(logicalId: string, step: () => Promise<T>) => Promise<T>;

/** A rule's physical id in a stack record (schedules' are plain names, which never hold `|`). */
export const rulePhysicalId = (bus: string, name: string): string => `${bus}|${name}`;

/** What an attribute the template leaves out is set back to (an empty FilterPolicy removes the policy). */
const unset = (k: string): string => (k === 'RawMessageDelivery' ? 'false' : '');

async function applySubscription(scope: Scope, s: SubscriptionSpec, previous: string | undefined, j: Journal, d: StackDeps): Promise<string> {
  const prev = previous === undefined ? undefined : await d.sns.subscription(scope, previous);
  const same = prev && prev.topicArn === s.TopicArn && prev.protocol === s.Protocol && prev.endpoint === s.Endpoint;
  const arn = same ? previous : await d.sns.findSubscription(scope, s.TopicArn, s.Protocol, s.Endpoint);
  if (arn === undefined) {
    const created = await service(() => d.sns.subscribe(scope, s.TopicArn, s.Protocol, s.Endpoint, s.Attributes));
    j.push(`unsubscribe ${created}`, () => d.sns.unsubscribe(scope, created));
    return created;
  }
  const before = (await d.sns.subscription(scope, arn))!.attributes;
  for (const k of new Set([...Object.keys(before), ...Object.keys(s.Attributes)])) {
    const value = s.Attributes[k] ?? unset(k);
    if ((before[k] ?? unset(k)) === value) continue;
    await service(() => d.sns.setSubscriptionAttribute(scope, arn, k, value));
    j.push(`restore attribute ${k} of subscription ${arn}`, () => d.sns.setSubscriptionAttribute(scope, arn, k, before[k] ?? unset(k)));
  }
  return arn;
}

type Params = Record<string, unknown>;

async function describeRule(d: StackDeps, scope: Scope, bus: string, name: string): Promise<{ rule: Params; targets: Params[] } | undefined> {
  try {
    const rule = await d.eventBridge.call(scope, 'DescribeRule', { Name: name, EventBusName: bus });
    const { Targets } = await d.eventBridge.call(scope, 'ListTargetsByRule', { Rule: name, EventBusName: bus });
    return { rule, targets: (Targets as Params[] | undefined) ?? [] };
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
}

/** PutRule, then the targets made exactly `targets`. */
async function putRule(d: StackDeps, scope: Scope, bus: string, name: string, rule: Params, targets: Params[], before: Params[]): Promise<void> {
  await d.eventBridge.call(scope, 'PutRule', { ...rule, Name: name, EventBusName: bus });
  if (targets.length > 0) {
    const r = await d.eventBridge.call(scope, 'PutTargets', { Rule: name, EventBusName: bus, Targets: targets });
    const failed = (r['FailedEntries'] as { TargetId: string; ErrorMessage: string }[] | undefined) ?? [];
    if (failed.length > 0) throw invalidParameter(failed.map((f) => `target ${f.TargetId}: ${f.ErrorMessage}`).join('; '));
  }
  const gone = before.map((t) => t['Id'] as string).filter((id) => !targets.some((t) => t['Id'] === id));
  if (gone.length > 0) await d.eventBridge.call(scope, 'RemoveTargets', { Rule: name, EventBusName: bus, Ids: gone });
}

/** Removes a rule and its targets. */
export async function deleteRule(d: StackDeps, scope: Scope, bus: string, name: string): Promise<void> {
  const cur = await describeRule(d, scope, bus, name);
  if (!cur) return;
  const ids = cur.targets.map((t) => t['Id'] as string);
  if (ids.length > 0) await d.eventBridge.call(scope, 'RemoveTargets', { Rule: name, EventBusName: bus, Ids: ids });
  await d.eventBridge.call(scope, 'DeleteRule', { Name: name, EventBusName: bus });
}

async function applyRule(scope: Scope, r: RuleSpec, j: Journal, d: StackDeps): Promise<void> {
  const bus = r.EventBusName;
  const before = await describeRule(d, scope, bus, r.Name);
  const wanted = { EventPattern: r.EventPattern, State: r.State, ...(r.Description !== undefined ? { Description: r.Description } : {}) };
  // Undo first: a PutRule that succeeds before its PutTargets fails is undone too.
  if (!before) j.push(`delete rule ${r.Name}`, () => deleteRule(d, scope, bus, r.Name));
  else {
    const { Name: _n, Arn: _a, EventBusName: _b, CreatedBy: _c, ...rule } = before.rule;
    j.push(`restore rule ${r.Name}`, () => putRule(d, scope, bus, r.Name, rule, before.targets, r.Targets));
  }
  await service(() => putRule(d, scope, bus, r.Name, wanted, r.Targets, before?.targets ?? []));
}

/** UpdateEventSourceMapping's body putting every setting to the document's value or Lambda's default. */
function fullSettings(body: Params): Params {
  const { EventSourceArn: _e, Tags: _t, ...rest } = body;
  return { BatchSize: 10, MaximumBatchingWindowInSeconds: 0, FunctionResponseTypes: [], ScalingConfig: null, FilterCriteria: null, Enabled: true, ...rest };
}

function settingsOf(m: EventSourceMappingRecord): Params {
  return {
    FunctionName: m.qualifier ? `${m.functionName}:${m.qualifier}` : m.functionName,
    BatchSize: m.batchSize,
    MaximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds,
    FunctionResponseTypes: m.functionResponseTypes,
    ScalingConfig: m.maximumConcurrency !== undefined ? { MaximumConcurrency: m.maximumConcurrency } : null,
    FilterCriteria: m.filterCriteria !== undefined ? (JSON.parse(m.filterCriteria) as Params) : null,
    Enabled: m.enabled,
  };
}

async function applyMapping(scope: Scope, m: MappingSpec, previous: string | undefined, j: Journal, d: StackDeps): Promise<string> {
  let cur: EventSourceMappingRecord | undefined;
  if (previous !== undefined) {
    try {
      cur = await d.mappings.get(scope, previous);
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
  }
  if (cur && cur.state !== 'Deleting' && cur.eventSourceArn === m.Body['EventSourceArn']) {
    const before = settingsOf(cur);
    await d.mappings.update(scope, cur.uuid, fullSettings(m.Body));
    const uuid = cur.uuid;
    j.push(`restore event-source mapping ${uuid}`, async () => await d.mappings.update(scope, uuid, before));
    return uuid;
  }
  const created = await d.mappings.create(scope, m.Body);
  j.push(`delete event-source mapping ${created.uuid}`, async () => await d.mappings.delete(scope, created.uuid));
  return created.uuid;
}

/** Applies the document's subscriptions, rules and mappings; answers their resources. */
export async function applyTriggers(scope: Scope, doc: StackDocument, prev: readonly StackResource[], j: Journal, d: StackDeps, within: Within): Promise<StackResource[]> {
  const previous = (type: string, logicalId: string): string | undefined => prev.find((r) => r.type === type && r.logicalId === logicalId)?.physicalId;
  const out: StackResource[] = [];
  for (const s of doc.Subscriptions) {
    const arn = await within(s.LogicalId, () => applySubscription(scope, s, previous('AWS::SNS::Subscription', s.LogicalId), j, d));
    out.push({ logicalId: s.LogicalId, type: 'AWS::SNS::Subscription', physicalId: arn });
  }
  for (const r of doc.Rules) {
    await within(r.LogicalId, () => applyRule(scope, r, j, d));
    out.push({ logicalId: r.LogicalId, type: 'AWS::Events::Rule', physicalId: rulePhysicalId(r.EventBusName, r.Name) });
  }
  for (const m of doc.EventSourceMappings) {
    const uuid = await within(m.LogicalId, () => applyMapping(scope, m, previous('AWS::Lambda::EventSourceMapping', m.LogicalId), j, d));
    out.push({ logicalId: m.LogicalId, type: 'AWS::Lambda::EventSourceMapping', physicalId: uuid });
  }
  return out;
}
