/**
 * Delivering the outbox (outbox.ts) to the destinations that are not queues: SNS topics, EventBridge
 * buses and, for failures only, S3 buckets, in the forms Lambda uses
 * (docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html):
 *
 * - a topic gets the invocation record (or, as a dead-letter topic, the event itself with the
 *   `RequestID`, `ErrorCode` and `ErrorMessage` message attributes) as the message;
 * - a bus gets an event with source `lambda`, detail-type `Lambda Function Invocation Result -
 *   Success` or `- Failure`, the record as its detail, and the bus and the function as resources;
 * - a bucket gets the record as a JSON object at
 *   `aws/lambda/async/<function-name>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<uuid>`.
 *
 * The services are reached through ServiceTargets (app.ts wires Nimbus's own), so this room does
 * not import them. A target that does not exist is a dropped record, as on AWS (which counts it in
 * DestinationDeliveryFailures); any other failure is retried by the outbox. A topic or a bus has
 * no idempotency key, so a crash between the delivery and the outbox's cleanup may deliver one
 * record twice (at least once, as on AWS); a bucket's key is derived from the outbox row, so a
 * repeat overwrites the same object.
 */
import { createHash } from 'node:crypto';
import type { Scope } from '../core/model.js';
import type { HandOver } from './outbox.js';
import { parseDestination } from './records.js';
import type { StoredMessage } from './types.js';

/** Thrown by a ServiceTargets method when its target does not exist: the record is dropped. */
export class TargetGone extends Error {}

export interface ServiceTargets {
  publish(topicArn: string, message: string, attributes: Record<string, string>): Promise<void>;
  putEvent(busArn: string, event: { source: string; detailType: string; detail: string; resources: string[] }): Promise<void>;
  putObject(scope: Scope, bucket: string, key: string, body: Buffer, contentType: string): Promise<void>;
}

interface RecordFields {
  condition: string;
  functionArn: string;
  timestamp: string;
}

function recordFields(body: string): RecordFields | undefined {
  try {
    const r = JSON.parse(body) as { timestamp?: unknown; requestContext?: { condition?: unknown; functionArn?: unknown } };
    const c = r.requestContext;
    if (typeof c?.condition === 'string' && typeof c.functionArn === 'string' && typeof r.timestamp === 'string') {
      return { condition: c.condition, functionArn: c.functionArn, timestamp: r.timestamp };
    }
  } catch {
    // Not a record.
  }
  return undefined;
}

/** A UUID-shaped name derived from the hand-over key: the same record always lands on the same object. */
function stableUuid(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The object key Lambda writes a failure record under. */
export function failureObjectKey(functionArn: string, timestamp: string, uuid: string): string {
  const name = functionArn.split(':')[6] ?? 'function';
  const t = new Date(timestamp);
  const iso = (Number.isNaN(t.getTime()) ? new Date(0) : t).toISOString();
  const [y, m, d] = [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10)];
  return `aws/lambda/async/${name}/${y}/${m}/${d}/${iso.slice(0, 10)}T${iso.slice(11, 19).replace(/:/g, '.')}-${uuid}`;
}

export function serviceHandOver(targets: ServiceTargets): (m: StoredMessage, key: string) => Promise<HandOver> {
  return async (m, key) => {
    const d = parseDestination(m.queue);
    if (!d || d.kind === 'function' || d.kind === 'queue') return { kind: 'dropped', reason: `${m.queue} is not a topic, bus or bucket` };
    try {
      if (d.kind === 'topic') {
        await targets.publish(m.queue, m.body, m.attributes);
        return { kind: 'delivered' };
      }
      const record = recordFields(m.body);
      if (!record) return { kind: 'dropped', reason: `a message for ${m.queue} is not an invocation record` };
      if (d.kind === 'bus') {
        await targets.putEvent(m.queue, {
          source: 'lambda',
          detailType: `Lambda Function Invocation Result - ${record.condition === 'Success' ? 'Success' : 'Failure'}`,
          detail: m.body,
          resources: [m.queue, record.functionArn],
        });
        return { kind: 'delivered' };
      }
      const objectKey = failureObjectKey(record.functionArn, record.timestamp, stableUuid(key));
      await targets.putObject({ accountId: m.accountId, region: m.region }, d.name, objectKey, Buffer.from(m.body), 'application/json');
      return { kind: 'delivered' };
    } catch (e) {
      if (e instanceof TargetGone) return { kind: 'dropped', reason: e.message };
      throw e;
    }
  };
}
