/**
 * Receiving: picking visible messages, making them invisible for the visibility timeout,
 * redriving to the dead-letter queue, FIFO group ordering, and ReceiveRequestAttemptId.
 *
 * - Redrive (SQS developer guide, dead-letter queues; as moto and AWS's recorded behaviour): a
 *   message about to be delivered again whose receive count already reached maxReceiveCount
 *   moves to the DLQ instead, keeping its MessageId, counts and timestamps (a recorded DLQ
 *   receive shows ApproximateReceiveCount 2 after maxReceiveCount 1) and gaining
 *   DeadLetterQueueSourceArn.
 * - FIFO: within a group, messages are delivered in order, and a group is blocked from its first
 *   message that is not visible (in flight or delayed): a receive takes the leading visible run
 *   of each group, groups in order of their first message (AWS returns several messages of one
 *   group in one receive; recorded).
 * - One receive is one short transaction; a long poll waits outside any transaction.
 */
import { effectiveAttributes, redrivePolicyOf } from './attributes.js';
import type { Clock } from '../core/clock.js';
import { encodeReceipt, newReceiptToken } from './receipt.js';
import { RECEIVE_ATTEMPT_WINDOW_MS } from './limits.js';
import { arnOf } from './admin.js';
import type { MessageRow, MessageStore } from './store/messages.js';
import type { MessageAttributes, QueueRecord, ReceivedMessage } from './types.js';
import { sequenceNumber } from './send.js';

export interface PickOptions {
  max: number;
  visibilityTimeout?: number;
  receiveRequestAttemptId?: string;
}

interface Attempt {
  expiresAt: number;
  picks: { seq: number; token: string }[];
}

export interface PickResult {
  messages: ReceivedMessage[];
  /** Dead-letter queues that received redriven messages. */
  redrivenTo: number[];
}

export class Receiver {
  private readonly attempts = new Map<string, Attempt>();

  constructor(
    private readonly messages: MessageStore,
    private readonly clock: Clock,
    private readonly findDlq: (arn: string) => QueueRecord | null,
  ) {}

  /** Takes up to `max` visible messages now (no waiting). */
  pick(q: QueueRecord, opts: PickOptions): PickResult {
    const now = this.clock.now();
    const attrs = effectiveAttributes(q);
    const vt = opts.visibilityTimeout ?? Number(attrs['VisibilityTimeout']);
    const cutoff = now - Number(attrs['MessageRetentionPeriod']) * 1000;
    const key = q.fifo && opts.receiveRequestAttemptId ? `${q.id}:${opts.receiveRequestAttemptId}` : null;
    if (key) {
      const again = this.retry(key, now, vt);
      if (again) return { messages: again.map((r) => toReceived(r, q)), redrivenTo: [] };
    }
    const policy = redrivePolicyOf(q);
    const dlq = policy ? this.findDlq(policy.deadLetterTargetArn) : null;
    const redrive = policy && dlq && dlq.id !== q.id ? { dlqId: dlq.id, max: policy.maxReceiveCount, source: arnOf(q) } : null;
    const taken: MessageRow[] = [];
    let redriven = 0;
    const take = (r: MessageRow): 'taken' | 'moved' => {
      if (redrive && r.receive_count >= redrive.max) {
        this.messages.moveTo(r.seq, redrive.dlqId, now, redrive.source);
        redriven++;
        return 'moved';
      }
      const token = newReceiptToken();
      this.messages.markReceived(r.seq, now + vt * 1000, token, now);
      taken.push({ ...r, visible_at: now + vt * 1000, receipt: token, receive_count: r.receive_count + 1, first_receive_at: r.first_receive_at ?? now });
      return 'taken';
    };
    this.messages.lazyTx(() => (q.fifo ? this.pickFifo(q, now, cutoff, opts.max, taken, take) : this.pickStandard(q, now, cutoff, opts.max, taken, take)));
    if (key) {
      this.pruneAttempts(now);
      this.attempts.set(key, { expiresAt: now + RECEIVE_ATTEMPT_WINDOW_MS, picks: taken.map((r) => ({ seq: r.seq, token: r.receipt ?? '' })) });
    }
    return { messages: taken.map((r) => toReceived(r, q)), redrivenTo: redriven > 0 && redrive ? [redrive.dlqId] : [] };
  }

