/**
 * The shared store suite against the PostgreSQL store (src/store/pg): one temporary PostgreSQL
 * for the file, one schema per case. Without PostgreSQL it skips, and fails under CI=true
 * (test/helpers/postgres.ts). The cluster cases (two stores on one database) are in
 * postgres-cluster.test.ts.
 */
import { after, before, test } from 'node:test';
import { PgStore } from '../../src/store/pg/store.js';
import { skipWithoutPostgres, startPostgres, type TempPostgres } from '../helpers/postgres.js';
import { runStoreSuite } from './store.case.js';

const skip = skipWithoutPostgres();
if (skip) {
  test('store contract: postgres', { skip }, () => undefined);
} else {
  let pg: TempPostgres | undefined;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg?.stop());
  let n = 0;
  runStoreSuite('postgres', () => {
    const store = new PgStore({ url: pg!.url, schema: `store_case_${++n}`, poolSize: 2 });
    return { store, close: async () => await store.close() };
  });
}
