/**
 * Messages on PostgreSQL, shared by every node: the semantics of send.ts, receive.ts and ack.ts
 * (see there for the AWS rules), arranged so that concurrent nodes never hand one visible
 * message to two consumers.
 *
 * - Standard receive: one statement picks visible rows `FOR UPDATE SKIP LOCKED` (competing
 *   receivers take different rows without waiting), moves those past maxReceiveCount to the DLQ
 *   and marks the rest received with a fresh receipt token.
 * - FIFO receive and send take a per-queue transaction-scoped advisory lock (one for receives, one
 *   for sends): a group's order and its "blocked while in flight" rule need the whole group in
 *   view, and sequence numbers must commit in order so no receiver sees seq 5 before seq 4.
 * - Deletes and visibility changes are one conditional statement each (the receipt token must
 *   still match), then a look at the row only to choose the error.
 * - Standard sends without idempotency keys are one INSERT of the whole batch (autocommit).
 */
import { createHash, randomUUID } from 'node:crypto';
import { effectiveAttributes, redrivePolicyOf } from '../attributes.js';
import { arnOf } from '../admin.js';
import { invalidParameterValue, invalidValue, queueDoesNotExist, receiptHandleExpired, receiptHandleIsInvalid } from '../errors.js';
import { DEDUP_WINDOW_MS, RECEIVE_ATTEMPT_WINDOW_MS } from '../limits.js';
import { md5OfAttributes, md5OfBody } from '../md5.js';
import { decodeReceipt, newReceiptToken } from '../receipt.js';
import { toReceived } from '../receive.js';
import { INGEST_KEY_TTL_MS, sequenceNumber } from '../send.js';
import type { Counts, MessageRow } from '../store/messages.js';
import type { OutgoingMessage, QueueRecord, ReceivedMessage, SentMessage } from '../types.js';
import { num, optNum, type SqsPg } from './db.js';

/** Advisory lock classes (the first key of pg_advisory_xact_lock(int, int)); the queue id is the second. */
const FIFO_SEND_LOCK = 0x53515301;
const FIFO_RECEIVE_LOCK = 0x53515302;

/** A message row as pg returns it: the BIGINT columns arrive as strings (rowOf reads them). */
type RawRow = Omit<MessageRow, 'seq' | 'sent_at' | 'visible_at' | 'first_receive_at'> & {
  seq: string;
  sent_at: string;
  visible_at: string;
  first_receive_at: string | null;
};

const COLS = 'seq, queue_id, id, body, attributes, system_attributes, md5_body, sender_id, sent_at, visible_at, receive_count, first_receive_at, receipt, group_id, dedup_id, dlq_source_arn';
const M_COLS = COLS.split(', ').map((c) => `m.${c}`).join(', ');

const rowOf = (r: RawRow): MessageRow => ({
  ...r,
  seq: num(r.seq),
  sent_at: num(r.sent_at),
  visible_at: num(r.visible_at),
  first_receive_at: optNum(r.first_receive_at),
});

const isFkViolation = (e: unknown): boolean => (e as { code?: string }).code === '23503';

export interface PickOptions {
  max: number;
  visibilityTimeout?: number;
  receiveRequestAttemptId?: string;
}

export interface PickResult {
  messages: ReceivedMessage[];
  /** Dead-letter queues that received redriven messages. */
  redrivenTo: number[];
  /** When the messages taken become visible again. */
  visibleAgainAt: number;
}

interface Attempt {
  expiresAt: number;
  picks: { seq: number; token: string }[];
}

export class PgMessages {
  /** FIFO ReceiveRequestAttemptId records: this node's own, as the SQLite engine keeps them. */
  private readonly attempts = new Map<string, Attempt>();

  constructor(private readonly db: SqsPg) {}

