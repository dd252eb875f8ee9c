/**
 * S3's metadata stores (SQLite, memory) hold the same contract: S3's listing order (UTF-8 bytes,
 * which is not JavaScript's UTF-16 order), prefix ranges that `%` and `_` do not widen, a bucket
 * with objects or uploads refusing deletion, and the blob each replacement frees.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemoryObjectStore } from '../../src/s3/memory-store.js';
import { SqliteObjectStore } from '../../src/s3/sqlite-store.js';
import type { ObjectRecord, ObjectStore } from '../../src/s3/types.js';

const obj = (bucket: string, key: string, blob: string): ObjectRecord => ({
  bucket, key, blob, size: 1, etag: '"e"', lastModified: 1, checksums: {}, parts: 0, contentType: 'x', meta: {},
});

async function contract(store: ObjectStore): Promise<void> {
  assert.equal(await store.createBucket({ name: 'b', accountId: '1', region: 'us-east-1', created: 1 }), 'created');
  const again = await store.createBucket({ name: 'b', accountId: '2', region: 'us-east-1', created: 2 });
  assert.notEqual(again, 'created');
  assert.equal((again as { accountId: string }).accountId, '1');
  // U+FF5E (UTF-8 EF BD 9E) sorts before U+1F600 (F0 9F 98 80) in bytes, after it in UTF-16 units.
  const keys = ['a%', 'a_b', 'ab', 'a\uff5e', 'a\u{1F600}', 'b/c', 'b/d'];
  for (const [i, k] of keys.entries()) assert.equal(await store.putObject(obj('b', k, `blob-${i}`)), undefined);
  assert.equal(await store.putObject(obj('b', 'ab', 'blob-new')), 'blob-2');
  const all = await store.listObjects('b', { prefix: '', after: '', limit: 100 });
  assert.deepEqual(all.map((o) => o.key), ['a%', 'a_b', 'ab', 'a\uff5e', 'a\u{1F600}', 'b/c', 'b/d']);
  assert.deepEqual((await store.listObjects('b', { prefix: 'a%', after: '', limit: 100 })).map((o) => o.key), ['a%']);
  assert.deepEqual((await store.listObjects('b', { prefix: 'a_', after: '', limit: 100 })).map((o) => o.key), ['a_b']);
  assert.deepEqual((await store.listObjects('b', { prefix: '', after: 'ab', limit: 2 })).map((o) => o.key), ['a\uff5e', 'a\u{1F600}']);
  await store.createUpload({ uploadId: 'u1', bucket: 'b', key: 'k', accountId: '1', initiated: 1, contentType: 'x', meta: {} });
  assert.equal(await store.putPart({ uploadId: 'u1', partNumber: 2, blob: 'p2', size: 1, etag: '"p"', lastModified: 1, checksums: {} }), undefined);
  assert.equal(await store.putPart({ uploadId: 'u1', partNumber: 1, blob: 'p1', size: 1, etag: '"p"', lastModified: 1, checksums: {} }), undefined);
  assert.equal(await store.putPart({ uploadId: 'u1', partNumber: 1, blob: 'p1b', size: 1, etag: '"p"', lastModified: 1, checksums: {} }), 'p1');
  assert.deepEqual((await store.listParts('u1')).map((p) => p.blob), ['p1b', 'p2']);
  assert.deepEqual([...(await store.allBlobs())].sort(), ['blob-0', 'blob-1', 'blob-3', 'blob-4', 'blob-5', 'blob-6', 'blob-new', 'p1b', 'p2']);
  for (const k of keys) await store.deleteObject('b', k);
  assert.equal(await store.deleteBucket('b'), false, 'an upload in progress keeps the bucket');
  assert.deepEqual((await store.deleteUpload('u1')).sort(), ['p1b', 'p2']);
  await store.setNotification('b', '{"functions":[]}');
  assert.equal((await store.getBucket('b'))?.notification, '{"functions":[]}');
  assert.equal(await store.deleteBucket('b'), true);
  assert.equal(await store.getBucket('b'), undefined);
  await store.close();
}

test('S3 metadata store contract: memory', async () => {
  await contract(new MemoryObjectStore());
});

test('S3 metadata store contract: SQLite', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-s3store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await contract(new SqliteObjectStore(join(dir, 's3.db')));
});
