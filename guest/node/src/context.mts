/** The `context` object the Node.js runtime passes to handlers, with AWS's field names. */
import type { NextInvocation } from './rapid.mjs';

export interface LegacyDone {
  (err: unknown, result?: unknown): void;
}

export function makeContext(inv: NextInvocation, done: LegacyDone): Record<string, unknown> {
  const env = process.env;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env['AWS_LAMBDA_FUNCTION_NAME'],
    functionVersion: env['AWS_LAMBDA_FUNCTION_VERSION'],
    invokedFunctionArn: inv.invokedFunctionArn,
    memoryLimitInMB: env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'],
    awsRequestId: inv.requestId,
    logGroupName: env['AWS_LAMBDA_LOG_GROUP_NAME'],
    logStreamName: env['AWS_LAMBDA_LOG_STREAM_NAME'],
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
