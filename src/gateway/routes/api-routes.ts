/** Nimbus's route-table API: PUT replaces one stack's routes, GET lists them all. */
import type { RouteService } from '../../control/routes.js';
import type { RouteRecord } from '../../store/records.js';
import { json } from '../context.js';
import type { AddRoute } from '../server.js';

const shape = (r: RouteRecord): Record<string, unknown> => ({
  Stack: r.stack,
  Method: r.method,
  Path: r.path,
  FunctionName: r.functionName,
  Qualifier: r.qualifier || undefined,
  PayloadFormatVersion: r.payloadFormatVersion,
});

export function apiRouteRoutes(route: AddRoute, routes: RouteService): void {
  route('PUT', '/nimbus/v1/routes', async (ctx) => json(200, { Routes: routes.put(ctx.scope, await ctx.json()).map(shape) }));
  route('GET', '/nimbus/v1/routes', () => json(200, { Routes: routes.list().map(shape) }));
}
