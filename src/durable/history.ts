/**
 * History events (MODEL `Event`): one per change of an execution or an operation, with the
 * details member its type names. Payloads are kept whole; GetDurableExecutionHistory leaves them
 * out unless IncludeExecutionData is set.
 */
import type { ErrorObject, HistoryEvent, Operation } from './types.js';

const base = (type: string, at: number, op?: Operation): HistoryEvent => ({
  EventType: type,
  EventTimestamp: at,
  ...(op ? { Id: op.Id, ...(op.Name ? { Name: op.Name } : {}), ...(op.SubType ? { SubType: op.SubType } : {}), ...(op.ParentId ? { ParentId: op.ParentId } : {}) } : {}),
});

export const payload = (p: string | undefined): Record<string, unknown> => (p === undefined ? {} : { Payload: p });
export const errorPayload = (e: ErrorObject | undefined): Record<string, unknown> => ({ Payload: e ?? {} });

export function executionEvent(type: 'Started' | 'Succeeded' | 'Failed' | 'TimedOut' | 'Stopped', at: number, d: { input?: string; timeoutS?: number; result?: string; error?: ErrorObject }): HistoryEvent {
  const ev = base(`Execution${type}`, at);
  if (type === 'Started') ev['ExecutionStartedDetails'] = { Input: payload(d.input), ExecutionTimeout: d.timeoutS ?? 0 };
  else if (type === 'Succeeded') ev['ExecutionSucceededDetails'] = { Result: payload(d.result) };
  else ev[`Execution${type}Details`] = { Error: errorPayload(d.error) };
  return ev;
}

/** The event for an operation that reached `status` (undefined when the change has none, e.g. READY). */
export function operationEvent(op: Operation, at: number, extra: { retryDelayS?: number; waitS?: number; heartbeatS?: number; timeoutS?: number; chainedFunction?: string; chainedPayload?: string } = {}): HistoryEvent | undefined {
  const kind = ({ STEP: 'Step', WAIT: 'Wait', CALLBACK: 'Callback', CHAINED_INVOKE: 'ChainedInvoke', CONTEXT: 'Context' } as Record<string, string>)[op.Type];
  if (!kind) return undefined;
  const retry = { CurrentAttempt: op.StepDetails?.Attempt ?? 0, ...(extra.retryDelayS !== undefined ? { NextAttemptDelaySeconds: extra.retryDelayS } : {}) };
  switch (op.Status) {
    case 'STARTED': {
      const ev = base(`${kind}Started`, at, op);
      if (kind === 'Wait') ev['WaitStartedDetails'] = { Duration: extra.waitS ?? 0, ScheduledEndTimestamp: op.WaitDetails?.ScheduledEndTimestamp ?? at };
      else if (kind === 'Callback') ev['CallbackStartedDetails'] = { CallbackId: op.CallbackDetails?.CallbackId ?? '', ...(extra.heartbeatS ? { HeartbeatTimeout: extra.heartbeatS } : {}), ...(extra.timeoutS ? { Timeout: extra.timeoutS } : {}) };
      else if (kind === 'ChainedInvoke') ev['ChainedInvokeStartedDetails'] = { FunctionName: extra.chainedFunction ?? '', Input: payload(extra.chainedPayload) };
      else ev[`${kind}StartedDetails`] = {};
      return ev;
    }
    case 'SUCCEEDED': {
      const ev = base(`${kind}Succeeded`, at, op);
      if (kind === 'Wait') ev['WaitSucceededDetails'] = extra.waitS !== undefined ? { Duration: extra.waitS } : {};
      else if (kind === 'Step') ev['StepSucceededDetails'] = { Result: payload(op.StepDetails?.Result), RetryDetails: retry };
      else ev[`${kind}SucceededDetails`] = { Result: payload(resultOf(op)) };
      return ev;
    }
    case 'PENDING':
      // A step to be tried again (RETRY): a failed attempt (with an Error), or waitForCondition's
      // check that goes on polling (a Payload, no Error), which Lambda records as a success.
      if (kind !== 'Step') return undefined;
      if (!op.StepDetails?.Error) return { ...base('StepSucceeded', at, op), StepSucceededDetails: { Result: payload(op.StepDetails?.Result), RetryDetails: retry } };
      return { ...base('StepFailed', at, op), StepFailedDetails: { Error: errorPayload(op.StepDetails?.Error), RetryDetails: retry } };
    case 'FAILED': {
      const ev = base(`${kind}Failed`, at, op);
      ev[`${kind}FailedDetails`] = kind === 'Step' ? { Error: errorPayload(op.StepDetails?.Error), RetryDetails: retry } : { Error: errorPayload(errorOf(op)) };
      return ev;
    }
    case 'CANCELLED':
      return kind === 'Wait' ? { ...base('WaitCancelled', at, op), WaitCancelledDetails: {} } : undefined;
    case 'TIMED_OUT':
      return kind === 'Callback' || kind === 'ChainedInvoke' ? { ...base(`${kind}TimedOut`, at, op), [`${kind}TimedOutDetails`]: { Error: errorPayload(errorOf(op)) } } : undefined;
    case 'STOPPED':
      return kind === 'ChainedInvoke' ? { ...base('ChainedInvokeStopped', at, op), ChainedInvokeStoppedDetails: { Error: errorPayload(errorOf(op)) } } : undefined;
    default:
      return undefined;
  }
}

export function invocationEvent(startMs: number, endMs: number, requestId: string, error?: ErrorObject): HistoryEvent {
  return { ...base('InvocationCompleted', endMs), InvocationCompletedDetails: { StartTimestamp: startMs, EndTimestamp: endMs, RequestId: requestId, ...(error ? { Error: errorPayload(error) } : {}) } };
}

function resultOf(op: Operation): string | undefined {
  return op.ContextDetails?.Result ?? op.CallbackDetails?.Result ?? op.ChainedInvokeDetails?.Result;
}
function errorOf(op: Operation): ErrorObject | undefined {
  return op.ContextDetails?.Error ?? op.CallbackDetails?.Error ?? op.ChainedInvokeDetails?.Error ?? op.StepDetails?.Error;
}

/** The event as the API shows it: epoch seconds, payloads only when asked for. */
export function eventShape(ev: HistoryEvent, includeData: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(ev)) out[k] = k === 'EventTimestamp' ? (v as number) / 1000 : v;
  if (!includeData) stripPayloads(out);
  for (const d of Object.values(out)) if (d && typeof d === 'object') secondsIn(d as Record<string, unknown>);
  return out;
}

function stripPayloads(o: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(o)) {
    if (!v || typeof v !== 'object' || Array.isArray(v)) continue;
    const r = v as Record<string, unknown>;
    if (['Input', 'Result', 'Error'].includes(k) && 'Payload' in r) {
      delete r['Payload'];
      r['Truncated'] = true;
    } else stripPayloads(r);
  }
}

function secondsIn(o: Record<string, unknown>): void {
  for (const k of ['StartTimestamp', 'EndTimestamp', 'ScheduledEndTimestamp']) if (typeof o[k] === 'number') o[k] = (o[k] as number) / 1000;
}
