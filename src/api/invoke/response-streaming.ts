/**
 * InvokeWithResponseStream (`POST /2021-11-15/functions/{name}/response-streaming-invocations`,
 * docs/reference/response-streaming.md): the request is Invoke's (RequestResponse or DryRun), the
 * answer is 200 with an event stream that carries the function's response as the runtime produces
 * it (event-stream.ts). Errors the invocation meets before it starts (unknown function, throttling,
 * a bad payload) are ordinary error responses; once it runs, failures arrive in InvokeComplete.
 */
import { randomUUID } from 'node:crypto';
import { NimbusError } from '../../core/errors.js';
import type { Invoker } from '../../invoke/invoker.js';
import type { FunctionService } from '../functions/service.js';
import type { Handler } from '../http/context.js';
import { EventStreamSink } from './event-stream.js';
import { checkJson, clientContext, SYNC_PAYLOAD_LIMIT, tenantOf } from './request.js';

const EMPTY_EVENT = Buffer.from('{}');

export function responseStreamingHandler(functions: FunctionService, invoker: Invoker): Handler {
  return async (ctx) => {
    const h = ctx.req.headers;
    const type = (h['x-amz-invocation-type'] as string | undefined) ?? 'RequestResponse';
    if (type !== 'RequestResponse' && type !== 'DryRun') {
      throw new NimbusError(
        'ERR_VALIDATION',
        `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]`,
      );
    }
    const { fn, qualifier } = await functions.resolve(ctx.scope, ctx.params['FunctionName'] ?? '', ctx.query.get('Qualifier') ?? undefined, { weighted: true });
    const payload = await ctx.body(SYNC_PAYLOAD_LIMIT, 'InvokeWithResponseStream');
    checkJson(payload);
    const tenantId = tenantOf(h, fn);
    const context = clientContext(h['x-amz-client-context']);
    if (type === 'DryRun') return { status: 204 };
    const requestId = randomUUID();
    const tailLogs = h['x-amz-log-type'] === 'Tail';
    return {
      status: 200,
      stream: async (res) => {
        const sink = new EventStreamSink(res, { 'x-amzn-RequestId': requestId, 'X-Amz-Executed-Version': fn.version }, invoker.streamLimitBytes);
        const result = await invoker.invoke({
          fn,
          qualifier,
          payload: payload.length ? payload : EMPTY_EVENT,
          tailLogs,
          clientContext: context,
          traceId: typeof h['x-amzn-trace-id'] === 'string' ? h['x-amzn-trace-id'] : undefined,
          requestId,
          tenantId,
          sink,
        });
        sink.complete({
          ErrorCode: result.functionError ? (result.errorType ?? result.functionError) : undefined,
          ErrorDetails: result.functionError ? result.payload.toString('utf8') : undefined,
          LogResult: result.logResult,
        });
      },
    };
  };
}
