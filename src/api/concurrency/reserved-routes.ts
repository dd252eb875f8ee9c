/** Reserved concurrency operations (note their own version prefixes, docs/reference/lambda-api.md §1.1); paths in api/table.ts. */
import type { ConcurrencyService } from './reserved.js';
import { json, type Handler } from '../http/context.js';

export function reservedConcurrencyHandlers(concurrency: ConcurrencyService) {
  return {
    put: async (ctx) => {
      const v = await concurrency.put(ctx.scope, ctx.params['FunctionName'] ?? '', await ctx.json());
      return json(200, { ReservedConcurrentExecutions: v });
    },
    get: async (ctx) => {
      const v = await concurrency.get(ctx.scope, ctx.params['FunctionName'] ?? '');
      // AWS answers {} when no reservation is set (LS-SNAP).
      return json(200, v === undefined ? {} : { ReservedConcurrentExecutions: v });
    },
    delete: async (ctx) => {
      await concurrency.delete(ctx.scope, ctx.params['FunctionName'] ?? '');
      return { status: 204 };
    },
  } satisfies Record<string, Handler>;
}
