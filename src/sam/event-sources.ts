/**
 * A function's `SQS`, `SNS`, `EventBridgeRule` and `CloudWatchEvent` events as the resources SAM
 * generates for them (samtranslator `eventsources/pull.py` and `push.py`), named as SAM names them
 * (`<Function><Event>`):
 *
 * - `SQS`: an event-source mapping from the queue to the function.
 * - `DynamoDB`, `Kinesis`: an event-source mapping from the stream (`Stream`: usually
 *   `!GetAtt Table.StreamArn` or `!GetAtt Stream.Arn`); `DestinationConfig.OnFailure.Type` is SAM's own and dropped.
 * - `SNS`: a subscription of the function to the topic; with `SqsSubscription: true`, a queue
 *   `<Function><Event>Queue` subscribed to the topic and a mapping
 *   `<Function><Event>EventSourceMapping` from it (with `SqsSubscription: {QueueArn, QueueUrl}`,
 *   that queue instead).
 * - `EventBridgeRule`/`CloudWatchEvent`: a rule with the event's pattern on its bus, the function
 *   its one target (`Target.Id`, default `<Function><Event>LambdaTarget`); `DeadLetterConfig:
 *   {Type: SQS}` creates the queue `<Function><Event>Queue` (or `QueueLogicalId`).
 *
 * With AutoPublishAlias, SAM points every event source at the alias; so does Nimbus.
 */
import { SamError } from './errors.js';
import type { IntrinsicContext } from './intrinsics.js';
import { busOf, filterCriteria, nameQueue, nameRule, subscription, type ServiceResourceOptions } from './service-resources.js';
import { isMap, jsonText, targetId, type ServicePlans } from './service-plans.js';

export const SOURCE_EVENT_TYPES = new Set(['SQS', 'DynamoDB', 'Kinesis', 'SNS', 'EventBridgeRule', 'CloudWatchEvent']);

export interface SourceTarget {
  logicalId: string;
  /** The function's ARN, qualified with the alias when there is one. */
  arn: string;
}

/** Numbers given through parameters arrive as strings; CloudFormation converts them for Integer properties. */
function int(v: unknown): unknown {
  return typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
}

/** Step one (before anything resolves): the names and reference values of the queues and rules these events generate. */
export function nameEventResources(fnId: string, events: Record<string, unknown>, o: ServiceResourceOptions, ctx: IntrinsicContext, value: (v: unknown, where: string) => unknown): void {
  for (const [eventId, ev] of Object.entries(events)) {
    if (!isMap(ev) || !isMap(ev['Properties'])) continue;
    const p = ev['Properties'];
    const id = `${fnId}${eventId}`;
    if (ev['Type'] === 'SNS' && p['SqsSubscription'] === true) nameQueue(`${id}Queue`, undefined, false, o, ctx);
    if (ev['Type'] === 'EventBridgeRule' || ev['Type'] === 'CloudWatchEvent') {
      nameRule(id, value(p['RuleName'], `${id}.RuleName`), busOf(value(p['EventBusName'], `${id}.EventBusName`), `${fnId}.Events.${eventId}.EventBusName`), o, ctx);
      const dlq = p['DeadLetterConfig'];
      if (isMap(dlq) && dlq['Type'] !== undefined) nameQueue(typeof dlq['QueueLogicalId'] === 'string' ? dlq['QueueLogicalId'] : `${id}Queue`, undefined, false, o, ctx);
    }
  }
}

/** Step two: one event (its properties resolved) as the services' requests, added to `out`. */
export function planEventSource(type: string, eventId: string, p: Record<string, unknown>, fn: SourceTarget, ctx: IntrinsicContext, out: ServicePlans): void {
  const id = `${fn.logicalId}${eventId}`;
  const where = `${fn.logicalId}.Events.${eventId}`;
  if (type === 'SQS') {
    const { Queue: queue, ...settings } = p;
    if (typeof queue !== 'string') throw new SamError(`${where}.Queue is required and must be a queue ARN`);
    out.mappings.push({ logicalId: id, body: mappingBody(fn.arn, queue, settings, where) });
  } else if (type === 'DynamoDB' || type === 'Kinesis') {
    const { Stream: stream, ...settings } = p;
    if (typeof stream !== 'string') throw new SamError(`${where}.Stream is required and must be a stream ARN`);
    const dest = settings['DestinationConfig'];
    if (isMap(dest) && isMap(dest['OnFailure'])) {
      const { Type: _type, ...onFailure } = dest['OnFailure'];
      settings['DestinationConfig'] = { ...dest, OnFailure: onFailure };
    }
    out.mappings.push({ logicalId: id, body: mappingBody(fn.arn, stream, settings, where) });
  } else if (type === 'SNS') {
    const topic = p['Topic'];
    const sqs = p['SqsSubscription'];
    if (sqs === undefined || sqs === false) {
      out.subscriptions.push(subscription(id, topic, 'lambda', fn.arn, p, ctx));
      return;
    }
    let queueArn: unknown;
    let batchSize: unknown = 10;
    if (sqs === true) {
      const q = ctx.resources[`${id}Queue`]!;
      queueArn = q.attrs['Arn'];
      out.queues.push({ logicalId: `${id}Queue`, name: q.attrs['QueueName']!, arn: q.attrs['Arn']!, attributes: {}, tags: {} });
    } else if (isMap(sqs)) {
      if (typeof sqs['QueueArn'] !== 'string' || typeof sqs['QueueUrl'] !== 'string') throw new SamError(`${where}: No QueueARN or QueueURL provided.`);
      queueArn = sqs['QueueArn'];
      batchSize = sqs['BatchSize'] ?? 10;
    } else throw new SamError(`${where}.SqsSubscription must be true or a mapping with QueueArn and QueueUrl`);
    out.subscriptions.push(subscription(id, topic, 'sqs', String(queueArn), p, ctx));
    // SAM's mapping for it is always enabled, whatever SqsSubscription.Enabled says (samtranslator push.py).
    out.mappings.push({ logicalId: `${id}EventSourceMapping`, body: mappingBody(fn.arn, String(queueArn), { BatchSize: batchSize, Enabled: true }, where) });
  } else {
    planRule(id, where, p, fn, ctx, out);
  }
}

