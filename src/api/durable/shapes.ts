/** Executions as the API shows them (MODEL `GetDurableExecutionResponse`, `Execution`): epoch seconds. */
import { functionArn } from '../../core/names.js';
import type { Execution } from '../../durable/types.js';

export function executionSummary(e: Execution): Record<string, unknown> {
  return {
    DurableExecutionArn: e.arn,
    DurableExecutionName: e.name,
    FunctionArn: functionArn(e, e.functionName, e.version),
    Status: e.status,
    StartTimestamp: e.startMs / 1000,
    ...(e.endMs !== undefined ? { EndTimestamp: e.endMs / 1000 } : {}),
  };
}

export function executionDetail(e: Execution): Record<string, unknown> {
  return {
    ...executionSummary(e),
    InputPayload: e.inputPayload,
    ...(e.status === 'SUCCEEDED' && e.result !== undefined ? { Result: e.result } : {}),
    ...(e.error && e.status !== 'SUCCEEDED' ? { Error: e.error } : {}),
    Version: e.version,
    ...(e.traceId ? { TraceHeader: { XAmznTraceId: e.traceId } } : {}),
  };
}
