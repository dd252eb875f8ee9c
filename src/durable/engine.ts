/**
 * The durable-execution engine (docs/durable.md): starts executions, invokes their function with
 * the durable envelope, takes its checkpoints, and invokes it again when something it waits for
 * happens (a wait's or a retry's timer, a callback, a chained invoke's end). Every change is
 * committed to the store before it is acted on; the timers are the store's `wake_at` column,
 * armed again at start, so a restart of the server loses nothing: executions an invocation was
 * running for are invoked again (replay makes that safe).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { NimbusError, invalidParameter, messageOf, notFound } from '../core/errors.js';
import type { FunctionVersion, Scope } from '../core/model.js';
import { functionArn } from '../core/names.js';
import type { InvokeRequest, InvokeResult } from '../invoke/invoker.js';
import { applyUpdates, checkUpdates, isClosed } from './apply.js';
import { executionEvent, invocationEvent, operationEvent } from './history.js';
import type { DurableStore, ErrorObject, Execution, HistoryEvent, StoredOperation } from './types.js';
import { ChainedInvokes } from './chained.js';
import { KeyedLock } from './lock.js';
import { Waiters } from './waiters.js';
import { readOutcome } from './outcome.js';
import { closeExecution, fireDue, wakeOf } from './timers.js';
import { apiOperation, invocationEnvelope } from './wire.js';

/** Operations in the envelope; the SDK pages through the rest with GetDurableExecutionState. */
export const ENVELOPE_PAGE = 100;
/** Invocations that crash or time out in a row before the execution fails. */
const MAX_INVOKE_FAILURES = 3;
const IDLE_POLL_MS = 60_000;

export interface EngineDeps {
  store: DurableStore;
  clock: Clock;
  /** `--time-scale`: waits, retries and timeouts pass this many times faster. */
  timeScale: number;
  /** A version of a function, as stored. */
  version(scope: Scope, name: string, version: string): Promise<FunctionVersion>;
  /** A chained invoke's target, as the function named it. */
  target(scope: Scope, name: string): Promise<{ fn: FunctionVersion; qualifier: string | undefined }>;
  invoke(req: InvokeRequest): Promise<InvokeResult>;
  log(line: string): void;
}

export interface StartRequest {
  fn: FunctionVersion;
  payload: string;
  name?: string | undefined;
  traceId?: string | undefined;
  parent?: { arn: string; opId: string };
}

export class DurableEngine {
  private readonly locks = new KeyedLock();
  private readonly active = new Map<string, Promise<void>>();
  private readonly dirty = new Set<string>();
  private readonly waiters = new Waiters();
  private timer: NodeJS.Timeout | undefined;
  private closing = false;

  private readonly chained: ChainedInvokes;

  constructor(private readonly d: EngineDeps) {
    this.chained = new ChainedInvokes({
      store: d.store,
      target: d.target,
      invoke: d.invoke,
      start: async (req) => await this.start(req),
      complete: async (arn, opId, status, result, error) => await this.completeChained(arn, opId, status, result, error),
      log: d.log,
    });
  }

  private now(): number {
    return this.d.clock.now();
  }
  private ms(seconds: number): number {
    return Math.max(1, Math.round((seconds * 1000) / this.d.timeScale));
  }

  /** Serialises the read-modify-write of one execution. */
  private async lock<T>(arn: string, f: () => Promise<T>): Promise<T> {
    return await this.locks.run(arn, f);
  }


  // ---- starting ----------------------------------------------------------------------------

  async start(req: StartRequest): Promise<{ execution: Execution; created: boolean }> {
    const { fn } = req;
    if (!fn.durable) throw invalidParameter('The function is not a durable function.');
    const name = req.name ?? randomUUID();
    const existing = await this.d.store.byName(fn.accountId, fn.region, fn.name, name);
    if (existing) return { execution: this.sameStart(existing, req), created: false };
    const now = this.now();
    const invocationId = randomUUID();
    const arn = `${functionArn(fn, fn.name, fn.version)}/durable-execution/${name}/${invocationId}`;
    const e: Execution = {
      arn, accountId: fn.accountId, region: fn.region, functionName: fn.name, version: fn.version, name,
      inputPayload: req.payload, status: 'RUNNING', startMs: now,
      executionTimeoutS: fn.durable.executionTimeout, retentionDays: fn.durable.retentionPeriodInDays,
      deadlineMs: now + this.ms(fn.durable.executionTimeout), seq: 1, invoking: true, invokeFailures: 0,
      ...(req.parent ? { parent: req.parent } : {}), ...(req.traceId ? { traceId: req.traceId } : {}),
    };
    e.wakeAtMs = e.deadlineMs;
    const first: StoredOperation = {
      // The execution's own operation has the ARN's last part as its Id: the Python SDK finds it so.
      op: { Id: invocationId, Type: 'EXECUTION', StartTimestamp: now, Status: 'STARTED', ExecutionDetails: { InputPayload: req.payload } },
      state: {}, seq: 1, order: 0,
    };
    if (!(await this.d.store.create(e, [first], [executionEvent('Started', now, { input: req.payload, timeoutS: e.executionTimeoutS })]))) {
      const raced = await this.d.store.byName(fn.accountId, fn.region, fn.name, name);
      if (raced) return { execution: this.sameStart(raced, req), created: false };
      throw new NimbusError('ERR_INTERNAL', 'The durable execution could not be stored.');
    }
    this.reschedule();
    this.drive(arn);
    return { execution: e, created: true };
  }

