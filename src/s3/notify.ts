/**
 * S3 event notifications to Lambda (Amazon S3 User Guide, "Event notifications"): a bucket's
 * NotificationConfiguration names functions (`<CloudFunctionConfiguration>`, the wire name of
 * the SDKs' LambdaFunctionConfigurations) with event types (`s3:ObjectCreated:*`,
 * `s3:ObjectRemoved:Delete`, ...) and key prefix/suffix filters. Each matching object change is
 * delivered as an asynchronous invocation carrying S3's event record. Queue and topic
 * destinations are not served (NotImplemented).
 */
import { S3Error } from './errors.js';
import type { ObjectEvent } from './service.js';
import { parseXml } from './xml.js';

export interface FunctionTarget {
  id: string;
  functionArn: string;
  events: string[];
  prefix: string;
  suffix: string;
}

export interface NotificationConfig {
  functions: FunctionTarget[];
}

const EVENT = /^s3:(ObjectCreated:(\*|Put|Post|Copy|CompleteMultipartUpload)|ObjectRemoved:(\*|Delete|DeleteMarkerCreated))$/;
const LAMBDA_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+(:[A-Za-z0-9$_-]+)?$/;

const asArray = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? (v as Record<string, unknown>[]) : v && typeof v === 'object' ? [v as Record<string, unknown>] : []);
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

export function parseNotification(body: Buffer): NotificationConfig {
  const doc = parseXml(body, 'NotificationConfiguration');
  if (doc['QueueConfiguration'] !== undefined || doc['TopicConfiguration'] !== undefined || doc['EventBridgeConfiguration'] !== undefined) {
    throw new S3Error('NotImplemented', 'Nimbus delivers S3 event notifications to Lambda functions only.');
  }
  const functions: FunctionTarget[] = [];
  let n = 0;
  for (const c of [...asArray(doc['CloudFunctionConfiguration']), ...asArray(doc['LambdaFunctionConfiguration'])]) {
    const functionArn = text(c['CloudFunction'] ?? c['LambdaFunctionArn']);
    if (!LAMBDA_ARN.test(functionArn)) throw new S3Error('InvalidArgument', 'The ARN is not well formed', { ArgumentName: 'CloudFunction', ArgumentValue: functionArn });
    const unique = [...new Set((Array.isArray(c['Event']) ? (c['Event'] as unknown[]) : [c['Event']]).map(text).filter((x) => x !== ''))];
    if (unique.length === 0) throw new S3Error('MalformedXML');
    for (const e of unique) if (!EVENT.test(e)) throw new S3Error('InvalidArgument', 'The event is not supported for notifications', { ArgumentName: 'Event', ArgumentValue: e });
    let prefix = '';
    let suffix = '';
    const key = (c['Filter'] as Record<string, unknown> | undefined)?.['S3Key'] as Record<string, unknown> | undefined;
    for (const rule of asArray(key?.['FilterRule'])) {
      const name = text(rule['Name']).toLowerCase();
      if (name === 'prefix') prefix = text(rule['Value']);
      else if (name === 'suffix') suffix = text(rule['Value']);
      else throw new S3Error('InvalidArgument', 'filter rule name must be either prefix or suffix', { ArgumentName: 'FilterRule.Name', ArgumentValue: name });
    }
    functions.push({ id: text(c['Id']) || `nimbus-${++n}`, functionArn, events: unique, prefix, suffix });
  }
  return { functions };
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function notificationXml(c: NotificationConfig | undefined): string {
  const items = (c?.functions ?? []).map((f) => {
    const rules = [f.prefix ? `<FilterRule><Name>prefix</Name><Value>${esc(f.prefix)}</Value></FilterRule>` : '', f.suffix ? `<FilterRule><Name>suffix</Name><Value>${esc(f.suffix)}</Value></FilterRule>` : ''].join('');
    const filter = rules ? `<Filter><S3Key>${rules}</S3Key></Filter>` : '';
    return `<CloudFunctionConfiguration><Id>${esc(f.id)}</Id><CloudFunction>${esc(f.functionArn)}</CloudFunction>${f.events.map((e) => `<Event>${esc(e)}</Event>`).join('')}${filter}</CloudFunctionConfiguration>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${items.join('')}</NotificationConfiguration>`;
}

/** The event name S3 puts in a record: `ObjectCreated:Put`, `ObjectRemoved:Delete`. */
const eventName = (e: ObjectEvent): string => `${e.kind === 'created' ? 'ObjectCreated' : 'ObjectRemoved'}:${e.name}`;

function matches(t: FunctionTarget, e: ObjectEvent): boolean {
  if (!e.key.startsWith(t.prefix) || !e.key.endsWith(t.suffix)) return false;
  const name = eventName(e);
  const family = name.slice(0, name.indexOf(':'));
  return t.events.some((x) => x === `s3:${name}` || x === `s3:${family}:*`);
}

let sequence = 0;

/** S3's event record (one per notification; S3 sends one record per message). */
export function eventRecord(e: ObjectEvent, t: FunctionTarget, now: number, requestId: string): Record<string, unknown> {
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

/** Where matching events go: one asynchronous invocation per target. */
export type Deliver = (functionArn: string, payload: Buffer, sourceArn: string) => Promise<void>;

/** The notifications one object change causes, delivered; failures are logged, never the writer's. */
export async function notify(e: ObjectEvent, deliver: Deliver, now: number, log: (line: string) => void): Promise<void> {
  if (!e.bucket.notification) return;
  let config: NotificationConfig;
  try {
    config = JSON.parse(e.bucket.notification) as NotificationConfig;
  } catch {
    return;
  }
  for (const t of config.functions) {
    if (!matches(t, e)) continue;
    const record = eventRecord(e, t, now, Math.random().toString(16).slice(2, 18).toUpperCase());
    try {
      await deliver(t.functionArn, Buffer.from(JSON.stringify({ Records: [record] })), `arn:aws:s3:::${e.bucket.name}`);
    } catch (err) {
      log(`s3: notification ${t.id} of ${e.bucket.name} to ${t.functionArn} not delivered: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
