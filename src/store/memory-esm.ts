/**
 * Event-source mappings in memory, with sqlite-esm.ts's semantics: UUID order, an insert that is
 * ignored on a taken UUID, a put that only replaces, no foreign key to the function, copies in
 * and out.
 */
import type { Scope } from '../core/model.js';
import { compareText, take } from './memory-table.js';
import type { EventSourceMappingRecord } from './records.js';
import type { EventSourceMappingFilter, EventSourceMappingStore } from './types.js';

const viaJson = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Member by member, as a row's columns are read back (undefined members present, JSON parts copied). */
const copy = (m: EventSourceMappingRecord): EventSourceMappingRecord => ({
  uuid: m.uuid,
  accountId: m.accountId,
  region: m.region,
  functionName: m.functionName,
  qualifier: m.qualifier === '' ? undefined : m.qualifier,
  eventSourceArn: m.eventSourceArn,
  state: m.state,
  enabled: m.enabled,
  stateTransitionReason: m.stateTransitionReason,
  batchSize: m.batchSize,
  maximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds,
  filterCriteria: m.filterCriteria,
  functionResponseTypes: [...m.functionResponseTypes],
  maximumConcurrency: m.maximumConcurrency,
  extras: viaJson(m.extras),
  tags: { ...m.tags },
  createdAt: m.createdAt,
  lastModified: m.lastModified,
});

export class MemoryEventSourceMappingStore implements EventSourceMappingStore {
  private readonly rows = new Map<string, EventSourceMappingRecord>();

  async insert(m: EventSourceMappingRecord): Promise<boolean> {
    if (this.rows.has(m.uuid)) return false;
    this.rows.set(m.uuid, copy(m));
    return true;
  }

  async get(uuid: string): Promise<EventSourceMappingRecord | undefined> {
    const m = this.rows.get(uuid);
    return m && copy(m);
  }

  async put(m: EventSourceMappingRecord): Promise<void> {
    if (this.rows.has(m.uuid)) this.rows.set(m.uuid, copy(m));
  }

  async delete(uuid: string): Promise<boolean> {
    return this.rows.delete(uuid);
  }

  async list(scope: Scope, f: EventSourceMappingFilter, afterUuid: string | undefined, limit: number): Promise<EventSourceMappingRecord[]> {
    const after = afterUuid ?? '';
    const found = this.sorted().filter(
      (m) =>
        m.accountId === scope.accountId &&
        m.region === scope.region &&
        compareText(m.uuid, after) > 0 &&
        (f.functionName === undefined || (m.functionName === f.functionName && (f.qualifier === undefined || (m.qualifier ?? '') === f.qualifier))) &&
        (f.eventSourceArn === undefined || m.eventSourceArn === f.eventSourceArn),
    );
    return take(found, limit).map(copy);
  }

  async all(): Promise<EventSourceMappingRecord[]> {
    return this.sorted().map(copy);
  }

  private sorted(): EventSourceMappingRecord[] {
    return [...this.rows.values()].sort((a, b) => compareText(a.uuid, b.uuid));
  }
}
