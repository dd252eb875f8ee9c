/**
 * The SNS store contract (store.case.ts) on PostgreSQL: one temporary PostgreSQL for the file, one
 * schema per case. Without PostgreSQL it skips, and fails under CI=true (test/helpers/postgres.ts).
 */
import { PgSnsStore } from '../../src/sns/pg-store.js';
import { postgresSuite } from '../helpers/postgres.js';
import { runSnsStoreSuite } from './store.case.js';

postgresSuite('sns store: postgres', (pg) => {
  runSnsStoreSuite('postgres', async (t) => {
    const s = await PgSnsStore.open({ url: pg.url, schema: pg.schema('sns_case'), poolSize: 2 });
    t.after(async () => await s.close());
    return s;
  });
});
