/** Put/Get/Update/Delete/ListFunctionEventInvokeConfig(s) under /2019-09-25 (docs/reference/lambda-api.md §1.4.5); paths in api/table.ts. */
import type { EventInvokeConfigService } from './event-invoke-config.js';
import { functionArn } from '../../core/names.js';
import type { InvokeConfig } from '../../queue/types.js';
import { json, type Handler, type RequestContext } from '../http/context.js';

const nameOf = (ctx: RequestContext): string => ctx.params['FunctionName'] ?? '';
const qualifierOf = (ctx: RequestContext): string | undefined => ctx.query.get('Qualifier') ?? undefined;

export function eventInvokeConfigHandlers(configs: EventInvokeConfigService) {
  return {
    put: async (ctx) => json(200, shape(await configs.put(ctx.scope, nameOf(ctx), qualifierOf(ctx), await ctx.json()))),
    update: async (ctx) => json(200, shape(await configs.update(ctx.scope, nameOf(ctx), qualifierOf(ctx), await ctx.json()))),
    get: async (ctx) => json(200, shape(await configs.get(ctx.scope, nameOf(ctx), qualifierOf(ctx)))),
    delete: async (ctx) => {
      await configs.delete(ctx.scope, nameOf(ctx), qualifierOf(ctx));
      return { status: 204 };
    },
    list: async (ctx) => {
      const page = await configs.list(ctx.scope, nameOf(ctx), ctx.query.get('Marker') ?? undefined, ctx.query.get('MaxItems') ?? undefined);
      const body: Record<string, unknown> = { FunctionEventInvokeConfigs: page.configs.map(shape) };
      if (page.nextMarker) body['NextMarker'] = page.nextMarker;
      return json(200, body);
    },
  } satisfies Record<string, Handler>;
}

/** FunctionEventInvokeConfig: LastModified in epoch seconds (a number), FunctionArn always qualified. */
function shape(c: InvokeConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    LastModified: c.lastModified / 1000,
    FunctionArn: functionArn(c, c.functionName, c.qualifier),
  };
  if (c.maximumRetryAttempts !== undefined) out['MaximumRetryAttempts'] = c.maximumRetryAttempts;
  if (c.maximumEventAgeInSeconds !== undefined) out['MaximumEventAgeInSeconds'] = c.maximumEventAgeInSeconds;
  out['DestinationConfig'] = {
    OnSuccess: c.onSuccess ? { Destination: c.onSuccess } : {},
    OnFailure: c.onFailure ? { Destination: c.onFailure } : {},
  };
  return out;
}
