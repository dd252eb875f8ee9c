/**
 * Publish: the message goes to every subscription of the topic whose filter policy takes it,
 * each in its protocol's form, and the answer waits until every delivery is durable.
 *
 * - `lambda`: an asynchronous invocation (through the durable async queue, as SNS invokes
 *   Lambda asynchronously) with SNS's Records envelope, member order as in the Lambda developer
 *   guide's sample SNS event; `Subject` is null when none was given.
 * - `sqs`: the JSON notification (Type, MessageId, TopicArn, Subject, Message, Timestamp, ...),
 *   or with RawMessageDelivery the message itself, its attributes as SQS message attributes.
 *
 * Signatures cannot be AWS's (Nimbus holds no SNS signing key): `Signature` is a fixed
 * placeholder and the certificate and unsubscribe URLs point at the Nimbus that delivered.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { Scope } from '../core/model.js';
import { compileFilterPolicy, matchesFilterPolicy, type FilterPolicyScope } from '../events/sns-filter.js';
import { invalidParameter, invalidParameterValue } from './errors.js';
import { messageAttributes, type QueryAttribute, type XmlValue } from './query.js';
import type { SnsStore, SubscriptionRecord, TopicRecord } from './store.js';
import { missing, topicOf } from './topics.js';
import type { Caller } from './policy.js';

/** SNS's message size limit (256 KB). */
const MAX_MESSAGE_BYTES = 262_144;
const MAX_ATTRIBUTES = 10;
const SIGNATURE = 'TklNQlVTLVNJR05BVFVSRQ==';

/** What the composition root plugs in: the durable ways out of SNS. */
export interface SnsSinks {
  /** `sourceArn`: the topic's ARN; a function of another account takes it only if its resource policy allows sns.amazonaws.com. */
  invokeAsync(scope: Scope, functionName: string, qualifier: string | undefined, payload: Buffer, source: string, sourceArn?: string): Promise<void>;
  /** `sourceArn`: the topic's ARN; the queue's policy decides whether sns.amazonaws.com may send for it. */
  sendToQueue(queueArn: string, body: string, attributes: Record<string, QueryAttribute>, sourceArn?: string): void;
}

export interface PublishDeps {
  store: SnsStore;
  clock: Clock;
  sinks: SnsSinks;
  log: (line: string) => void;
}

const LAMBDA_ARN = /^arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):function:([a-zA-Z0-9-_]{1,64})(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;

export async function publish(deps: PublishDeps, scope: Scope, p: URLSearchParams, baseUrl: string, caller?: Caller): Promise<{ [k: string]: XmlValue }> {
  const arn = p.get('TopicArn') ?? p.get('TargetArn');
  if (arn === null) throw missing('topicArn');
  const topic = topicOf(deps, scope, arn, { caller, operation: 'Publish' });
  const message = p.get('Message');
  if (message === null) throw missing('message');
  if (message === '') throw invalidParameter('Invalid parameter: Empty message');
  if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) throw invalidParameter('Invalid parameter: Message too long');
  const subject = p.get('Subject') ?? undefined;
  if (subject !== undefined && (subject === '' || subject.length > 100 || /[\r\n]/.test(subject))) throw invalidParameter('Invalid parameter: Subject');
  const attributes = checkAttributes(messageAttributes(p));
  const perProtocol = structured(p.get('MessageStructure'), message);
  const messageId = randomUUID();
  const timestamp = new Date(deps.clock.now()).toISOString();
  const deliveries: Promise<void>[] = [];
  for (const sub of deps.store.subscriptionsOf(topic.arn)) {
    const text = perProtocol ? (perProtocol[sub.protocol] ?? perProtocol['default']!) : message;
    if (!takes(sub, text, attributes)) continue;
    const n: Notification = { topic, sub, messageId, message: text, subject, timestamp, attributes, baseUrl };
    if (sub.protocol === 'lambda') {
      const m = LAMBDA_ARN.exec(sub.endpoint);
      if (!m) continue;
      deliveries.push(deps.sinks.invokeAsync({ region: m[1]!, accountId: m[2]! }, m[3]!, m[4], Buffer.from(JSON.stringify(lambdaEvent(n))), `sns:${topic.name}`, topic.arn));
    } else {
      try {
        if (sub.attributes['RawMessageDelivery'] === 'true') deps.sinks.sendToQueue(sub.endpoint, text, attributes, topic.arn);
        else deps.sinks.sendToQueue(sub.endpoint, JSON.stringify(sqsNotification(n)), {}, topic.arn);
      } catch (e) {
        // As on AWS, a queue that cannot take the message (deleted, say) misses it; Nimbus logs it.
        deps.log(`sns: ${sub.arn}: not delivered to ${sub.endpoint}: ${(e as Error).message}`);
      }
    }
  }
  await Promise.all(deliveries);
  return { MessageId: messageId };
}

