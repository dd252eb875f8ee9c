/** TagResource, UntagResource and ListTags under /2017-03-31/tags/{Resource} (docs/reference/lambda-api.md §1.4); paths in api/table.ts. */
import { json, type Handler, type RequestContext } from '../http/context.js';
import type { TagService } from './service.js';

const resourceOf = (ctx: RequestContext): string => ctx.params['Resource'] ?? '';

export function tagHandlers(tags: TagService) {
  return {
    tag: async (ctx) => {
      await tags.tag(ctx.scope, resourceOf(ctx), await ctx.json());
      return { status: 204 };
    },
    // The SDK sends the keys as repeated `tagKeys` query parameters.
    untag: async (ctx) => {
      await tags.untag(ctx.scope, resourceOf(ctx), ctx.query.getAll('tagKeys'));
      return { status: 204 };
    },
    list: async (ctx) => json(200, { Tags: await tags.list(ctx.scope, resourceOf(ctx)) }),
  } satisfies Record<string, Handler>;
}
