/**
 * InvokeWithResponseStream is refused explicitly, not left as an unknown path: the SDK then
 * shows a message that says what is missing. Buffered Invoke and BUFFERED function URLs work.
 */
import type { FunctionService } from '../../control/functions.js';
import { invalidParameter } from '../../core/errors.js';
import type { AddRoute } from '../server.js';

export function responseStreamingRoutes(route: AddRoute, functions: FunctionService): void {
  route('POST', '/2021-11-15/functions/:FunctionName/response-streaming-invocations', (ctx) => {
    functions.resolve(ctx.scope, ctx.params['FunctionName'] ?? '', ctx.query.get('Qualifier') ?? undefined);
    throw invalidParameter('Nimbus does not support response streaming (InvokeWithResponseStream) yet. Use Invoke, which buffers the response.');
  });
}
