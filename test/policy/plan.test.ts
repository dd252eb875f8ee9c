/** planIdle: how the pool and the simulator both read an idle decision (hand-computed cases). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planIdle } from '../../src/policy/plan.js';

test('a plain keep-alive is kept as it is', () => {
  assert.deepEqual(planIdle({ keepAliveMs: 600_000 }), { keepMs: 600_000 });
  assert.deepEqual(planIdle({ keepAliveMs: 0 }), { keepMs: 0 });
  assert.deepEqual(planIdle({ keepAliveMs: Infinity }), { keepMs: Infinity });
});

test('a pre-warm that starts while the sandbox is still kept extends the keep-alive instead', () => {
  assert.deepEqual(planIdle({ keepAliveMs: 60_000, prewarmMs: 30_000, prewarmKeepAliveMs: 90_000 }), { keepMs: 120_000 });
  assert.deepEqual(planIdle({ keepAliveMs: 60_000, prewarmMs: 60_000 }), { keepMs: 120_000 }, 'default pre-warm keep is keepAliveMs');
  assert.deepEqual(planIdle({ keepAliveMs: 600_000, prewarmMs: 10_000, prewarmKeepAliveMs: 1_000 }), { keepMs: 600_000 }, 'never shorter');
});

test('the hybrid shape: unload now, pre-warm a fresh sandbox for a window later', () => {
  assert.deepEqual(planIdle({ keepAliveMs: 0, prewarmMs: 120_000, prewarmKeepAliveMs: 60_000 }), {
    keepMs: 0,
    prewarm: { afterMs: 120_000, keepMs: 60_000 },
  });
});

test('a pre-warm that would never start, or stay warm for no time, is dropped', () => {
  assert.deepEqual(planIdle({ keepAliveMs: 0, prewarmMs: Infinity, prewarmKeepAliveMs: 60_000 }), { keepMs: 0 });
  assert.deepEqual(planIdle({ keepAliveMs: 0, prewarmMs: 120_000 }), { keepMs: 0 }, 'prewarm keep defaults to keepAliveMs = 0');
  assert.deepEqual(planIdle({ keepAliveMs: 10_000, prewarmMs: 120_000, prewarmKeepAliveMs: 0 }), { keepMs: 10_000 });
});
