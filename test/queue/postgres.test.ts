/**
 * The shared queue suite against the PostgreSQL queue: one temporary PostgreSQL for the file, one
 * schema per case. Without PostgreSQL it skips, and fails under CI=true (test/helpers/postgres.ts).
 */
import { PgQueue } from '../../src/queue/pg-queue.js';
import { postgresSuite } from '../helpers/postgres.js';
import { runQueueSuite } from './queue.case.js';

postgresSuite('queue contract: postgres', (pg) => {
  runQueueSuite('postgres', () => {
    const schema = pg.schema('case');
    const open = (): PgQueue => new PgQueue({ url: pg.url, schema, poolSize: 2 });
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
});
