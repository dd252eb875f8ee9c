/**
 * S3's buckets and objects over a metadata store (types.ts) and a blob directory (blobs.ts):
 * what the REST handlers (rest/) call, and the ObjectReader/BucketAdmin seam (core/objects.ts)
 * the Lambda API and CloudFormation read code through. Buckets share one namespace across
 * accounts, as on AWS; only the owning account reads or writes a bucket (no bucket policies).
 */
import { createHash } from 'node:crypto';
import { checkTarget, isEmpty, sendTestEvents, storedConfig, type Deliver, type NotificationConfig } from './notify.js';
import type { ObjectReader, ObjectWriter, BucketAdmin } from '../core/objects.js';
import { ObjectError } from '../core/objects.js';
import type { Scope } from '../core/model.js';
import type { BlobDir } from './blobs.js';
import { S3Error } from './errors.js';
import { checkBucketName, checkKey } from './names.js';
import type { BucketRecord, ObjectRecord, ObjectStore } from './types.js';

/** What happened to an object, for event notifications (notify.ts). */
export type { ObjectEvent } from './types.js';
import type { ObjectEvent } from './types.js';

export interface S3ServiceDeps {
  store: ObjectStore;
  blobs: BlobDir;
  now: () => number;
  /** Called after an object was created or removed (S3 event notifications). */
  onEvent?: ((e: ObjectEvent) => void) | undefined;
  /** Delivers to notification destinations (S3's test event when a configuration adds queues or topics). */
  deliverFor?: ((owner: string, bucket: string) => Deliver) | undefined;
  log?: ((line: string) => void) | undefined;
}

export class S3Service implements ObjectReader, ObjectWriter, BucketAdmin {
  constructor(readonly deps: S3ServiceDeps) {}

  /** Where object events go (event notifications); set once the invoker exists. */
  onEvents(fn: (e: ObjectEvent) => void): void {
    this.deps.onEvent = fn;
  }

  /** Where notifications are delivered (test events; object events go through onEvents' callback). */
  onDeliver(fn: (owner: string, bucket: string) => Deliver, log: (line: string) => void): void {
    this.deps.deliverFor = fn;
    this.deps.log = log;
  }

  /** PutBucketNotificationConfiguration: checked, stored, and S3's test event sent to new queues and topics. */
  async setNotification(scope: Scope, bucket: string, config: NotificationConfig | undefined): Promise<void> {
    const b = await this.bucket(scope, bucket);
    for (const kind of ['functions', 'queues', 'topics'] as const) for (const t of config?.[kind] ?? []) checkTarget(kind, t);
    const before = storedConfig(b.notification);
    await this.deps.store.setNotification(bucket, isEmpty(config) ? undefined : JSON.stringify(config));
    if (config && this.deps.deliverFor) await sendTestEvents(bucket, before, config, this.deps.deliverFor(b.accountId, bucket), this.deps.now(), this.deps.log ?? (() => undefined));
  }

  get store(): ObjectStore {
    return this.deps.store;
  }
  get blobs(): BlobDir {
    return this.deps.blobs;
  }

  /** Removes files no record names (an upload cut short by a crash); run once at start. */
  async sweep(log: (line: string) => void): Promise<void> {
    const n = await this.deps.blobs.sweep(await this.deps.store.allBlobs());
    if (n > 0) log(`s3: removed ${n} unfinished upload file(s)`);
  }

  /** The bucket, owned by the caller's account (NoSuchBucket / AccessDenied). */
  async bucket(scope: Scope, name: string): Promise<BucketRecord> {
    const b = await this.deps.store.getBucket(name);
    if (!b) throw new S3Error('NoSuchBucket', undefined, { BucketName: name });
    if (b.accountId !== scope.accountId) throw new S3Error('AccessDenied');
    return b;
  }

  async create(scope: Scope, name: string, region: string): Promise<void> {
    checkBucketName(name);
    const r = await this.deps.store.createBucket({ name, accountId: scope.accountId, region, created: this.deps.now() });
    if (r === 'created') return;
    if (r.accountId === scope.accountId) throw new S3Error('BucketAlreadyOwnedByYou', undefined, { BucketName: name });
    throw new S3Error('BucketAlreadyExists', undefined, { BucketName: name });
  }

  async deleteBucketChecked(scope: Scope, name: string, force = false): Promise<void> {
    await this.bucket(scope, name);
    if (force) {
      for (const u of await this.deps.store.listUploads(name)) for (const b of await this.deps.store.deleteUpload(u.uploadId)) await this.deps.blobs.remove(b);
      for (;;) {
        const batch = await this.deps.store.listObjects(name, { prefix: '', after: '', limit: 1000 });
        if (batch.length === 0) break;
        for (const o of batch) await this.deps.blobs.remove(await this.deps.store.deleteObject(name, o.key));
      }
    }
    if (!(await this.deps.store.deleteBucket(name))) throw new S3Error('BucketNotEmpty', undefined, { BucketName: name });
  }

