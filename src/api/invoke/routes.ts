/** Invoke (docs/reference/lambda-api.md §2): RequestResponse, DryRun, and Event through the durable queue (docs/async.md); paths in api/table.ts. */
import type { FunctionService } from '../functions/service.js';
import { NimbusError } from '../../core/errors.js';
import type { AsyncInvoker } from '../../invoke/async.js';
import type { Invoker } from '../../invoke/invoker.js';
import type { Handler } from '../http/context.js';

/** Synchronous request payloads: 6 MB (docs/reference/lambda-api.md §2.1). */
const SYNC_PAYLOAD_LIMIT = 6_291_456;
/** X-Amz-Client-Context: base64 of JSON, at most 3583 bytes. */
const MAX_CLIENT_CONTEXT = 3583;
const EMPTY_EVENT = Buffer.from('{}');

export function invokeHandlers(functions: FunctionService, invoker: Invoker, events: AsyncInvoker) {
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
      const { fn, qualifier } = functions.resolve(ctx.scope, ctx.params['FunctionName'] ?? '', ctx.query.get('Qualifier') ?? undefined, {
        weighted: true,
      });
      const payload = await ctx.body(SYNC_PAYLOAD_LIMIT, 'InvokeFunction');
      if (type === 'Event') events.checkSize(payload.length);
      checkJson(payload);
      if (type === 'DryRun') return { status: 204 };
      if (type === 'Event') {
        // Resolves only once the event is committed to disk: the 202 is a durability promise.
        const requestId = await events.enqueue({ scope: ctx.scope, functionName: fn.name, qualifier, payload: payload.length ? payload : EMPTY_EVENT });
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

    /** The deprecated InvokeAsync: the same durable Event path, answering 202 {"Status":202}. */
    invokeAsync: async (ctx) => {
      const { fn, qualifier } = functions.resolve(ctx.scope, ctx.params['FunctionName'] ?? '', undefined);
      const payload = await ctx.body(SYNC_PAYLOAD_LIMIT, 'InvokeAsync');
      events.checkSize(payload.length);
      checkJson(payload);
      const requestId = await events.enqueue({ scope: ctx.scope, functionName: fn.name, qualifier, payload: payload.length ? payload : EMPTY_EVENT });
      return { status: 202, headers: { 'x-amzn-RequestId': requestId }, body: { Status: 202 } };
    },
  } satisfies Record<string, Handler>;
}

/** An Invoke payload must be JSON (an empty one stands for `{}`). */
function checkJson(payload: Buffer): void {
  if (payload.length === 0) return;
  try {
    JSON.parse(payload.toString('utf8'));
  } catch (e) {
    throw new NimbusError(
      'ERR_INVALID_REQUEST_CONTENT',
      `Could not parse request body into json: Could not parse payload into json: ${(e as Error).message}`,
    );
  }
}

/** The Runtime API passes the client context on as decoded JSON text. */
function clientContext(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  const bad = (): NimbusError =>
    new NimbusError('ERR_INVALID_REQUEST_CONTENT', 'Client context must be a valid Base64-encoded JSON object.');
  if (header.length > MAX_CLIENT_CONTEXT) {
    throw new NimbusError('ERR_INVALID_PARAMETER', `Client context must be at most ${MAX_CLIENT_CONTEXT} bytes.`);
  }
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(header) || header.length % 4 !== 0) throw bad();
  const text = Buffer.from(header, 'base64').toString('utf8');
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad();
  } catch {
    throw bad();
  }
  return text;
}
