/**
 * Provisioned concurrency operations. Get and List share one path: List is the GET with
 * `?List=ALL` (MODEL ListProvisionedConcurrencyConfigs).
 */
import { functionArn } from '../../core/names.js';
import type { ProvisionedService, ProvisionedView } from '../../control/provisioned.js';
import { json, type RequestContext } from '../context.js';
import type { AddRoute } from '../server.js';
import { lambdaTimestamp } from '../shapes.js';

const PATH = '/2019-09-30/functions/:FunctionName/provisioned-concurrency';
const nameOf = (ctx: RequestContext): string => ctx.params['FunctionName'] ?? '';
const q = (ctx: RequestContext, key: string): string | undefined => ctx.query.get(key) ?? undefined;

/** GetProvisionedConcurrencyConfigResponse (also the Put response and, with FunctionArn, a list item). */
function configShape(v: ProvisionedView): Record<string, unknown> {
  return {
    RequestedProvisionedConcurrentExecutions: v.requested,
    AvailableProvisionedConcurrentExecutions: v.available,
    AllocatedProvisionedConcurrentExecutions: v.allocated,
    Status: v.status,
    ...(v.statusReason === undefined ? {} : { StatusReason: v.statusReason }),
    LastModified: lambdaTimestamp(v.lastModified),
  };
}

export function provisionedRoutes(route: AddRoute, provisioned: ProvisionedService): void {
  route('PUT', PATH, async (ctx) => json(202, configShape(provisioned.put(ctx.scope, nameOf(ctx), q(ctx, 'Qualifier'), await ctx.json()))));

  route('GET', PATH, (ctx) => {
    if (q(ctx, 'List') === 'ALL') {
      const page = provisioned.list(ctx.scope, nameOf(ctx), q(ctx, 'Marker'), q(ctx, 'MaxItems'));
      const body: Record<string, unknown> = {
        ProvisionedConcurrencyConfigs: page.configs.map((v) => ({ FunctionArn: functionArn(ctx.scope, v.functionName, v.qualifier), ...configShape(v) })),
      };
      if (page.nextMarker) body['NextMarker'] = page.nextMarker;
      return json(200, body);
    }
    return json(200, configShape(provisioned.get(ctx.scope, nameOf(ctx), q(ctx, 'Qualifier'))));
  });

  route('DELETE', PATH, (ctx) => {
    provisioned.delete(ctx.scope, nameOf(ctx), q(ctx, 'Qualifier'));
    return { status: 204 };
  });
}
