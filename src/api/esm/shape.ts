/**
 * EventSourceMappingConfiguration as Lambda answers it for an SQS mapping (docs/reference/lambda-api.md
 * §1.4.6; members and their presence as recorded against AWS in aws-recordings/snap_sqs.json and
 * snap_api.json): `LastModified` in epoch seconds (a number, as the SDK parses it),
 * `FunctionResponseTypes` always present, `FilterCriteria` and `ScalingConfig` only when set,
 * `FunctionArn` qualified when the mapping names a version or alias.
 */
import { functionArn } from '../../core/names.js';
import type { FilterCriteria } from '../../events/filter-criteria.js';
import type { EventSourceMappingRecord } from '../../store/records.js';

export const mappingArn = (m: EventSourceMappingRecord): string => `arn:aws:lambda:${m.region}:${m.accountId}:event-source-mapping:${m.uuid}`;

export function mappingShape(m: EventSourceMappingRecord): Record<string, unknown> {
  return {
    UUID: m.uuid,
    BatchSize: m.batchSize,
    MaximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds,
    EventSourceArn: m.eventSourceArn,
    ...(m.filterCriteria !== undefined ? { FilterCriteria: JSON.parse(m.filterCriteria) as FilterCriteria } : {}),
    FunctionArn: functionArn(m, m.functionName, m.qualifier),
    LastModified: m.lastModified / 1000,
    State: m.state,
    StateTransitionReason: m.stateTransitionReason,
    FunctionResponseTypes: m.functionResponseTypes,
    ...(m.maximumConcurrency !== undefined ? { ScalingConfig: { MaximumConcurrency: m.maximumConcurrency } } : {}),
    ...m.extras,
    EventSourceMappingArn: mappingArn(m),
  };
}
