/**
 * The stack's queues, topics and event buses brought to the state the document asks for, before
 * its functions (a mapping checks its queue's visibility timeout against the function's timeout,
 * destinations name queues): created when new, updated in place when they exist (a queue's
 * attributes and tags made exactly the template's, those left out back to their defaults, as a
 * CloudFormation update does; a topic's attributes likewise), each change journaled with its
 * inverse. A queue named in another queue's RedrivePolicy is applied first: SQS checks that a
 * dead-letter target exists.
 */
import { conflict } from '../../core/errors.js';
import type { Scope } from '../../core/model.js';
import type { StackResource } from '../../store/records.js';
import type { StackDeps } from './deps.js';
import type { QueueSpec, StackDocument } from './document.js';
import type { Journal } from './journal.js';
import { isMissing, service } from './service-errors.js';

export const topicArn = (scope: Scope, name: string): string => `arn:aws:sns:${scope.region}:${scope.accountId}:${name}`;

/** Queues in an order where each dead-letter target of the document comes before the queues that name it. */
export function redriveOrder(queues: readonly QueueSpec[]): QueueSpec[] {
  const byArnTail = new Map(queues.map((q) => [q.QueueName, q]));
  const target = (q: QueueSpec): string | undefined => {
    try {
      const arn = (JSON.parse(q.Attributes['RedrivePolicy'] ?? '{}') as { deadLetterTargetArn?: unknown }).deadLetterTargetArn;
      return typeof arn === 'string' ? arn.slice(arn.lastIndexOf(':') + 1) : undefined;
    } catch {
      return undefined;
    }
  };
  const out: QueueSpec[] = [];
  const placed = new Set<string>();
  const place = (q: QueueSpec, depth: number): void => {
    if (placed.has(q.QueueName)) return;
    const t = target(q);
    const dlq = t !== undefined && t !== q.QueueName ? byArnTail.get(t) : undefined;
    // A cycle of redrive policies is left to SQS to refuse.
    if (dlq && depth < queues.length) place(dlq, depth + 1);
    if (placed.has(q.QueueName)) return;
    placed.add(q.QueueName);
    out.push(q);
  };
  for (const q of queues) place(q, 0);
  return out;
}

async function existingQueue(d: StackDeps, scope: Scope, name: string): Promise<{ fifo: boolean } | undefined> {
  try {
    return await d.sqs.queue(scope, name);
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
}

async function applyQueue(scope: Scope, q: QueueSpec, j: Journal, d: StackDeps): Promise<void> {
  const name = q.QueueName;
  const existing = await existingQueue(d, scope, name);
  if (!existing) {
    await service(() => d.sqs.createQueue(scope, name, q.Attributes, q.Tags));
    j.push(`delete queue ${name}`, () => d.sqs.deleteQueue(scope, name));
    return;
  }
  const { FifoQueue: fifo, ...attributes } = q.Attributes;
  if (existing.fifo !== (fifo === 'true')) {
    // CloudFormation replaces a queue whose type changes, which a fixed QueueName does not allow either.
    throw conflict(`queue ${name} is a ${existing.fifo ? 'FIFO' : 'standard'} queue; a queue's type cannot change, give the new one another QueueName`);
  }
  const before = await service(() => d.sqs.replaceAttributes(scope, name, attributes));
  j.push(`restore the attributes of queue ${name}`, () => d.sqs.replaceAttributes(scope, name, before));
  const tagsBefore = await service(() => d.sqs.replaceTags(scope, name, q.Tags));
  j.push(`restore the tags of queue ${name}`, () => d.sqs.replaceTags(scope, name, tagsBefore));
}

async function applyTopic(scope: Scope, t: StackDocument['Topics'][number], j: Journal, d: StackDeps): Promise<void> {
  const arn = topicArn(scope, t.TopicName);
  const before = await d.sns.topicAttributes(scope, arn);
  if (!before) {
    await service(() => d.sns.createTopic(scope, t.TopicName, t.Attributes, t.Tags));
    j.push(`delete topic ${t.TopicName}`, () => d.sns.deleteTopic(scope, arn));
    return;
  }
  for (const k of new Set([...Object.keys(before), ...Object.keys(t.Attributes)])) {
    const value = t.Attributes[k] ?? '';
    if ((before[k] ?? '') === value) continue;
    await service(() => d.sns.setTopicAttribute(scope, arn, k, value));
    j.push(`restore attribute ${k} of topic ${t.TopicName}`, () => d.sns.setTopicAttribute(scope, arn, k, before[k] ?? ''));
  }
}

async function applyBus(scope: Scope, name: string, j: Journal, d: StackDeps): Promise<void> {
  try {
    await d.eventBridge.call(scope, 'DescribeEventBus', { Name: name });
    return;
  } catch (e) {
    if (!isMissing(e)) throw e;
  }
  await service(() => d.eventBridge.call(scope, 'CreateEventBus', { Name: name }));
  j.push(`delete event bus ${name}`, () => d.eventBridge.call(scope, 'DeleteEventBus', { Name: name }));
}

/** Applies the document's queues, topics and buses; `within` names the resource in errors. Answers their resources. */
export async function applyServices(
  scope: Scope,
  doc: StackDocument,
  j: Journal,
  d: StackDeps,
  within: <T>(logicalId: string, step: () => Promise<T>) => Promise<T>,
): Promise<StackResource[]> {
  const out: StackResource[] = [];
  for (const q of redriveOrder(doc.Queues)) {
    await within(q.LogicalId, () => applyQueue(scope, q, j, d));
    out.push({ logicalId: q.LogicalId, type: 'AWS::SQS::Queue', physicalId: q.QueueName });
  }
  for (const t of doc.Topics) {
    await within(t.LogicalId, () => applyTopic(scope, t, j, d));
    out.push({ logicalId: t.LogicalId, type: 'AWS::SNS::Topic', physicalId: topicArn(scope, t.TopicName) });
  }
  for (const b of doc.EventBuses) {
    await within(b.LogicalId, () => applyBus(scope, b.Name, j, d));
    out.push({ logicalId: b.LogicalId, type: 'AWS::Events::EventBus', physicalId: b.Name });
  }
  return out;
}
