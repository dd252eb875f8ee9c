/**
 * The layer operations under /2018-10-31/layers (MODEL; docs/reference/lambda-api.md §0); paths
 * in api/table.ts. GetLayerVersionByArn shares ListLayers' path and is told apart by its
 * `find=LayerVersion` query, as the model binds it.
 */
import { json, type Handler, type RequestContext } from '../http/context.js';
import type { LayerPermissions } from './permissions.js';
import type { LayerService, ListQuery } from './service.js';
import { layersListItem, layerVersion, layerVersionItem } from './shapes.js';

/** AWS's request limit for a zip in JSON (a 50 MB zip, base64), as for CreateFunction. */
const LAYER_REQUEST_LIMIT = 70_167_211;

const nameOf = (ctx: RequestContext): string | undefined => ctx.params['LayerName'];
const versionOf = (ctx: RequestContext): string | undefined => ctx.params['VersionNumber'];
const listQuery = (ctx: RequestContext): ListQuery => ({
  runtime: ctx.query.get('CompatibleRuntime'),
  architecture: ctx.query.get('CompatibleArchitecture'),
  marker: ctx.query.get('Marker'),
  maxItems: ctx.query.get('MaxItems'),
});
const page = (key: string, items: Record<string, unknown>[], next: string | undefined): Record<string, unknown> => ({
  ...(next ? { NextMarker: next } : {}),
  [key]: items,
});

export function layerHandlers(layers: LayerService, permissions: LayerPermissions, codeUrls: { location(sha256Hex: string): string }) {
  const loc = (sha: string): string => codeUrls.location(sha);
  return {
    publish: async (ctx) => {
      const v = await layers.publish(ctx.scope, nameOf(ctx), await ctx.json(LAYER_REQUEST_LIMIT, 'PublishLayerVersion'));
      return json(201, layerVersion(v, loc));
    },

    get: async (ctx) => json(200, layerVersion(await layers.get(ctx.scope, nameOf(ctx), versionOf(ctx)), loc)),

    /** ListLayers, or GetLayerVersionByArn when the query says `find=LayerVersion`. */
    listOrFind: async (ctx) => {
      if (ctx.query.get('find') === 'LayerVersion') return json(200, layerVersion(await layers.getByArn(ctx.scope, ctx.query.get('Arn')), loc));
      const p = await layers.list(ctx.scope, listQuery(ctx));
      return json(200, page('Layers', p.items.map(layersListItem), p.nextMarker));
    },

    listVersions: async (ctx) => {
      const p = await layers.listVersions(ctx.scope, nameOf(ctx), listQuery(ctx));
      return json(200, page('LayerVersions', p.items.map(layerVersionItem), p.nextMarker));
    },

    delete: async (ctx) => {
      await layers.delete(ctx.scope, nameOf(ctx), versionOf(ctx));
      return { status: 204 };
    },

    addPermission: async (ctx) => {
      const r = await permissions.add(ctx.scope, nameOf(ctx), versionOf(ctx), await ctx.json(), ctx.query.get('RevisionId'));
      return json(201, { Statement: r.statement, RevisionId: r.revisionId });
    },

    removePermission: async (ctx) => {
      await permissions.remove(ctx.scope, nameOf(ctx), versionOf(ctx), ctx.params['StatementId'] ?? '', ctx.query.get('RevisionId'));
      return { status: 204 };
    },

    getPolicy: async (ctx) => {
      const p = await permissions.get(ctx.scope, nameOf(ctx), versionOf(ctx));
      return json(200, { Policy: p.policy, RevisionId: p.revisionId });
    },
  } satisfies Record<string, Handler>;
}
