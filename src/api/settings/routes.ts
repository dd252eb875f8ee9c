/**
 * Recursion (/2024-08-31), runtime management (/2021-07-20) and function scaling (/2025-11-30)
 * configs of a function (MODEL); paths in api/table.ts.
 */
import { json, type Handler, type RequestContext } from '../http/context.js';
import type { FunctionSettingsService } from './service.js';

const nameOf = (ctx: RequestContext): string => ctx.params['FunctionName'] ?? '';
const qualifierOf = (ctx: RequestContext): string | undefined => ctx.query.get('Qualifier') ?? undefined;

export function settingsHandlers(settings: FunctionSettingsService) {
  return {
    getRecursion: async (ctx) => json(200, { RecursiveLoop: await settings.getRecursion(ctx.scope, nameOf(ctx)) }),
    putRecursion: async (ctx) => json(200, { RecursiveLoop: await settings.putRecursion(ctx.scope, nameOf(ctx), await ctx.json()) }),
    getRuntimeManagement: async (ctx) => json(200, await settings.getRuntimeManagement(ctx.scope, nameOf(ctx), qualifierOf(ctx))),
    putRuntimeManagement: async (ctx) => json(200, await settings.putRuntimeManagement(ctx.scope, nameOf(ctx), qualifierOf(ctx), await ctx.json())),
    getScaling: async (ctx) => await settings.scaling(ctx.scope, nameOf(ctx), qualifierOf(ctx)),
    putScaling: async (ctx) => {
      await ctx.json();
      return settings.scaling(ctx.scope, nameOf(ctx), qualifierOf(ctx));
    },
  } satisfies Record<string, Handler>;
}
