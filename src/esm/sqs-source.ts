/**
 * Amazon SQS as an event source (Lambda developer guide, "Using Lambda with Amazon SQS"), read
 * through the SQS service's programmatic API: no HTTP, no polling - the service calls back when
 * a queue may have gained visible messages.
 *
 * The event is Lambda's (docs/reference/lambda-api.md §5.2), checked against AWS's deliveries
 * recorded in aws-recordings/snap_sqs.json: system attributes as strings, message attributes with
 * lower-camel keys and empty list members, `md5OfMessageAttributes` null when there are none.
 */
import { invalidParameter } from '../core/errors.js';
import type { Scope } from '../core/model.js';
import { effectiveAttributes } from '../sqs/attributes.js';
import { SqsError } from '../sqs/errors.js';
import { md5OfAttributes } from '../sqs/md5.js';
import type { SqsService } from '../sqs/service.js';
import type { MessageAttributes, ReceivedMessage } from '../sqs/types.js';
import type { MappingCheck, MappingSpec, SourceKind, SourceReader, SourceRecord } from './types.js';

const SQS_ARN = /^arn:aws[a-zA-Z-]*:sqs:/;
/** The system attributes Lambda puts in a record (with the FIFO ones when they apply). */
const RECORD_ATTRIBUTES = ['ApproximateReceiveCount', 'SentTimestamp', 'SenderId', 'ApproximateFirstReceiveTimestamp', 'SequenceNumber', 'MessageGroupId', 'MessageDeduplicationId', 'AWSTraceHeader'];
/** Lambda's limits for SQS: batches above 10 need a batching window; FIFO queues take 10 at most. */
const UNWINDOWED_MAX = 10;

const isMissingQueue = (e: unknown): boolean => e instanceof SqsError && e.code === 'AWS.SimpleQueueService.NonExistentQueue';

export function sqsSource(sqs: SqsService): SourceKind {
  const queueOf = async (scope: Scope, arn: string) => {
    try {
      return await sqs.queue(scope, arn);
    } catch (e) {
      // Recorded against AWS (test_esm_with_not_existing_sqs_queue).
      if (isMissingQueue(e)) {
        throw invalidParameter('Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist.');
      }
      throw e;
    }
  };
  return {
    name: 'SQS',
    accepts: (arn) => SQS_ARN.test(arn),
    async check(m: MappingCheck): Promise<void> {
      const q = await queueOf(m, m.eventSourceArn);
      if (m.batchSize > UNWINDOWED_MAX && m.batchingWindowSeconds < 1) {
        // Recorded against AWS (test_event_source_mapping_default_batch_size).
        throw invalidParameter('Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
      }
      if (q.fifo && m.batchSize > UNWINDOWED_MAX) {
        // The limit is documented (CreateEventSourceMapping, BatchSize); this wording is Nimbus's.
        throw invalidParameter(`BatchSize ${m.batchSize} is too large for a FIFO queue: the maximum is ${UNWINDOWED_MAX}.`);
      }
      const visibility = Number(effectiveAttributes(q)['VisibilityTimeout']);
      if (visibility < m.functionTimeout) {
        throw invalidParameter(`Queue visibility timeout: ${visibility} seconds is less than Function timeout: ${m.functionTimeout} seconds`);
      }
    },
    ordered: async (arn, scope) => {
      try {
        return (await sqs.queue(scope, arn)).fifo;
      } catch (e) {
        if (isMissingQueue(e)) return false;
        throw e;
      }
    },
    open: (spec) => sqsReader(sqs, spec),
  };
}

function sqsReader(sqs: SqsService, spec: MappingSpec): SourceReader {
  const scope: Scope = { accountId: spec.accountId, region: spec.region };
  const arn = spec.eventSourceArn;
  const region = arn.split(':')[3] ?? spec.region;
  return {
    async read(max) {
      const q = await sqs.queue(scope, arn);
      const visibilityMs = Number(effectiveAttributes(q)['VisibilityTimeout']) * 1000;
      const now = sqs.engine.clock.now();
      const got = await sqs.receive(scope, arn, { max: Math.min(max, UNWINDOWED_MAX) });
      return got.map((m) => ({
        id: m.messageId,
        record: sqsRecord(m, arn, region),
        group: m.attributes['MessageGroupId'],
        sentAt: Number(m.attributes['SentTimestamp']),
        deadline: now + visibilityMs,
      }));
    },
    async ack(records) {
      for (const r of records) {
        try {
          await sqs.delete(scope, arn, String(r.record['receiptHandle']));
        } catch (e) {
          // The queue went away meanwhile: nothing is left to delete.
          if (!isMissingQueue(e)) throw e;
        }
      }
    },
    watch: (fn) => {
      // Subscribing looks the queue up first; an unsubscribe that comes before it ends the subscription as soon as it exists.
      let unwatch: (() => void) | undefined;
      let ended = false;
      sqs.subscribe(scope, arn, fn).then(
        (u) => (ended ? u() : (unwatch = u)),
        () => undefined,
      );
      return () => {
        ended = true;
        unwatch?.();
      };
    },
    event: (records) => Buffer.from(JSON.stringify({ Records: records.map((r) => r.record) })),
    async lag() {
      const b = await sqs.backlog(scope, arn);
      const now = sqs.engine.clock.now();
      return { waiting: b.visible + b.delayed, inFlight: b.inFlight, oldestAgeMs: b.oldestVisibleSentAt === undefined ? undefined : now - b.oldestVisibleSentAt };
    },
  };
}

/** One record of Lambda's SQS event. */
export function sqsRecord(m: ReceivedMessage, arn: string, region: string): SourceRecord['record'] {
  const attributes: Record<string, string> = {};
  for (const name of RECORD_ATTRIBUTES) {
    const v = m.attributes[name];
    if (v !== undefined) attributes[name] = v;
  }
  const hasAttributes = Object.keys(m.messageAttributes).length > 0;
  return {
    messageId: m.messageId,
    receiptHandle: m.receiptHandle,
    body: m.body,
    attributes,
    messageAttributes: lowerCamel(m.messageAttributes),
    md5OfMessageAttributes: hasAttributes ? (md5OfAttributes(m.messageAttributes) ?? null) : null,
    md5OfBody: m.md5OfBody,
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: region,
  };
}

function lowerCamel(attrs: MessageAttributes): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, a] of Object.entries(attrs)) {
    out[name] = {
      ...(a.StringValue !== undefined ? { stringValue: a.StringValue } : {}),
      ...(a.BinaryValue !== undefined ? { binaryValue: a.BinaryValue } : {}),
      stringListValues: [],
      binaryListValues: [],
      dataType: a.DataType,
    };
  }
  return out;
}
