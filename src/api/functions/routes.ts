/** The function lifecycle operations of Lambda's REST API (docs/reference/lambda-api.md §1.4); their paths are in api/table.ts. */
import type { ConcurrencyService } from '../concurrency/reserved.js';
import type { FunctionService } from './service.js';
import { json, type Handler, type RequestContext } from '../http/context.js';
import { functionConfiguration } from './shapes.js';

/** AWS's request limit for CreateFunction/UpdateFunctionCode (a 50 MB zip, base64 in JSON). */
const CODE_REQUEST_LIMIT = 70_167_211;

const nameOf = (ctx: RequestContext): string => ctx.params['FunctionName'] ?? '';
const qualifierOf = (ctx: RequestContext): string | undefined => ctx.query.get('Qualifier') ?? undefined;

/** GetFunction's `Tags` (api/tags). */
export interface FunctionTagReader {
  forFunction(scope: RequestContext['scope'], name: string): Promise<Record<string, string> | undefined>;
}

/** Presigned download links of packages (src/secrets/code-urls.ts). */
export interface CodeLocations {
  location(sha256Hex: string): string;
}

export function functionHandlers(functions: FunctionService, concurrency: ConcurrencyService, codeUrls: CodeLocations, tags?: FunctionTagReader) {
  return {
    create: async (ctx) => {
      const body = await ctx.json(CODE_REQUEST_LIMIT, 'CreateFunction');
      return json(201, functionConfiguration(await functions.create(ctx.scope, body)));
    },

    list: async (ctx) => {
      const all = ctx.query.get('FunctionVersion') ?? undefined;
      const page = await functions.list(ctx.scope, ctx.query.get('Marker') ?? undefined, ctx.query.get('MaxItems') ?? undefined, all);
      const body: Record<string, unknown> = {
        Functions: page.functions.map((f) => functionConfiguration(f, { forList: true, qualifiedArn: all === 'ALL' })),
      };
      if (page.nextMarker) body['NextMarker'] = page.nextMarker;
      return json(200, body);
    },

    get: async (ctx) => {
      const { fn, qualifier } = await functions.resolve(ctx.scope, nameOf(ctx), qualifierOf(ctx));
      const body: Record<string, unknown> = {
        Configuration: functionConfiguration(fn, { qualifiedArn: qualifier !== undefined }),
        Code: fn.image
          ? { RepositoryType: 'ECR', ImageUri: fn.image.uri, ResolvedImageUri: fn.image.resolvedUri }
          : { RepositoryType: 'S3', Location: codeUrls.location(fn.codeSha256) },
      };
      const fnTags = await tags?.forFunction(ctx.scope, fn.name);
      if (fnTags) body['Tags'] = fnTags;
      const reserved = await concurrency.get(ctx.scope, fn.name);
      if (reserved !== undefined) body['Concurrency'] = { ReservedConcurrentExecutions: reserved };
      return json(200, body);
    },

    getConfiguration: async (ctx) => {
      const { fn, qualifier } = await functions.resolve(ctx.scope, nameOf(ctx), qualifierOf(ctx));
      return json(200, functionConfiguration(fn, { qualifiedArn: qualifier !== undefined }));
    },

    updateCode: async (ctx) => {
      const body = await ctx.json(CODE_REQUEST_LIMIT, 'UpdateFunctionCode');
      return json(200, functionConfiguration(await functions.updateCode(ctx.scope, nameOf(ctx), body)));
    },

    updateConfiguration: async (ctx) => {
      const body = await ctx.json();
      return json(200, functionConfiguration(await functions.updateConfiguration(ctx.scope, nameOf(ctx), body)));
    },

    delete: async (ctx) => {
      await functions.delete(ctx.scope, nameOf(ctx), qualifierOf(ctx));
      return { status: 204 };
    },

    accountSettings: async (ctx) => {
      const usage = await functions.usage(ctx.scope);
      return json(200, {
        AccountLimit: {
          TotalCodeSize: 80_530_636_800,
          CodeSizeUnzipped: 262_144_000,
          CodeSizeZipped: 52_428_800,
          ConcurrentExecutions: concurrency.accountLimit,
          UnreservedConcurrentExecutions: await concurrency.unreserved(ctx.scope.accountId),
        },
        AccountUsage: { TotalCodeSize: usage.totalCodeSize, FunctionCount: usage.functionCount },
      });
    },
  } satisfies Record<string, Handler>;
}
