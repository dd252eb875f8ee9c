/**
 * The EventBridge store contract (store.case.ts) on PostgreSQL: one temporary PostgreSQL for the
 * file, one schema per case. Without PostgreSQL it skips, and fails under CI=true.
 */
import { PgEventBridgeStore } from '../../src/eventbridge/pg-store.js';
import { postgresSuite } from '../helpers/postgres.js';
import { runEventBridgeStoreSuite } from './store.case.js';

postgresSuite('eventbridge store: postgres', (pg) => {
  runEventBridgeStoreSuite('postgres', async (t) => {
    const s = await PgEventBridgeStore.open({ url: pg.url, schema: pg.schema('eb_case'), poolSize: 2 });
    t.after(async () => await s.close());
    return s;
  });
});
