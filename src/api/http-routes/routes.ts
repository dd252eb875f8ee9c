/** `GET /nimbus/v1/apis` (path in api/table.ts): every API of the caller's scope, with its URLs and routes. */
import type { RouteService } from './service.js';
import { json, type Handler } from '../http/context.js';
import { apiShape, originOf } from './shapes.js';

export function apiListHandlers(routes: RouteService) {
  return {
    list: async (ctx) => {
      const inScope = <T extends { accountId: string; region: string }>(r: T): boolean => r.accountId === ctx.scope.accountId && r.region === ctx.scope.region;
      const all = (await routes.apis()).filter(inScope);
      const byStack = new Map<string, Awaited<ReturnType<RouteService['ofStack']>>>();
      for (const a of all) if (!byStack.has(a.stack)) byStack.set(a.stack, await routes.ofStack(ctx.scope, a.stack));
      return json(200, { Apis: all.map((a) => apiShape(a, byStack.get(a.stack)!.routes, originOf(ctx))) });
    },
  } satisfies Record<string, Handler>;
}
