/**
 * Enqueueing. A send is one transaction on the durable connection: when it returns, the
 * messages are on disk, and only then is the sender answered.
 *
 * FIFO deduplication (SQS developer guide, "Exactly-once processing"): a MessageDeduplicationId
 * (or, with ContentBasedDeduplication, the SHA-256 of the body) seen in the last 5 minutes -
 * within the queue, or within the message group when DeduplicationScope is messageGroup - makes
 * the send succeed without enqueueing anything; the answer carries the first message's id. The
 * record outlives the message (a duplicate sent after the first was deleted is still dropped).
 */
import { createHash, randomUUID } from 'node:crypto';
import { effectiveAttributes } from './attributes.js';
import type { Clock } from '../core/clock.js';
import { invalidParameterValue } from './errors.js';
import { DEDUP_WINDOW_MS } from './limits.js';
import { md5OfAttributes, md5OfBody } from './md5.js';
import type { MessageStore } from './store/messages.js';
import type { OutgoingMessage, QueueRecord, SentMessage } from './types.js';

/** SequenceNumber: AWS's are large non-consecutive decimals (20 digits in practice). */
/** How long an idempotency key is remembered: hand-overs retry within seconds of a restart. */
export const INGEST_KEY_TTL_MS = 24 * 3600_000;

export const sequenceNumber = (seq: number): string => (10n ** 19n + BigInt(seq)).toString();

export class Sender {
  constructor(
    private readonly messages: MessageStore,
    private readonly clock: Clock,
  ) {}

  /** Enqueues validated messages atomically; returns one result per message, in order. */
  send(q: QueueRecord, batch: readonly OutgoingMessage[], defaultSenderId: string): { results: SentMessage[]; visibleNow: boolean } {
    const attrs = effectiveAttributes(q);
    const queueDelay = Number(attrs['DelaySeconds'] ?? 0);
    const contentDedup = attrs['ContentBasedDeduplication'] === 'true';
    const perGroup = attrs['DeduplicationScope'] === 'messageGroup';
    let visibleNow = false;
    const results = this.messages.durableTx(() =>
      batch.map((m): SentMessage => {
        const now = this.clock.now();
        const md5s: SentMessage = {
          messageId: '',
          md5OfBody: md5OfBody(m.body),
          md5OfAttributes: md5OfAttributes(m.attributes),
          md5OfSystemAttributes: md5OfAttributes(m.systemAttributes),
        };
        if (m.idempotencyKey !== undefined) {
          const earlier = this.messages.findIngest(m.idempotencyKey);
          if (earlier !== undefined) return { ...md5s, messageId: earlier };
        }
        let dedupId: string | null = null;
        if (q.fifo) {
          dedupId = m.deduplicationId ?? (contentDedup ? createHash('sha256').update(m.body, 'utf8').digest('hex') : null);
          if (dedupId === null) {
            throw invalidParameterValue('The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
          }
          const seen = this.messages.findDedup(q.id, perGroup ? (m.groupId ?? '') : '', dedupId, now);
          if (seen) return { ...md5s, messageId: seen.message_id, sequenceNumber: sequenceNumber(seen.seq) };
        }
        // FIFO queues take the queue's delay only (per-message DelaySeconds is refused upstream).
        const delay = q.fifo ? queueDelay : (m.delaySeconds ?? queueDelay);
        const visibleAt = now + delay * 1000;
        if (delay === 0) visibleNow = true;
        const id = randomUUID();
        const seq = this.messages.insert({
          queueId: q.id,
          id,
          body: m.body,
          attributes: m.attributes && Object.keys(m.attributes).length > 0 ? JSON.stringify(m.attributes) : null,
          systemAttributes: m.systemAttributes && Object.keys(m.systemAttributes).length > 0 ? JSON.stringify(m.systemAttributes) : null,
          md5Body: md5s.md5OfBody,
          senderId: m.senderId ?? defaultSenderId,
          sentAt: now,
          visibleAt,
          groupId: m.groupId ?? null,
          dedupId,
        });
        if (q.fifo && dedupId !== null) {
          this.messages.insertDedup(q.id, perGroup ? (m.groupId ?? '') : '', dedupId, id, seq, now + DEDUP_WINDOW_MS);
        }
        if (m.idempotencyKey !== undefined) this.messages.insertIngest(m.idempotencyKey, id, now + INGEST_KEY_TTL_MS);
        return { ...md5s, messageId: id, ...(q.fifo ? { sequenceNumber: sequenceNumber(seq) } : {}) };
      }),
    );
    return { results, visibleNow };
  }
}
