/**
 * The EventBridge store contract (store.case.ts) on PostgreSQL: one temporary PostgreSQL for the
 * file, one schema per case. Without PostgreSQL it skips, and fails under CI=true.
 */
import { after, before, test } from 'node:test';
import { PgEventBridgeStore } from '../../src/eventbridge/pg-store.js';
import { skipWithoutPostgres, startPostgres, type TempPostgres } from '../helpers/postgres.js';
import { runEventBridgeStoreSuite } from './store.case.js';

const skip = skipWithoutPostgres();
if (skip) {
  test('eventbridge store: postgres', { skip }, () => undefined);
} else {
  let pg: TempPostgres | undefined;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg?.stop());
  let n = 0;
  runEventBridgeStoreSuite('postgres', async (t) => {
    const s = await PgEventBridgeStore.open({ url: pg!.url, schema: `eb_case_${++n}`, poolSize: 2 });
    t.after(async () => await s.close());
    return s;
  });
}
