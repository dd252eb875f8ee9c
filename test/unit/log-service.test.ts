/** The log service against a real SQLite store: batching, follow, retention. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LogService } from '../../src/logs/log-service.js';
import { SqliteStore } from '../../src/store/sqlite.js';

const scope = { accountId: '000000000000', region: 'us-east-1' };
const entry = (i: number, fn = 'f') => ({ ...scope, functionName: fn, version: '$LATEST', requestId: `r${i}`, timestamp: i, text: `line ${i}\n` });

test('logs are batched, followed and pruned to the newest entries per function', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-logs-'));
  const store = new SqliteStore(join(dir, 'db'));
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const logs = new LogService(store, 1500);
  const follower = logs.read(scope, 'f', 0, 10, 5000);
  logs.append(entry(1));
  const woke = await follower;
  assert.deepEqual(woke.map((e) => e.text), ['line 1\n'], 'a follower wakes when its function logs');
  for (let i = 2; i <= 3000; i++) logs.append(entry(i));
  logs.append(entry(1, 'other'));
  await logs.flush();
  const last = await logs.last(scope, 'f', 5000);
  assert.ok(last.length >= 1500 && last.length < 2500, `pruned to about the newest 1500, kept ${last.length}`);
  assert.equal(last[last.length - 1]!.text, 'line 3000\n');
  assert.equal((await logs.last(scope, 'other', 10)).length, 1, 'other functions untouched');
  await logs.close();
});
