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

  insert(m: EventSourceMappingRecord): boolean {
    if (this.rows.has(m.uuid)) return false;
    this.rows.set(m.uuid, copy(m));
    return true;
  }

  get(uuid: string): EventSourceMappingRecord | undefined {
    const m = this.rows.get(uuid);
    return m && copy(m);
  }

  put(m: EventSourceMappingRecord): void {
    if (this.rows.has(m.uuid)) this.rows.set(m.uuid, copy(m));
  }

  delete(uuid: string): boolean {
    return this.rows.delete(uuid);
  }

  list(scope: Scope, f: EventSourceMappingFilter, afterUuid: string | undefined, limit: number): EventSourceMappingRecord[] {
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

  all(): EventSourceMappingRecord[] {
    return this.sorted().map(copy);
  }

  private sorted(): EventSourceMappingRecord[] {
    return [...this.rows.values()].sort((a, b) => compareText(a.uuid, b.uuid));
  }
}
