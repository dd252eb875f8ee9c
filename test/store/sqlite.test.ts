/** The shared store suite against the SQLite store, one database file per case in a temporary directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite.js';
import { runStoreSuite } from './store.case.js';

const dir = mkdtempSync(join(tmpdir(), 'nimbus-store-suite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

runStoreSuite('sqlite', () => {
  const store = new SqliteStore(join(dir, `case-${++n}.db`));
  return { store, close: () => store.close() };
});
