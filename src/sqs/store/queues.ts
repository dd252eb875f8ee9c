/** Queue records: create, look up, list, change, delete; all on the durable connection. */
import type Database from 'better-sqlite3';
import type { QueueRecord, Scope } from '../types.js';
import type { SqsDb } from './db.js';

interface QueueRow {
  id: number;
  account_id: string;
  region: string;
  name: string;
  fifo: number;
  attributes: string;
  tags: string;
  created_at: number;
  modified_at: number;
  purged_at: number | null;
}

const fromRow = (r: QueueRow): QueueRecord => ({
  id: r.id,
  accountId: r.account_id,
  region: r.region,
  name: r.name,
  fifo: r.fifo === 1,
  attributes: JSON.parse(r.attributes) as Record<string, string>,
  tags: JSON.parse(r.tags) as Record<string, string>,
  createdAt: r.created_at,
  modifiedAt: r.modified_at,
  purgedAt: r.purged_at,
});

export class QueueStore {
  private readonly db: Database.Database;
  private readonly s;

  constructor(sqs: SqsDb) {
    this.db = sqs.durable;
    const db = this.db;
    this.s = {
      get: db.prepare('SELECT * FROM sqs_queues WHERE account_id = ? AND region = ? AND name = ?'),
      byId: db.prepare('SELECT * FROM sqs_queues WHERE id = ?'),
      insert: db.prepare(`INSERT INTO sqs_queues (account_id, region, name, fifo, attributes, tags, created_at, modified_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
      list: db.prepare(`SELECT * FROM sqs_queues WHERE account_id = ? AND region = ? AND substr(name, 1, ?) = ? AND name > ?
        ORDER BY name LIMIT ?`),
      all: db.prepare('SELECT * FROM sqs_queues WHERE account_id = ? AND region = ? ORDER BY name'),
      every: db.prepare('SELECT * FROM sqs_queues ORDER BY id'),
      setAttributes: db.prepare('UPDATE sqs_queues SET attributes = ?, modified_at = ? WHERE id = ?'),
      setTags: db.prepare('UPDATE sqs_queues SET tags = ? WHERE id = ?'),
      setPurged: db.prepare('UPDATE sqs_queues SET purged_at = ? WHERE id = ?'),
      delete: db.prepare('DELETE FROM sqs_queues WHERE id = ?'),
      deleteMessages: db.prepare('DELETE FROM sqs_messages WHERE queue_id = ?'),
      deleteDedup: db.prepare('DELETE FROM sqs_dedup WHERE queue_id = ?'),
      tombstone: db.prepare('INSERT OR REPLACE INTO sqs_tombstones (account_id, region, name, deleted_at) VALUES (?, ?, ?, ?)'),
      getTombstone: db.prepare('SELECT deleted_at AS t FROM sqs_tombstones WHERE account_id = ? AND region = ? AND name = ?'),
      pruneTombstones: db.prepare('DELETE FROM sqs_tombstones WHERE deleted_at < ?'),
    };
  }

  get(scope: Scope, name: string): QueueRecord | null {
    const r = this.s.get.get(scope.accountId, scope.region, name) as QueueRow | undefined;
    return r ? fromRow(r) : null;
  }

  byId(id: number): QueueRecord | null {
    const r = this.s.byId.get(id) as QueueRow | undefined;
    return r ? fromRow(r) : null;
  }

  insert(scope: Scope, name: string, fifo: boolean, attributes: Record<string, string>, tags: Record<string, string>, now: number): QueueRecord {
    this.s.insert.run(scope.accountId, scope.region, name, fifo ? 1 : 0, JSON.stringify(attributes), JSON.stringify(tags), now, now);
    const q = this.get(scope, name);
    if (!q) throw new Error(`queue ${name} vanished right after insert`);
    return q;
  }

  /** Queues whose name starts with `prefix`, after `after` in name order. */
  list(scope: Scope, prefix: string, after: string, limit: number): QueueRecord[] {
    return (this.s.list.all(scope.accountId, scope.region, prefix.length, prefix, after, limit) as QueueRow[]).map(fromRow);
  }

  all(scope: Scope): QueueRecord[] {
    return (this.s.all.all(scope.accountId, scope.region) as QueueRow[]).map(fromRow);
  }

  /** Every queue of every account (housekeeping). */
  every(): QueueRecord[] {
    return (this.s.every.all() as QueueRow[]).map(fromRow);
  }

  setAttributes(id: number, attributes: Record<string, string>, now: number): void {
    this.s.setAttributes.run(JSON.stringify(attributes), now, id);
  }

  setTags(id: number, tags: Record<string, string>): void {
    this.s.setTags.run(JSON.stringify(tags), id);
  }

  setPurged(id: number, now: number): void {
    this.s.setPurged.run(now, id);
  }

  /** Deletes the queue with its messages and dedup records, and remembers when. */
  delete(q: QueueRecord, now: number): void {
    this.db.transaction(() => {
      this.s.deleteMessages.run(q.id);
      this.s.deleteDedup.run(q.id);
      this.s.delete.run(q.id);
      this.s.tombstone.run(q.accountId, q.region, q.name, now);
    })();
  }

  deletedAt(scope: Scope, name: string): number | null {
    const r = this.s.getTombstone.get(scope.accountId, scope.region, name) as { t: number } | undefined;
    return r?.t ?? null;
  }

  pruneTombstones(before: number): void {
    this.s.pruneTombstones.run(before);
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}
