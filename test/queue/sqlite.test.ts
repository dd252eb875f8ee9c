/** The shared queue suite against the SQLite queue, one database file per case in a temporary directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { QUEUE_SCHEMA } from '../../src/queue/schema.js';
import { SqliteQueue } from '../../src/queue/sqlite-queue.js';
import { runQueueSuite } from './queue.case.js';

const dir = mkdtempSync(join(tmpdir(), 'nimbus-queue-suite-'));
after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }));
let n = 0;

runQueueSuite('sqlite', () => {
  const file = join(dir, `case-${++n}.db`);
  let q = new SqliteQueue(file);
  const all = (): { events: SqliteQueue; configs: SqliteQueue; schedules: SqliteQueue } => ({ events: q, configs: q, schedules: q });
  return {
    ...all(),
    async reopen() {
      await q.close();
      q = new SqliteQueue(file);
      return all();
    },
    close: async () => await q.close(),
  };
});

test('a queue file from before Event invokes carried a tenant gains the column and keeps its events', async () => {
  const file = join(dir, 'before-tenants.db');
  const old = new Database(file);
  old.exec(QUEUE_SCHEMA.replace(',\n  tenant_id TEXT\n', '\n'));
  assert.equal((old.pragma('table_info(events)') as { name: string }[]).some((c) => c.name === 'tenant_id'), false, 'the old schema has no tenant column');
  old.prepare(`INSERT INTO events (id, account_id, region, function_name, qualifier, payload, source, enqueued_at, status, not_before)
    VALUES ('old', '111111111111', 'us-east-1', 'fn', NULL, x'7b7d', 'invoke', 1, 'queued', 1)`).run();
  old.close();
  const q = new SqliteQueue(file);
  try {
    const scope = { accountId: '111111111111', region: 'us-east-1' };
    assert.equal((await q.get(scope, 'old'))?.tenantId, undefined);
    await q.enqueue([{ ...scope, id: 'new', functionName: 'fn', qualifier: undefined, payload: Buffer.from('{}'), source: 'invoke', enqueuedAt: 2, tenantId: 'blue' }]);
    assert.equal((await q.get(scope, 'new'))?.tenantId, 'blue');
  } finally {
    await q.close();
  }
});
