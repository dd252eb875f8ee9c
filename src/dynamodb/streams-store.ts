/**
 * DynamoDB Streams' state in its own SQLite file (`<data dir>/dynamodb/streams.db`, WAL): the
 * streams (one per enabling of a table's StreamSpecification, as DynamoDB mints a new stream ARN
 * and label each time) and their change records, kept 24 hours as DynamoDB keeps them. dynalite
 * knows nothing of streams; the records are written by stream-capture.ts around each item write.
 *
 * Sequence numbers are one counter for the whole file (SQLite's rowid), shown as 21 digits
 * (`100000000000000000001`...): increasing within a stream, as DynamoDB's are, and comparable as
 * numbers. Event-source mappings keep their checkpoints here too (the last sequence number their
 * function processed), beside the records they point into.
 */
import Database from 'better-sqlite3';
import { privateDatabase } from '../core/private-files.js';
import type { Scope } from '../core/model.js';

/** DynamoDB keeps stream records for 24 hours. */
export const RETENTION_MS = 24 * 60 * 60 * 1000;
const SEQ_BASE = 10n ** 20n;

export type StreamViewType = 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
export const VIEW_TYPES: readonly StreamViewType[] = ['KEYS_ONLY', 'NEW_IMAGE', 'OLD_IMAGE', 'NEW_AND_OLD_IMAGES'];

export interface StreamRecordRow extends Scope {
  arn: string;
  tableName: string;
  /** The StreamLabel: the stream's creation time, ISO 8601 without the zone (as DynamoDB's). */
  label: string;
  viewType: StreamViewType;
  /** `[{AttributeName, KeyType}]` of the table when the stream was made. */
  keySchema: Array<{ AttributeName: string; KeyType: string }>;
  createdAt: number;
  /** When the stream was disabled (StreamEnabled false, or the table deleted); its shard is closed. */
  closedAt: number | undefined;
}

/** An attribute map in DynamoDB JSON. */
export type Item = Record<string, Record<string, unknown>>;

export interface ChangeRecord {
  streamArn: string;
  sequenceNumber: string;
  eventId: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** Epoch ms. */
  createdAt: number;
  keys: Item;
  newImage: Item | undefined;
  oldImage: Item | undefined;
  sizeBytes: number;
}