  /**
   * An asynchronous event for a durable function (InvokeAsync, a rule, a topic, a notification, a
   * schedule) starts an execution, as on AWS; the event's id names it, so a retried delivery of
   * the same event starts it once. The attempt succeeds once the execution is stored. Durable
   * functions want a qualified ARN here too.
   */
  async startFromEvent(req: InvokeRequest): Promise<InvokeResult> {
    const requestId = req.requestId ?? randomUUID();
    const base = { requestId, executedVersion: req.fn.version, logResult: undefined };
    if (req.qualifier === undefined) {
      const errorMessage = `Durable functions must be invoked with a qualified ARN: name a version, an alias or $LATEST (for example ${req.fn.name}:$LATEST).`;
      return { ...base, functionError: 'Unhandled', errorType: 'InvalidParameterValueException', payload: Buffer.from(JSON.stringify({ errorType: 'InvalidParameterValueException', errorMessage })) };
    }
    const payload = req.payload.length ? req.payload.toString('utf8') : '{}';
    const { execution } = await this.start({ fn: req.fn, payload, name: requestId.replace(/[^a-zA-Z0-9_-]/g, '-').slice(0, 64), traceId: req.traceId });
    return { ...base, functionError: undefined, errorType: undefined, payload: Buffer.from(JSON.stringify({ DurableExecutionArn: execution.arn })) };
  }

  /** An execution name already used: the same start again answers that execution (docs: idempotency). */
  private sameStart(e: Execution, req: StartRequest): Execution {
    if (e.inputPayload !== req.payload || e.version !== req.fn.version) {
      throw new NimbusError('ERR_DURABLE_ALREADY_STARTED', `Durable execution with name ${e.name} already exists for function ${e.functionName} with a different input or version.`);
    }
    return e;
  }

  /** Resolves when the execution closes, or after `timeoutMs` with the execution as it is then. */
  async settled(arn: string, timeoutMs: number): Promise<Execution> {
    const e = await this.d.store.get(arn);
    if (!e) throw notFound(`Durable execution not found: ${arn}`);
    if (e.status !== 'RUNNING') return e;
    return await this.waiters.wait(arn, timeoutMs, async () => (await this.d.store.get(arn)) ?? e);
  }

  // ---- invoking ----------------------------------------------------------------------------

  /** Invokes the execution's function now, or once more after the running invocation. */
  drive(arn: string): void {
    if (this.closing) return;
    if (this.active.has(arn)) {
      this.dirty.add(arn);
      return;
    }
    const run = this.loop(arn)
      .catch((err: unknown) => this.d.log(`durable: ${arn}: ${messageOf(err)}`))
      .finally(() => {
        this.active.delete(arn);
        if (this.dirty.has(arn) && !this.closing) this.drive(arn);
      });
    this.active.set(arn, run);
  }

