/** The shared store suite against the SQLite store, one database file per case in a temporary directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite.js';
import { A, stack } from './fixtures.js';
import { runStoreSuite } from './store.case.js';

const dir = mkdtempSync(join(tmpdir(), 'nimbus-store-suite-'));
// The store's checkpointer thread may still be closing its connection (close() does not wait for it).
after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }));
let n = 0;

runStoreSuite('sqlite', () => {
  const store = new SqliteStore(join(dir, `case-${++n}.db`));
  return { store, close: async () => await store.close() };
});

test('a data directory from before stacks kept their CloudFormation template gains the column, and its rows read as before', async () => {
  const file = join(dir, 'old-stacks.db');
  const old = new Database(file);
  old.exec(`CREATE TABLE stacks (account_id TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, stack_id TEXT NOT NULL,
    status TEXT NOT NULL, status_reason TEXT NOT NULL, description TEXT NOT NULL, parameters TEXT NOT NULL, outputs TEXT NOT NULL,
    resources TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (account_id, region, name))`);
  const s = stack(A, 'old');
  old.prepare('INSERT INTO stacks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
    s.accountId, s.region, s.name, s.stackId, s.status, s.statusReason, s.description,
    JSON.stringify(s.parameters), JSON.stringify(s.outputs), JSON.stringify(s.resources), s.createdAt, s.updatedAt,
  );
  old.close();
  const store = new SqliteStore(file);
  try {
    assert.deepEqual(await store.stacks.get(A, 'old'), s);
    const deployedWith = { body: '{}', capabilities: [], tags: [] };
    await store.stacks.put({ ...s, deployedWith });
    assert.deepEqual((await store.stacks.get(A, 'old'))?.deployedWith, deployedWith);
  } finally {
    await store.close();
  }
});
