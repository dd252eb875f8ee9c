/**
 * Provisioned concurrency operations; paths in api/table.ts. Get and List share one path: List
 * is the GET with `?List=ALL` (MODEL ListProvisionedConcurrencyConfigs).
 */
import { functionArn } from '../../core/names.js';
import type { ProvisionedService, ProvisionedView } from './provisioned.js';
import { json, type Handler, type RequestContext } from '../http/context.js';
import { lambdaTimestamp } from '../http/wire-format.js';

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

export function provisionedHandlers(provisioned: ProvisionedService) {
  return {
    put: async (ctx) => json(202, configShape(await provisioned.put(ctx.scope, nameOf(ctx), q(ctx, 'Qualifier'), await ctx.json()))),

    getOrList: async (ctx) => {
      if (q(ctx, 'List') === 'ALL') {
        const page = await provisioned.list(ctx.scope, nameOf(ctx), q(ctx, 'Marker'), q(ctx, 'MaxItems'));
        const body: Record<string, unknown> = {
          ProvisionedConcurrencyConfigs: page.configs.map((v) => ({ FunctionArn: functionArn(ctx.scope, v.functionName, v.qualifier), ...configShape(v) })),
        };
        if (page.nextMarker) body['NextMarker'] = page.nextMarker;
        return json(200, body);
      }
      return json(200, configShape(await provisioned.get(ctx.scope, nameOf(ctx), q(ctx, 'Qualifier'))));
    },

    delete: async (ctx) => {
      await provisioned.delete(ctx.scope, nameOf(ctx), q(ctx, 'Qualifier'));
      return { status: 204 };
    },
  } satisfies Record<string, Handler>;
}