/** CreateEventSourceMapping's body from an SQS or DynamoDB event's properties (SAM passes them through). */
function mappingBody(functionArn: string, queueArn: string, settings: Record<string, unknown>, where: string): Record<string, unknown> {
  const body: Record<string, unknown> = { ...settings, FunctionName: functionArn, EventSourceArn: queueArn };
  for (const k of ['BatchSize', 'MaximumBatchingWindowInSeconds', 'MaximumRetryAttempts', 'MaximumRecordAgeInSeconds', 'ParallelizationFactor', 'TumblingWindowInSeconds']) {
    if (body[k] !== undefined) body[k] = k === 'MaximumRetryAttempts' || k === 'MaximumRecordAgeInSeconds' ? (typeof body[k] === 'string' && /^-?\d+$/.test(body[k]) ? Number(body[k]) : body[k]) : int(body[k]);
  }
  if (body['BisectBatchOnFunctionError'] === 'true' || body['BisectBatchOnFunctionError'] === 'false') body['BisectBatchOnFunctionError'] = body['BisectBatchOnFunctionError'] === 'true';
  if (isMap(body['ScalingConfig'])) body['ScalingConfig'] = { ...body['ScalingConfig'], MaximumConcurrency: int(body['ScalingConfig']['MaximumConcurrency']) };
  if (body['Enabled'] === 'true' || body['Enabled'] === 'false') body['Enabled'] = body['Enabled'] === 'true';
  if (body['FilterCriteria'] !== undefined) body['FilterCriteria'] = filterCriteria(body['FilterCriteria'], `${where}.FilterCriteria`);
  return body;
}

function planRule(id: string, where: string, p: Record<string, unknown>, fn: SourceTarget, ctx: IntrinsicContext, out: ServicePlans): void {
  if (p['Pattern'] === undefined) throw new SamError(`${where}: an event rule needs a Pattern`);
  if (p['State'] !== undefined && p['Enabled'] !== undefined) throw new SamError(`${where}: State and Enabled Properties cannot both be specified.`);
  const disabled = p['State'] === 'DISABLED' || p['Enabled'] === false;
  const target: Record<string, unknown> = {
    Id: isMap(p['Target']) && typeof p['Target']['Id'] === 'string' ? p['Target']['Id'] : targetId(id, 'LambdaTarget'),
    Arn: fn.arn,
  };
  for (const k of ['Input', 'InputPath', 'InputTransformer']) if (p[k] !== undefined) target[k] = p[k];
  const dlq = p['DeadLetterConfig'];
  if (dlq !== undefined) {
    if (!isMap(dlq)) throw new SamError(`${where}.DeadLetterConfig must be a mapping`);
    if (dlq['Arn'] !== undefined && dlq['Type'] !== undefined) throw new SamError(`${where}: You can either define 'Arn' or 'Type' property of DeadLetterConfig.`);
    if (dlq['Arn'] === undefined && dlq['Type'] === undefined) throw new SamError(`${where}: No 'Arn' or 'Type' property provided for DeadLetterConfig.`);
    if (dlq['Type'] !== undefined && dlq['Type'] !== 'SQS') throw new SamError(`${where}: The only valid value for 'Type' property of DeadLetterConfig is 'SQS'.`);
    if (dlq['Type'] === 'SQS') {
      const qid = typeof dlq['QueueLogicalId'] === 'string' ? dlq['QueueLogicalId'] : `${id}Queue`;
      const q = ctx.resources[qid]!;
      out.queues.push({ logicalId: qid, name: q.attrs['QueueName']!, arn: q.attrs['Arn']!, attributes: {}, tags: {} });
    }
    ctx.warn(`${where}: DeadLetterConfig is not applied by Nimbus: its EventBridge hands events to functions by a durable asynchronous invocation, which does not fail the ways AWS's can (the queue is created all the same)`);
  }
  if (p['RetryPolicy'] !== undefined) ctx.warn(`${where}: RetryPolicy is not applied by Nimbus (see DeadLetterConfig); the function's own retries (EventInvokeConfig) apply`);
  const ref = ctx.resources[id]!;
  const bus = busOf(p['EventBusName'], `${where}.EventBusName`);
  out.rules.push({
    logicalId: id,
    name: bus === 'default' ? ref.ref : ref.ref.slice(bus.length + 1),
    bus,
    pattern: jsonText(p['Pattern'], `${where}.Pattern`),
    state: disabled ? 'DISABLED' : 'ENABLED',
    description: undefined,
    targets: [target as { Id: string; Arn: string }],
  });
}