  /** Enqueues validated messages atomically; one result per message, in order. */
  async send(q: QueueRecord, batch: readonly OutgoingMessage[], defaultSenderId: string, now: number): Promise<{ results: SentMessage[]; visibleNow: boolean; earliest: number }> {
    const attrs = effectiveAttributes(q);
    const queueDelay = Number(attrs['DelaySeconds'] ?? 0);
    let visibleNow = false;
    let earliest = Infinity;
    const rows = batch.map((m) => {
      // FIFO queues take the queue's delay only (per-message DelaySeconds is refused upstream).
      const delay = q.fifo ? queueDelay : (m.delaySeconds ?? queueDelay);
      if (delay === 0) visibleNow = true;
      earliest = Math.min(earliest, now + delay * 1000);
      const md5s: SentMessage = { messageId: randomUUID(), md5OfBody: md5OfBody(m.body), md5OfAttributes: md5OfAttributes(m.attributes), md5OfSystemAttributes: md5OfAttributes(m.systemAttributes) };
      return { m, md5s, visibleAt: now + delay * 1000 };
    });
    const values = (r: (typeof rows)[number], dedupId: string | null): unknown[] => [
      q.id,
      r.md5s.messageId,
      r.m.body,
      r.m.attributes && Object.keys(r.m.attributes).length > 0 ? JSON.stringify(r.m.attributes) : null,
      r.m.systemAttributes && Object.keys(r.m.systemAttributes).length > 0 ? JSON.stringify(r.m.systemAttributes) : null,
      r.md5s.md5OfBody,
      r.m.senderId ?? defaultSenderId,
      now,
      r.visibleAt,
      r.m.groupId ?? null,
      dedupId,
    ];
    if (!q.fifo && batch.every((m) => m.idempotencyKey === undefined)) {
      // The common case: the whole batch in one statement.
      await this.insertPlain([rows.map((r) => values(r, null))]);
      return { results: rows.map((r) => r.md5s), visibleNow, earliest };
    }
    try {
      const contentDedup = attrs['ContentBasedDeduplication'] === 'true';
      const perGroup = attrs['DeduplicationScope'] === 'messageGroup';
      const results = await this.db.tx(async (c) => {
        if (q.fifo) await c.query('SELECT pg_advisory_xact_lock($1, $2)', [FIFO_SEND_LOCK, q.id]);
        const out: SentMessage[] = [];
        for (const r of rows) {
          const m = r.m;
          if (m.idempotencyKey !== undefined) {
            const claimed = await c.query('INSERT INTO sqs_ingest (key, message_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING', [m.idempotencyKey, r.md5s.messageId, now + INGEST_KEY_TTL_MS]);
            if (claimed.rowCount === 0) {
              const earlier = await c.query<{ message_id: string }>('SELECT message_id FROM sqs_ingest WHERE key = $1', [m.idempotencyKey]);
              out.push({ ...r.md5s, messageId: earlier.rows[0]?.message_id ?? r.md5s.messageId });
              continue;
            }
          }
          let dedupId: string | null = null;
          const scope = perGroup ? (m.groupId ?? '') : '';
          if (q.fifo) {
            dedupId = m.deduplicationId ?? (contentDedup ? createHash('sha256').update(m.body, 'utf8').digest('hex') : null);
            if (dedupId === null) throw invalidParameterValue('The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
            const seen = await c.query<{ message_id: string; seq: string }>('SELECT message_id, seq FROM sqs_dedup WHERE queue_id = $1 AND scope = $2 AND dedup_id = $3 AND expires_at > $4', [q.id, scope, dedupId, now]);
            const s = seen.rows[0];
            if (s) {
              out.push({ ...r.md5s, messageId: s.message_id, sequenceNumber: sequenceNumber(num(s.seq)) });
              continue;
            }
          }
          const ins = await c.query<{ seq: string }>(
            `INSERT INTO sqs_messages (queue_id, id, body, attributes, system_attributes, md5_body, sender_id, sent_at, visible_at, group_id, dedup_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING seq`,
            values(r, dedupId),
          );
          const seq = num(ins.rows[0]!.seq);
          if (q.fifo && dedupId !== null) {
            await c.query(
              `INSERT INTO sqs_dedup (queue_id, scope, dedup_id, message_id, seq, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (queue_id, scope, dedup_id) DO UPDATE SET message_id = EXCLUDED.message_id, seq = EXCLUDED.seq, expires_at = EXCLUDED.expires_at`,
              [q.id, scope, dedupId, r.md5s.messageId, seq, now + DEDUP_WINDOW_MS],
            );
          }
          out.push({ ...r.md5s, ...(q.fifo ? { sequenceNumber: sequenceNumber(seq) } : {}) });
        }
        return out;
      });
      return { results, visibleNow, earliest };
    } catch (e) {
      // The queue was deleted since the request looked it up.
      if (isFkViolation(e)) throw queueDoesNotExist();
      throw e;
    }
  }

  /**
   * Inserts the rows of several plain sends (standard queues, no idempotency key) in one
   * statement and one commit; with `notify`, the same commit NOTIFYs other nodes of every queue
   * that gained a visible message. All or nothing: a row of a deleted queue fails them all.
   */
  async insertPlain(sends: readonly (readonly unknown[][])[], notify?: { channel: string; node: string; now: number }): Promise<void> {
    const all = sends.flat();
    const arrays = Array.from({ length: 11 }, (_, i) => all.map((v) => v[i]));
    try {
      const ins = await this.db.q<{ n: string }>(
        `WITH ins AS (
           INSERT INTO sqs_messages (queue_id, id, body, attributes, system_attributes, md5_body, sender_id, sent_at, visible_at, group_id, dedup_id)
           SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[], $10::text[], $11::text[])
           RETURNING queue_id, visible_at
         )
         SELECT (SELECT count(*) FROM ins) AS n,
                (SELECT count(pg_notify($12, $13 || ':' || v.queue_id)) FROM (SELECT DISTINCT queue_id FROM ins WHERE $12 <> '' AND visible_at <= $14) v) AS notified`,
        [...arrays, notify?.channel ?? '', notify?.node ?? '', notify?.now ?? 0],
      );
      if (num(ins.rows[0]?.n ?? 0) !== all.length) throw queueDoesNotExist();
    } catch (e) {
      if (isFkViolation(e)) throw queueDoesNotExist();
      throw e;
    }
  }

  /** The row values of a plain send (see `insertPlain`), and its answers. */
  plainRows(q: QueueRecord, batch: readonly OutgoingMessage[], defaultSenderId: string, now: number): { values: unknown[][]; results: SentMessage[]; visibleNow: boolean; earliest: number } {
    const queueDelay = Number(effectiveAttributes(q)['DelaySeconds'] ?? 0);
    let visibleNow = false;
    let earliest = Infinity;
    const results: SentMessage[] = [];
    const values = batch.map((m) => {
      const delay = m.delaySeconds ?? queueDelay;
      if (delay === 0) visibleNow = true;
      earliest = Math.min(earliest, now + delay * 1000);
      const r: SentMessage = { messageId: randomUUID(), md5OfBody: md5OfBody(m.body), md5OfAttributes: md5OfAttributes(m.attributes), md5OfSystemAttributes: md5OfAttributes(m.systemAttributes) };
      results.push(r);
      return [
        q.id,
        r.messageId,
        m.body,
        m.attributes && Object.keys(m.attributes).length > 0 ? JSON.stringify(m.attributes) : null,
        m.systemAttributes && Object.keys(m.systemAttributes).length > 0 ? JSON.stringify(m.systemAttributes) : null,
        r.md5OfBody,
        m.senderId ?? defaultSenderId,
        now,
        now + delay * 1000,
        m.groupId ?? null,
        null,
      ];
    });
    return { values, results, visibleNow, earliest };
  }

  /** Takes up to `max` visible messages now (no waiting). */
  async pick(q: QueueRecord, opts: PickOptions, now: number, findDlq: (arn: string) => Promise<QueueRecord | null>): Promise<PickResult> {
    const attrs = effectiveAttributes(q);
    const vt = opts.visibilityTimeout ?? Number(attrs['VisibilityTimeout']);
    const visibleAt = now + vt * 1000;
    const cutoff = now - Number(attrs['MessageRetentionPeriod']) * 1000;
    const key = q.fifo && opts.receiveRequestAttemptId ? `${q.id}:${opts.receiveRequestAttemptId}` : null;
    if (key) {
      const again = await this.retry(key, now, visibleAt);
      if (again) return { messages: again.map((r) => toReceived(r, q)), redrivenTo: [], visibleAgainAt: visibleAt };
    }
    const policy = redrivePolicyOf(q);
    const dlq = policy ? await findDlq(policy.deadLetterTargetArn) : null;
    const redrive = policy && dlq && dlq.id !== q.id ? { dlqId: dlq.id, max: policy.maxReceiveCount, source: arnOf(q) } : null;
    const taken: MessageRow[] = [];
    let moved = 0;
    const seen: number[] = [];
    if (q.fifo) {
      await this.db.tx(async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1, $2)', [FIFO_RECEIVE_LOCK, q.id]);
        for (;;) {
          // The leading visible run of each group, groups in order of their first message.
          const r = await c.query<RawRow>(
            `SELECT ${COLS} FROM (
               SELECT ${COLS}, bool_and(visible_at <= $2) OVER (PARTITION BY group_id ORDER BY seq) AS run_ok, min(seq) OVER (PARTITION BY group_id) AS head
               FROM sqs_messages WHERE queue_id = $1 AND sent_at > $3
             ) x WHERE run_ok AND NOT (seq = ANY($4::bigint[])) ORDER BY head, seq LIMIT $5`,
            [q.id, now, cutoff, seen, opts.max - taken.length],
          );
          if (r.rows.length === 0) return;
          const rows = r.rows.map(rowOf);
          for (const x of rows) seen.push(x.seq);
          const toMove = redrive ? rows.filter((x) => x.receive_count >= redrive.max) : [];
          const toTake = rows.filter((x) => !toMove.includes(x));
          if (redrive && toMove.length > 0) {
            await c.query('UPDATE sqs_messages SET queue_id = $1, visible_at = $2, receipt = NULL, dlq_source_arn = $3 WHERE seq = ANY($4::bigint[])', [redrive.dlqId, now, redrive.source, toMove.map((x) => x.seq)]);
            moved += toMove.length;
          }
          if (toTake.length > 0) {
            const tokens = toTake.map(() => newReceiptToken());
            const u = await c.query<RawRow>(
              `UPDATE sqs_messages m SET visible_at = $1, receipt = t.token, receive_count = m.receive_count + 1, first_receive_at = COALESCE(m.first_receive_at, $2)
               FROM unnest($3::bigint[], $4::text[]) AS t(seq, token) WHERE m.seq = t.seq RETURNING ${M_COLS}`,
              [visibleAt, now, toTake.map((x) => x.seq), tokens],
            );
            const bySeq = new Map(u.rows.map((x) => [num(x.seq), rowOf(x)]));
            for (const x of toTake) {
              const got = bySeq.get(x.seq);
              if (got) taken.push(got);
            }
          }
          if (toMove.length === 0 || taken.length >= opts.max) return;
        }
      }, true);
    } else {
      for (;;) {
        const r = await this.db.lq<RawRow & { moved: string }>(
          `WITH picked AS (
             SELECT seq, receive_count FROM sqs_messages
             WHERE queue_id = $1 AND visible_at <= $2 AND sent_at > $3 AND NOT (seq = ANY($4::bigint[]))
             ORDER BY visible_at, seq LIMIT $5 FOR UPDATE SKIP LOCKED
           ), moved AS (
             UPDATE sqs_messages m SET queue_id = $6, visible_at = $2, receipt = NULL, dlq_source_arn = $7
             FROM picked p WHERE m.seq = p.seq AND p.receive_count >= $8 RETURNING m.seq
           ), taken AS (
             UPDATE sqs_messages m SET visible_at = $9, receipt = substr(md5(random()::text || m.seq::text || clock_timestamp()::text), 1, 24),
               receive_count = m.receive_count + 1, first_receive_at = COALESCE(m.first_receive_at, $2)
             FROM picked p WHERE m.seq = p.seq AND p.receive_count < $8 RETURNING ${M_COLS}
           )
           SELECT taken.*, mc.moved FROM (SELECT count(*) AS moved FROM moved) mc LEFT JOIN taken ON true ORDER BY taken.visible_at, taken.seq`,
          [q.id, now, cutoff, seen, opts.max - taken.length, redrive?.dlqId ?? q.id, redrive?.source ?? null, redrive?.max ?? 2 ** 31 - 1, visibleAt],
        );
        const movedNow = num(r.rows[0]?.moved ?? 0);
        moved += movedNow;
        for (const x of r.rows) {
          if (x.seq === null) continue;
          const row = rowOf(x);
          taken.push(row);
          seen.push(row.seq);
        }
        if (movedNow === 0 || taken.length >= opts.max) break;
      }
    }
    if (key) {
      this.pruneAttempts(now);
      this.attempts.set(key, { expiresAt: now + RECEIVE_ATTEMPT_WINDOW_MS, picks: taken.map((r) => ({ seq: r.seq, token: r.receipt ?? '' })) });
    }
    return { messages: taken.map((r) => toReceived(r, q)), redrivenTo: moved > 0 && redrive ? [redrive.dlqId] : [], visibleAgainAt: visibleAt };
  }

  /** A FIFO receive retried with the same attempt id: the same messages, if none was touched since. */
  private async retry(key: string, now: number, visibleAt: number): Promise<MessageRow[] | null> {
    const a = this.attempts.get(key);
    if (!a || a.expiresAt <= now) return null;
    return await this.db.tx(async (c) => {
      const r = await c.query<RawRow>(`SELECT ${COLS} FROM sqs_messages WHERE seq = ANY($1::bigint[]) FOR UPDATE`, [a.picks.map((p) => p.seq)]);
      const bySeq = new Map(r.rows.map((x) => [num(x.seq), rowOf(x)]));
      const rows: MessageRow[] = [];
      for (const p of a.picks) {
        const row = bySeq.get(p.seq);
        if (!row || row.receipt !== p.token) return null;
        rows.push(row);
      }
      // A retry resets the visibility timeout (ReceiveMessage API reference).
      await c.query('UPDATE sqs_messages SET visible_at = $1 WHERE seq = ANY($2::bigint[])', [visibleAt, rows.map((x) => x.seq)]);
      return rows.map((x) => ({ ...x, visible_at: visibleAt }));
    }, true);
  }

  private pruneAttempts(now: number): void {
    if (this.attempts.size < 256) return;
    for (const [k, a] of this.attempts) if (a.expiresAt <= now) this.attempts.delete(k);
  }

  /** DeleteMessage with ack.ts's stale-handle rules. */
  async delete(q: QueueRecord, handle: string, now: number): Promise<void> {
    const r = decodeReceipt(handle);
    if (!r || r.queueId !== q.id) throw receiptHandleIsInvalid(handle);
    const gone = await this.db.lq('DELETE FROM sqs_messages WHERE seq = $1 AND queue_id = $2 AND receipt = $3 AND ($4 = false OR visible_at > $5)', [r.seq, q.id, r.token, q.fifo, now]);
    if (gone.rowCount !== 0 || !q.fifo) return;
    // FIFO: a handle whose receive is no longer in flight has expired; a message already gone is fine.
    const row = await this.db.q('SELECT 1 FROM sqs_messages WHERE seq = $1 AND queue_id = $2', [r.seq, q.id]);
    if (row.rowCount !== 0) throw receiptHandleExpired(handle);
  }

  /** ChangeMessageVisibility with ack.ts's rules; resolves to when the message becomes visible. */
  async changeVisibility(q: QueueRecord, handle: string, seconds: number, now: number): Promise<number> {
    const r = decodeReceipt(handle);
    if (!r || r.queueId !== q.id) throw receiptHandleIsInvalid(handle);
    const at = now + seconds * 1000;
    const changed = await this.db.lq('UPDATE sqs_messages SET visible_at = $1 WHERE seq = $2 AND queue_id = $3 AND receipt = $4 AND ($5 = false OR visible_at > $6)', [at, r.seq, q.id, r.token, q.fifo, now]);
    if (changed.rowCount !== 0) return at;
    const row = await this.db.q<{ receipt: string | null }>('SELECT receipt FROM sqs_messages WHERE seq = $1 AND queue_id = $2', [r.seq, q.id]);
    const cur = row.rows[0];
    if (!cur || cur.receipt !== r.token) throw invalidValue('ReceiptHandle', handle, 'Message does not exist or is not available for visibility timeout change.');
    throw receiptHandleExpired(handle);
  }

  async counts(queueId: number, now: number, cutoff: number): Promise<Counts> {
    const r = await this.db.q<{ visible: string; not_visible: string; delayed: string; oldest: string | null }>(
      `SELECT count(*) FILTER (WHERE visible_at <= $2) AS visible,
              count(*) FILTER (WHERE visible_at > $2 AND receipt IS NOT NULL) AS not_visible,
              count(*) FILTER (WHERE visible_at > $2 AND receipt IS NULL) AS delayed,
              min(sent_at) FILTER (WHERE visible_at <= $2) AS oldest
       FROM sqs_messages WHERE queue_id = $1 AND sent_at > $3`,
      [queueId, now, cutoff],
    );
    const c = r.rows[0]!;
    return { visible: num(c.visible), notVisible: num(c.not_visible), delayed: num(c.delayed), oldestVisibleSentAt: optNum(c.oldest) };
  }

  /** Whether any message of the queue is visible now (a poll tick's cheap look). */
  async anyVisible(queueId: number, now: number): Promise<boolean> {
    return ((await this.db.q('SELECT 1 FROM sqs_messages WHERE queue_id = $1 AND visible_at <= $2 LIMIT 1', [queueId, now])).rowCount ?? 0) > 0;
  }

  async peek(queueId: number, afterSeq: number, cutoff: number, limit: number): Promise<MessageRow[]> {
    const r = await this.db.q<RawRow>(`SELECT ${COLS} FROM sqs_messages WHERE queue_id = $1 AND seq > $2 AND sent_at > $3 ORDER BY seq LIMIT $4`, [queueId, afterSeq, cutoff, limit]);
    return r.rows.map(rowOf);
  }

  async deleteSeqs(queueId: number, seqs: readonly number[]): Promise<number> {
    return (await this.db.q('DELETE FROM sqs_messages WHERE queue_id = $1 AND seq = ANY($2::bigint[])', [queueId, [...seqs]])).rowCount ?? 0;
  }

  /** Drops messages past their retention period. */
  async expire(queueId: number, cutoff: number): Promise<void> {
    await this.db.q('DELETE FROM sqs_messages WHERE queue_id = $1 AND sent_at <= $2', [queueId, cutoff]);
  }

  async pruneDedup(now: number): Promise<void> {
    await this.db.q('DELETE FROM sqs_dedup WHERE expires_at <= $1', [now]);
    await this.db.q('DELETE FROM sqs_ingest WHERE expires_at <= $1', [now]);
  }
}

