/** Put/Get/Update/Delete/ListFunctionEventInvokeConfig(s) under /2019-09-25 (lambda-api.md §1.4.5). */
import type { EventInvokeConfigService } from '../../control/event-invoke-config.js';
import { functionArn } from '../../core/names.js';
import type { InvokeConfig } from '../../queue/types.js';
import { json, type RequestContext } from '../context.js';
import type { AddRoute } from '../server.js';

const BASE = '/2019-09-25/functions/:FunctionName/event-invoke-config';
const nameOf = (ctx: RequestContext): string => ctx.params['FunctionName'] ?? '';
const qualifierOf = (ctx: RequestContext): string | undefined => ctx.query.get('Qualifier') ?? undefined;

export function eventInvokeConfigRoutes(route: AddRoute, configs: EventInvokeConfigService): void {
  route('PUT', BASE, async (ctx) => json(200, shape(configs.put(ctx.scope, nameOf(ctx), qualifierOf(ctx), await ctx.json()))));
  route('POST', BASE, async (ctx) => json(200, shape(configs.update(ctx.scope, nameOf(ctx), qualifierOf(ctx), await ctx.json()))));
  route('GET', BASE, (ctx) => json(200, shape(configs.get(ctx.scope, nameOf(ctx), qualifierOf(ctx)))));
  route('DELETE', BASE, (ctx) => {
    configs.delete(ctx.scope, nameOf(ctx), qualifierOf(ctx));
    return { status: 204 };
  });
  route('GET', `${BASE}/list`, (ctx) => {
    const page = configs.list(ctx.scope, nameOf(ctx), ctx.query.get('Marker') ?? undefined, ctx.query.get('MaxItems') ?? undefined);
    const body: Record<string, unknown> = { FunctionEventInvokeConfigs: page.configs.map(shape) };
    if (page.nextMarker) body['NextMarker'] = page.nextMarker;
    return json(200, body);
  });
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