  private async loop(arn: string): Promise<void> {
    for (;;) {
      this.dirty.delete(arn);
      const prep = await this.lock(arn, async () => {
        const e = await this.d.store.get(arn);
        if (!e || e.status !== 'RUNNING') return undefined;
        const ops = await this.opsOf(arn);
        const fired = fireDue(e, ops, this.now());
        if (e.status !== 'RUNNING') {
          await this.commitClose(e, ops, fired);
          return undefined;
        }
        e.token = randomBytes(32).toString('hex');
        e.invocationToken = e.token;
        e.tokenSeq = e.seq;
        e.invoking = true;
        delete e.retryInvokeAtMs;
        e.wakeAtMs = wakeOf(e, ops);
        await this.d.store.commit(e, fired.changed, fired.events);
        return { e, ops: [...ops.values()].sort((a, b) => a.order - b.order) };
      });
      if (!prep) return;
      let fn: FunctionVersion;
      try {
        fn = await this.d.version(prep.e, prep.e.functionName, prep.e.version);
      } catch (err) {
        // The function (or the version) was deleted: nothing can run the execution any more.
        if (!(err instanceof NimbusError && err.code === 'ERR_NOT_FOUND')) throw err;
        await this.lock(arn, async () => {
          const e = await this.d.store.get(arn);
          if (!e || e.status !== 'RUNNING') return;
          const events: HistoryEvent[] = [];
          closeExecution(e, 'FAILED', { error: { ErrorType: 'ResourceNotFoundException', ErrorMessage: messageOf(err) } }, events, this.now());
          await this.commitClose(e, await this.opsOf(arn), { changed: [], events });
        });
        return;
      }
      const started = this.now();
      const envelope = invocationEnvelope(arn, prep.e.token!, prep.ops, ENVELOPE_PAGE);
      let result: InvokeResult | undefined;
      let failure: string | undefined;
      try {
        result = await this.d.invoke({ fn, qualifier: fn.version, payload: Buffer.from(JSON.stringify(envelope)), tailLogs: false, traceId: prep.e.traceId });
      } catch (err) {
        failure = messageOf(err);
      }
      if (this.closing) return;
      const again = await this.lock(arn, async () => await this.finishInvocation(arn, started, result, failure));
      await this.chained.launch(arn);
      if (!again && !this.dirty.has(arn)) return;
    }
  }

  /** Takes the function's answer: SUCCEEDED and FAILED close the execution, PENDING waits. Returns whether to invoke again now. */
  private async finishInvocation(arn: string, started: number, result: InvokeResult | undefined, failure: string | undefined): Promise<boolean> {
    const e = await this.d.store.get(arn);
    if (!e || e.status !== 'RUNNING') return false;
    const ops = await this.opsOf(arn);
    const now = this.now();
    delete e.token;
    e.invoking = false;
    const events: HistoryEvent[] = [];
    const out = readOutcome(result, failure);
    if (out.kind === 'invocation-failed') {
      events.push(invocationEvent(started, now, result?.requestId ?? '', out.error));
      e.invokeFailures++;
      if (e.invokeFailures >= MAX_INVOKE_FAILURES || !out.retryable) {
        closeExecution(e, 'FAILED', { error: out.error }, events, now);
        await this.commitClose(e, ops, { changed: [], events });
        return false;
      }
      e.retryInvokeAtMs = now + this.ms(2 ** (e.invokeFailures - 1));
      e.wakeAtMs = wakeOf(e, ops);
      await this.d.store.commit(e, [], events);
      this.reschedule();
      return false;
    }
    events.push(invocationEvent(started, now, result?.requestId ?? ''));
    e.invokeFailures = 0;
    if (out.kind !== 'pending') {
      // A result too large to return was checkpointed as the EXECUTION's SUCCEED (e.result).
      closeExecution(e, out.kind === 'succeeded' ? 'SUCCEEDED' : 'FAILED', out.kind === 'succeeded' ? { ...((out.result ?? e.result) !== undefined ? { result: (out.result ?? e.result)! } : {}) } : { error: out.error }, events, now);
      await this.commitClose(e, ops, { changed: [], events });
      return false;
    }
    e.wakeAtMs = wakeOf(e, ops);
    await this.d.store.commit(e, [], events);
    this.reschedule();
    // A step whose retry timer already fired, or a timer already due: go on at once.
    return [...ops.values()].some((s) => s.op.Status === 'READY') || (e.wakeAtMs !== undefined && e.wakeAtMs <= now);
  }

  // ---- checkpoints -------------------------------------------------------------------------

  async checkpoint(arn: string, token: unknown, updates: unknown): Promise<Record<string, unknown>> {
    const list = checkUpdates(updates);
    return await this.lock(arn, async () => {
      const e = await this.running(arn, token, false);
      const ops = await this.opsOf(arn);
      const fired = fireDue(e, ops, this.now());
      let order = Math.max(0, ...[...ops.values()].map((s) => s.order));
      const r = applyUpdates(ops, list, { nowMs: this.now(), ms: (s) => this.ms(s), nextSeq: () => ++e.seq, nextOrder: () => ++order });
      const sinceSeq = e.tokenSeq ?? 0;
      e.token = randomBytes(32).toString('hex');
      e.tokenSeq = e.seq;
      if (r.close?.status === 'SUCCEEDED' && r.close.result !== undefined) e.result = r.close.result;
      e.wakeAtMs = wakeOf(e, ops);
      const changed = new Map([...fired.changed, ...r.changed].map((s) => [s.op.Id, s]));
      await this.d.store.commit(e, [...changed.values()], [...fired.events, ...r.events], r.callbacks);
      // Chained invokes start once this invocation has ended (see launchChained).
      this.reschedule();
      const updated = [...ops.values()].filter((s) => s.seq > sinceSeq).sort((a, b) => a.order - b.order);
      return { CheckpointToken: e.token, NewExecutionState: { Operations: updated.map((s) => apiOperation(s.op)) } };
    });
  }

