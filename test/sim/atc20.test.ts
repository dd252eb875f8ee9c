import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSimulation, type PolicyResult } from '../../src/sim/index.js';

/**
 * The qualitative result of "Serverless in the Wild" (ATC'20) on a synthetic Azure-like trace:
 * the hybrid histogram policy has far fewer cold starts than fixed 10-minute keep-alive, and
 * lies below the fixed keep-alive frontier (fewer cold starts than any fixed keep-alive using
 * the same memory): the reference's Gate 0 (shared/reference/keepalive-policies.md line 418).
 * On our synthetic traces it does NOT also use less memory than the 10-minute point (1.53-1.58x
 * on held-out seeds 11-13, with every split of bursty and steady callers we tried that meets the
 * published statistics), so the memory axis is deliberately not asserted. Both the policy (the
 * section 1.1 spec) and the trace (test/sim/published-stats.test.ts) were checked against the
 * reference and the paper's text; docs/policy.md, "Why the hybrid does not beat fixed 10 minutes
 * on memory here", breaks the memory down by app class and policy branch.
 */
test('the hybrid policy Pareto-dominates fixed keep-alive on a synthetic Azure-like trace', async () => {
  const fixed = ['fixed:10m', 'fixed:20m', 'fixed:60m', 'fixed:2h', 'fixed:4h', 'never'];
  const r = await runSimulation({
    seed: 5,
    apps: 150,
    days: 4,
    trainDays: 2,
    regime: 'unconstrained',
    policies: [...fixed, 'hybrid'],
    maxRatePerSec: 1,
  });
  const by = (n: string): PolicyResult => {
    const p = r.policies.find((x) => x.name === n);
    assert.ok(p, n);
    return p;
  };
  const hybrid = by('hybrid');
  const ten = by('fixed:10m');
  assert.ok(hybrid.coldStartPercentP75 < ten.coldStartPercentP75 / 2, `p75 hybrid ${hybrid.coldStartPercentP75} vs fixed ${ten.coldStartPercentP75}`);
  assert.ok(hybrid.coldStartPercentOverall < ten.coldStartPercentOverall);

  // The fixed frontier, interpolated linearly in (memory, p75) at the hybrid's memory.
  const frontier = fixed.map(by).sort((a, b) => a.wastedMemoryRatio - b.wastedMemoryRatio);
  const hi = frontier.findIndex((p) => p.wastedMemoryRatio >= hybrid.wastedMemoryRatio);
  assert.ok(hi > 0, 'the hybrid uses memory inside the fixed range');
  const a = frontier[hi - 1] as PolicyResult;
  const b = frontier[hi] as PolicyResult;
  const w = (hybrid.wastedMemoryRatio - a.wastedMemoryRatio) / (b.wastedMemoryRatio - a.wastedMemoryRatio);
  const fixedAtSameMemory = a.coldStartPercentP75 + w * (b.coldStartPercentP75 - a.coldStartPercentP75);
  assert.ok(
    hybrid.coldStartPercentP75 < fixedAtSameMemory - 5,
    `hybrid p75 ${hybrid.coldStartPercentP75} at ${hybrid.wastedMemoryRatio}x vs fixed ${fixedAtSameMemory}`,
  );
});
