/**
 * Kinesis Data Streams' state in its own SQLite file (`<data dir>/kinesis.db`, WAL): streams,
 * their records (each in one shard, chosen by the MD5 of its partition key as Kinesis does) and
 * event-source mappings' checkpoints. Sequence numbers are one counter for the whole file (the
 * rowid), shown as 56 digits as Kinesis's are: increasing within every shard.
 */
import Database from 'better-sqlite3';
import { privateDatabase } from '../core/private-files.js';
import type { Scope } from '../core/model.js';

const SEQ_BASE = 10n ** 55n;

export interface KinesisStreamRow extends Scope {
  arn: string;
  name: string;
  shardCount: number;
  createdAt: number;
  retentionHours: number;
  mode: 'PROVISIONED' | 'ON_DEMAND';
}

export interface KinesisRecord {
  position: number;
  sequenceNumber: string;
  shardId: string;
  partitionKey: string;
  data: Buffer;
  arrivedAt: number;
}

export const kinesisSeq = (n: number): string => (SEQ_BASE + BigInt(n)).toString();
export function kinesisPosition(s: string): number | undefined {
  if (!/^\d{56}$/.test(s)) return undefined;
  const n = BigInt(s) - SEQ_BASE;
  return n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(n);
}
export const shardIdOf = (i: number): string => `shardId-${String(i).padStart(12, '0')}`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kinesis_streams (
  arn TEXT PRIMARY KEY, account_id TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
  shard_count INTEGER NOT NULL, created_at INTEGER NOT NULL, retention_hours INTEGER NOT NULL, mode TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS kinesis_streams_scope ON kinesis_streams (account_id, region, name);
CREATE TABLE IF NOT EXISTS kinesis_records (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, stream_arn TEXT NOT NULL, shard INTEGER NOT NULL,
  partition_key TEXT NOT NULL, data BLOB NOT NULL, arrived_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS kinesis_records_shard ON kinesis_records (stream_arn, shard, seq);
CREATE INDEX IF NOT EXISTS kinesis_records_stream ON kinesis_records (stream_arn, seq);
CREATE TABLE IF NOT EXISTS kinesis_checkpoints (mapping TEXT PRIMARY KEY, stream_arn TEXT NOT NULL, seq INTEGER NOT NULL);
`;

interface StreamRow {
  arn: string;
  account_id: string;
  region: string;
  name: string;
  shard_count: number;
  created_at: number;
  retention_hours: number;
  mode: string;
}
interface RecordRow {
  seq: number;
  shard: number;
  partition_key: string;
  data: Buffer;
  arrived_at: number;
}

const stream = (r: StreamRow): KinesisStreamRow => ({
  arn: r.arn,
  accountId: r.account_id,
  region: r.region,
  name: r.name,
  shardCount: r.shard_count,
  createdAt: r.created_at,
  retentionHours: r.retention_hours,
  mode: r.mode as KinesisStreamRow['mode'],
});
const record = (r: RecordRow): KinesisRecord => ({
  position: r.seq,
  sequenceNumber: kinesisSeq(r.seq),
  shardId: shardIdOf(r.shard),
  partitionKey: r.partition_key,
  data: r.data,
  arrivedAt: r.arrived_at,
});

export class KinesisStore {
  private readonly db: Database.Database;
  private readonly s;

  constructor(file: string | undefined) {
    if (file) privateDatabase(file);
    this.db = new Database(file ?? ':memory:');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    const db = this.db;
    this.s = {
      stream: db.prepare('SELECT * FROM kinesis_streams WHERE arn = ?'),
      list: db.prepare('SELECT * FROM kinesis_streams WHERE account_id = ? AND region = ? ORDER BY name'),
      put: db.prepare('INSERT INTO kinesis_streams (arn, account_id, region, name, shard_count, created_at, retention_hours, mode) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      del: db.prepare('DELETE FROM kinesis_streams WHERE arn = ?'),
      delRecords: db.prepare('DELETE FROM kinesis_records WHERE stream_arn = ?'),
      delCheckpoints: db.prepare('DELETE FROM kinesis_checkpoints WHERE stream_arn = ?'),
      append: db.prepare('INSERT INTO kinesis_records (stream_arn, shard, partition_key, data, arrived_at) VALUES (?, ?, ?, ?, ?)'),
      readShard: db.prepare('SELECT * FROM kinesis_records WHERE stream_arn = ? AND shard = ? AND seq > ? ORDER BY seq LIMIT ?'),
      readAll: db.prepare('SELECT * FROM kinesis_records WHERE stream_arn = ? AND seq > ? ORDER BY seq LIMIT ?'),
      lastOfShard: db.prepare('SELECT MAX(seq) AS last FROM kinesis_records WHERE stream_arn = ? AND shard = ?'),
      atTime: db.prepare('SELECT MIN(seq) AS first FROM kinesis_records WHERE stream_arn = ? AND shard = ? AND arrived_at >= ?'),
      pending: db.prepare('SELECT COUNT(*) AS n, MIN(arrived_at) AS oldest FROM kinesis_records WHERE stream_arn = ? AND seq > ?'),
      head: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'kinesis_records'"),
      trim: db.prepare('DELETE FROM kinesis_records WHERE stream_arn = ? AND arrived_at < ?'),
      checkpoint: db.prepare('SELECT seq FROM kinesis_checkpoints WHERE mapping = ? AND stream_arn = ?'),
      putCheckpoint: db.prepare('INSERT OR REPLACE INTO kinesis_checkpoints (mapping, stream_arn, seq) VALUES (?, ?, ?)'),
    };
  }

  async stream(arn: string): Promise<KinesisStreamRow | undefined> {
    const r = this.s.stream.get(arn) as StreamRow | undefined;
    return r && stream(r);
  }

  async streams(scope: Scope): Promise<KinesisStreamRow[]> {
    return (this.s.list.all(scope.accountId, scope.region) as StreamRow[]).map(stream);
  }

  async create(x: KinesisStreamRow): Promise<void> {
    this.s.put.run(x.arn, x.accountId, x.region, x.name, x.shardCount, x.createdAt, x.retentionHours, x.mode);
  }

  async delete(arn: string): Promise<void> {
    this.db.transaction(() => {
      this.s.del.run(arn);
      this.s.delRecords.run(arn);
      this.s.delCheckpoints.run(arn);
    })();
  }

  /** Appends records (shard index, partition key, data) in order; answers their sequence numbers. */
  async append(arn: string, records: ReadonlyArray<{ shard: number; partitionKey: string; data: Buffer }>, now: number): Promise<string[]> {
    return this.db.transaction(() => records.map((r) => kinesisSeq(Number(this.s.append.run(arn, r.shard, r.partitionKey, r.data, now).lastInsertRowid))))();
  }

  async readShard(arn: string, shard: number, after: number, limit: number): Promise<KinesisRecord[]> {
    return (this.s.readShard.all(arn, shard, after, limit) as RecordRow[]).map(record);
  }

  /** Every shard's records after `after`, in sequence-number order (an event-source mapping's reading). */
  async readAll(arn: string, after: number, limit: number): Promise<KinesisRecord[]> {
    return (this.s.readAll.all(arn, after, limit) as RecordRow[]).map(record);
  }

  async lastOfShard(arn: string, shard: number): Promise<number | undefined> {
    return (this.s.lastOfShard.get(arn, shard) as { last: number | null }).last ?? undefined;
  }

  /** The first record of a shard that arrived at or after `at` (epoch ms). */
  async firstAt(arn: string, shard: number, at: number): Promise<number | undefined> {
    return (this.s.atTime.get(arn, shard, at) as { first: number | null }).first ?? undefined;
  }

  async pending(arn: string, after: number): Promise<{ count: number; oldest: number | undefined }> {
    const r = this.s.pending.get(arn, after) as { n: number; oldest: number | null };
    return { count: r.n, oldest: r.oldest ?? undefined };
  }

  async head(): Promise<number> {
    return (this.s.head.get() as { seq: number } | undefined)?.seq ?? 0;
  }

  async trim(arn: string, before: number): Promise<void> {
    this.s.trim.run(arn, before);
  }

  async checkpoint(mapping: string, arn: string): Promise<number | undefined> {
    return (this.s.checkpoint.get(mapping, arn) as { seq: number } | undefined)?.seq;
  }

  async putCheckpoint(mapping: string, arn: string, seq: number): Promise<void> {
    this.s.putCheckpoint.run(mapping, arn, seq);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
