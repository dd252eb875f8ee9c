import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GreedyDual } from '../../src/policy/greedy-dual.js';

const cold = (memoryMb: number, initMs: number) => ({ coldStart: true, memoryMb, durationMs: 0, initMs });
const warm = (memoryMb: number, initMs: number) => ({ coldStart: false, memoryMb, durationMs: 0, initMs });

test('priority = clock + freq x cost / size, and never expires by time', () => {
  const gd = new GreedyDual();
  gd.onInvocation('a', 0, cold(128, 1000));
  assert.equal(gd.evictionPriority('a'), 1000 / 128);
  gd.onInvocation('a', 10, warm(128, 1000));
  assert.equal(gd.evictionPriority('a'), (2 * 1000) / 128);
  gd.onInvocation('b', 20, cold(256, 4000));
  assert.equal(gd.evictionPriority('b'), 4000 / 256);
  assert.equal(gd.onIdle().keepAliveMs, Infinity);
});

test('eviction advances the clock to the evicted priority, and a reload restarts freq at 1', () => {
  const gd = new GreedyDual();
  gd.onInvocation('a', 0, cold(128, 1000));
  gd.onInvocation('a', 1, warm(128, 1000));
  gd.onInvocation('a', 2, warm(128, 1000));
  gd.onInvocation('b', 3, cold(256, 2000));
  assert.equal(gd.evictionPriority('b'), 7.8125);
  gd.onEvict('b');
  assert.equal(gd.clockValue, 7.8125);
  gd.onInvocation('b', 4, cold(256, 2000));
  assert.equal(gd.evictionPriority('b'), 7.8125 + 7.8125);
  assert.equal(gd.evictionPriority('a'), (3 * 1000) / 128);
});

test('snapshot round-trips', () => {
  const gd = new GreedyDual();
  gd.onInvocation('a', 0, cold(128, 1000));
  gd.onEvict('a');
  const copy = new GreedyDual();
  copy.restore(JSON.parse(JSON.stringify(gd.snapshot())));
  assert.equal(copy.clockValue, gd.clockValue);
  assert.equal(copy.evictionPriority('a'), gd.evictionPriority('a'));
});
