/** The EventBridge store contract (store.case.ts) on one node's SQLite file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeStore } from '../../src/eventbridge/store.js';
import { runEventBridgeStoreSuite } from './store.case.js';

runEventBridgeStoreSuite('sqlite', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-eb-store-'));
  const s = new EventBridgeStore(join(dir, 'eventbridge.db'));
  t.after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return s;
});
