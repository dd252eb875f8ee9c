/** The shared store suite against the SQLite store, one database file per case in a temporary directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite.js';
import { runStoreSuite } from './store.case.js';

const dir = mkdtempSync(join(tmpdir(), 'nimbus-store-suite-'));
// The store's checkpointer thread may still be closing its connection (close() does not wait for it).
after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 }));
let n = 0;

runStoreSuite('sqlite', () => {
  const store = new SqliteStore(join(dir, `case-${++n}.db`));
  return { store, close: async () => await store.close() };
});
