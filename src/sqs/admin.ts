/**
 * Queue administration: create, find, list, delete, attributes, tags, purge, dead-letter sources.
 * Semantics per the SQS API reference, checked against LocalStack's AWS-validated snapshots:
 * CreateQueue is idempotent for the same attribute values and fails on a different one;
 * a name is blocked for 60 s after DeleteQueue; one PurgeQueue per 60 s.
 */
import {
  effectiveAttributes,
  firstDifference,
  mergeAttributes,
  normalizeAttributes,
  requestedAttributeNames,
  wantsFifo,
} from './attributes.js';
import type { Clock } from '../core/clock.js';
import {
  invalidParameterValue,
  purgeQueueInProgress,
  queueDeletedRecently,
  queueDoesNotExist,
  queueNameExists,
} from './errors.js';
import { DELETED_QUEUE_COOLDOWN_MS, PURGE_INTERVAL_MS } from './limits.js';
import type { Page } from './backend.js';
import type { Counts, MessageStore } from './store/messages.js';
import type { QueueStore } from './store/queues.js';
import type { QueueRecord, Scope } from './types.js';
import { parseQueueArn, queueArn } from './url.js';
import { checkQueueName } from './validate.js';

export const arnOf = (q: QueueRecord): string => queueArn(q.region, q.accountId, q.name);

export type { Page };

export class QueueAdmin {
  constructor(
    private readonly queues: QueueStore,
    private readonly messages: MessageStore,
    private readonly clock: Clock,
  ) {}

  get(scope: Scope, name: string): QueueRecord {
    const q = this.queues.get(scope, name);
    if (!q) throw queueDoesNotExist();
    return q;
  }

  /** A queue by ARN, anywhere (Nimbus-internal callers, dead-letter targets). */
  byArn(arn: string): QueueRecord | null {
    const ref = parseQueueArn(arn);
    return ref ? this.queues.get({ accountId: ref.accountId, region: ref.region }, ref.name) : null;
  }

  byId(id: number): QueueRecord | null {
    return this.queues.byId(id);
  }

  create(scope: Scope, name: string, attributes: Record<string, string>, tags: Record<string, string>): QueueRecord {
    const fifo = wantsFifo(attributes);
    checkQueueName(name, fifo);
    const arn = queueArn(scope.region, scope.accountId, name);
    // A DLQ must live in the same account and region as its source (SQS developer guide).
    const lookupDlq = (dlqArn: string) => {
      const ref = parseQueueArn(dlqArn);
      return ref && ref.accountId === scope.accountId && ref.region === scope.region ? this.queues.get(scope, ref.name) : null;
    };
    const normalized = normalizeAttributes(attributes, fifo, arn, lookupDlq);
    return this.queues.transaction(() => {
      const existing = this.queues.get(scope, name);
      if (existing) {
        const differs = existing.fifo !== fifo ? 'FifoQueue' : firstDifference(existing, normalized);
        if (differs) throw queueNameExists(differs);
        return existing;
      }
      const deletedAt = this.queues.deletedAt(scope, name);
      const now = this.clock.now();
      if (deletedAt !== null && now - deletedAt < DELETED_QUEUE_COOLDOWN_MS) throw queueDeletedRecently();
      const stored = mergeAttributes({}, normalized);
      if (fifo) stored['FifoQueue'] = 'true';
      return this.queues.insert(scope, name, fifo, stored, tags, now);
    });
  }

  delete(q: QueueRecord): void {
    this.queues.delete(q, this.clock.now());
  }

  list(scope: Scope, prefix: string, maxResults: number | undefined, nextToken: string | undefined, limit: number): Page {
    let after = '';
    if (nextToken !== undefined) {
      const decoded = decodeToken(nextToken);
      if (decoded === null) throw invalidParameterValue('Invalid NextToken value.');
      after = decoded;
    }
    const want = maxResults ?? limit;
    const rows = this.queues.list(scope, prefix, after, want + 1);
    const page = rows.slice(0, want).map((q) => q.name);
    // NextToken only when MaxResults was given (ListQueues API reference).
    const last = page[page.length - 1];
    return maxResults !== undefined && rows.length > want && last !== undefined ? { names: page, nextToken: encodeToken(last) } : { names: page };
  }

  /** GetQueueAttributes: the requested attributes with defaults and computed values. */
  attributes(q: QueueRecord, names: readonly string[]): Record<string, string> {
    if (!wantsAnyAttribute(names)) return {};
    const now = this.clock.now();
    const retention = Number(effectiveAttributes(q)['MessageRetentionPeriod']);
    return queueAttributes(q, names, this.messages.counts(q.id, now, now - retention * 1000));
  }

