/**
 * The SQLite store writes logs on a thread of its own (src/store/log-writer.ts): what was appended
 * is readable once the append settles, appends and prunes keep their order, and close() commits
 * what was handed over before it, even when nobody awaited the appends.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite.js';

const scope = { accountId: '000000000000', region: 'us-east-1' };
const entry = (i: number) => ({ ...scope, functionName: 'f', version: '$LATEST', requestId: `r${i}`, timestamp: i, text: `line ${i}\n` });
const retention = { keep: 5, maxBytes: 1 << 30, minTimestamp: 0 };

test('log appends and prunes land in order; close() commits appends nobody awaited', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-log-writer-'));
  t.after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }));
  const file = join(dir, 'db');
  const store = new SqliteStore(file);
  // Not awaited one by one: the prune must still count every append posted before it.
  const writes = [];
  for (let i = 1; i <= 20; i++) writes.push(store.appendLogs([entry(i)]));
  writes.push(store.pruneLogs(scope, 'f', retention));
  await Promise.all(writes);
  const kept = await store.readLastLogs(scope, 'f', 100);
  assert.deepEqual(kept.map((e) => e.text), [16, 17, 18, 19, 20].map((i) => `line ${i}\n`));

  const last = [21, 22, 23].map(entry);
  void store.appendLogs(last);
  await store.close();
  const again = new SqliteStore(file);
  try {
    const after = await again.readLastLogs(scope, 'f', 100);
    assert.deepEqual(after.map((e) => e.requestId).slice(-3), ['r21', 'r22', 'r23'], 'close() waited for the append');
    assert.equal(await again.lastLogId(scope, 'f'), after[after.length - 1]!.id);
  } finally {
    await again.close();
  }
});

test('a data directory with the older log index loses it; its logs are still read by function, in order', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-log-index-'));
  t.after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }));
  const file = join(dir, 'db');
  const first = new SqliteStore(file);
  await Promise.all([1, 2, 3].map((i) => first.appendLogs([entry(i)])));
  await first.close();
  // As an older Nimbus left it: the (account_id, region, function_name, id) index beside logs_retention.
  const raw = new Database(file);
  raw.exec('CREATE INDEX logs_function ON logs (account_id, region, function_name, id)');
  raw.close();
  const store = new SqliteStore(file);
  try {
    const indexes = new Database(file, { readonly: true });
    const names = (indexes.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'logs'").all() as { name: string }[]).map((r) => r.name);
    indexes.close();
    assert.deepEqual(names, ['logs_retention']);
    await store.appendLogs([entry(4)]);
    assert.deepEqual((await store.readLastLogs(scope, 'f', 10)).map((e) => e.requestId), ['r1', 'r2', 'r3', 'r4']);
  } finally {
    await store.close();
  }
});

test('one batch of entries of several functions and versions, interleaved, lands under each one', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-log-groups-'));
  t.after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }));
  const store = new SqliteStore(join(dir, 'db'));
  try {
    const other = { accountId: '111111111111', region: 'eu-west-1' };
    const batch = [
      { ...entry(1), functionName: 'a' },
      { ...entry(2), functionName: 'b' },
      { ...entry(3), functionName: 'a', version: '2' },
      { ...entry(4), ...other, functionName: 'a' },
      { ...entry(5), functionName: 'a' },
    ];
    await store.appendLogs(batch);
    const a = await store.readLastLogs(scope, 'a', 10);
    assert.deepEqual(a.map((e) => [e.requestId, e.version, e.timestamp, e.text]), [
      ['r1', '$LATEST', 1, 'line 1\n'],
      ['r3', '2', 3, 'line 3\n'],
      ['r5', '$LATEST', 5, 'line 5\n'],
    ]);
    assert.deepEqual((await store.readLastLogs(scope, 'b', 10)).map((e) => e.requestId), ['r2']);
    assert.deepEqual((await store.readLastLogs(other, 'a', 10)).map((e) => e.requestId), ['r4']);
  } finally {
    await store.close();
  }
});
