import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FixedKeepAlive, formatDuration } from '../../src/policy/fixed.js';
import { HybridHistogram } from '../../src/policy/hybrid.js';
import { LearnedPolicy } from '../../src/policy/learned/index.js';
import { NeverUnload } from '../../src/policy/never-unload.js';
import { PolicySpecError, parseDuration, parsePolicy } from '../../src/policy/parse.js';

test('durations parse in ms, s, m, h, d; a bare number is minutes', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('1.5h'), 5_400_000);
  assert.equal(parseDuration('2d'), 172_800_000);
  assert.equal(parseDuration('15'), 900_000);
  assert.throws(() => parseDuration('ten minutes'), PolicySpecError);
  assert.equal(formatDuration(600_000), '10m');
  assert.equal(formatDuration(90_000), '90s');
  assert.equal(formatDuration(7_200_000), '2h');
});

test('specs build the right policies with stable names', () => {
  const f = parsePolicy('fixed:90s');
  assert.ok(f instanceof FixedKeepAlive);
  assert.equal(f.name, 'fixed:90s');
  assert.equal(f.onIdle('x', 0).keepAliveMs, 90_000);
  assert.equal(parsePolicy('fixed:10m').name, 'fixed:10m');
  assert.ok(parsePolicy('never') instanceof NeverUnload);
  const h = parsePolicy('hybrid:2h');
  assert.ok(h instanceof HybridHistogram);
  assert.equal((h as HybridHistogram).options.rangeMs, 7_200_000);
  assert.equal(parsePolicy('hybrid').name, 'hybrid');
  assert.equal(parsePolicy('greedy-dual').name, 'greedy-dual');
  const l = parsePolicy('learned:mlp,kappa=8');
  assert.ok(l instanceof LearnedPolicy);
  assert.equal(l.options.variant, 'mlp');
  assert.equal(l.options.kappa, 8);
  assert.equal((parsePolicy('learned') as LearnedPolicy).options.variant, 'tabular');
});

test('bad specs are refused with ERR_POLICY_SPEC', () => {
  for (const bad of ['fixed', 'fixed:soon', 'lru', 'hybrid:bogus=1', 'learned:deep', 'learned:kappa=x']) {
    assert.throws(() => parsePolicy(bad), (e: unknown) => e instanceof PolicySpecError && e.code === 'ERR_POLICY_SPEC', bad);
  }
  assert.throws(() => parsePolicy('oracle'), /only in the simulator/);
});
