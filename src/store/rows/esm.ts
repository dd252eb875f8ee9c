/**
 * Event source mappings: the row shape of event_source_mappings and its mapper to a record, shared by the SQLite and PostgreSQL stores (same columns in both) so the two backends cannot drift apart.
 */
import type { Scope } from '../../core/model.js';
import type { EventSourceMappingRecord, MappingState } from '../records.js';

/** The part of a mapping kept as one JSON document in the `config` column. */
export type Config = Omit<EventSourceMappingRecord, keyof Scope | 'uuid' | 'functionName' | 'qualifier' | 'eventSourceArn' | 'state'>;

export interface Row {
  uuid: string;
  account_id: string;
  region: string;
  function_name: string;
  qualifier: string;
  event_source_arn: string;
  state: string;
  config: string;
}

export function fromRow(r: Row): EventSourceMappingRecord {
  const c = JSON.parse(r.config) as Config;
  return {
    uuid: r.uuid,
    accountId: r.account_id,
    region: r.region,
    functionName: r.function_name,
    qualifier: r.qualifier === '' ? undefined : r.qualifier,
    eventSourceArn: r.event_source_arn,
    state: r.state as MappingState,
    enabled: c.enabled,
    stateTransitionReason: c.stateTransitionReason,
    batchSize: c.batchSize,
    maximumBatchingWindowInSeconds: c.maximumBatchingWindowInSeconds,
    filterCriteria: c.filterCriteria,
    functionResponseTypes: c.functionResponseTypes,
    maximumConcurrency: c.maximumConcurrency,
    extras: c.extras,
    tags: c.tags,
    createdAt: c.createdAt,
    lastModified: c.lastModified,
  };
}