  setAttributes(q: QueueRecord, attributes: Record<string, string>): void {
    const lookupDlq = (arn: string) => {
      const ref = parseQueueArn(arn);
      return ref && ref.accountId === q.accountId && ref.region === q.region ? this.queues.get(q, ref.name) : null;
    };
    const normalized = normalizeAttributes(attributes, q.fifo, arnOf(q), lookupDlq, q.attributes);
    this.queues.transaction(() => {
      const cur = this.queues.byId(q.id);
      if (!cur) throw queueDoesNotExist();
      this.queues.setAttributes(q.id, mergeAttributes(cur.attributes, normalized), this.clock.now());
    });
  }

  purge(q: QueueRecord): void {
    const now = this.clock.now();
    if (q.purgedAt !== null && now - q.purgedAt < PURGE_INTERVAL_MS) throw purgeQueueInProgress(q.name);
    this.messages.durableTx(() => {
      this.messages.purge(q.id, now);
      this.queues.setPurged(q.id, now);
    });
  }

  tag(q: QueueRecord, tags: Record<string, string>): void {
    this.queues.transaction(() => {
      const cur = this.queues.byId(q.id);
      if (!cur) throw queueDoesNotExist();
      const merged = { ...cur.tags, ...tags };
      // SQS allows 50 tags per queue (developer guide quotas).
      if (Object.keys(merged).length > 50) throw invalidParameterValue(`Too many tags added for queue ${q.name}.`);
      this.queues.setTags(q.id, merged);
    });
  }

  untag(q: QueueRecord, keys: readonly string[]): void {
    this.queues.transaction(() => {
      const cur = this.queues.byId(q.id);
      if (!cur) throw queueDoesNotExist();
      const tags = { ...cur.tags };
      for (const k of keys) delete tags[k];
      this.queues.setTags(q.id, tags);
    });
  }

  /** Queues of the same account and region whose RedrivePolicy targets `q`. */
  deadLetterSources(q: QueueRecord, maxResults: number | undefined, nextToken: string | undefined): Page {
    const arn = arnOf(q);
    let after = '';
    if (nextToken !== undefined) {
      const decoded = decodeToken(nextToken);
      if (decoded === null) throw invalidParameterValue('Invalid NextToken value.');
      after = decoded;
    }
    const sources = this.queues
      .all(q)
      .filter((s) => s.name > after && redriveTarget(s) === arn)
      .map((s) => s.name);
    const want = maxResults ?? 1000;
    const page = sources.slice(0, want);
    const last = page[page.length - 1];
    return maxResults !== undefined && sources.length > want && last !== undefined ? { names: page, nextToken: encodeToken(last) } : { names: page };
  }

  /** Housekeeping: forget old tombstones. */
  prune(now: number): void {
    this.queues.pruneTombstones(now - DELETED_QUEUE_COOLDOWN_MS);
  }

  allQueues(scope: Scope): QueueRecord[] {
    return this.queues.all(scope);
  }
}


/** Whether GetQueueAttributes asked for anything at all (then counts need not be read). */
export const wantsAnyAttribute = (names: readonly string[]): boolean => {
  const wanted = requestedAttributeNames(names);
  return wanted === 'all' || wanted.size > 0;
};

/** GetQueueAttributes' answer from the queue's record and its message counts. */
export function queueAttributes(q: QueueRecord, names: readonly string[], counts: Counts): Record<string, string> {
  const wanted = requestedAttributeNames(names);
  if (wanted !== 'all' && wanted.size === 0) return {};
  const all = effectiveAttributes(q);
  all['ApproximateNumberOfMessages'] = String(counts.visible);
  all['ApproximateNumberOfMessagesNotVisible'] = String(counts.notVisible);
  all['ApproximateNumberOfMessagesDelayed'] = String(counts.delayed);
  // Recorded values are epoch seconds.
  all['CreatedTimestamp'] = String(Math.floor(q.createdAt / 1000));
  all['LastModifiedTimestamp'] = String(Math.floor(q.modifiedAt / 1000));
  all['QueueArn'] = arnOf(q);
  if (wanted === 'all') return all;
  const out: Record<string, string> = {};
  for (const n of wanted) {
    const v = all[n];
    if (v !== undefined) out[n] = v;
  }
  return out;
}

export function redriveTarget(q: QueueRecord): string | null {
  const raw = q.attributes['RedrivePolicy'];
  if (!raw) return null;
  try {
    return (JSON.parse(raw) as { deadLetterTargetArn?: string }).deadLetterTargetArn ?? null;
  } catch {
    return null;
  }
}

export const encodeToken = (name: string): string => Buffer.from(JSON.stringify({ after: name })).toString('base64');

export function decodeToken(token: string): string | null {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { after?: unknown };
    return typeof v.after === 'string' ? v.after : null;
  } catch {
    return null;
  }
}

