/**
 * InvokeWithResponseStream is refused explicitly, not left as an unknown path: the SDK then
 * shows a message that says what is missing. Buffered Invoke and BUFFERED function URLs work.
 */
import type { FunctionService } from '../functions/service.js';
import { invalidParameter } from '../../core/errors.js';
import type { Handler } from '../http/context.js';

export function responseStreamingHandler(functions: FunctionService): Handler {
  return (ctx) => {
    functions.resolve(ctx.scope, ctx.params['FunctionName'] ?? '', ctx.query.get('Qualifier') ?? undefined);
    throw invalidParameter('Nimbus does not support response streaming (InvokeWithResponseStream) yet. Use Invoke, which buffers the response.');
  };
}
