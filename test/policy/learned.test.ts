import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACTION_NAMES, LearnedPolicy, Mlp, QNetwork, QTable, outcome, windowDecision } from '../../src/policy/learned/index.js';
import { Rng } from '../../src/policy/rng.js';

const MIN = 60_000;

test('Q-learning update arithmetic: sample average, then a constant step, then bootstrapping', () => {
  const t = new QTable(2, 2, 0.25, 0);
  t.update(0, 1, -4);
  assert.equal(t.get(0, 1), -4); // alpha = 1/1
  t.update(0, 1, -2);
  assert.equal(t.get(0, 1), -3); // alpha = 1/2: -4 + 0.5 * (-2 - -4)
  t.update(0, 1, -6);
  assert.equal(t.get(0, 1), -4); // alpha = 1/3: -3 + (-6 - -3) / 3
  t.update(0, 1, 0);
  assert.equal(t.get(0, 1), -3); // alpha = max(1/4, 0.25) = 0.25: -4 + 0.25 * 4
  t.update(0, 1, 0);
  assert.equal(t.get(0, 1), -2.25); // alpha floors at 0.25 (1/5 < 0.25)

  const g = new QTable(2, 2, 0.01, 0.5);
  g.update(1, 0, 2); // Q(1,0) = 2
  g.update(1, 1, 4); // visits(1) = 2 -> alpha 1/2: Q(1,1) = 0 + 0.5 * 4 = 2
  g.update(0, 0, 1, 1); // Q(0,0) = 0 + 1 * (1 + 0.5 * max(2, 2) - 0) = 2
  assert.equal(g.get(0, 0), 2);
  g.update(0, 1, -1, 1); // alpha 1/2: 0 + 0.5 * (-1 + 1 - 0) = 0
  assert.equal(g.get(0, 1), 0);
});

test('full-information update moves every action toward its own reward', () => {
  const t = new QTable(1, 3);
  t.updateAll(0, [-1, -2, -3]);
  t.updateAll(0, [-3, -2, -1]);
  assert.deepEqual([t.get(0, 0), t.get(0, 1), t.get(0, 2)], [-2, -2, -2]);
  assert.equal(t.visits[0], 2);
});

test('window outcomes in hindsight: early, inside, late', () => {
  assert.deepEqual(outcome(10, 20, 5), { cold: true, wasteMs: 0 });
  assert.deepEqual(outcome(10, 20, 15), { cold: false, wasteMs: 5 });
  assert.deepEqual(outcome(10, 20, 25), { cold: true, wasteMs: 10 });
  assert.deepEqual(outcome(0, 0, 3), { cold: true, wasteMs: 0 });
  assert.deepEqual(windowDecision(0, 0), { keepAliveMs: 0 });
  assert.deepEqual(windowDecision(0, 50), { keepAliveMs: 50 });
  assert.deepEqual(windowDecision(30, 50), { keepAliveMs: 0, prewarmMs: 30, prewarmKeepAliveMs: 20 });
});

test('the MLP fits a small regression (loss falls by 10x), deterministically for a seed', () => {
  const fit = (): number[] => {
    const net = new Mlp([2, 8, 1], new Rng(7), 0.01);
    const rng = new Rng(3);
    const xs: number[][] = Array.from({ length: 64 }, () => [rng.next() * 2 - 1, rng.next() * 2 - 1]);
    const ys = xs.map(([a = 0, b = 0]) => [0.5 * a - 0.3 * b + 0.2 * a * b]);
    const losses: number[] = [];
    for (let e = 0; e < 400; e++) losses.push(net.trainBatch(xs, ys));
    return losses;
  };
  const l = fit();
  assert.ok((l.at(-1) ?? 1) < (l[0] ?? 0) / 10, `loss ${l[0]} -> ${l.at(-1)}`);
  assert.deepEqual(fit(), l);
});

test('the Q-network learns which of two actions is cheaper from full-information samples', () => {
  const q = new QNetwork(2, 2, new Rng(1), { hidden: 8, lr: 0.01, batch: 16, trainEvery: 1 });
  const rng = new Rng(2);
  for (let i = 0; i < 3000; i++) {
    const x = rng.next() < 0.5 ? 0 : 1;
    q.observe([x, 1 - x], x === 1 ? [-1, 0] : [0, -1]);
  }
  const out = new Float64Array(2);
  q.predict([1, 0], out);
  assert.ok((out[1] ?? 0) > (out[0] ?? 0));
  q.predict([0, 1], out);
  assert.ok((out[0] ?? 0) > (out[1] ?? 0));
});

function periodic(p: LearnedPolicy, app: string, periodMs: number, n: number, memoryMb = 128): number {
  let t = 0;
  const facts = { coldStart: false, memoryMb, durationMs: 0, initMs: 1000 };
  for (let i = 0; i < n; i++) {
    p.onInvocation(app, t, facts);
    p.onIdle(app, t + 200);
    t += periodMs;
  }
  p.onInvocation(app, t, facts);
  return t;
}

test('on a 30-minute timer the agent learns a tight pre-warm window around the period', () => {
  const p = new LearnedPolicy({ kappa: 16 });
  for (let k = 0; k < 30; k++) periodic(p, `timer${k}`, 30 * MIN, 40);
  const t = periodic(p, 'probe', 30 * MIN, 40);
  const d = p.onIdle('probe', t + 200);
  // The true gap is 30 min - 200 ms; the hybrid would warm [27 min, 34.1 min].
  assert.equal(d.keepAliveMs, 0);
  const from = d.prewarmMs ?? NaN;
  const until = from + (d.prewarmKeepAliveMs ?? NaN);
  assert.ok(from > 27 * MIN && from < 30 * MIN - 200, `from ${from / MIN} min`);
  assert.ok(until > 30 * MIN - 200 && until < 34.1 * MIN, `until ${until / MIN} min`);
});

test('per-app state stays within 2 KB, and the action list is the documented one', () => {
  const p = new LearnedPolicy();
  periodic(p, 'a', 5 * MIN, 3);
  assert.ok((p.stateBytes().perApp ?? Infinity) <= 2048, `${p.stateBytes().perApp} B`);
  assert.equal(ACTION_NAMES.length, 14);
});

test('snapshot and restore reproduce the decisions of both variants', () => {
  for (const variant of ['tabular', 'mlp'] as const) {
    const p = new LearnedPolicy({ variant, kappa: 8 }, 5);
    for (let k = 0; k < 12; k++) periodic(p, `a${k}`, (5 + k) * MIN, 30);
    const t = periodic(p, 'z', 7 * MIN, 30);
    const q = new LearnedPolicy({ variant, kappa: 8 }, 5);
    q.restore(JSON.parse(JSON.stringify(p.snapshot())));
    assert.deepEqual(q.onIdle('z', t + 100), p.onIdle('z', t + 100), variant);
    assert.throws(() => q.restore({ kind: 'hybrid' }));
  }
});
