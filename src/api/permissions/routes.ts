/**
 * AddPermission, RemovePermission, GetPolicy (docs/reference/lambda-api.md §1.4) and the JS SDK's
 * Put/Get/DeleteResourcePolicy (/2026-07-09/resource-policy/{ResourceArn}); paths in api/table.ts.
 */
import { json, type Handler, type RequestContext } from '../http/context.js';
import type { PermissionService } from './service.js';

const nameOf = (ctx: RequestContext): string => ctx.params['FunctionName'] ?? '';
const query = (ctx: RequestContext, key: string): string | undefined => ctx.query.get(key) ?? undefined;
const arnOf = (ctx: RequestContext): string => ctx.params['ResourceArn'] ?? '';

export function permissionHandlers(permissions: PermissionService) {
  return {
    add: async (ctx) => json(201, { Statement: await permissions.add(ctx.scope, nameOf(ctx), query(ctx, 'Qualifier'), await ctx.json()) }),

    remove: async (ctx) => {
      await permissions.remove(ctx.scope, nameOf(ctx), query(ctx, 'Qualifier'), ctx.params['StatementId'] ?? '', query(ctx, 'RevisionId'));
      return { status: 204 };
    },

    get: async (ctx) => {
      const p = await permissions.get(ctx.scope, nameOf(ctx), query(ctx, 'Qualifier'));
      return json(200, { Policy: p.policy, RevisionId: p.revisionId });
    },

    putResource: async (ctx) => {
      const p = await permissions.put(ctx.scope, arnOf(ctx), await ctx.json());
      return json(200, { Policy: p.policy, RevisionId: p.revisionId });
    },

    getResource: async (ctx) => {
      const p = await permissions.getResource(ctx.scope, arnOf(ctx));
      return json(200, { Policy: p.policy, RevisionId: p.revisionId });
    },

    deleteResource: async (ctx) => {
      await permissions.deleteResource(ctx.scope, arnOf(ctx), query(ctx, 'RevisionId'));
      return { status: 204 };
    },
  } satisfies Record<string, Handler>;
}