export type NewChange = Omit<ChangeRecord, 'sequenceNumber'>;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ddb_streams (
  arn TEXT PRIMARY KEY, account_id TEXT NOT NULL, region TEXT NOT NULL, table_name TEXT NOT NULL,
  label TEXT NOT NULL, view_type TEXT NOT NULL, key_schema TEXT NOT NULL, created_at INTEGER NOT NULL, closed_at INTEGER
);
CREATE INDEX IF NOT EXISTS ddb_streams_table ON ddb_streams (account_id, region, table_name, created_at);
CREATE TABLE IF NOT EXISTS ddb_stream_records (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, stream_arn TEXT NOT NULL, event_id TEXT NOT NULL, event_name TEXT NOT NULL,
  created_at INTEGER NOT NULL, keys TEXT NOT NULL, new_image TEXT, old_image TEXT, size_bytes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS ddb_stream_records_stream ON ddb_stream_records (stream_arn, seq);
CREATE INDEX IF NOT EXISTS ddb_stream_records_age ON ddb_stream_records (created_at);
CREATE TABLE IF NOT EXISTS ddb_stream_checkpoints (
  mapping TEXT PRIMARY KEY, stream_arn TEXT NOT NULL, seq INTEGER NOT NULL
);
`;

interface StreamRow {
  arn: string;
  account_id: string;
  region: string;
  table_name: string;
  label: string;
  view_type: string;
  key_schema: string;
  created_at: number;
  closed_at: number | null;
}

interface RecordRow {
  seq: number;
  stream_arn: string;
  event_id: string;
  event_name: string;
  created_at: number;
  keys: string;
  new_image: string | null;
  old_image: string | null;
  size_bytes: number;
}

/** The 21-digit sequence number of a rowid, and back (undefined for anything that is not one). */
export const seqText = (n: number): string => (SEQ_BASE + BigInt(n)).toString();
export function seqNumber(s: string): number | undefined {
  if (!/^\d{21,40}$/.test(s)) return undefined;
  const n = BigInt(s) - SEQ_BASE;
  return n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(n);
}

const stream = (r: StreamRow): StreamRecordRow => ({
  arn: r.arn,
  accountId: r.account_id,
  region: r.region,
  tableName: r.table_name,
  label: r.label,
  viewType: r.view_type as StreamViewType,
  keySchema: JSON.parse(r.key_schema) as StreamRecordRow['keySchema'],
  createdAt: r.created_at,
  closedAt: r.closed_at ?? undefined,
});

const change = (r: RecordRow): ChangeRecord => ({
  streamArn: r.stream_arn,
  sequenceNumber: seqText(r.seq),
  eventId: r.event_id,
  eventName: r.event_name as ChangeRecord['eventName'],
  createdAt: r.created_at,
  keys: JSON.parse(r.keys) as Item,
  newImage: r.new_image === null ? undefined : (JSON.parse(r.new_image) as Item),
  oldImage: r.old_image === null ? undefined : (JSON.parse(r.old_image) as Item),
  sizeBytes: r.size_bytes,
});

export class StreamsStore {
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
      stream: db.prepare('SELECT * FROM ddb_streams WHERE arn = ?'),
      latest: db.prepare('SELECT * FROM ddb_streams WHERE account_id = ? AND region = ? AND table_name = ? ORDER BY created_at DESC, arn DESC LIMIT 1'),
      list: db.prepare('SELECT * FROM ddb_streams WHERE account_id = ? AND region = ? ORDER BY table_name, created_at, arn'),
      put: db.prepare('INSERT OR REPLACE INTO ddb_streams (arn, account_id, region, table_name, label, view_type, key_schema, created_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)'),
      append: db.prepare('INSERT INTO ddb_stream_records (stream_arn, event_id, event_name, created_at, keys, new_image, old_image, size_bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)'),
      read: db.prepare('SELECT * FROM ddb_stream_records WHERE stream_arn = ? AND seq > ? ORDER BY seq LIMIT ?'),
      bounds: db.prepare('SELECT MIN(seq) AS first, MAX(seq) AS last, COUNT(*) AS n FROM ddb_stream_records WHERE stream_arn = ?'),
      after: db.prepare('SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM ddb_stream_records WHERE stream_arn = ? AND seq > ?'),
      maxSeq: db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'ddb_stream_records'"),
      trim: db.prepare('DELETE FROM ddb_stream_records WHERE created_at < ?'),
      forgetRecords: db.prepare('DELETE FROM ddb_stream_records WHERE stream_arn = ?'),
      forgetCheckpoints: db.prepare('DELETE FROM ddb_stream_checkpoints WHERE stream_arn = ?'),
      trimStreams: db.prepare('DELETE FROM ddb_streams WHERE closed_at IS NOT NULL AND closed_at < ?'),
      checkpoint: db.prepare('SELECT seq FROM ddb_stream_checkpoints WHERE mapping = ? AND stream_arn = ?'),
      putCheckpoint: db.prepare('INSERT OR REPLACE INTO ddb_stream_checkpoints (mapping, stream_arn, seq) VALUES (?, ?, ?)'),
    };
  }

  async stream(arn: string): Promise<StreamRecordRow | undefined> {
    const r = this.s.stream.get(arn) as StreamRow | undefined;
    return r && stream(r);
  }

  /** The table's newest stream, enabled or not (DescribeTable's LatestStreamArn). */
  async latest(scope: Scope, table: string): Promise<StreamRecordRow | undefined> {
    const r = this.s.latest.get(scope.accountId, scope.region, table) as StreamRow | undefined;
    return r && stream(r);
  }

  async streams(scope: Scope): Promise<StreamRecordRow[]> {
    return (this.s.list.all(scope.accountId, scope.region) as StreamRow[]).map(stream);
  }

  async putStream(x: StreamRecordRow): Promise<void> {
    this.s.put.run(x.arn, x.accountId, x.region, x.tableName, x.label, x.viewType, JSON.stringify(x.keySchema), x.createdAt, x.closedAt ?? null);
  }

  /** Appends records in order, in one transaction; they get their sequence numbers here. */
  async append(records: readonly NewChange[]): Promise<void> {
    if (records.length === 0) return;
    this.db.transaction(() => {
      for (const r of records) {
        this.s.append.run(r.streamArn, r.eventId, r.eventName, r.createdAt, JSON.stringify(r.keys), r.newImage ? JSON.stringify(r.newImage) : null, r.oldImage ? JSON.stringify(r.oldImage) : null, r.sizeBytes);
      }
    })();
  }

  /** Up to `limit` records of a stream after the rowid `after` (0: from the oldest kept). */
  async read(streamArn: string, after: number, limit: number): Promise<ChangeRecord[]> {
    return (this.s.read.all(streamArn, after, limit) as RecordRow[]).map(change);
  }

  /** The rowids of the stream's oldest and newest kept records (undefined when none are kept). */
  async bounds(streamArn: string): Promise<{ first: number | undefined; last: number | undefined }> {
    const r = this.s.bounds.get(streamArn) as { first: number | null; last: number | null };
    return { first: r.first ?? undefined, last: r.last ?? undefined };
  }

  /** The newest rowid handed out in the whole file (a LATEST position: everything after it). */
  async head(): Promise<number> {
    const r = this.s.maxSeq.get() as { seq: number } | undefined;
    return r?.seq ?? 0;
  }

  /** How many records of a stream come after `after`, and when the oldest of them was written. */
  async pending(streamArn: string, after: number): Promise<{ count: number; oldest: number | undefined }> {
    const r = this.s.after.get(streamArn, after) as { n: number; oldest: number | null };
    return { count: r.n, oldest: r.oldest ?? undefined };
  }

  /** A stream's records and checkpoints (its ARN is about to name a new stream). */
  async forget(streamArn: string): Promise<void> {
    this.db.transaction(() => {
      this.s.forgetRecords.run(streamArn);
      this.s.forgetCheckpoints.run(streamArn);
    })();
  }

  /** Drops records (and closed streams) older than the retention period. */
  async trim(now: number): Promise<void> {
    this.s.trim.run(now - RETENTION_MS);
    this.s.trimStreams.run(now - RETENTION_MS);
  }

  async checkpoint(mapping: string, streamArn: string): Promise<number | undefined> {
    const r = this.s.checkpoint.get(mapping, streamArn) as { seq: number } | undefined;
    return r?.seq;
  }

  async putCheckpoint(mapping: string, streamArn: string, seq: number): Promise<void> {
    this.s.putCheckpoint.run(mapping, streamArn, seq);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
