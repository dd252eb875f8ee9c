/**
 * The shared queue suite against the PostgreSQL queue: one temporary PostgreSQL for the file, one
 * schema per case. Without PostgreSQL it skips, and fails under CI=true (test/helpers/postgres.ts).
 */
import { after, before, test } from 'node:test';
import { PgQueue } from '../../src/queue/pg-queue.js';
import { skipWithoutPostgres, startPostgres, type TempPostgres } from '../helpers/postgres.js';
import { runQueueSuite } from './queue.case.js';

const skip = skipWithoutPostgres();
if (skip) {
  test('queue contract: postgres', { skip }, () => undefined);
} else {
  let pg: TempPostgres | undefined;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg?.stop());
  let n = 0;
  runQueueSuite('postgres', () => {
    const schema = `case_${++n}`;
    const open = (): PgQueue => new PgQueue({ url: pg!.url, schema, poolSize: 2 });
    let q = open();
    const all = (): { events: PgQueue; configs: PgQueue; schedules: PgQueue } => ({ events: q, configs: q, schedules: q });
    return {
      ...all(),
      async reopen() {
        await q.close();
        q = open();
        return all();
      },
      close: async () => await q.close(),
    };
  });
}
