/**
 * Operations as the two transports show them: epoch seconds on the API (Smithy's JSON default),
 * epoch milliseconds in the invocation envelope: the Python SDK reads the envelope's timestamps
 * as milliseconds (`TimestampConverter.from_unix_millis`), the JavaScript SDK as anything
 * `new Date()` takes.
 */
import type { Operation, StoredOperation } from './types.js';

const TS: readonly string[] = ['StartTimestamp', 'EndTimestamp'];

function mapTimes(op: Operation, f: (ms: number) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { ...op };
  for (const k of TS) if (typeof out[k] === 'number') out[k] = f(out[k] as number);
  if (op.StepDetails?.NextAttemptTimestamp !== undefined) out['StepDetails'] = { ...op.StepDetails, NextAttemptTimestamp: f(op.StepDetails.NextAttemptTimestamp) };
  if (op.WaitDetails?.ScheduledEndTimestamp !== undefined) out['WaitDetails'] = { ...op.WaitDetails, ScheduledEndTimestamp: f(op.WaitDetails.ScheduledEndTimestamp) };
  return out;
}

export const apiOperation = (op: Operation): Record<string, unknown> => mapTimes(op, (ms) => ms / 1000);
export const envelopeOperation = (op: Operation): Record<string, unknown> => mapTimes(op, (ms) => ms);

/**
 * What the function receives (the durable invocation envelope): its execution, the token its
 * first checkpoint carries, and the first `page` operations in order, with a NextMarker the SDK
 * pages on with GetDurableExecutionState.
 */
export function invocationEnvelope(arn: string, token: string, ops: StoredOperation[], page: number): Record<string, unknown> {
  return {
    DurableExecutionArn: arn,
    CheckpointToken: token,
    InitialExecutionState: {
      Operations: ops.slice(0, page).map((s) => envelopeOperation(s.op)),
      ...(ops.length > page ? { NextMarker: String(page) } : {}),
    },
  };
}
