/** Reserved concurrency operations (note their own version prefixes, lambda-api.md §1.1). */
import type { ConcurrencyService } from '../../control/concurrency.js';
import { json } from '../context.js';
import type { AddRoute } from '../server.js';

export function concurrencyRoutes(route: AddRoute, concurrency: ConcurrencyService): void {
  route('PUT', '/2017-10-31/functions/:FunctionName/concurrency', async (ctx) => {
    const v = concurrency.put(ctx.scope, ctx.params['FunctionName'] ?? '', await ctx.json());
    return json(200, { ReservedConcurrentExecutions: v });
  });
  route('GET', '/2019-09-30/functions/:FunctionName/concurrency', (ctx) => {
    const v = concurrency.get(ctx.scope, ctx.params['FunctionName'] ?? '');
    // AWS answers {} when no reservation is set (LS-SNAP).
    return json(200, v === undefined ? {} : { ReservedConcurrentExecutions: v });
  });
  route('DELETE', '/2017-10-31/functions/:FunctionName/concurrency', (ctx) => {
    concurrency.delete(ctx.scope, ctx.params['FunctionName'] ?? '');
    return { status: 204 };
  });
}
