/**
 * Nimbus's stack API (paths in api/table.ts): list, describe, deploy (a stack document, see
 * document.ts) and delete stacks, and upload the packages a stack document names. A package is
 * sent as raw zip bytes under its own SHA-256, checked and stored in the content-addressed code
 * store, so that a deployment can name it without sending it again.
 */
import { createHash } from 'node:crypto';
import { invalidParameter, validationError } from '../../core/errors.js';
import type { CodeStore } from '../../store/code-store.js';
import type { UrlConfigStore } from '../../store/types.js';
import { ZipError } from '../../store/unzip.js';
import { MAX_ZIP_BYTES } from '../functions/service.js';
import type { RouteService } from '../http-routes/service.js';
import { originOf } from '../http-routes/shapes.js';
import { json, type Handler } from '../http/context.js';
import type { StackService } from './service.js';
import { stackShape, stackSummary } from './shapes.js';

/** A stack document names its packages; their environment and settings are small. */
const DOCUMENT_LIMIT = 16 * 1024 * 1024;

export interface StackHandlerDeps {
  stacks: StackService;
  routes: RouteService;
  urls: UrlConfigStore;
  code: CodeStore;
}

export function stackHandlers(d: StackHandlerDeps) {
  const name = (p: Record<string, string | undefined>): string => p['StackName'] ?? '';
  return {
    list: async (ctx) => json(200, { Stacks: (await d.stacks.list(ctx.scope)).map(stackSummary) }),
    get: async (ctx) => json(200, await stackShape(await d.stacks.get(ctx.scope, name(ctx.params)), d, originOf(ctx))),
    deploy: async (ctx) => {
      const record = await d.stacks.deploy(ctx.scope, name(ctx.params), await ctx.json(DOCUMENT_LIMIT, 'DeployStack'));
      return json(200, await stackShape(record, d, originOf(ctx)));
    },
    delete: async (ctx) => {
      await d.stacks.delete(ctx.scope, name(ctx.params));
      return { status: 204 };
    },
    uploadArtifact: async (ctx) => {
      const sha = ctx.params['sha256'] ?? '';
      if (!/^[0-9a-f]{64}$/.test(sha)) throw validationError(sha, 'sha256', 'Member must be 64 lower-case hex digits (the SHA-256 of the body)');
      const zip = await ctx.body(MAX_ZIP_BYTES, 'UploadArtifact');
      const actual = createHash('sha256').update(zip).digest('hex');
      if (actual !== sha) throw invalidParameter(`The body's SHA-256 is ${actual}, not ${sha}.`);
      try {
        const stored = await d.code.put(zip);
        return json(201, { CodeSha256: stored.sha256Hex, CodeSize: stored.size });
      } catch (e) {
        if (e instanceof ZipError) throw invalidParameter(`Could not unzip uploaded file: ${e.message}`);
        throw e;
      }
    },
  } satisfies Record<string, Handler>;
}
