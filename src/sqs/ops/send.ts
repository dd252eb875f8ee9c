/** SendMessage and SendMessageBatch. */
import { effectiveAttributes } from '../attributes.js';
import { batchRequestTooLong, invalidParameterValue, missingParameter } from '../errors.js';
import { MAX_BATCH_PAYLOAD } from '../limits.js';
import { checkOutgoing } from '../outgoing.js';
import type { Params } from '../protocol/shapes.js';
import type { MessageAttributes, OutgoingMessage, QueueRecord, SentMessage } from '../types.js';
import { messageSize } from '../validate.js';
import { checkBatch, perEntry } from './batch.js';
import { attrMap, entries, int, type OpContext, type Operation, queueOf, str } from './context.js';

function outgoing(ctx: OpContext, p: Params, systemAttributes?: MessageAttributes): OutgoingMessage {
  const body = str(p, 'MessageBody');
  if (body === undefined || body === '') throw missingParameter('MessageBody');
  const m: OutgoingMessage = { body, senderId: ctx.scope.accountId };
  const attributes = attrMap(p, 'MessageAttributes');
  if (attributes && Object.keys(attributes).length > 0) m.attributes = attributes;
  const system = attrMap(p, 'MessageSystemAttributes') ?? systemAttributes;
  if (system && Object.keys(system).length > 0) m.systemAttributes = system;
  const delay = int(p, 'DelaySeconds');
  if (delay !== undefined) m.delaySeconds = delay;
  const group = str(p, 'MessageGroupId');
  if (group !== undefined) m.groupId = group;
  const dedup = str(p, 'MessageDeduplicationId');
  if (dedup !== undefined) m.deduplicationId = dedup;
  return m;
}

const sent = (r: SentMessage): Record<string, unknown> => ({
  MessageId: r.messageId,
  MD5OfMessageBody: r.md5OfBody,
  ...(r.md5OfAttributes ? { MD5OfMessageAttributes: r.md5OfAttributes } : {}),
  ...(r.md5OfSystemAttributes ? { MD5OfMessageSystemAttributes: r.md5OfSystemAttributes } : {}),
  ...(r.sequenceNumber ? { SequenceNumber: r.sequenceNumber } : {}),
});

export const sendMessage: Operation = async (ctx, p) => {
  const q = await queueOf(ctx, p);
  // An X-Ray trace header on the request becomes the AWSTraceHeader system attribute (recorded).
  const trace = ctx.headers['x-amzn-trace-id'];
  const m = outgoing(ctx, p, trace ? { AWSTraceHeader: { DataType: 'String', StringValue: trace } } : undefined);
  checkOutgoing(q, m, false);
  const [r] = await ctx.engine.enqueueGrouped(q, [m]);
  if (!r) throw new Error('SendMessage produced no result');
  return sent(r);
};

/** FIFO rules AWS applies to the whole batch request rather than per entry (recorded). */
function checkFifoBatch(q: QueueRecord, list: Params[]): void {
  const contentDedup = effectiveAttributes(q)['ContentBasedDeduplication'] === 'true';
  for (const e of list) {
    if (str(e, 'MessageGroupId') === undefined) throw invalidParameterValue('The request must contain the parameter MessageGroupId.');
    if (str(e, 'MessageDeduplicationId') === undefined && !contentDedup) {
      throw invalidParameterValue('The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
    }
  }
}

export const sendMessageBatch: Operation = async (ctx, p) => {
  const q = await queueOf(ctx, p);
  const list = entries(p);
  checkBatch(list, 'SendMessageBatchRequestEntry');
  let total = 0;
  for (const e of list) total += messageSize(str(e, 'MessageBody') ?? '', attrMap(e, 'MessageAttributes'));
  if (total > MAX_BATCH_PAYLOAD) throw batchRequestTooLong(MAX_BATCH_PAYLOAD, total);
  if (q.fifo) checkFifoBatch(q, list);
  const checked = perEntry(list, (e) => {
    const m = outgoing(ctx, e);
    checkOutgoing(q, m, true);
    return m;
  });
  const results = await ctx.engine.enqueueGrouped(q, checked.ok.map((o) => o.value));
  return {
    Successful: checked.ok.map((o, i) => {
      const r = results[i];
      if (!r) throw new Error('SendMessageBatch lost a result');
      return { Id: o.id, ...sent(r) };
    }),
    ...(checked.failed.length > 0 ? { Failed: checked.failed } : {}),
  };
};
