/**
 * Checks a message before it is enqueued, against the queue it goes to. Shared by SendMessage,
 * SendMessageBatch and Nimbus's internal senders. Wording recorded against AWS (LocalStack
 * validated snapshots) except where marked.
 */
import { effectiveAttributes } from './attributes.js';
import { invalidParameterValue, invalidValue, missingParameter } from './errors.js';
import { MAX_DELAY_SECONDS } from './limits.js';
import type { OutgoingMessage, QueueRecord } from './types.js';
import { checkBody, checkFifoId, checkMessageAttributes, checkSystemAttributes, messageSize } from './validate.js';

/**
 * Throws the SqsError SendMessage would answer with. `inBatch` words the size error as the
 * batch entry error AWS records ("cannot be validated") and the missing group id as
 * InvalidParameterValue (recorded for SendMessageBatch) rather than MissingParameter.
 */
export function checkOutgoing(q: QueueRecord, m: OutgoingMessage, inBatch: boolean): void {
  checkBody(m.body);
  checkMessageAttributes(m.attributes);
  checkSystemAttributes(m.systemAttributes);
  const max = Number(effectiveAttributes(q)['MaximumMessageSize']);
  if (messageSize(m.body, m.attributes) > max) {
    throw invalidParameterValue(`One or more parameters ${inBatch ? 'cannot be validated' : 'are invalid'}. Reason: Message must be shorter than ${max} bytes.`);
  }
  if (m.delaySeconds !== undefined) {
    if (q.fifo && m.delaySeconds !== 0) {
      throw invalidValue('DelaySeconds', m.delaySeconds, 'The request include parameter that is not valid for this queue type.');
    }
    if (!Number.isInteger(m.delaySeconds) || m.delaySeconds < 0 || m.delaySeconds > MAX_DELAY_SECONDS) {
      // Same pattern as the recorded WaitTimeSeconds/MaxNumberOfMessages range errors.
      throw invalidValue('DelaySeconds', m.delaySeconds, `Must be >= 0 and <= ${MAX_DELAY_SECONDS}, if provided.`);
    }
  }
  if (m.groupId !== undefined) checkFifoId('MessageGroupId', m.groupId);
  if (m.deduplicationId !== undefined) {
    if (!q.fifo) {
      throw invalidValue('MessageDeduplicationId', m.deduplicationId, 'The request includes a parameter that is not valid for this queue type.');
    }
    checkFifoId('MessageDeduplicationId', m.deduplicationId);
  }
  if (q.fifo) {
    if (m.groupId === undefined) {
      if (inBatch) throw invalidParameterValue('The request must contain the parameter MessageGroupId.');
      throw missingParameter('MessageGroupId');
    }
    if (m.deduplicationId === undefined && effectiveAttributes(q)['ContentBasedDeduplication'] !== 'true') {
      throw invalidParameterValue('The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
    }
  }
}