  /** GetDurableExecutionState: the operations, a page at a time, for the invocation holding `token`. */
  async state(arn: string, token: unknown, marker: string | undefined, maxItems: number): Promise<Record<string, unknown>> {
    await this.running(arn, token, true);
    const ops = [...(await this.opsOf(arn)).values()].sort((a, b) => a.order - b.order);
    const from = marker ? Number(marker) : 0;
    if (!Number.isInteger(from) || from < 0) throw invalidParameter('Invalid marker.');
    const size = maxItems > 0 ? maxItems : 1000;
    const page = ops.slice(from, from + size);
    return { Operations: page.map((s) => apiOperation(s.op)), ...(from + size < ops.length ? { NextMarker: String(from + size) } : {}) };
  }

  private async running(arn: string, token: unknown, orInitial: boolean): Promise<Execution> {
    const e = await this.d.store.get(arn);
    if (!e) throw notFound(`Durable execution not found: ${arn}`);
    if (typeof token !== 'string' || !token) throw invalidParameter('CheckpointToken is required.');
    if (e.status !== 'RUNNING') throw invalidParameter(`Durable execution ${arn} is not running (${e.status}).`);
    if (token !== e.token && !(orInitial && token === e.invocationToken && e.token !== undefined)) throw invalidParameter('Invalid checkpoint token.');
    return e;
  }

  // ---- timers ------------------------------------------------------------------------------

  /** Arms the one timer at the store's earliest wake-up. */
  private reschedule(): void {
    if (this.closing) return;
    void this.d.store.nextWake().then((t) => {
      if (this.closing) return;
      if (this.timer) clearTimeout(this.timer);
      const delay = Math.min(IDLE_POLL_MS, Math.max(0, (t ?? Infinity) - this.now()));
      this.timer = setTimeout(() => void this.tick(), delay);
      this.timer.unref();
    }, (err: unknown) => this.d.log(`durable: ${messageOf(err)}`));
  }

  private async tick(): Promise<void> {
    try {
      for (const e of await this.d.store.due(this.now())) {
        await this.lock(e.arn, async () => {
          const x = await this.d.store.get(e.arn);
          if (!x || x.status !== 'RUNNING') return;
          const ops = await this.opsOf(e.arn);
          const fired = fireDue(x, ops, this.now());
          if (x.status !== 'RUNNING') return await this.commitClose(x, ops, fired);
          // A failed invocation's retry that is due is the invocation driven below.
          if ((x.retryInvokeAtMs ?? Infinity) <= this.now()) delete x.retryInvokeAtMs;
          x.wakeAtMs = wakeOf(x, ops);
          await this.d.store.commit(x, fired.changed, fired.events);
        });
        this.drive(e.arn);
      }
      await this.d.store.purge(this.now());
    } catch (err) {
      this.d.log(`durable: ${messageOf(err)}`);
    }
    this.reschedule();
  }

  // ---- closing -----------------------------------------------------------------------------

  /** Commits a closed execution, wakes its synchronous callers and completes a parent's chained invoke. */
  private async commitClose(e: Execution, _ops: Map<string, StoredOperation>, f: { changed: StoredOperation[]; events: HistoryEvent[] }): Promise<void> {
    await this.d.store.commit(e, f.changed, f.events);
    this.waiters.closed(e);
    if (e.parent) {
      const { arn, opId } = e.parent;
      const status = e.status === 'SUCCEEDED' ? 'SUCCEEDED' : e.status === 'TIMED_OUT' ? 'TIMED_OUT' : e.status === 'STOPPED' ? 'STOPPED' : 'FAILED';
      this.completeChained(arn, opId, status, e.result, e.error).catch((err: unknown) => this.d.log(`durable: ${arn}: ${messageOf(err)}`));
    }
  }

