/**
 * One attempt of an async event through the synchronous invoke path, with the event's request
 * id, and how its end is classified for the retry rules.
 */
import { NimbusError } from '../core/errors.js';
import type { Scope } from '../core/model.js';
import type { AttemptOutcome } from './retry.js';
import type { AsyncEvent } from './types.js';

/** What an attempt needs from the invoke path (src/invoke/invoker.ts satisfies it). */
export interface AttemptDeps<F> {
  /** Resolves the function version to run; throws ERR_NOT_FOUND when it is gone. */
  resolve: (scope: Scope, name: string, qualifier: string | undefined) => Promise<{ fn: F; qualifier: string | undefined }>;
  invoke: (req: { fn: F; qualifier: string | undefined; payload: Buffer; tailLogs: boolean; requestId: string; tenantId: string | undefined }) => Promise<{
    payload: Buffer;
    functionError: string | undefined;
    executedVersion: string;
  }>;
}

export function makeAttempt<F>(deps: AttemptDeps<F>): (ev: AsyncEvent) => Promise<AttemptOutcome> {
  return async (ev) => {
    let target;
    try {
      target = await deps.resolve(ev, ev.functionName, ev.qualifier);
    } catch (e) {
      if (e instanceof NimbusError && e.code === 'ERR_NOT_FOUND') return { kind: 'gone', message: e.message };
      return { kind: 'system-error', message: (e as Error).message };
    }
    try {
      const r = await deps.invoke({ fn: target.fn, qualifier: target.qualifier, payload: ev.payload, tailLogs: false, requestId: ev.id, tenantId: ev.tenantId });
      if (r.functionError) return { kind: 'function-error', payload: r.payload, executedVersion: r.executedVersion };
      return { kind: 'success', payload: r.payload, executedVersion: r.executedVersion };
    } catch (e) {
      if (e instanceof NimbusError && e.code === 'ERR_TOO_MANY_REQUESTS') return { kind: 'throttle', message: e.message };
      return { kind: 'system-error', message: (e as Error).message };
    }
  };
}
