/** The records S3's metadata store keeps (bodies are files, see blobs.ts). */

export interface BucketRecord {
  name: string;
  accountId: string;
  region: string;
  created: number;
  /** PutBucketNotificationConfiguration's document, as JSON (notify.ts); absent: none. */
  notification?: string | undefined;
}

/** Headers S3 keeps with an object and sends back on GET/HEAD. */
export interface ObjectHeaders {
  contentType: string;
  contentEncoding?: string | undefined;
  contentDisposition?: string | undefined;
  contentLanguage?: string | undefined;
  cacheControl?: string | undefined;
  expires?: string | undefined;
  /** `x-amz-meta-*`, names lower-cased without the prefix. */
  meta: Record<string, string>;
}

export interface ObjectRecord extends ObjectHeaders {
  bucket: string;
  key: string;
  /** The file holding the body (blobs.ts). */
  blob: string;
  size: number;
  /** Quoted, as S3 sends it. */
  etag: string;
  lastModified: number;
  /** Full-object checksums the client sent (`CRC32` -> base64), returned when asked. */
  checksums: Record<string, string>;
  /** Parts of a multipart upload (the `-N` of its ETag); 0 for a single PUT. */
  parts: number;
  /** Each part's size, in order (GetObject `?partNumber=`); multipart objects only. */
  partSizes?: number[] | undefined;
}

export interface UploadRecord extends ObjectHeaders {
  uploadId: string;
  bucket: string;
  key: string;
  accountId: string;
  initiated: number;
  checksumAlgorithm?: string | undefined;
}

export interface PartRecord {
  uploadId: string;
  partNumber: number;
  blob: string;
  size: number;
  etag: string;
  lastModified: number;
  checksums: Record<string, string>;
}

/** Where S3's metadata lives (sqlite-store.ts, memory-store.ts). Promise-returning, so a shared store can take its place. */
export interface ObjectStore {
  createBucket(b: BucketRecord): Promise<'created' | BucketRecord>;
  getBucket(name: string): Promise<BucketRecord | undefined>;
  listBuckets(accountId: string): Promise<BucketRecord[]>;
  /** Deletes an empty bucket; false if it still holds objects or uploads. */
  deleteBucket(name: string): Promise<boolean>;
  setNotification(name: string, doc: string | undefined): Promise<void>;
  getObject(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /** Stores the record; returns the blob of the object it replaced, if any. */
  putObject(o: ObjectRecord): Promise<string | undefined>;
  /** Removes the record; returns its blob. */
  deleteObject(bucket: string, key: string): Promise<string | undefined>;
  /** Objects in key order (UTF-8 bytes), keys after `after` starting with `prefix`. */
  listObjects(bucket: string, opts: { prefix: string; after: string; limit: number }): Promise<ObjectRecord[]>;
  countObjects(bucket: string): Promise<number>;
  /** Every blob a bucket's objects and parts hold (to remove them with it). */
  bucketBlobs(bucket: string): Promise<string[]>;
  createUpload(u: UploadRecord): Promise<void>;
  getUpload(uploadId: string): Promise<UploadRecord | undefined>;
  listUploads(bucket: string): Promise<UploadRecord[]>;
  /** Removes the upload and its parts; returns the parts' blobs. */
  deleteUpload(uploadId: string): Promise<string[]>;
  /** Stores a part; returns the blob of the part it replaced, if any. */
  putPart(p: PartRecord): Promise<string | undefined>;
  listParts(uploadId: string): Promise<PartRecord[]>;
  /** Every blob any record names (orphan files are removed at start). */
  allBlobs(): Promise<Set<string>>;
  close(): Promise<void>;
}

/** What happened to an object, for event notifications (notify.ts). */
export type ObjectEvent = { kind: 'created' | 'removed'; name: string; bucket: BucketRecord; key: string; size: number; etag: string };