  async stop(arn: string, error: ErrorObject | undefined): Promise<number> {
    return await this.lock(arn, async () => {
      const e = await this.d.store.get(arn);
      if (!e) throw notFound(`Durable execution not found: ${arn}`);
      if (e.status !== 'RUNNING') throw invalidParameter(`Durable execution ${arn} is not running (${e.status}).`);
      const now = this.now();
      const events: HistoryEvent[] = [];
      closeExecution(e, 'STOPPED', { error: error ?? { ErrorType: 'Execution.Stopped', ErrorMessage: 'The durable execution was stopped.' } }, events, now);
      await this.commitClose(e, await this.opsOf(arn), { changed: [], events });
      return now;
    });
  }

  // ---- callbacks ---------------------------------------------------------------------------

  async callback(id: string, action: 'succeed' | 'fail' | 'heartbeat', v: { result?: string; error?: ErrorObject }): Promise<void> {
    const ref = await this.d.store.callback(id);
    if (!ref) throw invalidParameter(`Invalid callback id: ${id}`);
    await this.lock(ref.arn, async () => {
      const e = await this.d.store.get(ref.arn);
      const ops = await this.opsOf(ref.arn);
      const s = ops.get(ref.opId);
      if (!e || !s) throw invalidParameter(`Invalid callback id: ${id}`);
      const fired = fireDue(e, ops, this.now());
      if (e.status !== 'RUNNING' || s.op.Status !== 'STARTED') {
        if (fired.changed.length || e.status !== 'RUNNING') await (e.status === 'RUNNING' ? this.d.store.commit(e, fired.changed, fired.events) : this.commitClose(e, ops, fired));
        throw new NimbusError('ERR_CALLBACK_TIMEOUT', 'The callback ID token has either expired or the callback associated with the token has already been closed.');
      }
      const now = this.now();
      if (action === 'heartbeat') {
        if (s.state.heartbeatTimeoutS) s.state.heartbeatTimeoutAt = now + this.ms(s.state.heartbeatTimeoutS);
      } else {
        s.op.Status = action === 'succeed' ? 'SUCCEEDED' : 'FAILED';
        s.op.EndTimestamp = now;
        s.op.CallbackDetails = { ...s.op.CallbackDetails, ...(action === 'succeed' ? { Result: v.result ?? '' } : { Error: v.error ?? {} }) };
      }
      s.seq = ++e.seq;
      const ev = action === 'heartbeat' ? undefined : operationEvent(s.op, now);
      e.wakeAtMs = wakeOf(e, ops);
      await this.d.store.commit(e, [...fired.changed, s], [...fired.events, ...(ev ? [ev] : [])]);
    });
    this.reschedule();
    if (action !== 'heartbeat') this.drive(ref.arn);
  }

  /** Closes a chained invoke's operation and invokes its execution again. */
  private async completeChained(arn: string, opId: string, status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'STOPPED', result: string | undefined, error: ErrorObject | undefined): Promise<void> {
    await this.lock(arn, async () => {
      const e = await this.d.store.get(arn);
      const ops = await this.opsOf(arn);
      const s = ops.get(opId);
      if (!e || e.status !== 'RUNNING' || !s || isClosed(s.op.Status)) return;
      const now = this.now();
      s.op.Status = status;
      s.op.EndTimestamp = now;
      s.op.ChainedInvokeDetails = status === 'SUCCEEDED' ? { Result: result ?? '' } : { Error: error ?? {} };
      s.seq = ++e.seq;
      const ev = operationEvent(s.op, now);
      await this.d.store.commit(e, [s], ev ? [ev] : []);
    });
    this.drive(arn);
  }

  // ---- lifecycle ---------------------------------------------------------------------------

  /** After a start of the server: invokes again what was being invoked, runs chained invokes again, arms the timer. */
  async resume(): Promise<void> {
    for (const e of await this.d.store.running()) {
      const ops = await this.opsOf(e.arn);
      if (e.invoking) this.drive(e.arn);
      else for (const s of ops.values()) if (s.op.Type === 'CHAINED_INVOKE' && s.op.Status === 'STARTED') this.chained.run(e.arn, s.op.Id);
    }
    await this.tick();
  }

  /**
   * Takes no more work: called before the pool closes, so that invocations cut short by the
   * shutdown are not counted as failures (they stay marked as running and are invoked again at
   * the next start).
   */
  halt(): void {
    this.closing = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Waits for what is in flight to settle (after the pool closed), then the store may close. */
  async close(): Promise<void> {
    this.halt();
    await Promise.allSettled([...this.active.values()]);
    await this.locks.idle();
  }

  private async opsOf(arn: string): Promise<Map<string, StoredOperation>> {
    return new Map((await this.d.store.operations(arn)).map((s) => [s.op.Id, s]));
  }
}
