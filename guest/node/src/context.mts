/** The `context` object the Node.js runtime passes to handlers, with AWS's field names. */
import type { NextInvocation } from './rapid.mjs';

export interface LegacyDone {
  (err: unknown, result?: unknown): void;
}

/**
 * The environment's part of the context, read once: each `process.env` read is a call into C++
 * that copies the value, five of them per invocation were a visible share of the runtime's own
 * work (docs/performance.md). Read on the first invocation, so a stem cell's assignment (which
 * sets the environment before it) is seen; AWS's runtime also reads them once.
 */
let fromEnv: { functionName: string | undefined; functionVersion: string | undefined; memoryLimitInMB: string | undefined; logGroupName: string | undefined; logStreamName: string | undefined } | null = null;

export function makeContext(inv: NextInvocation, done: LegacyDone): Record<string, unknown> {
  const env = process.env;
  fromEnv ??= {
    functionName: env['AWS_LAMBDA_FUNCTION_NAME'],
    functionVersion: env['AWS_LAMBDA_FUNCTION_VERSION'],
    memoryLimitInMB: env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'],
    logGroupName: env['AWS_LAMBDA_LOG_GROUP_NAME'],
    logStreamName: env['AWS_LAMBDA_LOG_STREAM_NAME'],
  };
  const e = fromEnv;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: e.functionName,
    functionVersion: e.functionVersion,
    invokedFunctionArn: inv.invokedFunctionArn,
    memoryLimitInMB: e.memoryLimitInMB,
    awsRequestId: inv.requestId,
    logGroupName: e.logGroupName,
    logStreamName: e.logStreamName,
    identity: inv.cognitoIdentity ? JSON.parse(inv.cognitoIdentity) : undefined,
    clientContext: inv.clientContext ? JSON.parse(inv.clientContext) : undefined,
    // Tenant isolation: the invocation's tenant (Lambda-Runtime-Aws-Tenant-Id), undefined otherwise.
    tenantId: inv.tenantId,
    getRemainingTimeInMillis: () => Math.max(0, inv.deadlineMs - Date.now()),
    // The legacy completion methods answer at once, without waiting for the event loop.
    done,
    succeed: (result?: unknown) => done(null, result),
    fail: (err?: unknown) => done(err ?? 'handled'),
  };
}
