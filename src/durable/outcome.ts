/**
 * What one invocation of a durable function answered (the SDKs' `{Status, Result, Error}`), read
 * from the invoker's result: the execution succeeds, fails, waits, or the invocation itself
 * failed and is tried again (a crash, a timeout, a throttle) or cannot be (an answer that is not a
 * durable output: a function the SDK does not wrap).
 */
import type { InvokeResult } from '../invoke/invoker.js';
import { errorFromPayload } from './timers.js';
import type { ErrorObject } from './types.js';

export type Outcome =
  | { kind: 'succeeded'; result: string | undefined }
  | { kind: 'failed'; error: ErrorObject }
  | { kind: 'pending' }
  | { kind: 'invocation-failed'; error: ErrorObject; retryable: boolean };

export function readOutcome(result: InvokeResult | undefined, failure: string | undefined): Outcome {
  if (failure !== undefined || !result) return { kind: 'invocation-failed', error: { ErrorType: 'ServiceException', ErrorMessage: failure ?? 'no result' }, retryable: true };
  if (result.functionError) return { kind: 'invocation-failed', error: errorFromPayload(result.payload), retryable: true };
  let out: { Status?: unknown; Result?: unknown; Error?: unknown } | undefined;
  try {
    out = JSON.parse(result.payload.toString('utf8')) as typeof out;
  } catch {
    out = undefined;
  }
  switch (out?.Status) {
    case 'SUCCEEDED':
      return { kind: 'succeeded', result: typeof out.Result === 'string' && out.Result !== '' ? out.Result : undefined };
    case 'FAILED':
      return { kind: 'failed', error: (out.Error as ErrorObject | undefined) ?? {} };
    case 'PENDING':
      return { kind: 'pending' };
    default:
      return {
        kind: 'invocation-failed',
        retryable: false,
        error: { ErrorType: 'InvalidDurableExecutionOutput', ErrorMessage: 'The function did not answer with a durable execution output (is it wrapped with withDurableExecution?).' },
      };
  }
}
