/**
 * Delivering the outbox (outbox.ts) to SQS: destination records and dead letters become
 * messages of Nimbus's SQS service, read with any SQS client, `nimbus queue` or an
 * event-source mapping.
 *
 * A target queue that does not exist is created (a standard queue with default attributes).
 * AWS accepts such a configuration too - PutFunctionEventInvokeConfig and DeadLetterConfig are
 * checked against the execution role's permissions, not against the queue - but then drops the
 * record at delivery time (counted in the `DestinationDeliveryFailures`/`DeadLetterErrors`
 * metrics). Nimbus has no IAM and no metrics console to show that loss, and before it had an SQS
 * service a destination queue came into being with its first message; creating the queue keeps
 * that, and keeps the record.
 *
 * Dead letters carry AWS's three message attributes: `RequestID` and `ErrorMessage` (String) and
 * `ErrorCode` (Number), as recorded against AWS (aws-recordings/snap_sqs.json,
 * test_sqs_queue_as_lambda_dead_letter_queue).
 */
import type { SqsService } from '../sqs/service.js';
import { SqsError } from '../sqs/errors.js';
import type { MessageAttributes } from '../sqs/types.js';
import type { HandOver } from './outbox.js';
import type { StoredMessage } from './types.js';

const NUMBER_ATTRIBUTES = new Set(['ErrorCode']);

export function sqsHandOver(sqs: SqsService, log: (line: string) => void): (m: StoredMessage, key: string) => Promise<HandOver> {
  return async (m, key) => {
    const scope = { accountId: m.accountId, region: m.region };
    const attributes: MessageAttributes = {};
    for (const [name, value] of Object.entries(m.attributes)) {
      attributes[name] = { DataType: NUMBER_ATTRIBUTES.has(name) ? 'Number' : 'String', StringValue: value };
    }
    const send = async (): Promise<void> => void (await sqs.send(scope, m.queue, m.body, { attributes, idempotencyKey: key }));
    try {
      await send();
    } catch (e) {
      if (!(e instanceof SqsError)) throw e;
      if (e.code === 'AWS.SimpleQueueService.NonExistentQueue') {
        await sqs.createQueue(scope, m.queue);
        log(`queue: created SQS queue ${m.queue} (${scope.region}, ${scope.accountId}) for an async destination or dead-letter config`);
        await send();
      } else if (e.status === 400) {
        // The message itself is refused (larger than the queue's MaximumMessageSize): it can never go.
        return { kind: 'dropped', reason: `${e.code}: ${e.message}` };
      } else throw e;
    }
    return { kind: 'delivered' };
  };
}
