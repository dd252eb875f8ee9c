/**
 * What one CheckpointDurableExecution does to an execution's operations, as the SDKs expect it
 * (read from @aws/durable-execution-sdk-js 2.4.0's behaviour, docs/durable.md):
 *
 * - STEP: START → STARTED; SUCCEED → SUCCEEDED with StepDetails.Result; FAIL → FAILED with
 *   StepDetails.Error; RETRY → PENDING with Attempt + 1 and NextAttemptTimestamp, the Payload
 *   kept as StepDetails.Result (waitForCondition's state). The timer makes it READY.
 * - WAIT: START → STARTED with WaitDetails.ScheduledEndTimestamp; the timer makes it SUCCEEDED;
 *   CANCEL → CANCELLED.
 * - CALLBACK: START → STARTED with a new CallbackDetails.CallbackId; the Send* operations, a
 *   timeout or a missed heartbeat close it.
 * - CHAINED_INVOKE: START → STARTED; the engine invokes the function and closes it.
 * - CONTEXT: START → STARTED; SUCCEED/FAIL close it with ContextDetails.Result/Error.
 * - EXECUTION: SUCCEED/FAIL close the execution itself (a result too large to return).
 *
 * An update for an operation that is already closed changes nothing (a replayed checkpoint).
 */
import { randomBytes } from 'node:crypto';
import { invalidParameter } from '../core/errors.js';
import { operationEvent } from './history.js';
import type { ErrorObject, HistoryEvent, Operation, OperationType, StoredOperation } from './types.js';

const TYPES: readonly string[] = ['EXECUTION', 'CONTEXT', 'STEP', 'WAIT', 'CALLBACK', 'CHAINED_INVOKE'];
const ACTIONS: readonly string[] = ['START', 'SUCCEED', 'FAIL', 'RETRY', 'CANCEL'];
const CLOSED: readonly string[] = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'TIMED_OUT', 'STOPPED'];
const ID = /^[a-zA-Z0-9-_]+$/;

export const isClosed = (status: string): boolean => CLOSED.includes(status);

export interface ApplyContext {
  nowMs: number;
  /** Real seconds to wall-clock milliseconds (the server's time scale). */
  ms: (seconds: number) => number;
  /** Bumps and returns the execution's change counter. */
  nextSeq: () => number;
  nextOrder: () => number;
}

export interface ApplyResult {
  changed: StoredOperation[];
  events: HistoryEvent[];
  callbacks: { id: string; opId: string }[];
  /** Chained invokes to start once the checkpoint is committed. */
  chained: string[];
  /** EXECUTION SUCCEED/FAIL: the execution closes with this. */
  close?: { status: 'SUCCEEDED' | 'FAILED'; result?: string; error?: ErrorObject };
}

type Update = Record<string, unknown>;

const str = (u: Update, k: string): string | undefined => (typeof u[k] === 'string' ? (u[k] as string) : undefined);
const obj = (u: Update, k: string): Update | undefined => (u[k] && typeof u[k] === 'object' && !Array.isArray(u[k]) ? (u[k] as Update) : undefined);
const num = (u: Update | undefined, k: string): number | undefined => (u && typeof u[k] === 'number' ? (u[k] as number) : undefined);

function errorObject(v: unknown): ErrorObject | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const e = v as Record<string, unknown>;
  const out: ErrorObject = {};
  if (typeof e['ErrorMessage'] === 'string') out.ErrorMessage = e['ErrorMessage'];
  if (typeof e['ErrorType'] === 'string') out.ErrorType = e['ErrorType'];
  if (typeof e['ErrorData'] === 'string') out.ErrorData = e['ErrorData'];
  if (Array.isArray(e['StackTrace'])) out.StackTrace = (e['StackTrace'] as unknown[]).filter((s): s is string => typeof s === 'string');
  return out;
}

