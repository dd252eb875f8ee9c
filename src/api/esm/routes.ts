/**
 * Event-source mapping handlers (paths in api/table.ts): Lambda's five operations, answering 202
 * for Create, Update and Delete as the model says, and Nimbus's own view for `nimbus esm` -
 * each mapping with its recent batches, failures and lag from the runner.
 */
import type { EventSourceMappingRecord } from '../../store/records.js';
import { json, type Handler } from '../http/context.js';
import type { EventSourceMappingService } from './service.js';
import { mappingShape } from './shape.js';

/** What the runner knows of a running mapping (src/esm/runner.ts `status`). */
export type MappingStatusOf = (uuid: string) => unknown;

export function esmHandlers(service: EventSourceMappingService, status: MappingStatusOf) {
  const uuid = (p: Record<string, string | undefined>): string => p['UUID'] ?? '';
  return {
    create: async (ctx) => json(202, mappingShape(await service.create(ctx.scope, await ctx.json()))),
    get: async (ctx) => json(200, mappingShape(await service.get(ctx.scope, uuid(ctx.params)))),
    update: async (ctx) => {
      const body = await ctx.json();
      return json(202, mappingShape(await service.update(ctx.scope, uuid(ctx.params), body)));
    },
    delete: async (ctx) => json(202, mappingShape(await service.delete(ctx.scope, uuid(ctx.params)))),
    list: async (ctx) => {
      const q = (k: string): string | undefined => ctx.query.get(k) ?? undefined;
      const page = await service.list(ctx.scope, { functionName: q('FunctionName'), eventSourceArn: q('EventSourceArn'), marker: q('Marker'), maxItems: q('MaxItems') });
      return json(200, { EventSourceMappings: page.mappings.map(mappingShape), ...(page.nextMarker ? { NextMarker: page.nextMarker } : {}) });
    },
    /** Nimbus's own: every mapping of the caller's scope with what its poller has done. */
    nimbusList: async (ctx) => json(200, { mappings: await Promise.all((await service.all(ctx.scope)).map(async (m) => await nimbusShape(m, status))) }),
    nimbusGet: async (ctx) => json(200, await nimbusShape(await service.get(ctx.scope, uuid(ctx.params)), status)),
  } satisfies Record<string, Handler>;
}

async function nimbusShape(m: EventSourceMappingRecord, status: MappingStatusOf): Promise<Record<string, unknown>> {
  return { ...mappingShape(m), Enabled: m.enabled, Nimbus: (await status(m.uuid)) ?? null };
}
