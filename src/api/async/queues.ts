/**
 * Nimbus's own view of its SQS queues, under /nimbus/v1/queues (paths in api/table.ts), for
 * `nimbus queues` and `nimbus queue`: every queue of the caller's account and region with its
 * counts, and a queue's messages read without receiving them (no visibility timeout starts, no
 * receive is counted) or deleted by position. Async destinations and dead-letter configs write
 * to these queues (src/queue/sqs-target.ts); any SQS client reads them too.
 */
import { validationError } from '../../core/errors.js';
import type { SqsService } from '../../sqs/service.js';
import { SqsError } from '../../sqs/errors.js';
import type { InspectedMessage } from '../../sqs/types.js';
import { json, type Handler } from '../http/context.js';
import { intParam } from '../http/wire-format.js';

/** The queue a name, URL or ARN designates is missing: it has no messages (it may be created by the first delivery). */
const missing = (e: unknown): boolean => e instanceof SqsError && e.code === 'AWS.SimpleQueueService.NonExistentQueue';

export function queueHandlers(sqs: SqsService) {
  return {
    listQueues: async (ctx) =>
      json(200, {
        queues: (await sqs.overview(ctx.scope)).map((o) => ({
          name: o.queue.name,
          arn: o.arn,
          url: `${ctx.baseUrl}/${o.queue.accountId}/${o.queue.name}`,
          fifo: o.queue.fifo,
          messages: o.visible + o.inFlight + o.delayed,
          visible: o.visible,
          inFlight: o.inFlight,
          delayed: o.delayed,
        })),
      }),

    readMessages: async (ctx) => {
      const after = intParam(ctx.query.get('after'), 'after', 0, Number.MAX_SAFE_INTEGER) ?? 0;
      const limit = intParam(ctx.query.get('limit'), 'limit', 1, 1000) ?? 100;
      let messages: InspectedMessage[];
      try {
        messages = await sqs.inspect(ctx.scope, ctx.params['name'] ?? '', after, limit);
      } catch (e) {
        if (!missing(e)) throw e;
        messages = [];
      }
      return json(200, { messages: messages.map(shape), next: messages.length ? messages[messages.length - 1]!.seq : after });
    },

    deleteMessages: async (ctx) => {
      const ids = (ctx.query.get('ids') ?? '').split(',').filter(Boolean).map(Number);
      if (ids.some((n) => !Number.isInteger(n))) throw validationError(ctx.query.get('ids'), 'ids', 'Member must be a comma-separated list of message ids');
      try {
        return json(200, { deleted: await sqs.discard(ctx.scope, ctx.params['name'] ?? '', ids) });
      } catch (e) {
        if (!missing(e)) throw e;
        return json(200, { deleted: 0 });
      }
    },
  } satisfies Record<string, Handler>;
}

/** `attributes` keeps the flat name-to-value form the built-in queues had; `messageAttributes` is SQS's. */
function shape(m: InspectedMessage): Record<string, unknown> {
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.attributes)) flat[k] = v.StringValue ?? v.BinaryValue ?? '';
  return {
    id: m.seq,
    messageId: m.messageId,
    sentAt: new Date(m.sentAt).toISOString(),
    body: m.body,
    attributes: flat,
    messageAttributes: m.attributes,
    receiveCount: m.receiveCount,
    visible: m.visible,
    ...(m.groupId !== undefined ? { groupId: m.groupId } : {}),
  };
}
