/** PublishVersion, ListVersionsByFunction and the alias operations (docs/reference/lambda-api.md §1.4); paths in api/table.ts. */
import type { AliasService } from './aliases.js';
import type { VersionService } from './versions.js';
import { aliasConfiguration } from './shapes.js';
import { json, type Handler, type RequestContext } from '../http/context.js';
import { functionConfiguration } from '../functions/shapes.js';

const nameOf = (ctx: RequestContext): string => ctx.params['FunctionName'] ?? '';
const aliasOf = (ctx: RequestContext): string => ctx.params['Name'] ?? '';
const q = (ctx: RequestContext, key: string): string | undefined => ctx.query.get(key) ?? undefined;

export function versionHandlers(versions: VersionService, aliases: AliasService) {
  return {
    publish: async (ctx) => {
      const v = await versions.publish(ctx.scope, nameOf(ctx), await ctx.json());
      return json(201, functionConfiguration(v, { qualifiedArn: true }));
    },

    list: async (ctx) => {
      const page = await versions.list(ctx.scope, nameOf(ctx), q(ctx, 'Marker'), q(ctx, 'MaxItems'));
      const body: Record<string, unknown> = {
        Versions: page.versions.map((v) => functionConfiguration(v, { qualifiedArn: true, forList: true })),
      };
      if (page.nextMarker) body['NextMarker'] = page.nextMarker;
      return json(200, body);
    },

    createAlias: async (ctx) => json(201, aliasConfiguration(await aliases.create(ctx.scope, nameOf(ctx), await ctx.json()))),

    listAliases: async (ctx) => {
      const page = await aliases.list(ctx.scope, nameOf(ctx), q(ctx, 'FunctionVersion'), q(ctx, 'Marker'), q(ctx, 'MaxItems'));
      const body: Record<string, unknown> = { Aliases: page.aliases.map(aliasConfiguration) };
      if (page.nextMarker) body['NextMarker'] = page.nextMarker;
      return json(200, body);
    },

    getAlias: async (ctx) => json(200, aliasConfiguration(await aliases.get(ctx.scope, nameOf(ctx), aliasOf(ctx)))),

    updateAlias: async (ctx) => json(200, aliasConfiguration(await aliases.update(ctx.scope, nameOf(ctx), aliasOf(ctx), await ctx.json()))),

    deleteAlias: async (ctx) => {
      await aliases.delete(ctx.scope, nameOf(ctx), aliasOf(ctx));
      return { status: 204 };
    },
  } satisfies Record<string, Handler>;
}
