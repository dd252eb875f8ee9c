/** `GET /nimbus/v1/apis` (path in api/table.ts): every API of the caller's scope, with its URLs and routes. */
import type { RouteService } from './service.js';
import { json, type Handler } from '../http/context.js';
import { apiShape, originOf } from './shapes.js';

export function apiListHandlers(routes: RouteService) {
  return {
    list: (ctx) => {
      const inScope = <T extends { accountId: string; region: string }>(r: T): boolean => r.accountId === ctx.scope.accountId && r.region === ctx.scope.region;
      const all = routes.apis().filter(inScope);
      const byStack = new Map<string, ReturnType<RouteService['ofStack']>>();
      for (const a of all) if (!byStack.has(a.stack)) byStack.set(a.stack, routes.ofStack(ctx.scope, a.stack));
      return json(200, { Apis: all.map((a) => apiShape(a, byStack.get(a.stack)!.routes, originOf(ctx))) });
    },
  } satisfies Record<string, Handler>;
}
