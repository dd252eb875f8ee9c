/**
 * Message rows. Sends and purges go through the durable connection; receives, deletes and
 * visibility changes through the lazy one (see db.ts for why that is safe).
 */
import type Database from 'better-sqlite3';
import type { SqsDb } from './db.js';

export interface MessageRow {
  seq: number;
  queue_id: number;
  id: string;
  body: string;
  attributes: string | null;
  system_attributes: string | null;
  md5_body: string;
  sender_id: string;
  sent_at: number;
  visible_at: number;
  receive_count: number;
  first_receive_at: number | null;
  receipt: string | null;
  group_id: string | null;
  dedup_id: string | null;
  dlq_source_arn: string | null;
}

export interface NewMessageRow {
  queueId: number;
  id: string;
  body: string;
  attributes: string | null;
  systemAttributes: string | null;
  md5Body: string;
  senderId: string;
  sentAt: number;
  visibleAt: number;
  groupId: string | null;
  dedupId: string | null;
}

export interface Counts {
  visible: number;
  notVisible: number;
  delayed: number;
  /** When the oldest visible message was sent (the age of the backlog); null when none is visible. */
  oldestVisibleSentAt: number | null;
}

export class MessageStore {
  private readonly durable: Database.Database;
  private readonly lazy: Database.Database;
  private readonly d;
  private readonly l;

  constructor(sqs: SqsDb) {
    this.durable = sqs.durable;
    this.lazy = sqs.lazy;
    const d = this.durable;
    const l = this.lazy;
    this.d = {
      insert: d.prepare(`INSERT INTO sqs_messages (queue_id, id, body, attributes, system_attributes, md5_body, sender_id, sent_at, visible_at, group_id, dedup_id)
        VALUES (@queueId, @id, @body, @attributes, @systemAttributes, @md5Body, @senderId, @sentAt, @visibleAt, @groupId, @dedupId)`),
      findDedup: d.prepare('SELECT message_id, seq FROM sqs_dedup WHERE queue_id = ? AND scope = ? AND dedup_id = ? AND expires_at > ?'),
      insertDedup: d.prepare('INSERT OR REPLACE INTO sqs_dedup (queue_id, scope, dedup_id, message_id, seq, expires_at) VALUES (?, ?, ?, ?, ?, ?)'),
      purge: d.prepare('DELETE FROM sqs_messages WHERE queue_id = ? AND sent_at <= ?'),
      pruneDedup: d.prepare('DELETE FROM sqs_dedup WHERE expires_at <= ?'),
      findIngest: d.prepare('SELECT message_id FROM sqs_ingest WHERE key = ?'),
      insertIngest: d.prepare('INSERT INTO sqs_ingest (key, message_id, expires_at) VALUES (?, ?, ?)'),
      pruneIngest: d.prepare('DELETE FROM sqs_ingest WHERE expires_at <= ?'),
    };
    this.l = {
      visible: l.prepare(`SELECT * FROM sqs_messages WHERE queue_id = ? AND visible_at <= ? AND sent_at > ?
        ORDER BY visible_at, seq LIMIT ?`),
      heads: l.prepare(`SELECT group_id, MIN(seq) AS seq FROM sqs_messages WHERE queue_id = ? AND sent_at > ?
        GROUP BY group_id ORDER BY seq`),
      group: l.prepare(`SELECT * FROM sqs_messages WHERE queue_id = ? AND group_id = ? AND sent_at > ? AND seq >= ?
        ORDER BY seq LIMIT ?`),
      get: l.prepare('SELECT * FROM sqs_messages WHERE seq = ?'),
      received: l.prepare(`UPDATE sqs_messages SET visible_at = ?, receipt = ?, receive_count = receive_count + 1,
        first_receive_at = COALESCE(first_receive_at, ?) WHERE seq = ?`),
      setVisibleAt: l.prepare('UPDATE sqs_messages SET visible_at = ? WHERE seq = ?'),
      move: l.prepare('UPDATE sqs_messages SET queue_id = ?, visible_at = ?, receipt = NULL, dlq_source_arn = ? WHERE seq = ?'),
      delete: l.prepare('DELETE FROM sqs_messages WHERE seq = ?'),
      counts: l.prepare(`SELECT
          COALESCE(SUM(visible_at <= @now), 0) AS visible,
          COALESCE(SUM(visible_at > @now AND receipt IS NOT NULL), 0) AS notVisible,
          COALESCE(SUM(visible_at > @now AND receipt IS NULL), 0) AS delayed,
          MIN(CASE WHEN visible_at <= @now THEN sent_at END) AS oldestVisibleSentAt
        FROM sqs_messages WHERE queue_id = @queueId AND sent_at > @cutoff`),
      nextVisible: l.prepare('SELECT MIN(visible_at) AS t FROM sqs_messages WHERE queue_id = ? AND visible_at > ?'),
      expire: l.prepare('DELETE FROM sqs_messages WHERE queue_id = ? AND sent_at <= ?'),
      peek: l.prepare('SELECT * FROM sqs_messages WHERE queue_id = ? AND seq > ? AND sent_at > ? ORDER BY seq LIMIT ?'),
      deleteIn: l.prepare('DELETE FROM sqs_messages WHERE queue_id = ? AND seq = ?'),
    };
  }

