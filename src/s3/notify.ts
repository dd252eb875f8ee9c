/**
 * S3 event notifications (Amazon S3 User Guide, "Event notifications"): a bucket's
 * NotificationConfiguration names functions (`<CloudFunctionConfiguration>`, the wire name of the
 * SDKs' LambdaFunctionConfigurations), SQS queues (`<QueueConfiguration>`) and SNS topics
 * (`<TopicConfiguration>`) with event types (`s3:ObjectCreated:*`, `s3:ObjectRemoved:Delete`, ...)
 * and key prefix/suffix filters. Each matching object change is delivered with S3's event record:
 * to a function as an asynchronous invocation, to a queue as a message and to a topic as a
 * publication whose body is `{"Records": [record]}`. A configuration that adds queue or topic
 * destinations sends each of them S3's `s3:TestEvent` first. EventBridge destinations are not
 * served (NotImplemented).
 */
import { S3Error } from './errors.js';
import type { ObjectEvent } from './types.js';
import { parseXml } from './xml.js';
import type { BucketNotification, NotificationTarget } from '../core/objects.js';

export type { BucketNotification, NotificationTarget } from '../core/objects.js';
/** The stored configuration (the bucket record's `notification`, as JSON). */
export type NotificationConfig = BucketNotification;

const EVENT = /^s3:(ObjectCreated:(\*|Put|Post|Copy|CompleteMultipartUpload)|ObjectRemoved:(\*|Delete|DeleteMarkerCreated))$/;
const ARN: Record<keyof BucketNotification, RegExp> = {
  functions: /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/,
  queues: /^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,80}$/,
  topics: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/,
};
/** The wire's element names: configuration and its ARN member, per kind (both names of a function configuration). */
const WIRE: Record<keyof BucketNotification, { elements: string[]; arn: string[]; out: [string, string] }> = {
  functions: { elements: ['CloudFunctionConfiguration', 'LambdaFunctionConfiguration'], arn: ['CloudFunction', 'LambdaFunctionArn'], out: ['CloudFunctionConfiguration', 'CloudFunction'] },
  queues: { elements: ['QueueConfiguration'], arn: ['Queue'], out: ['QueueConfiguration', 'Queue'] },
  topics: { elements: ['TopicConfiguration'], arn: ['Topic'], out: ['TopicConfiguration', 'Topic'] },
};

const asArray = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? (v as Record<string, unknown>[]) : v && typeof v === 'object' ? [v as Record<string, unknown>] : []);
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

/** Checks one target as S3 checks a configuration (the messages are S3's). */
export function checkTarget(kind: keyof BucketNotification, t: NotificationTarget): void {
  if (!ARN[kind].test(t.arn)) throw new S3Error('InvalidArgument', 'The ARN is not well formed', { ArgumentName: WIRE[kind].arn[0]!, ArgumentValue: t.arn });
  if (t.events.length === 0) throw new S3Error('MalformedXML');
  for (const e of t.events) if (!EVENT.test(e)) throw new S3Error('InvalidArgument', 'The event is not supported for notifications', { ArgumentName: 'Event', ArgumentValue: e });
}

export function parseNotification(body: Buffer): NotificationConfig {
  const doc = parseXml(body, 'NotificationConfiguration');
  if (doc['EventBridgeConfiguration'] !== undefined) {
    throw new S3Error('NotImplemented', 'Nimbus delivers S3 event notifications to Lambda functions, SQS queues and SNS topics, not to EventBridge.');
  }
  const out: NotificationConfig = { functions: [], queues: [], topics: [] };
  let n = 0;
  for (const kind of ['functions', 'queues', 'topics'] as const) {
    for (const c of WIRE[kind].elements.flatMap((el) => asArray(doc[el]))) {
      const arn = text(WIRE[kind].arn.map((k) => c[k]).find((v) => v !== undefined));
      const events = [...new Set((Array.isArray(c['Event']) ? (c['Event'] as unknown[]) : [c['Event']]).map(text).filter((x) => x !== ''))];
      let prefix = '';
      let suffix = '';
      const key = (c['Filter'] as Record<string, unknown> | undefined)?.['S3Key'] as Record<string, unknown> | undefined;
      for (const rule of asArray(key?.['FilterRule'])) {
        const name = text(rule['Name']).toLowerCase();
        if (name === 'prefix') prefix = text(rule['Value']);
        else if (name === 'suffix') suffix = text(rule['Value']);
        else throw new S3Error('InvalidArgument', 'filter rule name must be either prefix or suffix', { ArgumentName: 'FilterRule.Name', ArgumentValue: name });
      }
      const t: NotificationTarget = { id: text(c['Id']) || `nimbus-${++n}`, arn, events, prefix, suffix };
      checkTarget(kind, t);
      out[kind].push(t);
    }
  }
  return out;
}