/** Checks the shape of the Updates member (MODEL `OperationUpdate`); throws Lambda's validation errors. */
export function checkUpdates(raw: unknown): Update[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalidParameter('Updates must be a list of operation updates.');
  return raw.map((u: unknown, i) => {
    if (!u || typeof u !== 'object' || Array.isArray(u)) throw invalidParameter(`Updates[${i}] must be an operation update.`);
    const up = u as Update;
    const id = str(up, 'Id');
    if (!id || id.length > 64 || !ID.test(id)) throw invalidParameter(`Updates[${i}].Id must be 1-64 characters of [a-zA-Z0-9-_].`);
    if (!TYPES.includes(str(up, 'Type') ?? '')) throw invalidParameter(`Updates[${i}].Type must be one of ${TYPES.join(', ')}.`);
    if (!ACTIONS.includes(str(up, 'Action') ?? '')) throw invalidParameter(`Updates[${i}].Action must be one of ${ACTIONS.join(', ')}.`);
    return up;
  });
}

export function applyUpdates(ops: Map<string, StoredOperation>, updates: Update[], c: ApplyContext): ApplyResult {
  const r: ApplyResult = { changed: [], events: [], callbacks: [], chained: [] };
  const touched = new Map<string, StoredOperation>();
  for (const u of updates) {
    const id = u['Id'] as string;
    const type = u['Type'] as OperationType;
    const action = u['Action'] as string;
    if (type === 'EXECUTION') {
      if (action === 'SUCCEED') r.close = { status: 'SUCCEEDED', ...(str(u, 'Payload') !== undefined ? { result: str(u, 'Payload')! } : {}) };
      else if (action === 'FAIL') r.close = { status: 'FAILED', ...(errorObject(u['Error']) ? { error: errorObject(u['Error'])! } : {}) };
      else throw invalidParameter(`Action ${action} is not valid for an operation of type EXECUTION.`);
      continue;
    }
    let s = ops.get(id);
    if (s && s.op.Type !== type) throw invalidParameter(`Operation ${id} is of type ${s.op.Type}, not ${type}.`);
    if (s && isClosed(s.op.Status)) continue;
    const extra: Parameters<typeof operationEvent>[2] = {};
    if (action === 'START') {
      if (s && s.op.Status === 'STARTED') continue;
      const parentId = str(u, 'ParentId');
      const name = str(u, 'Name');
      const subType = str(u, 'SubType');
      const prev = s?.op;
      const op: Operation = {
        Id: id,
        ...(parentId ? { ParentId: parentId } : {}),
        ...(name ? { Name: name } : {}),
        Type: type,
        ...(subType ? { SubType: subType } : {}),
        StartTimestamp: prev?.StartTimestamp ?? c.nowMs,
        Status: 'STARTED',
      };
      s = { op, state: s?.state ?? {}, seq: 0, order: s?.order ?? c.nextOrder() };
      if (type === 'STEP') op.StepDetails = { Attempt: prev?.StepDetails?.Attempt ?? 0, ...(prev?.StepDetails?.Result !== undefined ? { Result: prev.StepDetails.Result } : {}) };
      else if (type === 'WAIT') {
        const secs = num(obj(u, 'WaitOptions'), 'WaitSeconds');
        if (secs === undefined || secs < 1) throw invalidParameter(`Operation ${id}: WaitOptions.WaitSeconds must be at least 1.`);
        op.WaitDetails = { ScheduledEndTimestamp: c.nowMs + c.ms(secs) };
        s.state.waitS = secs;
        extra.waitS = secs;
      } else if (type === 'CALLBACK') {
        const o = obj(u, 'CallbackOptions');
        const timeout = num(o, 'TimeoutSeconds') ?? 0;
        const heartbeat = num(o, 'HeartbeatTimeoutSeconds') ?? 0;
        const callbackId = randomBytes(24).toString('hex');
        op.CallbackDetails = { CallbackId: callbackId };
        if (timeout > 0) s.state.callbackTimeoutAt = c.nowMs + c.ms(timeout);
        if (heartbeat > 0) {
          s.state.heartbeatTimeoutS = heartbeat;
          s.state.heartbeatTimeoutAt = c.nowMs + c.ms(heartbeat);
        }
        r.callbacks.push({ id: callbackId, opId: id });
        extra.heartbeatS = heartbeat;
        extra.timeoutS = timeout;
      } else if (type === 'CHAINED_INVOKE') {
        const o = obj(u, 'ChainedInvokeOptions');
        const fn = o ? str(o, 'FunctionName') : undefined;
        if (!fn) throw invalidParameter(`Operation ${id}: ChainedInvokeOptions.FunctionName is required.`);
        s.state.chainedFunction = fn;
        s.state.chainedPayload = str(u, 'Payload') ?? '{}';
        const tenant = o ? str(o, 'TenantId') : undefined;
        if (tenant) s.state.chainedTenant = tenant;
        op.ChainedInvokeDetails = {};
        r.chained.push(id);
        extra.chainedFunction = fn;
        extra.chainedPayload = s.state.chainedPayload;
      } else if (type === 'CONTEXT') {
        const replay = obj(u, 'ContextOptions')?.['ReplayChildren'];
        op.ContextDetails = typeof replay === 'boolean' ? { ReplayChildren: replay } : {};
      }
    } else {
      if (!s) {
        // SUCCEED/FAIL of an operation never started: the SDKs do this for steps and contexts they
        // run without a START (AtLeastOncePerRetry steps batch the two).
        s = { op: { Id: id, Type: type, StartTimestamp: c.nowMs, Status: 'STARTED', ...(str(u, 'Name') ? { Name: str(u, 'Name')! } : {}), ...(str(u, 'ParentId') ? { ParentId: str(u, 'ParentId')! } : {}), ...(str(u, 'SubType') ? { SubType: str(u, 'SubType')! } : {}) }, state: {}, seq: 0, order: c.nextOrder() };
      }
      const op = s.op;
      const error = errorObject(u['Error']);
      const payload = str(u, 'Payload');
      if (action === 'SUCCEED' || action === 'FAIL') {
        const ok = action === 'SUCCEED';
        op.Status = ok ? 'SUCCEEDED' : 'FAILED';
        op.EndTimestamp = c.nowMs;
        // A result of `undefined` has no Payload: it stays absent (an empty string would not deserialize).
        const detail = { ...(ok && payload !== undefined ? { Result: payload } : {}), ...(!ok && error ? { Error: error } : {}) };
        // Attempt counts the attempts that ended; the events' CurrentAttempt is this one's number (from 1).
        if (type === 'STEP') op.StepDetails = { Attempt: (op.StepDetails?.Attempt ?? 0) + 1, ...detail };
        else if (type === 'CONTEXT') op.ContextDetails = { ...op.ContextDetails, ...detail };
        else if (type === 'CALLBACK') op.CallbackDetails = { ...op.CallbackDetails, ...detail };
        else if (type === 'CHAINED_INVOKE') op.ChainedInvokeDetails = detail;
        else if (type === 'WAIT' && ok) op.WaitDetails = op.WaitDetails ?? {};
        else throw invalidParameter(`Action ${action} is not valid for an operation of type ${type}.`);
      } else if (action === 'RETRY') {
        if (type !== 'STEP') throw invalidParameter(`Action RETRY is only valid for an operation of type STEP.`);
        const delay = num(obj(u, 'StepOptions'), 'NextAttemptDelaySeconds') ?? 1;
        op.Status = 'PENDING';
        op.StepDetails = {
          Attempt: (op.StepDetails?.Attempt ?? 0) + 1,
          NextAttemptTimestamp: c.nowMs + c.ms(Math.max(1, delay)),
          ...(payload !== undefined ? { Result: payload } : op.StepDetails?.Result !== undefined ? { Result: op.StepDetails.Result } : {}),
          ...(error ? { Error: error } : {}),
        };
        extra.retryDelayS = delay;
      } else if (action === 'CANCEL') {
        if (type !== 'WAIT' && type !== 'CALLBACK' && type !== 'CHAINED_INVOKE') throw invalidParameter(`Action CANCEL is not valid for an operation of type ${type}.`);
        op.Status = 'CANCELLED';
        op.EndTimestamp = c.nowMs;
      }
    }
    s.seq = c.nextSeq();
    ops.set(id, s);
    touched.set(id, s);
    const ev = operationEvent(s.op, c.nowMs, extra);
    if (ev) r.events.push(ev);
  }
  r.changed = [...touched.values()];
  return r;
}
