/**
 * The SNS store contract (store.case.ts) on PostgreSQL: one temporary PostgreSQL for the file, one
 * schema per case. Without PostgreSQL it skips, and fails under CI=true (test/helpers/postgres.ts).
 */
import { after, before, test } from 'node:test';
import { PgSnsStore } from '../../src/sns/pg-store.js';
import { skipWithoutPostgres, startPostgres, type TempPostgres } from '../helpers/postgres.js';
import { runSnsStoreSuite } from './store.case.js';

const skip = skipWithoutPostgres();
if (skip) {
  test('sns store: postgres', { skip }, () => undefined);
} else {
  let pg: TempPostgres | undefined;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg?.stop());
  let n = 0;
  runSnsStoreSuite('postgres', async (t) => {
    const s = await PgSnsStore.open({ url: pg!.url, schema: `sns_case_${++n}`, poolSize: 2 });
    t.after(async () => await s.close());
    return s;
  });
}
