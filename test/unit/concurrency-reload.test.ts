/**
 * ConcurrencyService.reload: in a cluster another node changes reservations in the shared store;
 * a reload hands the enforcer what is stored now and takes back what is gone.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ConcurrencyService } from '../../src/api/concurrency/reserved.js';
import { MemoryStore } from '../../src/store/memory.js';
import { A, B, fn } from '../store/fixtures.js';

it('reload hands over every stored reservation and takes back the ones no longer stored', async () => {
  const store = new MemoryStore();
  const enforced = new Map<string, number>();
  const service = new ConcurrencyService({
    store,
    accountLimit: 1000,
    onChange: (key, v) => (v === undefined ? enforced.delete(key) : enforced.set(key, v)),
  });
  for (const [scope, name] of [[A, 'f'], [A, 'g'], [B, 'h']] as const) await store.insertFunction(fn(scope, name));
  await store.concurrency.set(A, 'f', 5);
  await store.concurrency.set(A, 'g', 2);
  await service.loadAll(A.accountId);
  assert.deepEqual([...enforced.values()].sort(), [2, 5]);
  // Another node: f changes, g goes (its function was deleted), h appears in another account.
  await store.concurrency.set(A, 'f', 7);
  await store.deleteFunction(A, 'g');
  await store.concurrency.set(B, 'h', 1);
  await service.reload([A.accountId, B.accountId]);
  assert.deepEqual([...enforced.values()].sort(), [1, 7]);
  assert.equal(enforced.size, 2);
  await store.close();
});