/** Whether a configuration names anything (an empty one turns notifications off). */
export const isEmpty = (c: NotificationConfig | undefined): boolean => !c || c.functions.length + (c.queues?.length ?? 0) + (c.topics?.length ?? 0) === 0;

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function notificationXml(c: NotificationConfig | undefined): string {
  const items = (['topics', 'queues', 'functions'] as const).flatMap((kind) =>
    (c?.[kind] ?? []).map((f) => {
      const rules = [f.prefix ? `<FilterRule><Name>prefix</Name><Value>${esc(f.prefix)}</Value></FilterRule>` : '', f.suffix ? `<FilterRule><Name>suffix</Name><Value>${esc(f.suffix)}</Value></FilterRule>` : ''].join('');
      const filter = rules ? `<Filter><S3Key>${rules}</S3Key></Filter>` : '';
      const [el, arn] = WIRE[kind].out;
      return `<${el}><Id>${esc(f.id)}</Id><${arn}>${esc(f.arn)}</${arn}>${f.events.map((e) => `<Event>${esc(e)}</Event>`).join('')}${filter}</${el}>`;
    }),
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${items.join('')}</NotificationConfiguration>`;
}

/** The event name S3 puts in a record: `ObjectCreated:Put`, `ObjectRemoved:Delete`. */
const eventName = (e: ObjectEvent): string => `${e.kind === 'created' ? 'ObjectCreated' : 'ObjectRemoved'}:${e.name}`;

function matches(t: NotificationTarget, e: ObjectEvent): boolean {
  if (!e.key.startsWith(t.prefix) || !e.key.endsWith(t.suffix)) return false;
  const name = eventName(e);
  const family = name.slice(0, name.indexOf(':'));
  return t.events.some((x) => x === `s3:${name}` || x === `s3:${family}:*`);
}

let sequence = 0;

/** S3's event record (one per notification; S3 sends one record per message). */
export function eventRecord(e: ObjectEvent, t: NotificationTarget, now: number, requestId: string): Record<string, unknown> {
  const object: Record<string, unknown> = { key: encodeURIComponent(e.key).replace(/%20/g, '+').replace(/%2F/g, '/'), sequencer: (now * 1000 + (sequence++ % 1000)).toString(16).toUpperCase().padStart(18, '0') };
  if (e.kind === 'created') {
    object['size'] = e.size;
    object['eTag'] = e.etag.replace(/"/g, '');
  }
  return {
    eventVersion: '2.1',
    eventSource: 'aws:s3',
    awsRegion: e.bucket.region,
    eventTime: new Date(now).toISOString(),
    eventName: eventName(e),
    userIdentity: { principalId: `AWS:${e.bucket.accountId}` },
    requestParameters: { sourceIPAddress: '127.0.0.1' },
    responseElements: { 'x-amz-request-id': requestId, 'x-amz-id-2': requestId },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: t.id,
      bucket: { name: e.bucket.name, ownerIdentity: { principalId: e.bucket.accountId }, arn: `arn:aws:s3:::${e.bucket.name}` },
      object,
    },
  };
}

/** Where matching events go: `kind` says whether `arn` is a function, a queue or a topic. */
export type Deliver = (kind: keyof BucketNotification, arn: string, body: string, sourceArn: string) => Promise<void>;

/** The stored configuration of a bucket record, or undefined (older records hold functions only). */
export function storedConfig(json: string | undefined): NotificationConfig | undefined {
  if (!json) return undefined;
  try {
    type Stored = { functions?: (Omit<NotificationTarget, 'arn'> & { arn?: string; functionArn?: string })[]; queues?: NotificationTarget[]; topics?: NotificationTarget[] };
    const c = JSON.parse(json) as Stored;
    // Records written before queues and topics named a function's ARN `functionArn`.
    return { functions: (c.functions ?? []).map(({ functionArn, ...f }) => ({ ...f, arn: f.arn ?? functionArn ?? '' })), queues: c.queues ?? [], topics: c.topics ?? [] };
  } catch {
    return undefined;
  }
}

/** The notifications one object change causes, delivered; failures are logged, never the writer's. */
export async function notify(e: ObjectEvent, deliver: Deliver, now: number, log: (line: string) => void): Promise<void> {
  const config = storedConfig(e.bucket.notification);
  if (!config) return;
  for (const kind of ['functions', 'queues', 'topics'] as const) {
    for (const t of config[kind]) {
      if (!matches(t, e)) continue;
      const record = eventRecord(e, t, now, Math.random().toString(16).slice(2, 18).toUpperCase());
      try {
        await deliver(kind, t.arn, JSON.stringify({ Records: [record] }), `arn:aws:s3:::${e.bucket.name}`);
      } catch (err) {
        log(`s3: notification ${t.id} of ${e.bucket.name} to ${t.arn} not delivered: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}

/**
 * S3's `s3:TestEvent`, sent to each queue and topic a new configuration adds (functions get none,
 * as on S3), so that a subscriber sees the destination works before any object changes.
 */
export async function sendTestEvents(bucket: string, before: NotificationConfig | undefined, after: NotificationConfig, deliver: Deliver, now: number, log: (line: string) => void): Promise<void> {
  for (const kind of ['queues', 'topics'] as const) {
    const had = new Set((before?.[kind] ?? []).map((t) => t.arn));
    for (const arn of new Set(after[kind].map((t) => t.arn))) {
      if (had.has(arn)) continue;
      const id = Math.random().toString(16).slice(2, 18).toUpperCase();
      const body = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: new Date(now).toISOString(), Bucket: bucket, RequestId: id, HostId: id });
      try {
        await deliver(kind, arn, body, `arn:aws:s3:::${bucket}`);
      } catch (err) {
        log(`s3: test event of ${bucket} to ${arn} not delivered: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}
