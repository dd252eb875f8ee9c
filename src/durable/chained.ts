/**
 * Chained invokes (`context.invoke`): a CHAINED_INVOKE operation names a function and a payload.
 * A durable target runs as a child execution, named after the parent execution and operation so
 * that it is started once however often this runs; any other target is invoked and its answer
 * (or its error) completes the operation. They start once the invocation that asked for them has
 * ended, so that their end is recorded after its InvocationCompleted, as Lambda records it.
 */
import { createHash } from 'node:crypto';
import { NimbusError, messageOf } from '../core/errors.js';
import type { FunctionVersion, Scope } from '../core/model.js';
import type { InvokeRequest, InvokeResult } from '../invoke/invoker.js';
import { errorFromPayload } from './timers.js';
import type { DurableStore, ErrorObject, Execution } from './types.js';

export type ChainedStatus = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'STOPPED';

export interface ChainedDeps {
  store: DurableStore;
  target(scope: Scope, name: string): Promise<{ fn: FunctionVersion; qualifier: string | undefined }>;
  invoke(req: InvokeRequest): Promise<InvokeResult>;
  start(req: { fn: FunctionVersion; payload: string; name: string; parent: { arn: string; opId: string } }): Promise<{ execution: Execution }>;
  complete(arn: string, opId: string, status: ChainedStatus, result: string | undefined, error: ErrorObject | undefined): Promise<void>;
  log(line: string): void;
}

export class ChainedInvokes {
  /** Chained invokes being run (`arn#opId`): each runs once at a time. */
  private readonly running = new Set<string>();

  constructor(private readonly d: ChainedDeps) {}

  /** Runs every chained invoke of the execution still waiting for its answer. */
  async launch(arn: string): Promise<void> {
    for (const s of await this.d.store.operations(arn)) {
      if (s.op.Type === 'CHAINED_INVOKE' && s.op.Status === 'STARTED') this.run(arn, s.op.Id);
    }
  }

  run(arn: string, opId: string): void {
    const key = `${arn}#${opId}`;
    if (this.running.has(key)) return;
    this.running.add(key);
    void this.once(arn, opId)
      .catch((err: unknown) => this.d.log(`durable: chained invoke ${opId} of ${arn}: ${messageOf(err)}`))
      .finally(() => this.running.delete(key));
  }

  private async once(arn: string, opId: string): Promise<void> {
    const e = await this.d.store.get(arn);
    const s = (await this.d.store.operations(arn)).find((x) => x.op.Id === opId);
    if (!e || !s || s.op.Status !== 'STARTED' || !s.state.chainedFunction) return;
    let target;
    try {
      target = await this.d.target(e, s.state.chainedFunction);
    } catch (err) {
      const type = err instanceof NimbusError && err.code === 'ERR_NOT_FOUND' ? 'ResourceNotFoundException' : 'ServiceException';
      return await this.d.complete(arn, opId, 'FAILED', undefined, { ErrorType: type, ErrorMessage: messageOf(err) });
    }
    const payload = s.state.chainedPayload ?? '{}';
    if (target.fn.durable) {
      const name = createHash('sha256').update(`${arn}/${opId}`).digest('hex').slice(0, 48);
      const x = (await this.d.start({ fn: target.fn, payload, name, parent: { arn, opId } })).execution;
      if (x.status !== 'RUNNING') await this.d.complete(arn, opId, x.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED', x.result, x.error);
      return;
    }
    const r = await this.d.invoke({ fn: target.fn, qualifier: target.qualifier, payload: Buffer.from(payload), tailLogs: false, ...(s.state.chainedTenant ? { tenantId: s.state.chainedTenant } : {}) });
    if (r.functionError) await this.d.complete(arn, opId, 'FAILED', undefined, errorFromPayload(r.payload));
    else await this.d.complete(arn, opId, 'SUCCEEDED', r.payload.toString('utf8'), undefined);
  }
}
