/**
 * Properties of the cluster router (fast-check): rendezvous ranks are permutations that every
 * gateway computes alike, homes spread evenly, a join moves only the keys the new node wins and a
 * leave only the keys the leaver held (~1/N either way), and the bounded-load cap holds for any
 * sequence of arrivals and departures.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { defaultHasher, mix32, type Hasher } from '../../src/cluster/hash.js';
import { home, members, rank, route, topRanked, type LoadView } from '../../src/cluster/routing.js';

const nodeIds = (n: number, prefix = 'n'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
const keys = (n: number, salt: string): string[] =>
  Array.from({ length: n }, (_, i) => `arn:aws:lambda:us-east-1:000000000000:function:${salt}-${i}:${i % 3 === 0 ? '$LATEST' : i % 7}`);
const idSet = fc.uniqueArray(fc.string({ unit: fc.constantFrom('a', 'b', 'c', '1', '2', '-', '.'), minLength: 1, maxLength: 8 }), {
  minLength: 1,
  maxLength: 12,
});

function homes(ks: readonly string[], ids: readonly string[]): Map<string, string> {
  const m = members(ids);
  return new Map(ks.map((k) => [k, home(k, m)!]));
}

function fixedLoads(loads: Record<string, number>, warm: Record<string, number> = {}, cap: Record<string, number> = {}): LoadView {
  return {
    load: (id) => loads[id] ?? 0,
    idleWarm: (id) => warm[id] ?? 0,
    capacity: (id) => cap[id] ?? Infinity,
  };
}

describe('rendezvous ranking', () => {
  it('is a permutation of the live nodes, whatever order membership arrives in, and home() is its head', () => {
    fc.assert(
      fc.property(idSet, fc.string(), fc.integer(), (ids, key, rot) => {
        const r = rank(key, members(ids));
        assert.deepEqual([...r].sort(), [...ids].sort());
        const k = ((rot % ids.length) + ids.length) % ids.length;
        const rotated = [...ids.slice(k), ...ids.slice(0, k)].reverse();
        assert.deepEqual(rank(key, members(rotated)), r);
        assert.equal(home(key, members(ids)), r[0]);
        const c = 1 + (Math.abs(rot) % 4);
        assert.deepEqual(topRanked(key, members(ids), c), r.slice(0, c));
      }),
    );
  });

  it('uses the injected hasher (a hasher that ignores the key gives every key the same order)', () => {
    const byNode: Hasher = { text: defaultHasher.text, pair: (_k, node) => node };
    const m = members(nodeIds(6), byNode);
    const first = rank('a', m);
    for (const k of keys(50, 'x')) assert.deepEqual(rank(k, m), first);
    assert.notDeepEqual(
      keys(50, 'x').map((k) => rank(k, members(nodeIds(6)))[0]).filter((h) => h === first[0]).length,
      50,
      'while the default hasher spreads them',
    );
  });

  it('spreads homes evenly: no node holds more than 1.4 x its share of 3,000 keys', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 16 }), fc.string({ maxLength: 4 }), (n, salt) => {
        const counts = new Map<string, number>();
        for (const h of homes(keys(3000, salt), nodeIds(n, salt)).values()) counts.set(h, (counts.get(h) ?? 0) + 1);
        const max = Math.max(...counts.values());
        assert.ok(max <= (1.4 * 3000) / n, `max ${max} of ${3000 / n} average over ${n} nodes`);
        assert.equal(counts.size, n, 'every node is home to some key');
      }),
      { numRuns: 20 },
    );
  });

  it('a join moves only keys the new node now wins, about 1/(N+1) of them', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 15 }), fc.string({ maxLength: 4 }), (n, salt) => {
        const ks = keys(2000, salt);
        const before = homes(ks, nodeIds(n));
        const after = homes(ks, [...nodeIds(n), 'joiner']);
        let moved = 0;
        for (const k of ks) {
          if (before.get(k) === after.get(k)) continue;
          moved++;
          assert.equal(after.get(k), 'joiner', 'a key only ever moves to the joiner');
        }
        const share = 1 / (n + 1);
        assert.ok(moved / ks.length > share * 0.6 && moved / ks.length < share * 1.4, `${moved} moved, share ${share}`);
      }),
      { numRuns: 20 },
    );
  });

  it('a leave changes nothing but the leaver: every key ranks the rest exactly as before', () => {
    fc.assert(
      fc.property(idSet.filter((ids) => ids.length >= 2), fc.nat(), fc.array(fc.string(), { minLength: 1, maxLength: 20 }), (ids, pick, ks) => {
        const gone = ids[pick % ids.length]!;
        const rest = ids.filter((id) => id !== gone);
        for (const k of ks) assert.deepEqual(rank(k, members(rest)), rank(k, members(ids)).filter((id) => id !== gone));
      }),
    );
  });
});

describe('bounded load', () => {
  it('no arrival is sent to a node at the cap, and with arrivals only max load <= ceil(c x total / live)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(1, 1.1, 1.25, 2),
        fc.array(fc.oneof(fc.string({ maxLength: 3 }), fc.constant('hot')), { minLength: 1, maxLength: 300 }),
        (n, c, arrivals) => {
          const ids = nodeIds(n);
          const m = members(ids);
          const loads: Record<string, number> = {};
          let total = 0;
          for (const key of arrivals) {
            const r = route(rank(key, m), fixedLoads(loads), { balance: c });
            assert.ok(r.candidates.length > 0, 'without slot limits some node is always under the cap');
            const to = r.candidates[0]!;
            assert.ok((loads[to] ?? 0) < r.cap);
            for (const id of r.candidates) assert.ok((loads[id] ?? 0) < r.cap, 'every candidate is under the cap');
            loads[to] = (loads[to] ?? 0) + 1;
            total++;
            assert.ok(Math.max(...Object.values(loads)) <= Math.ceil((c * total) / n));
          }
        },
      ),
    );
  });

  it('holds the cap under departures too: a chosen node is under the cap at the time of choice', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.array(fc.tuple(fc.boolean(), fc.string({ maxLength: 2 }), fc.nat()), { maxLength: 300 }),
        (n, ops) => {
          const ids = nodeIds(n);
          const m = members(ids);
          const running: string[] = [];
          const loads: Record<string, number> = {};
          for (const [arrive, key, which] of ops) {
            if (!arrive && running.length) {
              const [id] = running.splice(which % running.length, 1);
              loads[id!]!--;
              continue;
            }
            const r = route(rank(key, m), fixedLoads(loads));
            const to = r.candidates[0]!;
            assert.ok((loads[to] ?? 0) + 1 <= r.cap);
            loads[to] = (loads[to] ?? 0) + 1;
            running.push(to);
          }
        },
      ),
    );
  });

  it('a key stays on its home while the home is under the cap, then spills down its own order', () => {
    const m = members(nodeIds(4));
    const order = rank('f', m);
    const idle = route(order, fixedLoads({}));
    assert.equal(idle.reason, 'home');
    assert.deepEqual(idle.candidates, order);
    // home has 5 in flight of 5 total: cap = ceil(1.25 * 6 / 4) = 2, so home is skipped.
    const busy = route(order, fixedLoads({ [order[0]!]: 5 }));
    assert.equal(busy.cap, 2);
    assert.equal(busy.reason, 'spill');
    assert.deepEqual(busy.candidates, order.slice(1));
  });
});

describe('warm preference, hot keys and slots', () => {
  it('a warm node among the home nodes goes first; a warm node outside them does not', () => {
    const order = rank('g', members(nodeIds(5)));
    const warmSecond = route(order, fixedLoads({}, { [order[1]!]: 1 }), { keyInflight: 8, perNodeTarget: 4 });
    assert.equal(warmSecond.spread, 2);
    assert.equal(warmSecond.reason, 'warm');
    assert.deepEqual(warmSecond.candidates.slice(0, 2), [order[1], order[0]]);
    const notHome = route(order, fixedLoads({}, { [order[3]!]: 2 }));
    assert.equal(notHome.reason, 'home');
    assert.equal(notHome.candidates[0], order[0]);
  });

  it('a home whose sandboxes are all busy comes after a warm node elsewhere; a home that never ran the key comes before it', () => {
    const order = rank('w', members(nodeIds(4)));
    const holds = (ids: string[]): LoadView => ({ ...fixedLoads({}, { [order[2]!]: 1 }), holds: (id) => ids.includes(id) });
    // The home ran the key and has no idle sandbox: the idle one on the third node is a warm hit.
    const busyHome = route(order, holds([order[0]!, order[2]!]));
    assert.equal(busyHome.reason, 'warm');
    assert.deepEqual(busyHome.candidates, [order[2], order[0], order[1], order[3]]);
    // The home never ran it (it just became the home): the key moves there, cold, once.
    const newHome = route(order, holds([order[2]!]));
    assert.equal(newHome.reason, 'home');
    assert.deepEqual(newHome.candidates, [order[0], order[2], order[1], order[3]]);
  });

  it('spill-over goes to a node with an idle warm sandbox before the rest of the order', () => {
    const order = rank('s', members(nodeIds(4)));
    const r = route(order, { ...fixedLoads({ [order[0]!]: 5 }, { [order[3]!]: 1 }), holds: () => false });
    assert.equal(r.reason, 'warm');
    assert.deepEqual(r.candidates, [order[3], order[1], order[2]]);
  });

  it('minBound: no node is skipped for load below the floor, so a burst stays on its homes', () => {
    const order = rank('b', members(nodeIds(4)));
    // Without a floor the 3rd call of a burst already spills (cap = ceil(1.25 x 3 / 4) = 1).
    assert.equal(route(order, fixedLoads({ [order[0]!]: 2 })).reason, 'spill');
    const floored = route(order, fixedLoads({ [order[0]!]: 7 }), { minBound: 8 });
    assert.equal(floored.cap, 8);
    assert.equal(floored.candidates[0], order[0]);
    assert.equal(route(order, fixedLoads({ [order[0]!]: 8 }), { minBound: 8 }).reason, 'spill');
    // Above the floor the bound is the usual one.
    assert.equal(route(order, fixedLoads({ [order[0]!]: 20, [order[1]!]: 20, [order[2]!]: 20 }), { minBound: 8 }).cap, Math.ceil((1.25 * 61) / 4));
  });

  it('a hot key spreads over ceil(inflight / target) home nodes, never more than are live', () => {
    const order = rank('h', members(nodeIds(3)));
    assert.equal(route(order, fixedLoads({}), { keyInflight: 0, perNodeTarget: 4 }).spread, 1);
    assert.equal(route(order, fixedLoads({}), { keyInflight: 9, perNodeTarget: 4 }).spread, 3);
    assert.equal(route(order, fixedLoads({}), { keyInflight: 900, perNodeTarget: 4 }).spread, 3);
  });

  it('a node out of slots is never a candidate; all out of slots is saturation (no candidate)', () => {
    const ids = nodeIds(3);
    const order = rank('k', members(ids));
    const r = route(order, fixedLoads({ [order[0]!]: 2 }, {}, { [order[0]!]: 2 }), { balance: 4 });
    assert.ok(!r.candidates.includes(order[0]!));
    const full = route(order, fixedLoads({ n1: 1, n2: 1, n3: 1 }, {}, { n1: 1, n2: 1, n3: 1 }), { balance: 4 });
    assert.deepEqual(full.candidates, []);
    assert.equal(full.reason, undefined);
    assert.deepEqual(route([], fixedLoads({})).candidates, []);
  });

  it('routes on a cached head of the rank given the live count and total load', () => {
    const m = members(nodeIds(100));
    const head = topRanked('p', m, 4);
    const r = route(head, fixedLoads({ [head[0]!]: 3 }), { live: 100, totalLoad: 100 });
    assert.equal(r.cap, Math.ceil((1.25 * 101) / 100));
    assert.deepEqual(r.candidates, head.slice(1));
  });

  it('maxCandidates trims the list and a balance below 1 is refused', () => {
    const order = rank('m', members(nodeIds(8)));
    assert.equal(route(order, fixedLoads({}), { maxCandidates: 3 }).candidates.length, 3);
    assert.throws(() => route(order, fixedLoads({}), { balance: 0.9 }), RangeError);
  });
});

describe('hash', () => {
  it('mix32 avalanches: flipping one input bit flips about half the output bits', () => {
    let flips = 0;
    let trials = 0;
    for (let x = 1; x < 2000; x += 7) {
      for (let b = 0; b < 32; b++) {
        const d = (mix32(x) ^ mix32(x ^ (1 << b))) >>> 0;
        flips += d.toString(2).split('1').length - 1;
        trials++;
      }
    }
    const mean = flips / trials;
    assert.ok(mean > 14 && mean < 18, `mean ${mean}`);
  });
});
