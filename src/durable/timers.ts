/**
 * The clock side of an execution: which of its timers are due (a wait's end, a retry's delay, a
 * callback's timeout or heartbeat, the ExecutionTimeout), what they change, and when the next
 * one is. Pure functions over an execution and its operations; the engine commits what they change.
 */
import { executionEvent, operationEvent } from './history.js';
import type { ErrorObject, Execution, HistoryEvent, StoredOperation } from './types.js';

/** Closes an execution (status, end, result or error) and records its closing event. */
export function closeExecution(e: Execution, status: Execution['status'], d: { result?: string; error?: ErrorObject }, events: HistoryEvent[], now: number): void {
  e.status = status;
  e.endMs = now;
  e.invoking = false;
  delete e.token;
  delete e.wakeAtMs;
  if (d.result !== undefined) e.result = d.result;
  if (d.error) e.error = d.error;
  const kind = ({ SUCCEEDED: 'Succeeded', FAILED: 'Failed', TIMED_OUT: 'TimedOut', STOPPED: 'Stopped' } as const)[status as 'SUCCEEDED'];
  events.push(executionEvent(kind, now, { ...(d.result !== undefined ? { result: d.result } : {}), ...(d.error ? { error: d.error } : {}) }));
}

/** Fires what is due at `now`: waits end, retries become READY, callbacks time out, the execution times out. */
export function fireDue(e: Execution, ops: Map<string, StoredOperation>, now: number): { changed: StoredOperation[]; events: HistoryEvent[] } {
  const changed: StoredOperation[] = [];
  const events: HistoryEvent[] = [];
  const touch = (s: StoredOperation): void => {
    s.seq = ++e.seq;
    changed.push(s);
    const ev = operationEvent(s.op, now, s.state.waitS !== undefined ? { waitS: s.state.waitS } : {});
    if (ev) events.push(ev);
  };
  for (const s of ops.values()) {
    const op = s.op;
    if (op.Type === 'WAIT' && op.Status === 'STARTED' && (op.WaitDetails?.ScheduledEndTimestamp ?? Infinity) <= now) {
      op.Status = 'SUCCEEDED';
      op.EndTimestamp = now;
      touch(s);
    } else if (op.Type === 'STEP' && op.Status === 'PENDING' && (op.StepDetails?.NextAttemptTimestamp ?? 0) <= now) {
      op.Status = 'READY';
      touch(s);
    } else if (op.Type === 'CALLBACK' && op.Status === 'STARTED') {
      const heartbeat = (s.state.heartbeatTimeoutAt ?? Infinity) <= now;
      if (heartbeat || (s.state.callbackTimeoutAt ?? Infinity) <= now) {
        op.Status = 'TIMED_OUT';
        op.EndTimestamp = now;
        op.CallbackDetails = {
          ...op.CallbackDetails,
          Error: { ErrorType: heartbeat ? 'Callback.Heartbeat' : 'Callback.Timeout', ErrorMessage: heartbeat ? 'The callback missed its heartbeat timeout.' : 'The callback timed out.' },
        };
        touch(s);
      }
    }
  }
  if (e.deadlineMs <= now) {
    closeExecution(e, 'TIMED_OUT', { error: { ErrorType: 'Execution.Timeout', ErrorMessage: `The durable execution exceeded its ExecutionTimeout of ${e.executionTimeoutS} seconds.` } }, events, now);
  }
  return { changed, events };
}

/** The earliest timer of a running execution (epoch ms). */
export function wakeOf(e: Execution, ops: Map<string, StoredOperation>): number {
  let t = e.deadlineMs;
  if (e.retryInvokeAtMs !== undefined) t = Math.min(t, e.retryInvokeAtMs);
  for (const s of ops.values()) {
    const op = s.op;
    if (op.Type === 'WAIT' && op.Status === 'STARTED') t = Math.min(t, op.WaitDetails?.ScheduledEndTimestamp ?? t);
    if (op.Type === 'STEP' && op.Status === 'PENDING') t = Math.min(t, op.StepDetails?.NextAttemptTimestamp ?? t);
    if (op.Type === 'CALLBACK' && op.Status === 'STARTED') t = Math.min(t, s.state.callbackTimeoutAt ?? t, s.state.heartbeatTimeoutAt ?? t);
  }
  return t;
}

/** A function error's payload (`{errorType, errorMessage, stackTrace}`) as an ErrorObject. */
export function errorFromPayload(payload: Buffer): ErrorObject {
  try {
    const p = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
    return {
      ErrorType: typeof p['errorType'] === 'string' ? p['errorType'] : 'Error',
      ErrorMessage: typeof p['errorMessage'] === 'string' ? p['errorMessage'] : payload.toString('utf8'),
      ...(Array.isArray(p['stackTrace']) ? { StackTrace: (p['stackTrace'] as unknown[]).map(String) } : {}),
    };
  } catch {
    return { ErrorType: 'Error', ErrorMessage: payload.toString('utf8') };
  }
}
