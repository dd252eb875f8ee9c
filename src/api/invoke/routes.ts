/** Invoke (docs/reference/lambda-api.md §2): RequestResponse, DryRun, and Event through the durable queue (docs/async.md); paths in api/table.ts. */
import type { FunctionService } from '../functions/service.js';
import { NimbusError } from '../../core/errors.js';
import { INVOKE_ASYNC_PAYLOAD_LIMIT, type AsyncInvoker } from '../../invoke/async.js';
import type { Invoker } from '../../invoke/invoker.js';
import type { Handler } from '../http/context.js';
import { invokeDurable } from '../durable/invoke.js';
import type { DurableApi } from '../durable/routes.js';
import { checkJson, clientContext, SYNC_PAYLOAD_LIMIT, tenantOf } from './request.js';

const EMPTY_EVENT = Buffer.from('{}');

export function invokeHandlers(functions: FunctionService, invoker: Invoker, events: AsyncInvoker, durable?: { api: DurableApi; timeScale: number }) {
  return {
    invoke: async (ctx) => {
      const h = ctx.req.headers;
      const type = (h['x-amz-invocation-type'] as string | undefined) ?? 'RequestResponse';
      if (type !== 'RequestResponse' && type !== 'Event' && type !== 'DryRun') {
        throw new NimbusError(
          'ERR_VALIDATION',
          `1 validation error detected: Value '${type}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
        );
      }
      // An alias picks its version by routing weight here, once per invocation (docs/reference/lambda-api.md §1.4.4).
      const { fn, qualifier } = await functions.resolve(ctx.scope, ctx.params['FunctionName'] ?? '', ctx.query.get('Qualifier') ?? undefined, {
        weighted: true,
      });
      const payload = await ctx.body(SYNC_PAYLOAD_LIMIT, 'InvokeFunction');
      if (type === 'Event') events.checkSize(payload.length);
      checkJson(payload);
      const tenantId = tenantOf(h, fn);
      // A durable function's invocations are durable executions (api/durable, docs/durable.md).
      if (fn.durable && durable) return await invokeDurable(durable.api, ctx, fn, qualifier, type, payload, durable.timeScale);
      if (type === 'DryRun') return { status: 204 };
      if (type === 'Event') {
        // Resolves only once the event is committed to disk: the 202 is a durability promise. The
        // event keeps its tenant, so each attempt runs on that tenant's sandboxes only.
        const requestId = await events.enqueue({ scope: ctx.scope, functionName: fn.name, qualifier, payload: payload.length ? payload : EMPTY_EVENT, tenantId });
        return { status: 202, headers: { 'x-amzn-RequestId': requestId } };
      }
      const logType = h['x-amz-log-type'];
      const result = await invoker.invoke({
        fn,
        qualifier,
        payload: payload.length ? payload : EMPTY_EVENT,
        tailLogs: logType === 'Tail',
        clientContext: clientContext(h['x-amz-client-context']),
        traceId: typeof h['x-amzn-trace-id'] === 'string' ? h['x-amzn-trace-id'] : undefined,
        tenantId,
      });
      const headers: Record<string, string> = {
        'x-amzn-RequestId': result.requestId,
        'Content-Type': 'application/json',
        'X-Amz-Executed-Version': result.executedVersion,
      };
      if (result.functionError) headers['X-Amz-Function-Error'] = result.functionError;
      if (result.logResult !== undefined) headers['X-Amz-Log-Result'] = result.logResult;
      return { status: 200, headers, body: result.payload };
    },

    /** The deprecated InvokeAsync: the same durable Event path, answering 202 {"Status":202}; it keeps the 256 KB limit. */
    invokeAsync: async (ctx) => {
      const { fn, qualifier } = await functions.resolve(ctx.scope, ctx.params['FunctionName'] ?? '', undefined);
      const payload = await ctx.body(SYNC_PAYLOAD_LIMIT, 'InvokeAsync');
      events.checkSize(payload.length, INVOKE_ASYNC_PAYLOAD_LIMIT);
      // InvokeAsync's model has no TenantId; the header is honoured as Invoke honours it.
      const tenantId = tenantOf(ctx.req.headers, fn);
      checkJson(payload);
      const requestId = await events.enqueue({ scope: ctx.scope, functionName: fn.name, qualifier, payload: payload.length ? payload : EMPTY_EVENT, tenantId });
      return { status: 202, headers: { 'x-amzn-RequestId': requestId }, body: { Status: 202 } };
    },
  } satisfies Record<string, Handler>;
}