  insert(m: NewMessageRow): number {
    return Number(this.d.insert.run(m).lastInsertRowid);
  }

  findDedup(queueId: number, scope: string, dedupId: string, now: number): { message_id: string; seq: number } | undefined {
    return this.d.findDedup.get(queueId, scope, dedupId, now) as { message_id: string; seq: number } | undefined;
  }

  insertDedup(queueId: number, scope: string, dedupId: string, messageId: string, seq: number, expiresAt: number): void {
    this.d.insertDedup.run(queueId, scope, dedupId, messageId, seq, expiresAt);
  }

  /** Deletes the messages sent up to `before` (PurgeQueue). */
  purge(queueId: number, before: number): number {
    return this.d.purge.run(queueId, before).changes;
  }

  pruneDedup(now: number): void {
    this.d.pruneDedup.run(now);
    this.d.pruneIngest.run(now);
  }

  /** The message an idempotency key already produced, if the key is known. */
  findIngest(key: string): string | undefined {
    return (this.d.findIngest.get(key) as { message_id: string } | undefined)?.message_id;
  }

  insertIngest(key: string, messageId: string, expiresAt: number): void {
    this.d.insertIngest.run(key, messageId, expiresAt);
  }

  /** Messages of a queue in send order after `afterSeq`, whatever their visibility (Nimbus's inspection API). */
  peek(queueId: number, afterSeq: number, cutoff: number, limit: number): MessageRow[] {
    return this.l.peek.all(queueId, afterSeq, cutoff, limit) as MessageRow[];
  }

  /** Deletes messages of a queue by sequence number; returns how many went. */
  deleteSeqs(queueId: number, seqs: readonly number[]): number {
    return this.lazyTx(() => seqs.reduce((n, seq) => n + this.l.deleteIn.run(queueId, seq).changes, 0));
  }

  /** Visible, unexpired messages of a queue, oldest visibility first. */
  visible(queueId: number, now: number, cutoff: number, limit: number): MessageRow[] {
    return this.l.visible.all(queueId, now, cutoff, limit) as MessageRow[];
  }

  /** FIFO: every message group with the sequence number of its first (unexpired) message. */
  groupHeads(queueId: number, cutoff: number): { group_id: string; seq: number }[] {
    return this.l.heads.all(queueId, cutoff) as { group_id: string; seq: number }[];
  }

  /** FIFO: a group's messages in order, from `fromSeq`. */
  groupRun(queueId: number, groupId: string, cutoff: number, fromSeq: number, limit: number): MessageRow[] {
    return this.l.group.all(queueId, groupId, cutoff, fromSeq, limit) as MessageRow[];
  }

  get(seq: number): MessageRow | undefined {
    return this.l.get.get(seq) as MessageRow | undefined;
  }

  markReceived(seq: number, visibleAt: number, receipt: string, now: number): void {
    this.l.received.run(visibleAt, receipt, now, seq);
  }

  setVisibleAt(seq: number, visibleAt: number): void {
    this.l.setVisibleAt.run(visibleAt, seq);
  }

  /** Redrive: the message changes queue, keeps its id, counts and timestamps. */
  moveTo(seq: number, queueId: number, now: number, sourceArn: string): void {
    this.l.move.run(queueId, now, sourceArn, seq);
  }

  delete(seq: number): void {
    this.l.delete.run(seq);
  }

  counts(queueId: number, now: number, cutoff: number): Counts {
    return this.l.counts.get({ queueId, now, cutoff }) as Counts;
  }

  /** When the next invisible (delayed or in-flight) message of a queue becomes visible. */
  nextVisibleAt(queueId: number, now: number): number | null {
    return (this.l.nextVisible.get(queueId, now) as { t: number | null }).t;
  }

  /** Drops messages past their retention period. */
  expire(queueId: number, cutoff: number): number {
    return this.l.expire.run(queueId, cutoff).changes;
  }

  durableTx<T>(fn: () => T): T {
    return this.durable.transaction(fn)();
  }

  lazyTx<T>(fn: () => T): T {
    return this.lazy.transaction(fn)();
  }
}
