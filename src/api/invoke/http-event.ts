/**
 * What function URLs and API routes share: reading a capped body without letting a slow client
 * hold it forever, and invoking a function (through its alias weights) with an event.
 */
import type { FunctionService } from '../functions/service.js';
import { NimbusError } from '../../core/errors.js';
import type { InvokeResult, Invoker, ResponseSink } from '../../invoke/invoker.js';
import type { Scope } from '../../core/model.js';
import type { RequestContext } from '../http/context.js';

/** Lambda's synchronous payload limit applies to the HTTP body too (6 MB). */
export const HTTP_BODY_LIMIT = 6_291_456;
/** A client that sends no body bytes for this long is cut off, so it cannot pin a request. */
const BODY_IDLE_MS = 30_000;

export interface HttpInvokeDeps {
  functions: FunctionService;
  invoker: Invoker;
}

export async function readHttpBody(ctx: RequestContext): Promise<Buffer> {
  const req = ctx.req;
  const timer = setTimeout(() => req.destroy(new Error('request body idle timeout')), BODY_IDLE_MS);
  const refresh = (): void => void timer.refresh();
  req.on('data', refresh);
  try {
    return await ctx.body(HTTP_BODY_LIMIT, 'InvokeFunction');
  } finally {
    clearTimeout(timer);
    req.off('data', refresh);
  }
}

/**
 * Invokes `name[:qualifier]` with a JSON event; an alias picks its version by weight. `stream`: the
 * response goes to a sink as it is produced (a RESPONSE_STREAM function URL), under a known request id.
 */
export async function invokeWithEvent(
  deps: HttpInvokeDeps,
  scope: Scope,
  name: string,
  qualifier: string,
  event: unknown,
  traceId: string,
  stream?: { sink: ResponseSink; requestId: string },
): Promise<InvokeResult> {
  const { fn, qualifier: q } = await deps.functions.resolve(scope, name, qualifier || undefined, { weighted: true });
  return deps.invoker.invoke({ fn, qualifier: q, payload: Buffer.from(JSON.stringify(event)), tailLogs: false, traceId, ...stream });
}

/** An X-Ray-shaped trace id, as AWS adds to the event's headers. */
export function newTraceId(nowMs: number): string {
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  return `Root=1-${Math.floor(nowMs / 1000).toString(16).padStart(8, '0')}-${hex(24)}`;
}

export function isNotFound(e: unknown): boolean {
  return e instanceof NimbusError && e.code === 'ERR_NOT_FOUND';
}
