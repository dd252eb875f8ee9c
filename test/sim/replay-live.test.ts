/**
 * `nimbus replay`: the trace slice it plays, the pool's compressed clock, and a real replay
 * against `nimbus serve` (process isolation, a Node.js function per app) compared with the simulator.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock, scaledClock } from '../../src/core/clock.js';
import type { ReplayReport } from '../../src/cli/commands/replay.js';
import { asMeasured, windowTrace } from '../../src/cli/replay/window.js';
import { simulate } from '../../src/cli/replay/compare.js';
import { arrayTrace } from '../../src/sim/trace.js';
import { replay } from '../../src/sim/simulator.js';
import type { KeepAlivePolicy } from '../../src/policy/types.js';
import { nimbusCli, serve } from '../helpers/serve.js';

const app = (id: string, memoryMb: number, arrivals: [number, number][]) => ({ id, memoryMb, coldStartMs: 500, functions: 1, trigger: 'http', arrivals });

test('a scaled clock runs its time and its timers faster than the base clock', () => {
  const base = new ManualClock(1_000);
  const c = scaledClock(base, 60);
  let fired = 0;
  c.setTimer(60_000, () => fired++);
  base.advance(999);
  assert.equal(fired, 0);
  base.advance(1);
  assert.equal(fired, 1);
  assert.equal(c.now(), 1_000 + 1_000 * 60);
  assert.equal(scaledClock(base, 1), base);
  assert.throws(() => scaledClock(base, 0), RangeError);
});

test('the replayed slice ends at its window, keeps whole apps within the call budget, and makes Lambda memory sizes', () => {
  const trace = arrayTrace(
    [
      app('busy', 100, Array.from({ length: 50 }, (_, i) => [i * 1000, 10] as [number, number])),
      app('quiet', 20_000, [[0, 90_000], [5_000, 10], [7_200_000, 10]]),
      app('mid', 300.4, [[1, 5], [2, 5], [3, 5]]),
    ],
    1,
  );
  const w = windowTrace(trace, { endMs: 3_600_000, maxInvocations: 10, maxDurationMs: 30_000 });
  assert.deepEqual(w.apps.map((a) => a.id), ['quiet', 'mid']);
  assert.deepEqual(w.apps[0]!.arrivals, [[0, 30_000], [5_000, 10]]);
  assert.equal(w.apps[0]!.memoryMb, 10_240);
  assert.equal(w.apps[1]!.memoryMb, 300);
  assert.equal(w.days * 86_400_000, 3_600_000);
  // The simulator closes its books at the window's end: one cold start per app, the rest warm.
  const sim = simulate(w, 'fixed:10m');
  assert.equal(sim.coldStarts, 2);
  // Measured calls replace the trace's times (and stay sorted).
  const m = asMeasured(w.apps, [[10, 5], [1, 2, 3]], [[40_000, 1], [5, 5, 5]], w.days);
  const s = m.open(0);
  const seen: number[][] = [];
  while (s.next()) seen.push([s.t, s.durationMs]);
  assert.deepEqual(seen, [[5, 1], [10, 40_000]]);
});

test('with prewarmInit, a pre-warm starts early by the app\'s init time, as the pool\'s does: ready as planned, or an init after the idle start', () => {
  // Unload at once, pre-warm `after` ms after the idle start, keep it 60 s.
  const policy = (after: number): KeepAlivePolicy => ({ name: 'prewarm', onInvocation: () => undefined, onIdle: () => ({ keepAliveMs: 0, prewarmMs: after, prewarmKeepAliveMs: 60_000 }), forget: () => undefined, snapshot: () => null, restore: () => undefined });
  // Init 30 s; the first call ends at 1 s; the next lands `second` ms after that.
  const run = (after: number, second: number, prewarmInit: boolean) => {
    // The trace ends when the second call does: no idle period after it.
    const trace = arrayTrace([{ ...app('a', 1024, [[0, 1_000], [1_000 + second, 1_000]]), coldStartMs: 30_000 }], (2_000 + second) / 86_400_000);
    const [c] = replay({ trace, policies: [policy(after)], capacityMb: Infinity, measureFromDay: 0, prewarmInit });
    return { cold: c!.coldStarts[0], idleS: c!.wasteMbMs[0]! / 1024 / 1000 };
  };
  // A 60 s wait: the init runs from 30 to 60 s, so a call at 70 s is warm and 10 s of idle
  // memory were spent, as when the pre-warm is ready at once.
  assert.deepEqual(run(60_000, 70_000, true), { cold: 1, idleS: 10 });
  assert.deepEqual(run(60_000, 70_000, false), { cold: 1, idleS: 10 });
  // A 20 s wait, shorter than the init: it starts at once and serves from 30 s. A call at 25 s
  // lands in the init (cold); one at 40 s is warm after 10 s idle (20 s when ready at once).
  assert.deepEqual(run(20_000, 25_000, true), { cold: 2, idleS: 0 });
  assert.deepEqual(run(20_000, 25_000, false), { cold: 1, idleS: 5 });
  assert.deepEqual(run(20_000, 40_000, true), { cold: 1, idleS: 10 });
  assert.deepEqual(run(20_000, 40_000, false), { cold: 1, idleS: 20 });
  // A lead longer than the init (the pool's is a high percentile of its start times): the
  // pre-warm starts 40 s ahead, at 20 s, and is ready at 50 s: 20 s idle before a call at 70 s.
  const trace = arrayTrace([{ ...app('a', 1024, [[0, 1_000], [71_000, 1_000]]), coldStartMs: 30_000, prewarmLeadMs: 40_000 }], 72_000 / 86_400_000);
  const [c] = replay({ trace, policies: [policy(60_000)], capacityMb: Infinity, measureFromDay: 0, prewarmInit: true });
  assert.deepEqual({ cold: c!.coldStarts[0], idleS: c!.wasteMbMs[0]! / 1024 / 1000 }, { cold: 1, idleS: 20 });
  // With measured init samples a pre-warm takes the next one: a 90 s init from 20 s is ready at
  // 110 s, so the call at 70 s lands in it (cold) although the median init would have made it.
  const slow = arrayTrace([{ ...app('a', 1024, [[0, 1_000], [71_000, 1_000]]), coldStartMs: 30_000, prewarmLeadMs: 40_000, initSamplesMs: [90_000] }], 72_000 / 86_400_000);
  const [d] = replay({ trace: slow, policies: [policy(60_000)], capacityMb: Infinity, measureFromDay: 0, prewarmInit: true });
  assert.deepEqual({ cold: d!.coldStarts[0], idleS: d!.wasteMbMs[0]! / 1024 / 1000 }, { cold: 2, idleS: 0 });
});

test('nimbus replay drives a running Nimbus and reports live and simulated cold starts and idle memory', async (t) => {
  const n = await serve(t, { env: { NIMBUS_TIME_SCALE: '600', NIMBUS_KEEPALIVE: 'fixed:2m', NIMBUS_ISOLATION: 'process', NIMBUS_STEM_CELLS: '0' } });
  const health = (await (await fetch(`${n.url}/nimbus/v1/health`)).json()) as { poolTimeScale: number; policy: string };
  assert.equal(health.poolTimeScale, 600);
  assert.equal(health.policy, 'fixed:2m');
  const r = await nimbusCli(['replay', '--json', '--apps', '6', '--minutes', '40', '--max-invocations', '40', '--seed', '3'], { endpoint: n.url });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as ReplayReport;
  assert.equal(report.policy, 'fixed:2m');
  assert.equal(report.scale, 600);
  assert.ok(report.apps > 0 && report.invocations <= 40 && report.invocations >= report.apps);
  assert.equal(report.live.errors, 0);
  // Every app's first call starts its first sandbox.
  assert.ok(report.live.coldStarts >= report.apps && report.live.coldStarts <= report.invocations, JSON.stringify(report));
  assert.ok(report.sim.coldStarts >= report.apps && report.simMeasured.coldStarts >= report.apps);
  assert.ok(report.live.idleGbS >= 0 && Number.isFinite(report.idleGap));
  // The functions exist under the replay's prefix, one per app, with the trace's memory.
  const fn = (await (await fetch(`${n.url}/2015-03-31/functions/replay-0`)).json()) as { Configuration: { MemorySize: number } };
  assert.ok(fn.Configuration.MemorySize >= 128);
});

test('nimbus serve refuses a time scale that is not a positive number', async () => {
  const r = await nimbusCli(['serve', '--port', '0', '--data-dir', '/nonexistent-nimbus-dir', '--time-scale', '-3']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--time-scale/);
});
