/**
 * DeleteMessage and ChangeMessageVisibility by receipt handle, with AWS's stale-handle rules:
 * - a handle that is not one of ours, or names another queue: ReceiptHandleIsInvalid;
 * - standard queue, DeleteMessage: the latest handle deletes even after its visibility timeout
 *   ended (recorded); an older handle (the message was received again since) succeeds without
 *   deleting ("the request succeeds, but the message might not be deleted" - DeleteMessage API
 *   reference); a handle of a message already gone succeeds (recorded: repeated deletes);
 * - FIFO queue: a handle whose receive is no longer in flight has expired (recorded:
 *   InvalidParameterValue "The receipt handle has expired.");
 * - ChangeMessageVisibility of a message that is gone or was received again since: recorded
 *   InvalidParameterValue "Message does not exist or is not available for visibility timeout
 *   change."; on a standard queue the latest handle still works after expiry (recorded).
 */
import type { Clock } from '../core/clock.js';
import { invalidValue, receiptHandleExpired, receiptHandleIsInvalid } from './errors.js';
import { decodeReceipt } from './receipt.js';
import type { MessageStore } from './store/messages.js';
import type { QueueRecord } from './types.js';

export class Acks {
  constructor(
    private readonly messages: MessageStore,
    private readonly clock: Clock,
  ) {}

  delete(q: QueueRecord, handle: string): void {
    const r = decodeReceipt(handle);
    if (!r || r.queueId !== q.id) throw receiptHandleIsInvalid(handle);
    const now = this.clock.now();
    this.messages.lazyTx(() => {
      const row = this.messages.get(r.seq);
      if (!row || row.queue_id !== q.id) return;
      if (row.receipt !== r.token) {
        if (q.fifo) throw receiptHandleExpired(handle);
        return;
      }
      if (q.fifo && row.visible_at <= now) throw receiptHandleExpired(handle);
      this.messages.delete(r.seq);
    });
  }

  /** Returns true when the message became visible at once (so waiters should be woken). */
  changeVisibility(q: QueueRecord, handle: string, seconds: number): boolean {
    const r = decodeReceipt(handle);
    if (!r || r.queueId !== q.id) throw receiptHandleIsInvalid(handle);
    const now = this.clock.now();
    return this.messages.lazyTx(() => {
      const row = this.messages.get(r.seq);
      if (!row || row.queue_id !== q.id || row.receipt !== r.token) {
        throw invalidValue('ReceiptHandle', handle, 'Message does not exist or is not available for visibility timeout change.');
      }
      if (q.fifo && row.visible_at <= now) throw receiptHandleExpired(handle);
      this.messages.setVisibleAt(r.seq, now + seconds * 1000);
      return seconds === 0;
    });
  }
}
