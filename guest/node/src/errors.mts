/** Errors as the Node.js runtime reports them: `{errorType, errorMessage, trace}` (AWS uses `trace`). */
import { types } from 'node:util';

export interface RapidError {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

export function toRapidError(err: unknown): RapidError {
  if (types.isNativeError(err) || (err && typeof err === 'object' && 'message' in err && 'name' in err)) {
    const e = err as Error;
    return {
      errorType: String(e.name ?? 'Error'),
      errorMessage: String(e.message ?? ''),
      trace: typeof e.stack === 'string' ? e.stack.split('\n') : [],
    };
  }
  return { errorType: typeof err, errorMessage: String(err), trace: [] };
}

/** An error raised while loading the handler, with AWS's `Runtime.*` type. */
export class RuntimeInitError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    if (cause instanceof Error && cause.stack) this.stack = `${name}: ${message}\n${cause.stack.split('\n').slice(1).join('\n')}`;
  }
}
