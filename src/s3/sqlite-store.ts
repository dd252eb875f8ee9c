/**
 * S3's metadata in SQLite (`<data-dir>/s3.db`), the single-node default: buckets, objects,
 * multipart uploads and their parts. Keys compare as UTF-8 bytes (SQLite's BINARY collation on
 * UTF-8 text), which is S3's listing order.
 */
import Database from 'better-sqlite3';
import type { BucketRecord, ObjectRecord, ObjectStore, PartRecord, UploadRecord } from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS buckets (name TEXT PRIMARY KEY, account_id TEXT NOT NULL, region TEXT NOT NULL, created INTEGER NOT NULL, notification TEXT);
CREATE TABLE IF NOT EXISTS objects (bucket TEXT NOT NULL, key TEXT NOT NULL, doc TEXT NOT NULL, blob TEXT NOT NULL, PRIMARY KEY (bucket, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uploads (upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS uploads_bucket ON uploads (bucket);
CREATE TABLE IF NOT EXISTS parts (upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, doc TEXT NOT NULL, blob TEXT NOT NULL, PRIMARY KEY (upload_id, part_number)) WITHOUT ROWID;
`;

interface BucketRow {
  name: string;
  account_id: string;
  region: string;
  created: number;
  notification: string | null;
}

const bucketOf = (r: BucketRow): BucketRecord => ({ name: r.name, accountId: r.account_id, region: r.region, created: r.created, notification: r.notification ?? undefined });

export class SqliteObjectStore implements ObjectStore {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
  }

  async createBucket(b: BucketRecord): Promise<'created' | BucketRecord> {
    return this.db.transaction(() => {
      const had = this.db.prepare('SELECT * FROM buckets WHERE name = ?').get(b.name) as BucketRow | undefined;
      if (had) return bucketOf(had);
      this.db.prepare('INSERT INTO buckets (name, account_id, region, created) VALUES (?, ?, ?, ?)').run(b.name, b.accountId, b.region, b.created);
      return 'created' as const;
    })();
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    const r = this.db.prepare('SELECT * FROM buckets WHERE name = ?').get(name) as BucketRow | undefined;
    return r && bucketOf(r);
  }

  async listBuckets(accountId: string): Promise<BucketRecord[]> {
    return (this.db.prepare('SELECT * FROM buckets WHERE account_id = ? ORDER BY name').all(accountId) as BucketRow[]).map(bucketOf);
  }

  async deleteBucket(name: string): Promise<boolean> {
    return this.db.transaction(() => {
      if (this.db.prepare('SELECT 1 FROM objects WHERE bucket = ? LIMIT 1').get(name)) return false;
      if (this.db.prepare('SELECT 1 FROM uploads WHERE bucket = ? LIMIT 1').get(name)) return false;
      this.db.prepare('DELETE FROM buckets WHERE name = ?').run(name);
      return true;
    })();
  }

  async setNotification(name: string, doc: string | undefined): Promise<void> {
    this.db.prepare('UPDATE buckets SET notification = ? WHERE name = ?').run(doc ?? null, name);
  }

  async getObject(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    const r = this.db.prepare('SELECT doc FROM objects WHERE bucket = ? AND key = ?').get(bucket, key) as { doc: string } | undefined;
    return r && (JSON.parse(r.doc) as ObjectRecord);
  }

  async putObject(o: ObjectRecord): Promise<string | undefined> {
    return this.db.transaction(() => {
      const had = this.db.prepare('SELECT blob FROM objects WHERE bucket = ? AND key = ?').get(o.bucket, o.key) as { blob: string } | undefined;
      this.db.prepare('INSERT OR REPLACE INTO objects (bucket, key, doc, blob) VALUES (?, ?, ?, ?)').run(o.bucket, o.key, JSON.stringify(o), o.blob);
      return had?.blob;
    })();
  }

  async deleteObject(bucket: string, key: string): Promise<string | undefined> {
    const r = this.db.prepare('DELETE FROM objects WHERE bucket = ? AND key = ? RETURNING blob').get(bucket, key) as { blob: string } | undefined;
    return r?.blob;
  }

  async listObjects(bucket: string, o: { prefix: string; after: string; limit: number }): Promise<ObjectRecord[]> {
    // A prefix range instead of LIKE (whose `%` and `_` a key may contain): prefix <= key < prefix + U+10FFFF.
    const rows = this.db
      .prepare('SELECT doc FROM objects WHERE bucket = ? AND key > ? AND key >= ? AND key < ? ORDER BY key LIMIT ?')
      .all(bucket, o.after, o.prefix, `${o.prefix}\u{10FFFF}`, o.limit) as { doc: string }[];
    return rows.map((r) => JSON.parse(r.doc) as ObjectRecord);
  }

  async countObjects(bucket: string): Promise<number> {
    return (this.db.prepare('SELECT count(*) AS n FROM objects WHERE bucket = ?').get(bucket) as { n: number }).n;
  }

  async bucketBlobs(bucket: string): Promise<string[]> {
    const objects = this.db.prepare('SELECT blob FROM objects WHERE bucket = ?').all(bucket) as { blob: string }[];
    const parts = this.db.prepare('SELECT p.blob FROM parts p JOIN uploads u ON u.upload_id = p.upload_id WHERE u.bucket = ?').all(bucket) as { blob: string }[];
    return [...objects, ...parts].map((r) => r.blob);
  }

  async createUpload(u: UploadRecord): Promise<void> {
    this.db.prepare('INSERT INTO uploads (upload_id, bucket, doc) VALUES (?, ?, ?)').run(u.uploadId, u.bucket, JSON.stringify(u));
  }

  async getUpload(uploadId: string): Promise<UploadRecord | undefined> {
    const r = this.db.prepare('SELECT doc FROM uploads WHERE upload_id = ?').get(uploadId) as { doc: string } | undefined;
    return r && (JSON.parse(r.doc) as UploadRecord);
  }

  async listUploads(bucket: string): Promise<UploadRecord[]> {
    const rows = this.db.prepare('SELECT doc FROM uploads WHERE bucket = ?').all(bucket) as { doc: string }[];
    return rows.map((r) => JSON.parse(r.doc) as UploadRecord);
  }

  async deleteUpload(uploadId: string): Promise<string[]> {
    return this.db.transaction(() => {
      const blobs = this.db.prepare('DELETE FROM parts WHERE upload_id = ? RETURNING blob').all(uploadId) as { blob: string }[];
      this.db.prepare('DELETE FROM uploads WHERE upload_id = ?').run(uploadId);
      return blobs.map((b) => b.blob);
    })();
  }

  async putPart(p: PartRecord): Promise<string | undefined> {
    return this.db.transaction(() => {
      const had = this.db.prepare('SELECT blob FROM parts WHERE upload_id = ? AND part_number = ?').get(p.uploadId, p.partNumber) as { blob: string } | undefined;
      this.db.prepare('INSERT OR REPLACE INTO parts (upload_id, part_number, doc, blob) VALUES (?, ?, ?, ?)').run(p.uploadId, p.partNumber, JSON.stringify(p), p.blob);
      return had?.blob;
    })();
  }

  async listParts(uploadId: string): Promise<PartRecord[]> {
    const rows = this.db.prepare('SELECT doc FROM parts WHERE upload_id = ? ORDER BY part_number').all(uploadId) as { doc: string }[];
    return rows.map((r) => JSON.parse(r.doc) as PartRecord);
  }

  async allBlobs(): Promise<Set<string>> {
    const rows = this.db.prepare('SELECT blob FROM objects UNION ALL SELECT blob FROM parts').all() as { blob: string }[];
    return new Set(rows.map((r) => r.blob));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
