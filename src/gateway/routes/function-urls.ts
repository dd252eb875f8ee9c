/** The function URL config operations under /2021-10-31 (lambda-api.md §1.4). */
import type { UrlConfigService } from '../../control/url-configs.js';
import { urlConfiguration } from '../alias-shapes.js';
import { json, type RequestContext } from '../context.js';
import type { AddRoute } from '../server.js';

const nameOf = (ctx: RequestContext): string => ctx.params['FunctionName'] ?? '';
const qualifierOf = (ctx: RequestContext): string | undefined => ctx.query.get('Qualifier') ?? undefined;
/** The port the client reached Nimbus on: function URLs live on the same one. */
const portOf = (ctx: RequestContext): number => ctx.req.socket.localPort ?? 0;

export function functionUrlRoutes(route: AddRoute, urls: UrlConfigService): void {
  route('POST', '/2021-10-31/functions/:FunctionName/url', async (ctx) => {
    const u = urls.create(ctx.scope, nameOf(ctx), qualifierOf(ctx), await ctx.json());
    return json(201, urlConfiguration(u, portOf(ctx), { created: true }));
  });

  route('GET', '/2021-10-31/functions/:FunctionName/url', (ctx) =>
    json(200, urlConfiguration(urls.get(ctx.scope, nameOf(ctx), qualifierOf(ctx)), portOf(ctx))),
  );

  route('PUT', '/2021-10-31/functions/:FunctionName/url', async (ctx) =>
    json(200, urlConfiguration(urls.update(ctx.scope, nameOf(ctx), qualifierOf(ctx), await ctx.json()), portOf(ctx))),
  );

  route('DELETE', '/2021-10-31/functions/:FunctionName/url', (ctx) => {
    urls.delete(ctx.scope, nameOf(ctx), qualifierOf(ctx));
    return { status: 204 };
  });

  route('GET', '/2021-10-31/functions/:FunctionName/urls', (ctx) => {
    // A function has at most a handful of URL configs (one per alias): one page holds them all.
    const all = urls.list(ctx.scope, nameOf(ctx));
    return json(200, { FunctionUrlConfigs: all.map((u) => urlConfiguration(u, portOf(ctx))) });
  });
}
