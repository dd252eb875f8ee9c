/**
 * Event-source mappings as Lambda's API (docs/reference/lambda-api.md §1.4.6): Create, Get,
 * Update, Delete and List, with Lambda's checks and messages. Storage is the store's
 * (src/store/types.ts); polling is src/esm's runner, told after every change (`onChange`), which
 * moves a mapping from the transitional state written here to a settled one.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import { conflict, invalidParameter, NimbusError, notFound } from '../../core/errors.js';
import type { FunctionVersion, Scope } from '../../core/model.js';
import { parseFunctionName } from '../../core/names.js';
import type { SourceKind } from '../../esm/types.js';
import type { EventSourceMappingRecord, MappingState } from '../../store/records.js';
import type { EventSourceMappingStore } from '../../store/types.js';
import { decodeMarker, encodeMarker, pageSize } from '../http/paging.js';
import { eventSourceArnOf, parseChanges, type MappingChanges } from './validate.js';

/** ListEventSourceMappings returns at most 100 per page (its API reference). */
const PAGE_CAP = 100;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export interface MappingServiceDeps {
  store: EventSourceMappingStore;
  kinds: readonly SourceKind[];
  clock: Clock;
  /** The function version a name (and qualifier) designates; throws ERR_NOT_FOUND. */
  resolve: (scope: Scope, name: string, qualifier: string | undefined) => Promise<FunctionVersion>;
  /** The runner settles the mapping (starts, restarts or stops its poller). */
  onChange: (uuid: string) => void;
}

export class EventSourceMappingService {
  constructor(private readonly deps: MappingServiceDeps) {}

  async create(scope: Scope, body: unknown): Promise<EventSourceMappingRecord> {
    const arn = eventSourceArnOf(body);
    const kind = this.kindOf(arn);
    const c = parseChanges(body, arn, true, kind.stream);
    const target = c.function!;
    const fn = await this.functionOf(scope, target.name, target.qualifier);
    // Lambda's defaults: 10 for queues, 100 for streams.
    const batchSize = c.batchSize ?? kind.stream?.defaultBatchSize ?? 10;
    const window = c.window ?? 0;
    await kind.check({ ...scope, eventSourceArn: arn, batchSize, batchingWindowSeconds: window, functionTimeout: fn.timeout });
    const dup = (await this.deps.store.list(scope, { functionName: target.name, qualifier: target.qualifier ?? '', eventSourceArn: arn }, undefined, 1))[0];
    if (dup) {
      // Recorded against AWS (test_duplicate_event_source_mappings).
      throw conflict(
        `An event source mapping with ${kind.name} arn (" ${arn} ") and function (" ${target.raw} ") already exists. Please update or delete the existing mapping with UUID ${dup.uuid}`,
      );
    }
    const now = this.deps.clock.now();
    const enabled = c.enabled ?? true;
    const m: EventSourceMappingRecord = {
      ...scope,
      uuid: randomUUID(),
      functionName: target.name,
      qualifier: target.qualifier,
      eventSourceArn: arn,
      enabled,
      // Recorded: a mapping created disabled is Disabled at once.
      state: enabled ? 'Creating' : 'Disabled',
      // Recorded: SQS mappings say USER_INITIATED, stream mappings "User action".
      stateTransitionReason: kind.stream ? 'User action' : 'USER_INITIATED',
      batchSize,
      maximumBatchingWindowInSeconds: window,
      filterCriteria: c.filterCriteria ?? undefined,
      functionResponseTypes: c.functionResponseTypes ?? [],
      maximumConcurrency: c.maximumConcurrency ?? undefined,
      extras: c.extras,
      tags: c.tags ?? {},
      createdAt: now,
      lastModified: now,
    };
    await this.deps.store.insert(m);
    this.deps.onChange(m.uuid);
    return m;
  }

  async get(scope: Scope, uuid: string): Promise<EventSourceMappingRecord> {
    const m = UUID.test(uuid) ? await this.deps.store.get(uuid) : undefined;
    // Recorded against AWS (test_event_source_mapping_exceptions).
    if (!m || m.accountId !== scope.accountId || m.region !== scope.region) throw notFound('The resource you requested does not exist.');
    return m;
  }

