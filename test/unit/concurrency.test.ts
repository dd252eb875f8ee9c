/** The concurrency limiter's arithmetic: reserved pools, the shared unreserved pool, releases. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConcurrencyLimiter } from '../../src/invoke/concurrency.js';
import { NimbusError } from '../../src/core/errors.js';

const reason = (f: () => unknown): string => {
  try {
    f();
    return 'admitted';
  } catch (e) {
    return e instanceof NimbusError ? String(e.extra['Reason']) : String(e);
  }
};

test('functions without a reservation share what the reservations leave', () => {
  const l = new ConcurrencyLimiter(5);
  l.setReserved('r', 2);
  assert.equal(l.unreservedLimit(), 3);
  const held = [l.acquire('a'), l.acquire('b'), l.acquire('a')];
  assert.equal(reason(() => l.acquire('c')), 'ConcurrentInvocationLimitExceeded');
  // The reserved function still has its own two.
  const r1 = l.acquire('r');
  l.acquire('r');
  assert.equal(reason(() => l.acquire('r')), 'ReservedFunctionConcurrentInvocationLimitExceeded');
  held[0]!();
  held[0]!();
  assert.equal(reason(() => l.acquire('c')), 'admitted', 'a release frees a unit (once)');
  assert.equal(reason(() => l.acquire('c')), 'ConcurrentInvocationLimitExceeded');
  r1();
  assert.equal(l.runningCount('r'), 1);
  assert.equal(l.runningCount(), 4);
});

test('changing a reservation while invocations run keeps the books straight', () => {
  const l = new ConcurrencyLimiter(4);
  const a = l.acquire('f');
  l.setReserved('f', 1);
  assert.equal(reason(() => l.acquire('f')), 'ReservedFunctionConcurrentInvocationLimitExceeded');
  a();
  assert.equal(l.runningCount(), 0);
  l.setReserved('f', undefined);
  const held = [l.acquire('f'), l.acquire('f'), l.acquire('g'), l.acquire('g')];
  assert.equal(reason(() => l.acquire('h')), 'ConcurrentInvocationLimitExceeded');
  for (const h of held) h();
  assert.equal(l.runningCount(), 0);
});