  private pickStandard(q: QueueRecord, now: number, cutoff: number, max: number, taken: MessageRow[], take: (r: MessageRow) => string): void {
    const seen = new Set<number>();
    while (taken.length < max) {
      // Rows taken with VisibilityTimeout 0 stay visible: skip what this receive already saw.
      const rows = this.messages.visible(q.id, now, cutoff, max - taken.length + seen.size).filter((r) => !seen.has(r.seq));
      if (rows.length === 0) return;
      for (const r of rows) {
        if (taken.length >= max) return;
        seen.add(r.seq);
        take(r);
      }
    }
  }

  private pickFifo(q: QueueRecord, now: number, cutoff: number, max: number, taken: MessageRow[], take: (r: MessageRow) => string): void {
    for (const head of this.messages.groupHeads(q.id, cutoff)) {
      let from = head.seq;
      for (;;) {
        if (taken.length >= max) return;
        const limit = max - taken.length + 1;
        const run = this.messages.groupRun(q.id, head.group_id, cutoff, from, limit);
        let blocked = false;
        for (const r of run) {
          if (r.visible_at > now || taken.length >= max) {
            blocked = true;
            break;
          }
          take(r);
          from = r.seq + 1;
        }
        if (blocked || run.length < limit) break;
      }
    }
  }

  /** A FIFO receive retried with the same attempt id: the same messages, if none was touched since. */
  private retry(key: string, now: number, vt: number): MessageRow[] | null {
    const a = this.attempts.get(key);
    if (!a || a.expiresAt <= now) return null;
    return this.messages.lazyTx(() => {
      const rows: MessageRow[] = [];
      for (const p of a.picks) {
        const r = this.messages.get(p.seq);
        if (!r || r.receipt !== p.token) return null;
        rows.push(r);
      }
      for (const r of rows) {
        // A retry resets the visibility timeout (ReceiveMessage API reference).
        this.messages.setVisibleAt(r.seq, now + vt * 1000);
        r.visible_at = now + vt * 1000;
      }
      return rows;
    });
  }

  private pruneAttempts(now: number): void {
    if (this.attempts.size < 256) return;
    for (const [k, a] of this.attempts) if (a.expiresAt <= now) this.attempts.delete(k);
  }
}

const parseAttributes = (s: string | null): MessageAttributes => (s ? (JSON.parse(s) as MessageAttributes) : {});

/** A row as the receiver sees it, with every system attribute that applies. */
export function toReceived(r: MessageRow, q: QueueRecord): ReceivedMessage {
  const attributes: Record<string, string> = {
    SenderId: r.sender_id,
    SentTimestamp: String(r.sent_at),
    ApproximateReceiveCount: String(r.receive_count),
    ApproximateFirstReceiveTimestamp: String(r.first_receive_at ?? r.sent_at),
  };
  const trace = parseAttributes(r.system_attributes)['AWSTraceHeader']?.StringValue;
  if (trace !== undefined) attributes['AWSTraceHeader'] = trace;
  if (r.group_id !== null) attributes['MessageGroupId'] = r.group_id;
  if (q.fifo) {
    if (r.dedup_id !== null) attributes['MessageDeduplicationId'] = r.dedup_id;
    attributes['SequenceNumber'] = sequenceNumber(r.seq);
  }
  if (r.dlq_source_arn !== null) attributes['DeadLetterQueueSourceArn'] = r.dlq_source_arn;
  return {
    messageId: r.id,
    receiptHandle: encodeReceipt({ queueId: q.id, seq: r.seq, token: r.receipt ?? '' }),
    body: r.body,
    md5OfBody: r.md5_body,
    attributes,
    messageAttributes: parseAttributes(r.attributes),
  };
}
