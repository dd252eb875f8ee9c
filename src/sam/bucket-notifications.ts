/**
 * S3 event notifications in a template, as the stack API's `Buckets[].Notification` takes them
 * (`{Functions, Queues, Topics}` of `{Id, Arn, Events, Prefix, Suffix}`):
 *
 * - `AWS::S3::Bucket` `NotificationConfiguration`: `LambdaConfigurations` (`Function`),
 *   `QueueConfigurations` (`Queue`), `TopicConfigurations` (`Topic`), each with one `Event` and a
 *   `Filter.S3Key.Rules` list of `prefix`/`suffix` rules. `EventBridgeConfiguration` is reported.
 * - SAM's `Events: {Type: S3, Properties: {Bucket: !Ref B, Events, Filter}}` on a function: SAM
 *   adds a LambdaConfiguration per event type to B's NotificationConfiguration (B must be a bucket
 *   of the same template, as SAM requires); the function's alias when it has `AutoPublishAlias`.
 *
 * CloudFormation names no configuration; S3 then makes up an id. Nimbus's are stable:
 * `<Function><Event>` for SAM's, `<Bucket><Kind><n>` for the bucket's own.
 */
import { SamError } from './errors.js';
import { resolve, type IntrinsicContext } from './intrinsics.js';

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface NotificationTargetPlan {
  Id: string;
  Arn: string;
  Events: string[];
  Prefix?: string;
  Suffix?: string;
}

export interface NotificationPlan {
  Functions: NotificationTargetPlan[];
  Queues: NotificationTargetPlan[];
  Topics: NotificationTargetPlan[];
}

/** `Filter: {S3Key: {Rules: [{Name: prefix|suffix, Value}]}}` as a prefix and a suffix. */
function keyFilter(f: unknown, where: string): { Prefix?: string; Suffix?: string } {
  if (f === undefined) return {};
  const rules = isMap(f) && isMap(f['S3Key']) ? f['S3Key']['Rules'] : undefined;
  if (!Array.isArray(rules)) throw new SamError(`${where}.Filter must be {S3Key: {Rules: [{Name, Value}]}}`);
  const out: { Prefix?: string; Suffix?: string } = {};
  for (const r of rules) {
    if (!isMap(r) || typeof r['Name'] !== 'string' || typeof r['Value'] !== 'string') throw new SamError(`${where}.Filter.S3Key.Rules: each rule needs Name and Value`);
    const name = r['Name'].toLowerCase();
    if (name === 'prefix') out.Prefix = r['Value'];
    else if (name === 'suffix') out.Suffix = r['Value'];
    else throw new SamError(`${where}.Filter.S3Key.Rules: ${r['Name']} is not prefix or suffix`);
  }
  return out;
}

const KINDS = [
  ['LambdaConfigurations', 'Function', 'Functions'],
  ['QueueConfigurations', 'Queue', 'Queues'],
  ['TopicConfigurations', 'Topic', 'Topics'],
] as const;

/** A bucket's own `NotificationConfiguration`, or undefined. */
export function bucketNotification(id: string, raw: unknown, ctx: IntrinsicContext): NotificationPlan | undefined {
  if (raw === undefined) return undefined;
  const where = `${id}.NotificationConfiguration`;
  const v = resolve(raw, ctx, where);
  if (!isMap(v)) throw new SamError(`${where} must be a mapping`);
  const out: NotificationPlan = { Functions: [], Queues: [], Topics: [] };
  for (const [list, arnKey, to] of KINDS) {
    const items = v[list] ?? [];
    if (!Array.isArray(items)) throw new SamError(`${where}.${list} must be a list`);
    items.forEach((c, i) => {
      const at = `${where}.${list}.${i}`;
      if (!isMap(c)) throw new SamError(`${at} must be a mapping`);
      if (typeof c[arnKey] !== 'string') throw new SamError(`${at}.${arnKey} must be an ARN (an unresolved reference?)`);
      if (typeof c['Event'] !== 'string') throw new SamError(`${at}.Event must be an event type such as s3:ObjectCreated:*`);
      out[to].push({ Id: `${id}${arnKey}${i + 1}`, Arn: c[arnKey], Events: [c['Event']], ...keyFilter(c['Filter'], at) });
    });
  }
  if (v['EventBridgeConfiguration'] !== undefined) ctx.warn(`${where}.EventBridgeConfiguration: S3 events to EventBridge are not served by Nimbus; not applied`);
  return out;
}

/** SAM's `S3` event of a function: the bucket's logical id and the function's configuration. */
export function s3Event(fnId: string, eventId: string, fnArn: string, bucketRef: unknown, p: Record<string, unknown>, where: string): { bucket: string; target: NotificationTargetPlan } {
  if (!isMap(bucketRef) || typeof bucketRef['Ref'] !== 'string') throw new SamError(`${where}.Bucket must be a !Ref to an AWS::S3::Bucket of this template (SAM requires the bucket in the same template)`);
  const events = typeof p['Events'] === 'string' ? [p['Events']] : p['Events'];
  if (!Array.isArray(events) || events.length === 0 || events.some((e) => typeof e !== 'string')) throw new SamError(`${where}.Events must be an event type or a list of them (s3:ObjectCreated:*, ...)`);
  return { bucket: bucketRef['Ref'], target: { Id: `${fnId}${eventId}`, Arn: fnArn, Events: events as string[], ...keyFilter(p['Filter'], where) } };
}
