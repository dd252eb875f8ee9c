/**
 * A batch's invocation through the synchronous invoke path (Lambda's event-source mappings
 * invoke with RequestResponse, docs/reference/lambda-api.md §5.2), and how its end is classified
 * for the poller: the function's error, a throttle (429), or Nimbus failing to run it.
 */
import { NimbusError } from '../core/errors.js';
import type { Scope } from '../core/model.js';
import type { BatchInvoker } from './types.js';

/** What the invocation needs from the invoke path (src/invoke/invoker.ts satisfies it). */
export interface BatchInvokeDeps<F> {
  /** Resolves the version to run (an alias by its weights); throws ERR_NOT_FOUND when it is gone. */
  resolve: (scope: Scope, name: string, qualifier: string | undefined) => Promise<{ fn: F; qualifier: string | undefined }>;
  invoke: (req: { fn: F; qualifier: string | undefined; payload: Buffer; tailLogs: boolean }) => Promise<{ payload: Buffer; functionError: string | undefined }>;
}

export function batchInvoker<F>(deps: BatchInvokeDeps<F>): BatchInvoker {
  return async (spec, payload) => {
    let target;
    try {
      target = await deps.resolve(spec, spec.functionName, spec.qualifier);
    } catch (e) {
      return { kind: 'system-error', message: (e as Error).message };
    }
    try {
      const r = await deps.invoke({ fn: target.fn, qualifier: target.qualifier, payload, tailLogs: false });
      return r.functionError ? { kind: 'function-error', payload: r.payload } : { kind: 'ok', payload: r.payload };
    } catch (e) {
      if (e instanceof NimbusError && e.code === 'ERR_TOO_MANY_REQUESTS') return { kind: 'throttled', message: e.message };
      return { kind: 'system-error', message: (e as Error).message };
    }
  };
}
