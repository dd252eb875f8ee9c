/**
 * S3's metadata in memory, with the SQLite store's semantics (keys in UTF-8 byte order, a bucket
 * with objects or uploads is not deleted): for tests and for embedding Nimbus without a data
 * directory's database. Records are copied in and out, so callers never share them.
 */
import type { BucketRecord, ObjectRecord, ObjectStore, PartRecord, UploadRecord } from './types.js';

const copy = <T>(v: T): T => structuredClone(v);
const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

export class MemoryObjectStore implements ObjectStore {
  private readonly buckets = new Map<string, BucketRecord>();
  private readonly objects = new Map<string, Map<string, ObjectRecord>>();
  private readonly uploads = new Map<string, UploadRecord>();
  private readonly parts = new Map<string, Map<number, PartRecord>>();

  async createBucket(b: BucketRecord): Promise<'created' | BucketRecord> {
    const had = this.buckets.get(b.name);
    if (had) return copy(had);
    this.buckets.set(b.name, copy(b));
    this.objects.set(b.name, new Map());
    return 'created';
  }

  async getBucket(name: string): Promise<BucketRecord | undefined> {
    const b = this.buckets.get(name);
    return b && copy(b);
  }

  async listBuckets(accountId: string): Promise<BucketRecord[]> {
    return [...this.buckets.values()].filter((b) => b.accountId === accountId).sort((a, b) => utf8Order(a.name, b.name)).map(copy);
  }

  async deleteBucket(name: string): Promise<boolean> {
    if ((this.objects.get(name)?.size ?? 0) > 0) return false;
    if ([...this.uploads.values()].some((u) => u.bucket === name)) return false;
    this.buckets.delete(name);
    this.objects.delete(name);
    return true;
  }

  async setNotification(name: string, doc: string | undefined): Promise<void> {
    const b = this.buckets.get(name);
    if (b) b.notification = doc;
  }

  async getObject(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    const o = this.objects.get(bucket)?.get(key);
    return o && copy(o);
  }

  async putObject(o: ObjectRecord): Promise<string | undefined> {
    const m = this.objects.get(o.bucket);
    if (!m) return undefined;
    const had = m.get(o.key)?.blob;
    m.set(o.key, copy(o));
    return had;
  }

  async deleteObject(bucket: string, key: string): Promise<string | undefined> {
    const m = this.objects.get(bucket);
    const had = m?.get(key);
    m?.delete(key);
    return had?.blob;
  }

  async listObjects(bucket: string, o: { prefix: string; after: string; limit: number }): Promise<ObjectRecord[]> {
    const keys = [...(this.objects.get(bucket)?.keys() ?? [])].filter((k) => k.startsWith(o.prefix) && utf8Order(k, o.after) > 0).sort(utf8Order);
    return keys.slice(0, o.limit).map((k) => copy(this.objects.get(bucket)!.get(k)!));
  }

  async countObjects(bucket: string): Promise<number> {
    return this.objects.get(bucket)?.size ?? 0;
  }

  async bucketBlobs(bucket: string): Promise<string[]> {
    const objects = [...(this.objects.get(bucket)?.values() ?? [])].map((o) => o.blob);
    const parts = [...this.uploads.values()].filter((u) => u.bucket === bucket).flatMap((u) => [...(this.parts.get(u.uploadId)?.values() ?? [])].map((p) => p.blob));
    return [...objects, ...parts];
  }

  async createUpload(u: UploadRecord): Promise<void> {
    this.uploads.set(u.uploadId, copy(u));
    this.parts.set(u.uploadId, new Map());
  }

  async getUpload(uploadId: string): Promise<UploadRecord | undefined> {
    const u = this.uploads.get(uploadId);
    return u && copy(u);
  }

  async listUploads(bucket: string): Promise<UploadRecord[]> {
    return [...this.uploads.values()].filter((u) => u.bucket === bucket).map(copy);
  }

  async deleteUpload(uploadId: string): Promise<string[]> {
    const blobs = [...(this.parts.get(uploadId)?.values() ?? [])].map((p) => p.blob);
    this.parts.delete(uploadId);
    this.uploads.delete(uploadId);
    return blobs;
  }

  async putPart(p: PartRecord): Promise<string | undefined> {
    const m = this.parts.get(p.uploadId);
    if (!m) return undefined;
    const had = m.get(p.partNumber)?.blob;
    m.set(p.partNumber, copy(p));
    return had;
  }

  async listParts(uploadId: string): Promise<PartRecord[]> {
    return [...(this.parts.get(uploadId)?.values() ?? [])].sort((a, b) => a.partNumber - b.partNumber).map(copy);
  }

  async allBlobs(): Promise<Set<string>> {
    const out = new Set<string>();
    for (const m of this.objects.values()) for (const o of m.values()) out.add(o.blob);
    for (const m of this.parts.values()) for (const p of m.values()) out.add(p.blob);
    return out;
  }

  async close(): Promise<void> {}
}
