/**
 * What only a shared queue has: several nodes claiming at once (SKIP LOCKED: no event claimed
 * twice), a dead node's events released to the others, lease expiry, and fencing - a node whose
 * events were handed on (it was paused, or re-registered under a new epoch) cannot settle them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PgQueue } from '../../src/queue/pg-queue.js';
import { skipWithoutPostgres, suitePostgres } from '../helpers/postgres.js';
import { A, done, event, message, T0 } from './fixtures.js';

const skip = skipWithoutPostgres();

describe('PostgreSQL queue: leases and fencing', { skip }, () => {
  const pg = suitePostgres();
  let n = 0;
  const nodes = (t: { after(f: () => Promise<void>): void }, count: number, leaseMs = 60_000): { q: PgQueue; epoch: { v: string } }[] => {
    const schema = `lease_${++n}`;
    return Array.from({ length: count }, (_, i) => {
      const epoch = { v: '1' };
      const q = new PgQueue({ url: pg.url, schema, owner: `n${i + 1}`, epoch: () => epoch.v, leaseMs, poolSize: 3 });
      t.after(() => q.close());
      return { q, epoch };
    });
  };

  it('nodes claiming together never take the same event twice', async (t) => {
    const ns = nodes(t, 4);
    await ns[0]!.q.open();
    const ids = Array.from({ length: 200 }, (_, i) => `e${i}`);
    await ns[0]!.q.enqueue(ids.map((id) => event(A, id, { enqueuedAt: T0 })));
    const seen: string[] = [];
    await Promise.all(
      ns.map(async ({ q }) => {
        for (;;) {
          const got = await q.claim(T0, 7);
          if (got.length === 0) return;
          seen.push(...got.map((e) => e.id));
        }
      }),
    );
    assert.equal(seen.length, 200);
    assert.deepEqual([...new Set(seen)].sort(), [...ids].sort());
  });

  it("a dead node's running events are released to the others at once, and its late result is refused", async (t) => {
    const [n1, n2] = nodes(t, 2);
    await n1!.q.enqueue([event(A, 'e1', { enqueuedAt: T0 })]);
    assert.deepEqual((await n1!.q.claim(T0, 10)).map((e) => e.id), ['e1']);
    assert.deepEqual(await n2!.q.claim(T0 + 1, 10), [], 'leased to n1');
    assert.equal(await n2!.q.release('n1', T0 + 2), 1, 'the reaper releases n1');
    const again = await n2!.q.claim(T0 + 2, 10);
    assert.deepEqual(again.map((e) => [e.id, e.attempts]), [['e1', 2]]);
    // n1 comes back and reports: fenced, nothing it hands on is kept.
    await n1!.q.settle([done('e1', 1, T0 + 3, { messages: [message(A, 'dlq', 'from n1')] })]);
    assert.equal((await n1!.q.get(A, 'e1'))?.status, 'running');
    assert.deepEqual(await n1!.q.queues(A), []);
    await n2!.q.settle([done('e1', 2, T0 + 4, { messages: [message(A, 'ok', 'from n2')] })]);
    assert.equal((await n1!.q.get(A, 'e1'))?.status, 'succeeded');
    assert.deepEqual(await n1!.q.queues(A), [{ name: 'ok', messages: 1 }]);
  });

  it('an event whose lease ran out is due again, for any node', async (t) => {
    const [n1, n2] = nodes(t, 2, 5_000);
    await n1!.q.enqueue([event(A, 'e1', { enqueuedAt: T0 })]);
    await n1!.q.claim(T0, 10);
    assert.deepEqual(await n2!.q.claim(T0 + 4_999, 10), []);
    assert.deepEqual((await n2!.q.claim(T0 + 5_001, 10)).map((e) => e.id), ['e1']);
    await n1!.q.settle([done('e1', 1, T0 + 5_002)]);
    assert.equal((await n2!.q.get(A, 'e1'))?.status, 'running', "n1's lease is gone");
  });

  it('the same node under a new epoch (it re-registered) cannot settle what it claimed before', async (t) => {
    const [n1] = nodes(t, 1);
    await n1!.q.enqueue([event(A, 'e1', { enqueuedAt: T0 })]);
    await n1!.q.claim(T0, 10);
    n1!.epoch.v = '2';
    await n1!.q.settle([done('e1', 1, T0 + 1)]);
    assert.equal((await n1!.q.get(A, 'e1'))?.status, 'running');
    n1!.epoch.v = '1';
    await n1!.q.settle([done('e1', 1, T0 + 2)]);
    assert.equal((await n1!.q.get(A, 'e1'))?.status, 'succeeded');
  });

  it('migrations are recorded once, however many nodes start together', async (t) => {
    const ns = nodes(t, 3);
    await Promise.all(ns.map(({ q }) => q.open()));
    const probe = new PgQueue({ url: pg.url, schema: `lease_${n}` });
    t.after(() => probe.close());
    await probe.open();
    assert.equal(await probe.nextDueAt(), undefined);
  });
  it('warm-preferring claims: a node takes the events of functions warm on it first, the others only once they waited; acks stay fenced', async (t) => {
    const schema = `lease_${++n}`;
    const epoch = { v: '1' };
    const warmOn = new Set([`${A.accountId}/${A.region}/hot`]);
    const q = new PgQueue({ url: pg.url, schema, owner: 'n1', epoch: () => epoch.v, poolSize: 3, prefer: () => ({ warm: [...warmOn], stealAfterMs: 200 }) });
    t.after(() => q.close());
    await q.enqueue([
      event(A, 'cold1', { functionName: 'cold', enqueuedAt: T0 }),
      event(A, 'hot1', { functionName: 'hot', enqueuedAt: T0 }),
      event(A, 'hot2', { functionName: 'hot', enqueuedAt: T0 }),
    ]);
    assert.deepEqual((await q.claim(T0, 10)).map((e) => e.id).sort(), ['hot1', 'hot2'], 'only the warm function, at once');
    assert.deepEqual(await q.claim(T0 + 199, 10), [], 'the cold event waits for a node warm for it');
    const stolen = await q.claim(T0 + 200, 10);
    assert.deepEqual(stolen.map((e) => e.id), ['cold1'], 'then any node takes it');
    // Fencing is unchanged: a claim made under epoch 1 cannot be settled under epoch 2.
    epoch.v = '2';
    await q.settle([done('hot1', 1, T0 + 300)]);
    assert.equal((await q.get(A, 'hot1'))?.status, 'running');
    epoch.v = '1';
    await q.settle([done('hot1', 1, T0 + 300)]);
    assert.equal((await q.get(A, 'hot1'))?.status, 'succeeded');
  });
});
