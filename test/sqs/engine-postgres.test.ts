/**
 * The shared engine cases (engine.case.ts) on the cluster's PostgreSQL engine: one temporary
 * PostgreSQL for the file, one schema per case. Without PostgreSQL it skips, and fails under
 * CI=true (test/helpers/postgres.ts).
 */
import assert from 'node:assert/strict';
import { PgSqsBackend } from '../../src/sqs/pg/engine.js';
import { SqsService } from '../../src/sqs/service.js';
import { postgresSuite } from '../helpers/postgres.js';
import { runEngineSuite } from './engine.case.js';

postgresSuite('sqs engine: postgres', (pg) => {
  runEngineSuite(
    'postgres',
    async (t, clock) => {
      const logs: string[] = [];
      const backend = await PgSqsBackend.open({ url: pg.url, schema: pg.schema('sqs_case'), poolSize: 3, clock, log: (l) => logs.push(l) });
      const sqs = new SqsService({ backend });
      t.after(async () => {
        await sqs.close();
        assert.deepEqual(logs, [], 'nothing unexpected was logged');
      });
      return sqs;
    },
    // Round trips to PostgreSQL take real time: let them land before looking.
    { settle: () => new Promise((r) => setTimeout(r, 100)) },
  );
});
