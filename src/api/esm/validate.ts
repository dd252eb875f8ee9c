/**
 * The members of CreateEventSourceMapping and UpdateEventSourceMapping bodies, checked with the
 * model's constraints (lambda-model.json: BatchSize 1-10000, MaximumBatchingWindowInSeconds
 * 0-300, MaximumConcurrency 2-1000, the FunctionResponseTypes enum) and Lambda's messages where
 * they were recorded against AWS (aws-recordings/snap_api.json, snap_sqs.json).
 */
import { invalidParameter, NimbusError, validationError } from '../../core/errors.js';
import { parseFunctionName, type FunctionRef } from '../../core/names.js';
import { compileFilterCriteria, type FilterCriteria } from '../../events/filter-criteria.js';
import { isObject, optionalBool, optionalInt } from '../http/validate.js';

/** MODEL `Arn` pattern (EventSourceArn). */
const ARN = /^arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9-])+:([a-z]{2}(-gov)?-[a-z]+-\d{1})?:(\d{12})?:(.*)$/;

/** Members for stream and Kafka sources, which an SQS mapping cannot take. */
const NOT_FOR_QUEUES = [
  'ParallelizationFactor', 'MaximumRecordAgeInSeconds', 'BisectBatchOnFunctionError', 'MaximumRetryAttempts', 'TumblingWindowInSeconds',
  'Topics', 'Queues', 'SourceAccessConfigurations', 'SelfManagedEventSource', 'AmazonManagedKafkaEventSourceConfig',
  'SelfManagedKafkaEventSourceConfig', 'DocumentDBEventSourceConfig',
];
/** Accepted and shown back as given; they change nothing Nimbus does. */
const ECHOED = ['MetricsConfig', 'ProvisionedPollerConfig', 'KMSKeyArn'];

/** What a Create or Update body sets; absent members are not changed. `null` clears. */
export interface MappingChanges {
  function?: FunctionRef & { raw: string };
  enabled?: boolean;
  batchSize?: number;
  window?: number;
  filterCriteria?: string | null;
  functionResponseTypes?: string[];
  maximumConcurrency?: number | null;
  extras: Record<string, unknown>;
  tags?: Record<string, string>;
}

export function parseChanges(body: unknown, eventSourceArn: string, creating: boolean): MappingChanges {
  if (!isObject(body)) throw invalidParameter('The request body must be a JSON object.');
  // Recorded against AWS: an SQS mapping refuses a DestinationConfig and a StartingPosition this way.
  if (body['DestinationConfig'] !== undefined && body['DestinationConfig'] !== null) {
    throw invalidParameter('Unsupported DestinationConfig parameter for given event source mapping type.');
  }
  if (body['StartingPosition'] !== undefined && body['StartingPosition'] !== null) {
    throw invalidParameter(`Unsupported starting position for arn type: ${eventSourceArn}`);
  }
  for (const k of NOT_FOR_QUEUES) {
    // AWS's wording for these was not recorded; this follows the DestinationConfig message.
    if (body[k] !== undefined && body[k] !== null) throw invalidParameter(`Unsupported ${k} parameter for given event source mapping type.`);
  }
  const out: MappingChanges = { extras: {} };
  const rawName = body['FunctionName'];
  if (creating || (rawName !== undefined && rawName !== null)) {
    const ref = parseFunctionName(rawName);
    out.function = { ...ref, raw: rawName as string };
  }
  const enabled = optionalBool(body, 'Enabled', 'enabled');
  if (enabled !== undefined) out.enabled = enabled;
  const batchSize = optionalInt(body, 'BatchSize', 'batchSize', 1, 10_000);
  if (batchSize !== undefined) out.batchSize = batchSize;
  const window = optionalInt(body, 'MaximumBatchingWindowInSeconds', 'maximumBatchingWindowInSeconds', 0, 300);
  if (window !== undefined) out.window = window;
  if (body['FilterCriteria'] !== undefined) out.filterCriteria = filterCriteria(body['FilterCriteria']);
  if (body['FunctionResponseTypes'] !== undefined) out.functionResponseTypes = responseTypes(body['FunctionResponseTypes']);
  if (body['ScalingConfig'] !== undefined) out.maximumConcurrency = scaling(body['ScalingConfig']);
  for (const k of ECHOED) if (body[k] !== undefined && body[k] !== null) out.extras[k] = body[k];
  if (creating && body['Tags'] !== undefined) out.tags = tags(body['Tags']);
  return out;
}

/** EventSourceArn of a Create: required for queues (recorded: "Unrecognized event source."), the model's pattern. */
export function eventSourceArnOf(body: unknown): string {
  const arn = isObject(body) ? body['EventSourceArn'] : undefined;
  if (arn === undefined || arn === null || arn === '') throw invalidParameter('Unrecognized event source.');
  if (typeof arn !== 'string' || !ARN.test(arn)) {
    throw validationError(arn, 'eventSourceArn', `Member must satisfy regular expression pattern: ${ARN.source.slice(1, -1)}`);
  }
  return arn;
}

/** The criteria as JSON text, or null for none (`{}` or no filters clears them on Update). */
function filterCriteria(v: unknown): string | null {
  if (v === null) return null;
  // Recorded against AWS: criteria that are not a list of patterns get this message.
  if (!isObject(v)) throw invalidParameter('Invalid filter pattern definition.');
  const filters = v['Filters'];
  if (filters === undefined || filters === null) return null;
  if (!Array.isArray(filters) || !filters.every((f) => isObject(f) && (f['Pattern'] === undefined || typeof f['Pattern'] === 'string'))) {
    throw invalidParameter('Invalid filter pattern definition.');
  }
  if (filters.length === 0) return null;
  const criteria: FilterCriteria = { Filters: filters.map((f) => ({ Pattern: (f as { Pattern?: string }).Pattern ?? '' })) };
  const compiled = compileFilterCriteria(criteria);
  if (!compiled.ok) throw compiled.error.code === 'ValidationException' ? new NimbusError('ERR_VALIDATION', compiled.error.message) : invalidParameter(compiled.error.message);
  return JSON.stringify(criteria);
}

function responseTypes(v: unknown): string[] {
  if (v === null) return [];
  if (!Array.isArray(v) || v.length > 1 || !v.every((x) => x === 'ReportBatchItemFailures')) {
    throw validationError(v, 'functionResponseTypes', 'Member must satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]');
  }
  return v as string[];
}

function scaling(v: unknown): number | null {
  if (v === null) return null;
  if (!isObject(v)) throw validationError(v, 'scalingConfig', 'Member must be a structure');
  const n = optionalInt(v, 'MaximumConcurrency', 'scalingConfig.maximumConcurrency', 2, 1000);
  return n ?? null;
}

function tags(v: unknown): Record<string, string> {
  if (v === null) return {};
  if (!isObject(v) || !Object.values(v).every((x) => typeof x === 'string')) throw validationError(v, 'tags', 'Member must be a map of strings');
  return v as Record<string, string>;
}
