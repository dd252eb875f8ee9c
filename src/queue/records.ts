/**
 * Where a finished event's outcome goes: Lambda's invocation record to the OnSuccess/OnFailure
 * destination (another function, a queue, a topic, an event bus or, on failure, a bucket of Nimbus),
 * and the bare event to the dead-letter queue or topic (docs/reference/lambda-api.md §1.4.5; docs/reference/reliability-and-isolation.md §1.2).
 *
 * Built-in queues are named by SQS-shaped ARNs, `arn:aws:sqs:<region>:<account>:<name>`: a
 * template written for AWS keeps working, and the messages are read through /nimbus/v1/queues
 * and `nimbus queue`.
 */
import { randomUUID } from 'node:crypto';
import type { Scope } from '../core/model.js';
import type { AttemptOutcome } from './retry.js';
import type { AsyncEvent, Condition, NewEvent, NewMessage } from './types.js';

const LAMBDA_ARN = /^arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):function:([a-zA-Z0-9-_]{1,64})(?::(\$LATEST|[a-zA-Z0-9-_]+))?$/;
const SQS_ARN = /^arn:aws[a-zA-Z-]*:sqs:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):([a-zA-Z0-9-_]{1,80})$/;
const SNS_ARN = /^arn:aws[a-zA-Z-]*:sns:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):([a-zA-Z0-9-_]{1,256})$/;
const BUS_ARN = /^arn:aws[a-zA-Z-]*:events:([a-z]{2}(?:-gov)?-[a-z]+-\d):(\d{12}):event-bus\/([A-Za-z0-9._\-/]{1,256})$/;
const S3_ARN = /^arn:aws[a-zA-Z-]*:s3:::([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])$/;

export type Destination =
  | { kind: 'function'; region: string; accountId: string; name: string; qualifier: string | undefined }
  | { kind: 'queue'; region: string; accountId: string; name: string }
  /** An SNS topic, an EventBridge bus or an S3 bucket: the outbox hands these to their service by ARN. */
  | { kind: 'topic' | 'bus'; region: string; accountId: string; name: string }
  | { kind: 'bucket'; name: string };

/** Parses a destination ARN Nimbus can deliver to; undefined for anything else. */
export function parseDestination(arn: string): Destination | undefined {
  const f = LAMBDA_ARN.exec(arn);
  if (f) return { kind: 'function', region: f[1]!, accountId: f[2]!, name: f[3]!, qualifier: f[4] };
  const q = SQS_ARN.exec(arn);
  if (q) return { kind: 'queue', region: q[1]!, accountId: q[2]!, name: q[3]! };
  const t = SNS_ARN.exec(arn);
  if (t) return { kind: 'topic', region: t[1]!, accountId: t[2]!, name: t[3]! };
  const b = BUS_ARN.exec(arn);
  if (b) return { kind: 'bus', region: b[1]!, accountId: b[2]!, name: b[3]! };
  const s = S3_ARN.exec(arn);
  if (s) return { kind: 'bucket', name: s[1]! };
  return undefined;
}

/**
 * An outbox message bound for a topic, a bus or a bucket carries the destination's ARN where a
 * queue message carries the queue's name (queue names have no ':'), so the outbox's rows and
 * their schema stay as they are.
 */
export const isServiceTarget = (queue: string): boolean => queue.startsWith('arn:');

/** The record's `requestPayload`/`responsePayload`: JSON when it parses, else the text. */
function asJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return b.toString('utf8');
  }
}

/** Lambda's asynchronous invocation record. */
export function invocationRecord(ev: AsyncEvent, condition: Condition, approximateInvokeCount: number, outcome: AttemptOutcome | undefined, now: number): Record<string, unknown> {
  const record: Record<string, unknown> = {
    version: '1.0',
    timestamp: new Date(now).toISOString(),
    requestContext: {
      requestId: ev.id,
      functionArn: `arn:aws:lambda:${ev.region}:${ev.accountId}:function:${ev.functionName}:${ev.qualifier ?? '$LATEST'}`,
      condition,
      approximateInvokeCount,
    },
    requestPayload: asJson(ev.payload),
  };
  if (outcome && (outcome.kind === 'success' || outcome.kind === 'function-error')) {
    record['responseContext'] = {
      statusCode: 200,
      executedVersion: outcome.executedVersion,
      ...(outcome.kind === 'function-error' ? { functionError: 'Unhandled' } : {}),
    };
    record['responsePayload'] = asJson(outcome.payload);
  }
  return record;
}

/**
 * Turns a record into what is sent: a new async event for a function, an outbox message for a
 * queue, topic, bus or bucket. `origin` is the finished event's account and region (a bucket's ARN names neither).
 */
export function deliver(arn: string, body: string, attributes: Record<string, string>, now: number, origin: Scope): { events: NewEvent[]; messages: NewMessage[] } {
  const d = parseDestination(arn);
  if (!d) return { events: [], messages: [] };
  if (d.kind === 'queue') {
    return { events: [], messages: [{ accountId: d.accountId, region: d.region, queue: d.name, body, attributes, sentAt: now }] };
  }
  if (d.kind !== 'function') {
    const scope = d.kind === 'bucket' ? { accountId: origin.accountId, region: origin.region } : { accountId: d.accountId, region: d.region };
    return { events: [], messages: [{ ...scope, queue: arn, body, attributes, sentAt: now }] };
  }
  return {
    events: [
      {
        id: randomUUID(),
        accountId: d.accountId,
        region: d.region,
        functionName: d.name,
        qualifier: d.qualifier,
        payload: Buffer.from(body),
        source: 'destination',
        enqueuedAt: now,
      },
    ],
    messages: [],
  };
}

/** The dead-letter message: the event itself, with RequestID, ErrorCode and the first 1 KB of ErrorMessage. */
export function deadLetterAttributes(ev: AsyncEvent, outcome: AttemptOutcome | undefined, condition: Condition): Record<string, string> {
  let code = '200';
  let message: string = condition;
  if (outcome?.kind === 'function-error') message = outcome.payload.toString('utf8');
  else if (outcome?.kind === 'throttle') {
    code = '429';
    message = outcome.message;
  } else if (outcome?.kind === 'system-error') {
    code = '500';
    message = outcome.message;
  }
  return { RequestID: ev.id, ErrorCode: code, ErrorMessage: Buffer.from(message).subarray(0, 1024).toString('utf8') };
}
