/**
 * Queue attributes: validating what CreateQueue/SetQueueAttributes pass, and rendering what
 * GetQueueAttributes returns. Pure functions; the DLQ lookup is passed in.
 *
 * Wording: "Unknown Attribute X.", the FIFO-only and SSE messages, and the RedrivePolicy
 * maxReceiveCount reason are recorded AWS answers (LocalStack validated snapshots); "Invalid value
 * for the parameter X." is AWS's InvalidAttributeValue wording for out-of-range values.
 */
import {
  invalidAttributeName,
  invalidAttributeValue,
  invalidValue,
  unknownAttribute,
} from './errors.js';
import { FIFO_DEFAULTS, FIFO_ONLY_ATTRIBUTES, MAX_RECEIVE_COUNT, QUEUE_DEFAULTS, READ_ONLY_ATTRIBUTES, SETTABLE_ATTRIBUTES } from './limits.js';
import type { QueueRecord } from './types.js';
import { parseQueueArn } from './url.js';

const RANGES: Readonly<Record<string, readonly [number, number]>> = {
  DelaySeconds: [0, 900],
  MaximumMessageSize: [1024, 1_048_576],
  MessageRetentionPeriod: [60, 1_209_600],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  VisibilityTimeout: [0, 43_200],
  KmsDataKeyReusePeriodSeconds: [60, 86_400],
};
const BOOLEANS = new Set(['SqsManagedSseEnabled', 'ContentBasedDeduplication']);
const ENUMS: Readonly<Record<string, readonly string[]>> = {
  DeduplicationScope: ['queue', 'messageGroup'],
  FifoThroughputLimit: ['perQueue', 'perMessageGroupId'],
};
const KNOWN = new Set<string>([...SETTABLE_ATTRIBUTES, ...FIFO_ONLY_ATTRIBUTES]);

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

/** Looks a dead-letter target up by ARN; the caller's account and region bound the search. */
export type DlqLookup = (arn: string) => QueueRecord | null;

/** Is this a FIFO queue, from CreateQueue's attributes? A FifoQueue other than "true" is left for validation. */
export const wantsFifo = (attributes: Record<string, string>): boolean => attributes['FifoQueue']?.toLowerCase() === 'true';

/**
 * Validates and normalises attributes for a queue of the given type. `current` is the queue's
 * stored attributes on SetQueueAttributes (for checks spanning several attributes).
 */
export function normalizeAttributes(
  input: Record<string, string>,
  fifo: boolean,
  sourceArn: string,
  lookupDlq: DlqLookup,
  current: Record<string, string> = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(input)) {
    if (!fifo && (name === 'DeduplicationScope' || name === 'FifoThroughputLimit')) {
      throw invalidAttributeName(`You can specify the ${name} only when FifoQueue is set to true.`);
    }
    if (!KNOWN.has(name) || (!fifo && (name === 'FifoQueue' || name === 'ContentBasedDeduplication'))) throw unknownAttribute(name);
    out[name] = normalizeOne(name, raw, fifo, sourceArn, lookupDlq);
  }
  const kms = out['KmsMasterKeyId'];
  if (kms && out['SqsManagedSseEnabled'] === 'true') {
    throw invalidAttributeName('You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.');
  }
  const merged = { ...current, ...out };
  if (fifo && merged['FifoThroughputLimit'] === 'perMessageGroupId' && (merged['DeduplicationScope'] ?? 'queue') !== 'messageGroup') {
    throw invalidAttributeValue('Invalid value for the parameter FifoThroughputLimit. Reason: The perMessageGroupId value is allowed only when the value for DeduplicationScope is messageGroup.');
  }
  return out;
}

function normalizeOne(name: string, raw: string, fifo: boolean, sourceArn: string, lookupDlq: DlqLookup): string {
  const value = String(raw);
  const range = RANGES[name];
  if (range) {
    const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
    if (!(n >= range[0] && n <= range[1])) throw invalidAttributeValue(`Invalid value for the parameter ${name}.`);
    return String(n);
  }
  if (BOOLEANS.has(name)) {
    const v = value.toLowerCase();
    if (v !== 'true' && v !== 'false') throw invalidAttributeValue(`Invalid value for the parameter ${name}.`);
    return v;
  }
  const allowed = ENUMS[name];
  if (allowed) {
    if (!allowed.includes(value)) throw invalidAttributeValue(`Invalid value for the parameter ${name}.`);
    return value;
  }
  switch (name) {
    case 'FifoQueue':
      if (value.toLowerCase() !== 'true') {
        throw invalidAttributeValue('Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.');
      }
      return 'true';
    case 'RedrivePolicy':
      return value === '' ? '' : JSON.stringify(parseRedrivePolicy(value, fifo, sourceArn, lookupDlq));
    case 'RedriveAllowPolicy':
      return value === '' ? '' : checkRedriveAllowPolicy(value);
    case 'Policy':
      if (value !== '' && !isJsonObject(value)) throw invalidAttributeValue('Invalid value for the parameter Policy.');
      return value;
    default:
      return value;
  }
}

const isJsonObject = (s: string): boolean => {
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
};