  async head(scope: Scope, bucket: string, key: string): Promise<ObjectRecord> {
    await this.bucket(scope, bucket);
    checkKey(key);
    const o = await this.deps.store.getObject(bucket, key);
    if (!o) throw new S3Error('NoSuchKey', undefined, { Key: key });
    return o;
  }

  /** Stores a record whose blob is already written; removes the blob it replaces. */
  async commit(b: BucketRecord, o: ObjectRecord, event = 'Put'): Promise<void> {
    const old = await this.deps.store.putObject(o);
    if (old !== undefined && old !== o.blob) await this.deps.blobs.remove(old);
    this.deps.onEvent?.({ kind: 'created', name: event, bucket: b, key: o.key, size: o.size, etag: o.etag });
  }

  /** DeleteObject: succeeds whether or not the key exists, as on S3. */
  async remove(scope: Scope, bucket: string, key: string): Promise<void> {
    const b = await this.bucket(scope, bucket);
    checkKey(key);
    const blob = await this.deps.store.deleteObject(bucket, key);
    if (blob === undefined) return;
    await this.deps.blobs.remove(blob);
    this.deps.onEvent?.({ kind: 'removed', name: 'Delete', bucket: b, key, size: 0, etag: '' });
  }

  // ObjectReader and BucketAdmin (core/objects.ts)

  async read(scope: Scope, bucket: string, key: string, opts: { versionId?: string; limit?: number } = {}): Promise<Buffer> {
    const b = await this.deps.store.getBucket(bucket);
    if (!b) throw new ObjectError('NoSuchBucket', 'The specified bucket does not exist');
    if (b.accountId !== scope.accountId) throw new ObjectError('AccessDenied', 'Access Denied');
    const o = key.length > 0 && Buffer.byteLength(key) <= 1024 ? await this.deps.store.getObject(bucket, key) : undefined;
    if (!o) throw new ObjectError('NoSuchKey', 'The specified key does not exist.');
    // Buckets are unversioned: the one version there is has the id `null`.
    if (opts.versionId !== undefined && opts.versionId !== 'null') throw new ObjectError('NoSuchVersion', 'The specified version does not exist.');
    if (opts.limit !== undefined && o.size > opts.limit) throw new ObjectError('EntityTooLarge', `The object is ${o.size} bytes, more than ${opts.limit}.`);
    return this.deps.blobs.read(o.blob, o.size);
  }

  async getNotification(scope: Scope, bucket: string): Promise<NotificationConfig | undefined> {
    try {
      return storedConfig((await this.bucket(scope, bucket)).notification);
    } catch (e) {
      throw toObjectError(e);
    }
  }

  async putNotification(scope: Scope, bucket: string, config: NotificationConfig | undefined): Promise<void> {
    try {
      await this.setNotification(scope, bucket, config);
    } catch (e) {
      throw toObjectError(e);
    }
  }

  async write(scope: Scope, bucket: string, key: string, body: Buffer, contentType: string): Promise<void> {
    const b = await this.deps.store.getBucket(bucket);
    if (!b) throw new ObjectError('NoSuchBucket', 'The specified bucket does not exist');
    if (b.accountId !== scope.accountId) throw new ObjectError('AccessDenied', 'Access Denied');
    checkKey(key);
    const blob = await this.deps.blobs.writeBuffer(body);
    const etag = `"${createHash('md5').update(body).digest('hex')}"`;
    await this.commit(b, { contentType, meta: {}, bucket, key, blob, size: body.length, etag, lastModified: this.deps.now(), checksums: {}, parts: 0 });
  }

  async createBucket(scope: Scope, bucket: string): Promise<void> {
    try {
      await this.create(scope, bucket, scope.region);
    } catch (e) {
      if (e instanceof S3Error && e.code === 'BucketAlreadyOwnedByYou') return;
      throw toObjectError(e);
    }
  }

  async deleteBucket(scope: Scope, bucket: string, opts: { force?: boolean } = {}): Promise<void> {
    try {
      await this.deleteBucketChecked(scope, bucket, opts.force ?? false);
    } catch (e) {
      throw toObjectError(e);
    }
  }
}

function toObjectError(e: unknown): unknown {
  if (!(e instanceof S3Error)) return e;
  switch (e.code) {
    case 'NoSuchBucket':
    case 'NoSuchKey':
    case 'AccessDenied':
    case 'BucketNotEmpty':
    case 'BucketAlreadyExists':
    case 'InvalidBucketName':
      return new ObjectError(e.code, e.message);
    default:
      return e;
  }
}
