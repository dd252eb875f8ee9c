/**
 * The async claim preference: warm jobs first (one per idle sandbox), then the node's own home
 * jobs, then anyone's jobs once they have waited the steal delay; never a job twice, never more
 * than the free slots.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { claimTiers, pickClaims, type QueuedJob } from '../../src/cluster/claim.js';

const job = (id: string, key: string, home: string, visibleAt: number): QueuedJob => ({ id, key, home, visibleAt });

describe('pickClaims', () => {
  const queue = [
    job('a', 'f1', 'n2', 0),
    job('b', 'f2', 'n1', 10),
    job('c', 'f1', 'n3', 20),
    job('d', 'f3', 'n2', 950),
    job('e', 'f1', 'n1', 5),
  ];

  it('takes warm, then home, then stolen jobs, each tier oldest first', () => {
    const got = pickClaims(queue, { node: 'n1', idleWarm: new Map([['f1', 2]]), slots: 10 }, 1000);
    assert.deepEqual(
      got.map((g) => `${g.job.id}:${g.reason}`),
      ['a:warm', 'e:warm', 'b:home', 'c:steal'],
    );
  });

  it('respects the slots and takes nothing stealable before the delay', () => {
    assert.deepEqual(
      pickClaims(queue, { node: 'n1', idleWarm: new Map(), slots: 1 }, 1000).map((g) => g.job.id),
      ['e'],
    );
    assert.deepEqual(
      pickClaims(queue, { node: 'n9', idleWarm: new Map(), slots: 5 }, 100, 200).map((g) => g.job.id),
      [],
    );
    assert.deepEqual(pickClaims(queue, { node: 'n1', idleWarm: new Map(), slots: 0 }, 1000), []);
  });

  it('for any queue: no job twice, at most slots, warm claims never exceed idle sandboxes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('f1', 'f2', 'f3'), fc.constantFrom('n1', 'n2'), fc.nat(2000)), { maxLength: 40 }),
        fc.nat(5),
        fc.nat(3),
        fc.nat(3000),
        (rows, slots, warmF1, now) => {
          const q = rows.map(([k, h, t], i) => job(`j${i}`, k, h, t));
          const got = pickClaims(q, { node: 'n1', idleWarm: new Map([['f1', warmF1]]), slots }, now);
          assert.ok(got.length <= slots);
          assert.equal(new Set(got.map((g) => g.job.id)).size, got.length);
          assert.ok(got.filter((g) => g.reason === 'warm').length <= warmF1);
          for (const g of got) {
            if (g.reason === 'home') assert.equal(g.job.home, 'n1');
            if (g.reason === 'steal') assert.ok(now - g.job.visibleAt >= 200);
            if (g.reason === 'warm') assert.equal(g.job.key, 'f1');
          }
          const home = q.filter((j) => j.home === 'n1').length;
          assert.ok(got.length >= Math.min(slots, home), 'home jobs are always claimable');
        },
      ),
    );
  });
});

describe('claimTiers', () => {
  it('lists warm keys (sorted, limited by idle sandboxes and slots), then home, then steal', () => {
    assert.deepEqual(claimTiers({ node: 'n1', idleWarm: new Map([['b', 1], ['a', 3], ['z', 0]]), slots: 2 }, 150), [
      { kind: 'warm', keys: ['a', 'b'], limit: 2 },
      { kind: 'home', node: 'n1' },
      { kind: 'steal', olderThanMs: 150 },
    ]);
    assert.deepEqual(claimTiers({ node: 'n1', idleWarm: new Map(), slots: 2 })[0], { kind: 'home', node: 'n1' });
  });
});
