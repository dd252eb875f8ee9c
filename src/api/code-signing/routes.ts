/** The code signing config operations under /2020-04-22 and /2020-06-30 (MODEL); paths in api/table.ts. */
import { lambdaTimestamp } from '../http/wire-format.js';
import { json, type Handler, type RequestContext } from '../http/context.js';
import type { CodeSigningConfigRecord } from '../../store/records.js';
import { cscArn, type CodeSigningService } from './service.js';

const arnOf = (ctx: RequestContext): string => ctx.params['CodeSigningConfigArn'] ?? '';
const query = (ctx: RequestContext, key: string): string | undefined => ctx.query.get(key) ?? undefined;

/** MODEL `CodeSigningConfig`. */
function config(c: CodeSigningConfigRecord): Record<string, unknown> {
  return {
    CodeSigningConfigId: c.id,
    CodeSigningConfigArn: cscArn(c),
    Description: c.description,
    AllowedPublishers: { SigningProfileVersionArns: c.signingProfileVersionArns },
    CodeSigningPolicies: { UntrustedArtifactOnDeployment: c.policy },
    LastModified: lambdaTimestamp(c.lastModified),
  };
}

export function codeSigningHandlers(csc: CodeSigningService) {
  return {
    create: async (ctx) => json(201, { CodeSigningConfig: config(await csc.create(ctx.scope, await ctx.json())) }),
    get: async (ctx) => json(200, { CodeSigningConfig: config(await csc.get(ctx.scope, arnOf(ctx))) }),
    update: async (ctx) => json(200, { CodeSigningConfig: config(await csc.update(ctx.scope, arnOf(ctx), await ctx.json())) }),
    delete: async (ctx) => {
      await csc.delete(ctx.scope, arnOf(ctx));
      return { status: 204 };
    },
    list: async (ctx) => {
      const p = await csc.list(ctx.scope, query(ctx, 'Marker'), query(ctx, 'MaxItems'));
      return json(200, { CodeSigningConfigs: p.configs.map(config), ...(p.nextMarker ? { NextMarker: p.nextMarker } : {}) });
    },
    listFunctions: async (ctx) => {
      const p = await csc.functionArns(ctx.scope, arnOf(ctx), query(ctx, 'Marker'), query(ctx, 'MaxItems'));
      return json(200, { FunctionArns: p.arns, ...(p.nextMarker ? { NextMarker: p.nextMarker } : {}) });
    },
    putForFunction: async (ctx) => {
      const r = await csc.putForFunction(ctx.scope, ctx.params['FunctionName'] ?? '', await ctx.json());
      return json(200, { CodeSigningConfigArn: r.arn, FunctionName: r.functionName });
    },
    getForFunction: async (ctx) => {
      const r = await csc.getForFunction(ctx.scope, ctx.params['FunctionName'] ?? '');
      // A function without one answers `{}` (LS-SNAP `get_function_csc_fnwithoutcsc`).
      return json(200, r ? { CodeSigningConfigArn: r.arn, FunctionName: r.functionName } : {});
    },
    deleteForFunction: async (ctx) => {
      await csc.deleteForFunction(ctx.scope, ctx.params['FunctionName'] ?? '');
      return { status: 204 };
    },
  } satisfies Record<string, Handler>;
}
