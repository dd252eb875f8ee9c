/** PublishVersion, ListVersionsByFunction and the alias operations (lambda-api.md §1.4). */
import type { AliasService } from '../../control/aliases.js';
import type { VersionService } from '../../control/versions.js';
import { aliasConfiguration } from '../alias-shapes.js';
import { json, type RequestContext } from '../context.js';
import type { AddRoute } from '../server.js';
import { functionConfiguration } from '../shapes.js';

const nameOf = (ctx: RequestContext): string => ctx.params['FunctionName'] ?? '';
const aliasOf = (ctx: RequestContext): string => ctx.params['Name'] ?? '';
const q = (ctx: RequestContext, key: string): string | undefined => ctx.query.get(key) ?? undefined;

export function versionRoutes(route: AddRoute, versions: VersionService, aliases: AliasService): void {
  route('POST', '/2015-03-31/functions/:FunctionName/versions', async (ctx) => {
    const v = versions.publish(ctx.scope, nameOf(ctx), await ctx.json());
    return json(201, functionConfiguration(v, { qualifiedArn: true }));
  });

  route('GET', '/2015-03-31/functions/:FunctionName/versions', (ctx) => {
    const page = versions.list(ctx.scope, nameOf(ctx), q(ctx, 'Marker'), q(ctx, 'MaxItems'));
    const body: Record<string, unknown> = {
      Versions: page.versions.map((v) => functionConfiguration(v, { qualifiedArn: true, forList: true })),
    };
    if (page.nextMarker) body['NextMarker'] = page.nextMarker;
    return json(200, body);
  });

  route('POST', '/2015-03-31/functions/:FunctionName/aliases', async (ctx) =>
    json(201, aliasConfiguration(aliases.create(ctx.scope, nameOf(ctx), await ctx.json()))),
  );

  route('GET', '/2015-03-31/functions/:FunctionName/aliases', (ctx) => {
    const page = aliases.list(ctx.scope, nameOf(ctx), q(ctx, 'FunctionVersion'), q(ctx, 'Marker'), q(ctx, 'MaxItems'));
    const body: Record<string, unknown> = { Aliases: page.aliases.map(aliasConfiguration) };
    if (page.nextMarker) body['NextMarker'] = page.nextMarker;
    return json(200, body);
  });

  route('GET', '/2015-03-31/functions/:FunctionName/aliases/:Name', (ctx) =>
    json(200, aliasConfiguration(aliases.get(ctx.scope, nameOf(ctx), aliasOf(ctx)))),
  );

  route('PUT', '/2015-03-31/functions/:FunctionName/aliases/:Name', async (ctx) =>
    json(200, aliasConfiguration(aliases.update(ctx.scope, nameOf(ctx), aliasOf(ctx), await ctx.json()))),
  );

  route('DELETE', '/2015-03-31/functions/:FunctionName/aliases/:Name', (ctx) => {
    aliases.delete(ctx.scope, nameOf(ctx), aliasOf(ctx));
    return { status: 204 };
  });
}
