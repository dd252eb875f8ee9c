/**
 * Invoke of a durable function (docs/durable.md): it must name a version, an alias or $LATEST;
 * it starts a durable execution (idempotent by X-Amz-Durable-Execution-Name) and answers its ARN
 * in X-Amz-Durable-Execution-Arn. Event answers 202 once the execution is stored. RequestResponse
 * waits for the whole execution, waits and callbacks included, up to 15 minutes (less with a
 * shorter ExecutionTimeout), as on AWS: a result is the payload, a failure an `Unhandled` error.
 */
import { invalidParameter } from '../../core/errors.js';
import type { FunctionVersion } from '../../core/model.js';
import type { Execution } from '../../durable/types.js';
import type { Reply, RequestContext } from '../http/context.js';
import { CLUSTER_REFUSAL, type DurableApi } from './routes.js';
import { checkExecutionName } from './validate.js';

/** AWS's limit of a synchronous invocation. */
const SYNC_LIMIT_S = 900;

export async function invokeDurable(d: DurableApi, ctx: RequestContext, fn: FunctionVersion, qualifier: string | undefined, type: string, payload: Buffer, timeScale: number): Promise<Reply> {
  if (!d.engine) throw invalidParameter(CLUSTER_REFUSAL);
  if (qualifier === undefined) {
    throw invalidParameter(`Durable functions must be invoked with a qualified ARN: name a version, an alias or $LATEST (for example ${fn.name}:$LATEST).`);
  }
  const header = ctx.req.headers['x-amz-durable-execution-name'];
  const name = typeof header === 'string' ? checkExecutionName(header) : undefined;
  if (type === 'DryRun') return { status: 204 };
  const traceId = typeof ctx.req.headers['x-amzn-trace-id'] === 'string' ? ctx.req.headers['x-amzn-trace-id'] : undefined;
  const { execution } = await d.engine.start({ fn, payload: payload.length ? payload.toString('utf8') : '{}', name, traceId });
  const headers: Record<string, string> = { 'X-Amz-Durable-Execution-Arn': execution.arn, 'X-Amz-Executed-Version': fn.version };
  if (type === 'Event') return { status: 202, headers };
  const limitMs = (Math.min(SYNC_LIMIT_S, fn.durable?.executionTimeout ?? SYNC_LIMIT_S) * 1000) / timeScale + 5_000;
  const done = await d.engine.settled(execution.arn, limitMs);
  headers['Content-Type'] = 'application/json';
  return { status: 200, headers: withError(headers, done), body: Buffer.from(answer(done)) };
}

function withError(headers: Record<string, string>, e: Execution): Record<string, string> {
  return e.status === 'SUCCEEDED' ? headers : { ...headers, 'X-Amz-Function-Error': 'Unhandled' };
}

function answer(e: Execution): string {
  if (e.status === 'SUCCEEDED') return e.result ?? 'null';
  if (e.status === 'RUNNING') {
    return JSON.stringify({ errorType: 'DurableExecutionStillRunning', errorMessage: `The durable execution ${e.arn} is still running after the synchronous invocation limit; follow it with GetDurableExecution.` });
  }
  return JSON.stringify({
    errorType: e.error?.ErrorType ?? `Execution${e.status}`,
    errorMessage: e.error?.ErrorMessage ?? `The durable execution ended with status ${e.status}.`,
    ...(e.error?.StackTrace ? { stackTrace: e.error.StackTrace } : {}),
  });
}
