/** The SNS store contract (store.case.ts) on one node's SQLite file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SnsStore } from '../../src/sns/store.js';
import { runSnsStoreSuite } from './store.case.js';

runSnsStoreSuite('sqlite', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-sns-store-'));
  const s = new SnsStore(join(dir, 'sns.db'));
  t.after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return s;
});
