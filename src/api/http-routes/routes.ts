/** Nimbus's route-table API (paths in api/table.ts): PUT replaces one stack's routes, GET lists them all. */
import type { RouteService } from './service.js';
import type { RouteRecord } from '../../store/records.js';
import { json, type Handler } from '../http/context.js';

const shape = (r: RouteRecord): Record<string, unknown> => ({
  Stack: r.stack,
  Method: r.method,
  Path: r.path,
  FunctionName: r.functionName,
  Qualifier: r.qualifier || undefined,
  PayloadFormatVersion: r.payloadFormatVersion,
});

export function routeTableHandlers(routes: RouteService) {
  return {
    put: async (ctx) => json(200, { Routes: routes.put(ctx.scope, await ctx.json()).map(shape) }),
    list: () => json(200, { Routes: routes.list().map(shape) }),
  } satisfies Record<string, Handler>;
}