interface Notification {
  topic: TopicRecord;
  sub: SubscriptionRecord;
  messageId: string;
  message: string;
  subject: string | undefined;
  timestamp: string;
  attributes: Record<string, QueryAttribute>;
  baseUrl: string;
}

function takes(sub: SubscriptionRecord, message: string, attributes: Record<string, QueryAttribute>): boolean {
  const policy = sub.attributes['FilterPolicy'];
  if (policy === undefined) return true;
  const compiled = compileFilterPolicy(policy, (sub.attributes['FilterPolicyScope'] ?? 'MessageAttributes') as FilterPolicyScope);
  // Policies were checked when set; one that no longer compiles takes nothing rather than everything.
  return compiled.ok && matchesFilterPolicy(compiled.policy, { body: message, attributes });
}

const unsubscribeUrl = (n: Notification): string => `${n.baseUrl}/?Action=Unsubscribe&SubscriptionArn=${n.sub.arn}`;
const certUrl = (n: Notification): string => `${n.baseUrl}/SimpleNotificationService-nimbus.pem`;

function typedAttributes(attrs: Record<string, QueryAttribute>): Record<string, { Type: string; Value: string }> {
  const out: Record<string, { Type: string; Value: string }> = {};
  for (const [k, a] of Object.entries(attrs)) out[k] = { Type: a.DataType, Value: a.StringValue ?? a.BinaryValue ?? '' };
  return out;
}

/** The Lambda event for one subscription (Lambda developer guide, "Using Lambda with Amazon SNS"). */
export function lambdaEvent(n: Notification): Record<string, unknown> {
  return {
    Records: [
      {
        EventVersion: '1.0',
        EventSubscriptionArn: n.sub.arn,
        EventSource: 'aws:sns',
        Sns: {
          SignatureVersion: '1',
          Timestamp: n.timestamp,
          Signature: SIGNATURE,
          SigningCertUrl: certUrl(n),
          MessageId: n.messageId,
          Message: n.message,
          MessageAttributes: typedAttributes(n.attributes),
          Type: 'Notification',
          UnsubscribeUrl: unsubscribeUrl(n),
          TopicArn: n.topic.arn,
          Subject: n.subject ?? null,
        },
      },
    ],
  };
}

/** The JSON an SQS subscriber receives (SNS developer guide, "Amazon SNS message and JSON formats"). */
function sqsNotification(n: Notification): Record<string, unknown> {
  return {
    Type: 'Notification',
    MessageId: n.messageId,
    TopicArn: n.topic.arn,
    ...(n.subject !== undefined ? { Subject: n.subject } : {}),
    Message: n.message,
    Timestamp: n.timestamp,
    SignatureVersion: '1',
    Signature: SIGNATURE,
    SigningCertURL: certUrl(n),
    UnsubscribeURL: unsubscribeUrl(n),
    ...(Object.keys(n.attributes).length > 0 ? { MessageAttributes: typedAttributes(n.attributes) } : {}),
  };
}

/** MessageStructure=json: a message per protocol, with a required `default`. */
function structured(kind: string | null, message: string): Record<string, string> | undefined {
  if (kind === null) return undefined;
  if (kind !== 'json') throw invalidParameter('Invalid parameter: MessageStructure');
  let doc: unknown;
  try {
    doc = JSON.parse(message);
  } catch {
    throw invalidParameter('Invalid parameter: Message Structure - JSON message body failed to parse');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || typeof (doc as Record<string, unknown>)['default'] !== 'string') {
    throw invalidParameter('Invalid parameter: Message Structure - No default entry in JSON message body');
  }
  return Object.fromEntries(Object.entries(doc as Record<string, unknown>).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
}

/** SNS's message attribute rules, with its InvalidParameterValue messages. */
function checkAttributes(attrs: Record<string, QueryAttribute>): Record<string, QueryAttribute> {
  const names = Object.keys(attrs);
  if (names.length > MAX_ATTRIBUTES) throw invalidParameterValue(`Number of message attributes [${names.length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`);
  for (const [name, a] of Object.entries(attrs)) {
    const type = a.DataType;
    if (!/^(String|Number|Binary)(\..+)?$/.test(type)) {
      throw invalidParameterValue(`The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`);
    }
    const binary = type.startsWith('Binary');
    const value = binary ? a.BinaryValue : a.StringValue;
    if (value === undefined || value === '') {
      throw invalidParameterValue(`The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${type.split('.')[0]}'.`);
    }
    if (type.startsWith('Number') && !/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value.trim())) {
      throw invalidParameterValue(`Could not cast message attribute '${name}' value to number.`);
    }
  }
  return attrs;
}
