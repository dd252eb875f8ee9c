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

/** Members for stream sources (DynamoDB Streams, Kinesis), which an SQS mapping cannot take. */
const STREAM_ONLY = ['ParallelizationFactor', 'MaximumRecordAgeInSeconds', 'BisectBatchOnFunctionError', 'MaximumRetryAttempts', 'TumblingWindowInSeconds'];
/** Members for Kafka, MQ and DocumentDB sources, which Nimbus does not read. */
const NOT_READ = [
  'Topics', 'Queues', 'SourceAccessConfigurations', 'SelfManagedEventSource', 'AmazonManagedKafkaEventSourceConfig',
  'SelfManagedKafkaEventSourceConfig', 'DocumentDBEventSourceConfig',
];
/** The starting positions Lambda's model knows (recorded: its enum message lists them in this order). */
const STARTING_POSITIONS = ['LATEST', 'AT_TIMESTAMP', 'TRIM_HORIZON'];
/** What a stream source kind tells the checks. */
export interface StreamRules {
  /** The starting positions this source takes (DynamoDB Streams: no AT_TIMESTAMP). */
  startingPositions: readonly string[];
}
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

export function parseChanges(body: unknown, eventSourceArn: string, creating: boolean, stream?: StreamRules): MappingChanges {
  if (!isObject(body)) throw invalidParameter('The request body must be a JSON object.');
  const out: MappingChanges = { extras: {} };
  if (stream) streamChanges(body, eventSourceArn, creating, stream, out.extras);
  else {
    // Recorded against AWS: an SQS mapping refuses a DestinationConfig and a StartingPosition this way.
    if (body['DestinationConfig'] !== undefined && body['DestinationConfig'] !== null) {
      throw invalidParameter('Unsupported DestinationConfig parameter for given event source mapping type.');
    }
    if (body['StartingPosition'] !== undefined && body['StartingPosition'] !== null) {
      throw invalidParameter(`Unsupported starting position for arn type: ${eventSourceArn}`);
    }
  }
  for (const k of [...(stream ? [] : STREAM_ONLY), ...NOT_READ]) {
    // AWS's wording for these was not recorded; this follows the DestinationConfig message.
    if (body[k] !== undefined && body[k] !== null) throw invalidParameter(`Unsupported ${k} parameter for given event source mapping type.`);
  }
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

/**
 * A stream mapping's own members, kept in `extras` as Lambda shows them (recorded: a DynamoDB
 * stream mapping always shows StartingPosition, ParallelizationFactor 1, BisectBatchOnFunctionError
 * false, MaximumRetryAttempts -1, MaximumRecordAgeInSeconds -1, DestinationConfig {OnFailure: {}},
 * TumblingWindowInSeconds 0 and LastProcessingResult "No records processed").
 */
function streamChanges(body: Record<string, unknown>, arn: string, creating: boolean, rules: StreamRules, extras: Record<string, unknown>): void {
  if (creating) {
    const pos = body['StartingPosition'];
    // Recorded against AWS (test_create_event_source_validation): missing, not in the enum, not for this source.
    if (pos === undefined || pos === null) throw invalidParameter("1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.");
    if (typeof pos !== 'string' || !STARTING_POSITIONS.includes(pos)) {
      throw validationError(pos, 'startingPosition', `Member must satisfy enum value set: [${STARTING_POSITIONS.join(', ')}]`);
    }
    if (!rules.startingPositions.includes(pos)) throw invalidParameter(`Unsupported starting position for arn type: ${arn}`);
    Object.assign(extras, {
      StartingPosition: pos,
      ParallelizationFactor: 1,
      BisectBatchOnFunctionError: false,
      MaximumRetryAttempts: -1,
      MaximumRecordAgeInSeconds: -1,
      DestinationConfig: { OnFailure: {} },
      TumblingWindowInSeconds: 0,
      LastProcessingResult: 'No records processed',
    });
  }
  // Accepted and shown; Nimbus reads each shard with one batch at a time (docs/streams.md).
  const parallel = optionalInt(body, 'ParallelizationFactor', 'parallelizationFactor', 1, 10);
  if (parallel !== undefined) extras['ParallelizationFactor'] = parallel;
  const bisect = optionalBool(body, 'BisectBatchOnFunctionError', 'bisectBatchOnFunctionError');
  if (bisect !== undefined) extras['BisectBatchOnFunctionError'] = bisect;
  const retries = optionalInt(body, 'MaximumRetryAttempts', 'maximumRetryAttempts', -1, 10_000);
  if (retries !== undefined) extras['MaximumRetryAttempts'] = retries;
  const age = optionalInt(body, 'MaximumRecordAgeInSeconds', 'maximumRecordAgeInSeconds', -1, 604_800);
  if (age !== undefined) {
    if (age !== -1 && age < 60) throw validationError(age, 'maximumRecordAgeInSeconds', 'Member must have value greater than or equal to 60');
    extras['MaximumRecordAgeInSeconds'] = age;
  }
  const window = optionalInt(body, 'TumblingWindowInSeconds', 'tumblingWindowInSeconds', 0, 900);
  if (window !== undefined && window !== 0) {
    // Nimbus's refusal: it does not keep the window's state, so a function relying on it would be wrong silently.
    throw invalidParameter('Nimbus does not implement tumbling windows (TumblingWindowInSeconds); see docs/streams.md.');
  }
  if (body['DestinationConfig'] !== undefined && body['DestinationConfig'] !== null) extras['DestinationConfig'] = destination(body['DestinationConfig']);
}

/** `{OnFailure: {Destination}}` naming an SQS queue or an SNS topic (what Nimbus can deliver to). */
function destination(v: unknown): Record<string, unknown> {
  if (!isObject(v)) throw validationError(v, 'destinationConfig', 'Member must be a structure');
  if (v['OnSuccess'] !== undefined && v['OnSuccess'] !== null) throw invalidParameter('Unsupported OnSuccess destination for given event source mapping type.');
  const f = v['OnFailure'];
  if (f === undefined || f === null) return { OnFailure: {} };
  if (!isObject(f)) throw validationError(f, 'destinationConfig.onFailure', 'Member must be a structure');
  const d = f['Destination'];
  if (d === undefined || d === null || d === '') return { OnFailure: {} };
  if (typeof d !== 'string' || !/^arn:aws[a-zA-Z-]*:(sqs|sns):[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$/.test(d)) {
    throw invalidParameter(`The provided destination config DestinationConfig(onSuccess=null, onFailure=OnFailure(destination=${String(d)})) is invalid: Nimbus delivers stream failures to SQS queues and SNS topics only.`);
  }
  return { OnFailure: { Destination: d } };
}
