/** The live pool with a chosen keep-alive policy, whose learned state survives a restart. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateFunctionCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { startNimbus } from '../../src/app.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { makeZip, ROLE, sdkClient } from '../helpers/nimbus.js';

test('the learned policy runs live and its state is persisted across restarts', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-keepalive-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await startNimbus({ port: 0, dataDir, policy: 'learned', log: () => undefined });
  const lambda = sdkClient(first.url);
  try {
    await lambda.send(
      new CreateFunctionCommand({ FunctionName: 'ka', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await makeZip({ 'index.js': 'exports.handler = async () => 1;' }) } }),
    );
    for (let i = 0; i < 3; i++) assert.equal((await lambda.send(new InvokeCommand({ FunctionName: 'ka' }))).StatusCode, 200);
  } finally {
    lambda.destroy();
    await first.close();
  }
  const store = new SqliteStore(join(dataDir, 'nimbus.db'));
  const saved = JSON.stringify(await store.policyState.get('learned'));
  await store.close();
  assert.ok(saved.includes('000000000000/us-east-1/ka/$LATEST'), `the snapshot knows the app: ${saved.slice(0, 200)}`);

  const second = await startNimbus({ port: 0, dataDir, policy: 'learned', log: () => undefined });
  const l2 = sdkClient(second.url);
  try {
    assert.equal((await l2.send(new InvokeCommand({ FunctionName: 'ka' }))).StatusCode, 200);
  } finally {
    l2.destroy();
    await second.close();
  }
  await assert.rejects(startNimbus({ port: 0, dataDir, policy: 'nonsense', log: () => undefined }), /unknown policy "nonsense"/);
});
