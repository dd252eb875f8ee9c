/** The shared queue suite against the SQLite queue, one database file per case in a temporary directory. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
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
