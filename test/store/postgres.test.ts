/**
 * The shared store suite against the PostgreSQL store (src/store/pg): one temporary PostgreSQL
 * for the file, one schema per case. Without PostgreSQL it skips, and fails under CI=true
 * (test/helpers/postgres.ts). The cluster cases (two stores on one database) are in
 * postgres-cluster.test.ts.
 */
import { PgStore } from '../../src/store/pg/store.js';
import { postgresSuite } from '../helpers/postgres.js';
import { runStoreSuite } from './store.case.js';

postgresSuite('store contract: postgres', (pg) => {
  runStoreSuite('postgres', () => {
    const store = new PgStore({ url: pg.url, schema: pg.schema('store_case'), poolSize: 2 });
    return { store, close: async () => await store.close() };
  });
});
