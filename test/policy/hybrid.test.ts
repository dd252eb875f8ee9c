import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdleTimeHistogram } from '../../src/policy/histogram.js';
import { HYBRID_DEFAULTS, HybridHistogram, hybridDecision } from '../../src/policy/hybrid.js';

const MIN = 60_000;
const HOUR = 3_600_000;

function histOf(idleMs: number[]): IdleTimeHistogram {
  const h = new IdleTimeHistogram();
  for (const x of idleMs) h.add(x);
  return h;
}

test('bin-count CV: one spike is sqrt(240), a flat histogram 0, empty 0', () => {
  assert.ok(Math.abs(histOf([30 * MIN]).binCv() - Math.sqrt(240)) < 1e-9);
  assert.ok(Math.abs(histOf(Array.from({ length: 50 }, () => 30.5 * MIN)).binCv() - Math.sqrt(240)) < 1e-9);
  assert.equal(histOf(Array.from({ length: 240 }, (_, i) => i * MIN + 1)).binCv(), 0);
  assert.equal(new IdleTimeHistogram().binCv(), 0);
});

test('percentile bins follow the first-bin-reaching-p rule, in one pass or one at a time', () => {
  const h = histOf([...Array.from({ length: 95 }, () => 2.5 * MIN), ...Array.from({ length: 5 }, () => 10.2 * MIN)]);
  assert.equal(h.percentileBin(0.05), 2);
  assert.equal(h.percentileBin(0.95), 2);
  assert.equal(h.percentileBin(0.99), 10);
  const out = new Float64Array(3);
  h.percentileBins([0.05, 0.95, 0.99], out);
  assert.deepEqual(Array.from(out), [2, 2, 10]);
});

test('a new app (empty histogram) gets no pre-warm and the 4-hour range', () => {
  assert.deepEqual(hybridDecision(new IdleTimeHistogram()), { keepAliveMs: 4 * HOUR });
});

test('a flat (not representative) histogram falls back to the range', () => {
  const h = histOf(Array.from({ length: 240 }, (_, i) => i * MIN + 1000));
  assert.deepEqual(hybridDecision(h), { keepAliveMs: 4 * HOUR });
});

test('idle times all under a minute: head is bin 0, stay warm until 1.1 x the 1-minute tail', () => {
  const d = hybridDecision(histOf(Array.from({ length: 20 }, () => 30_000)));
  assert.equal(d.prewarmMs, undefined);
  assert.ok(Math.abs(d.keepAliveMs - 1.1 * MIN) < 1e-6);
});

test('a 30-minute spike: unload, pre-warm at 0.9 x 30 min, warm until 1.1 x 31 min', () => {
  const d = hybridDecision(histOf(Array.from({ length: 10 }, () => 30.5 * MIN)));
  assert.equal(d.keepAliveMs, 0);
  assert.ok(Math.abs((d.prewarmMs ?? NaN) - 27 * MIN) < 1e-6);
  assert.ok(Math.abs((d.prewarmMs ?? 0) + (d.prewarmKeepAliveMs ?? 0) - 1.1 * 31 * MIN) < 1e-6);
});

test('95 idle times in bin 2 and 5 in bin 10: warm on [1.8 min, 12.1 min]', () => {
  const h = histOf([...Array.from({ length: 95 }, () => 2.5 * MIN), ...Array.from({ length: 5 }, () => 10.2 * MIN)]);
  const d = hybridDecision(h);
  assert.equal(d.keepAliveMs, 0);
  assert.ok(Math.abs((d.prewarmMs ?? NaN) - 1.8 * MIN) < 1e-6);
  assert.ok(Math.abs((d.prewarmMs ?? 0) + (d.prewarmKeepAliveMs ?? 0) - 12.1 * MIN) < 1e-6);
});

test('mostly out of bounds: warm on [0.85p, 1.15p] around the median recent OOB idle time', () => {
  const d = hybridDecision(histOf([6 * HOUR, 8 * HOUR, 7 * HOUR]));
  assert.equal(d.keepAliveMs, 0);
  assert.ok(Math.abs((d.prewarmMs ?? NaN) - 0.85 * 7 * HOUR) < 1e-6);
  assert.ok(Math.abs((d.prewarmKeepAliveMs ?? NaN) - 0.3 * 7 * HOUR) < 1e-6);
});

test('one OOB idle time is not enough for a forecast', () => {
  assert.deepEqual(hybridDecision(histOf([9 * HOUR])), { keepAliveMs: HYBRID_DEFAULTS.rangeMs });
});

test('the policy measures idle time from the end of the previous execution; overlaps count 0', () => {
  const p = new HybridHistogram();
  const facts = { coldStart: false, memoryMb: 128, durationMs: 0 };
  p.onInvocation('a', 0, facts);
  p.onIdle('a', 1000);
  p.onInvocation('a', 1000 + 30.5 * MIN, facts);
  p.onInvocation('a', 1000 + 30.6 * MIN, facts);
  const h = p.histogram('a');
  assert.ok(h);
  assert.equal(h.count, 2);
  assert.equal(h.bins[30], 1);
  assert.equal(h.bins[0], 1);
});

test('snapshot and restore keep the histogram and decisions', () => {
  const p = new HybridHistogram();
  const facts = { coldStart: false, memoryMb: 128, durationMs: 0 };
  let t = 0;
  p.onInvocation('a', t, facts);
  for (let i = 0; i < 12; i++) {
    p.onIdle('a', t + 500);
    t += 20 * MIN;
    p.onInvocation('a', t, facts);
  }
  const q = new HybridHistogram();
  q.restore(JSON.parse(JSON.stringify(p.snapshot())));
  assert.deepEqual(q.onIdle('a', t + 500), p.onIdle('a', t + 500));
  assert.throws(() => q.restore({ kind: 'fixed' }));
});