function parseRedrivePolicy(value: string, fifo: boolean, sourceArn: string, lookupDlq: DlqLookup): RedrivePolicy {
  const bad = (reason: string) => invalidValue('RedrivePolicy', value, reason);
  let doc: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(value);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    doc = v as Record<string, unknown>;
  } catch {
    throw bad('Redrive policy is not a valid JSON map.');
  }
  const arn = doc['deadLetterTargetArn'];
  if (arn === undefined) throw bad('Redrive policy does not contain mandatory attribute: deadLetterTargetArn.');
  if (doc['maxReceiveCount'] === undefined) throw bad('Redrive policy does not contain mandatory attribute: maxReceiveCount.');
  const rawCount = doc['maxReceiveCount'];
  const count = typeof rawCount === 'number' ? rawCount : typeof rawCount === 'string' && /^\d+$/.test(rawCount) ? Number(rawCount) : NaN;
  if (!(Number.isInteger(count) && count >= 1 && count <= MAX_RECEIVE_COUNT)) {
    throw bad(`Invalid value for maxReceiveCount: ${String(rawCount)}, valid values are from 1 to 1000 both inclusive.`);
  }
  if (typeof arn !== 'string' || !parseQueueArn(arn)) throw bad('Invalid value for deadLetterTargetArn.');
  const dlq = lookupDlq(arn);
  if (!dlq) throw bad('Dead letter target does not exist.');
  if (dlq.fifo !== fifo) throw bad('Dead-letter queue must be same type of queue as the source.');
  const allow = dlq.attributes['RedriveAllowPolicy'];
  if (allow && !redriveAllowed(allow, sourceArn)) throw bad('Dead letter target does not allow this source queue.');
  return { deadLetterTargetArn: arn, maxReceiveCount: count };
}

function checkRedriveAllowPolicy(value: string): string {
  const bad = (reason: string) => invalidValue('RedriveAllowPolicy', value, reason);
  let doc: Record<string, unknown>;
  try {
    const v: unknown = JSON.parse(value);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    doc = v as Record<string, unknown>;
  } catch {
    throw bad('Redrive allow policy is not a valid JSON map.');
  }
  const permission = doc['redrivePermission'];
  if (permission !== 'allowAll' && permission !== 'denyAll' && permission !== 'byQueue') {
    throw bad('Invalid value for redrivePermission.');
  }
  const sources = doc['sourceQueueArns'];
  if (permission === 'byQueue') {
    if (!Array.isArray(sources) || sources.length < 1 || sources.length > 10) throw bad('sourceQueueArns must list 1 to 10 queue ARNs when redrivePermission is byQueue.');
  } else if (sources !== undefined) {
    throw bad('sourceQueueArns is allowed only when redrivePermission is byQueue.');
  }
  return JSON.stringify(doc);
}

/** Does a DLQ's RedriveAllowPolicy let `sourceArn` use it? */
export function redriveAllowed(policy: string, sourceArn: string): boolean {
  try {
    const doc = JSON.parse(policy) as { redrivePermission?: string; sourceQueueArns?: unknown };
    if (doc.redrivePermission === 'denyAll') return false;
    if (doc.redrivePermission === 'byQueue') return Array.isArray(doc.sourceQueueArns) && doc.sourceQueueArns.includes(sourceArn);
    return true;
  } catch {
    return true;
  }
}

/** The queue's redrive policy, if it has one. */
export function redrivePolicyOf(q: QueueRecord): RedrivePolicy | null {
  const raw = q.attributes['RedrivePolicy'];
  if (!raw) return null;
  try {
    return JSON.parse(raw) as RedrivePolicy;
  } catch {
    return null;
  }
}

/** Applies normalised attributes to stored ones: empty strings unset, SSE kinds exclude each other. */
export function mergeAttributes(stored: Record<string, string>, changes: Record<string, string>): Record<string, string> {
  const out = { ...stored };
  for (const [k, v] of Object.entries(changes)) {
    if (v === '' && (k === 'RedrivePolicy' || k === 'RedriveAllowPolicy' || k === 'Policy' || k === 'KmsMasterKeyId')) delete out[k];
    else out[k] = v;
  }
  if (changes['KmsMasterKeyId']) out['SqsManagedSseEnabled'] = 'false';
  if (changes['SqsManagedSseEnabled'] === 'true') delete out['KmsMasterKeyId'];
  if (!out['KmsMasterKeyId']) delete out['KmsDataKeyReusePeriodSeconds'];
  return out;
}

/** The stored attributes with defaults filled in: what a queue "has" (without the computed ones). */
export function effectiveAttributes(q: QueueRecord): Record<string, string> {
  const out: Record<string, string> = { ...QUEUE_DEFAULTS, ...(q.fifo ? FIFO_DEFAULTS : {}), ...q.attributes };
  if (out['KmsMasterKeyId']) out['KmsDataKeyReusePeriodSeconds'] ??= '300';
  for (const k of Object.keys(out)) if (out[k] === '') delete out[k];
  return out;
}

export const numericAttribute = (q: QueueRecord, name: string): number => Number(effectiveAttributes(q)[name] ?? QUEUE_DEFAULTS[name] ?? 0);

/** The names a GetQueueAttributes request asks for, validated; "All" expands. */
export function requestedAttributeNames(names: readonly string[]): Set<string> | 'all' {
  const out = new Set<string>();
  for (const n of names) {
    if (n === 'All') return 'all';
    if (!KNOWN.has(n) && !(READ_ONLY_ATTRIBUTES as readonly string[]).includes(n)) throw unknownAttribute(n);
    out.add(n);
  }
  return out;
}

/** CreateQueue on an existing name: the first requested attribute whose value differs, if any. */
export function firstDifference(q: QueueRecord, requested: Record<string, string>): string | null {
  const have = effectiveAttributes(q);
  for (const [k, v] of Object.entries(requested)) {
    if (k === 'FifoQueue') continue;
    if ((have[k] ?? '') !== v) return k;
  }
  return null;
}

