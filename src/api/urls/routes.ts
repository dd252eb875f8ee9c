/** The function URL config operations under /2021-10-31 (docs/reference/lambda-api.md §1.4); paths in api/table.ts. */
import type { UrlConfigService } from './service.js';
import { urlConfiguration } from './shapes.js';
import { json, type Handler, type RequestContext } from '../http/context.js';

const nameOf = (ctx: RequestContext): string => ctx.params['FunctionName'] ?? '';
const qualifierOf = (ctx: RequestContext): string | undefined => ctx.query.get('Qualifier') ?? undefined;
/** The port the client reached Nimbus on: function URLs live on the same one. */
const portOf = (ctx: RequestContext): number => ctx.req.socket.localPort ?? 0;

export function urlConfigHandlers(urls: UrlConfigService) {
  return {
    create: async (ctx) => {
      const u = await urls.create(ctx.scope, nameOf(ctx), qualifierOf(ctx), await ctx.json());
      return json(201, urlConfiguration(u, portOf(ctx), { created: true }));
    },

    get: async (ctx) => json(200, urlConfiguration(await urls.get(ctx.scope, nameOf(ctx), qualifierOf(ctx)), portOf(ctx))),

    update: async (ctx) => json(200, urlConfiguration(await urls.update(ctx.scope, nameOf(ctx), qualifierOf(ctx), await ctx.json()), portOf(ctx))),

    delete: async (ctx) => {
      await urls.delete(ctx.scope, nameOf(ctx), qualifierOf(ctx));
      return { status: 204 };
    },

    list: async (ctx) => {
      // A function has at most a handful of URL configs (one per alias): one page holds them all.
      const all = await urls.list(ctx.scope, nameOf(ctx));
      return json(200, { FunctionUrlConfigs: all.map((u) => urlConfiguration(u, portOf(ctx))) });
    },
  } satisfies Record<string, Handler>;
}