  async update(scope: Scope, uuid: string, body: unknown): Promise<EventSourceMappingRecord> {
    const cur = await this.get(scope, uuid);
    if (cur.state === 'Deleting') throw new NimbusError('ERR_RESOURCE_IN_USE', `The event source mapping ${uuid} is being deleted.`);
    const kind = this.kindOf(cur.eventSourceArn);
    const c = parseChanges(body, cur.eventSourceArn, false, kind.stream);
    const next = merge(cur, c);
    let timeout: number | undefined;
    if (c.function) timeout = (await this.functionOf(scope, next.functionName, next.qualifier)).timeout;
    else {
      try {
        timeout = (await this.deps.resolve(scope, next.functionName, next.qualifier)).timeout;
      } catch (e) {
        // The mapped function was deleted since: the other settings can still change.
        if (!(e instanceof NimbusError && e.code === 'ERR_NOT_FOUND')) throw e;
      }
    }
    if (timeout !== undefined) {
      await kind.check({ ...scope, eventSourceArn: next.eventSourceArn, batchSize: next.batchSize, batchingWindowSeconds: next.maximumBatchingWindowInSeconds, functionTimeout: timeout });
    }
    const state: MappingState = next.enabled === cur.enabled ? 'Updating' : next.enabled ? 'Enabling' : 'Disabling';
    const m = { ...next, state, stateTransitionReason: kind.stream ? 'User action' : 'USER_INITIATED', lastModified: this.deps.clock.now() };
    await this.deps.store.put(m);
    this.deps.onChange(uuid);
    return m;
  }

  async delete(scope: Scope, uuid: string): Promise<EventSourceMappingRecord> {
    const cur = await this.get(scope, uuid);
    const m = { ...cur, state: 'Deleting' as const, lastModified: this.deps.clock.now() };
    await this.deps.store.put(m);
    this.deps.onChange(uuid);
    return m;
  }

  async list(scope: Scope, query: { functionName?: string | undefined; eventSourceArn?: string | undefined; marker?: string | undefined; maxItems?: string | undefined }): Promise<{ mappings: EventSourceMappingRecord[]; nextMarker: string | undefined }> {
    const size = pageSize(query.maxItems, PAGE_CAP);
    const after = decodeMarker(query.marker, UUID);
    const fn = query.functionName ? parseFunctionName(query.functionName) : undefined;
    // A function name matches the mappings whose FunctionArn it is: unqualified ones for a bare name.
    const filter = {
      functionName: fn?.name,
      qualifier: fn ? (fn.qualifier ?? '') : undefined,
      eventSourceArn: query.eventSourceArn || undefined,
    };
    const rows = await this.deps.store.list(scope, filter, after, size + 1);
    const page = rows.slice(0, size);
    return { mappings: page, nextMarker: rows.length > size ? encodeMarker(page[page.length - 1]!.uuid) : undefined };
  }

  /** Every mapping of a scope (Nimbus's own listing). */
  all(scope: Scope): Promise<EventSourceMappingRecord[]> {
    return this.deps.store.list(scope, {}, undefined, -1);
  }

  private kindOf(arn: string): SourceKind {
    const kind = this.deps.kinds.find((k) => k.accepts(arn));
    // Lambda reads Kafka, MQ and DocumentDB too; Nimbus reads what its kinds read (its wording).
    if (!kind) throw invalidParameter(`Nimbus reads event sources of type ${this.deps.kinds.map((k) => k.name).join(', ')} only; ${arn} is not one.`);
    return kind;
  }

  /** Recorded against AWS (test_event_source_mapping_exceptions): an unknown function is a 400. */
  private async functionOf(scope: Scope, name: string, qualifier: string | undefined): Promise<FunctionVersion> {
    try {
      return await this.deps.resolve(scope, name, qualifier);
    } catch (e) {
      if (e instanceof NimbusError && e.code === 'ERR_NOT_FOUND') throw invalidParameter('Function does not exist');
      throw e;
    }
  }
}

function merge(cur: EventSourceMappingRecord, c: MappingChanges): EventSourceMappingRecord {
  return {
    ...cur,
    ...(c.function ? { functionName: c.function.name, qualifier: c.function.qualifier } : {}),
    enabled: c.enabled ?? cur.enabled,
    batchSize: c.batchSize ?? cur.batchSize,
    maximumBatchingWindowInSeconds: c.window ?? cur.maximumBatchingWindowInSeconds,
    filterCriteria: c.filterCriteria === undefined ? cur.filterCriteria : (c.filterCriteria ?? undefined),
    functionResponseTypes: c.functionResponseTypes ?? cur.functionResponseTypes,
    maximumConcurrency: c.maximumConcurrency === undefined ? cur.maximumConcurrency : (c.maximumConcurrency ?? undefined),
    extras: { ...cur.extras, ...c.extras },
  };
}
