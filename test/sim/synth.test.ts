import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/policy/rng.js';
import { DAY_MS } from '../../src/sim/trace.js';
import { SYNTH_DEFAULTS, synthApp, synthTrace } from '../../src/sim/synth.js';
import { quantile } from '../../src/sim/metrics.js';

const N = 4000;
const apps = Array.from({ length: N }, (_, i) => synthApp(42, i, SYNTH_DEFAULTS));
const share = (f: (a: (typeof apps)[number]) => boolean): number => apps.filter(f).length / N;

test('functions per app follow the Azure 2019 shares (54% one, 16% two, 10% three, ...)', () => {
  assert.ok(Math.abs(share((a) => a.functions === 1) - 0.54) < 0.03);
  assert.ok(Math.abs(share((a) => a.functions === 2) - 0.16) < 0.02);
  assert.ok(Math.abs(share((a) => a.functions >= 11) - 0.05) < 0.015);
  assert.ok(apps.every((a) => a.functions >= 1 && a.functions <= 50));
});

test('app rates: 45% at most hourly, 81% at most once a minute, ~3% above 1/s; 7+ orders of magnitude', () => {
  assert.ok(Math.abs(share((a) => a.ratePerDay <= 24) - 0.45) < 0.03);
  assert.ok(Math.abs(share((a) => a.ratePerDay <= 1440) - 0.81) < 0.03);
  assert.ok(Math.abs(share((a) => a.ratePerDay > 86_400) - 0.03) < 0.012);
  const rates = apps.map((a) => a.ratePerDay);
  assert.ok(Math.log10(Math.max(...rates) / Math.min(...rates)) > 6.5);
});

test('memory follows the Burr fit (median ~140 MB, p90 ~262 MB) and triggers the function mix', () => {
  const mem = apps.map((a) => a.memoryMb);
  assert.ok(Math.abs(quantile(mem, 0.5) - 140) < 8, `median ${quantile(mem, 0.5)}`);
  assert.ok(Math.abs(quantile(mem, 0.9) - 262) < 25, `p90 ${quantile(mem, 0.9)}`);
  const fns = apps.flatMap((a) => a.fns);
  const trig = (t: string): number => fns.filter((f) => f.trigger === t).length / fns.length;
  assert.ok(Math.abs(trig('http') - 0.55) < 0.03);
  assert.ok(Math.abs(trig('timer') - 0.16) < 0.02);
  const dur = fns.map((f) => f.meanDurationMs / 1000);
  // LogNormal(-0.38, 2.36): P(< 1 s) = 0.56, P(< 0.1 s) = 0.21.
  assert.ok(Math.abs(dur.filter((d) => d < 1).length / dur.length - 0.56) < 0.03);
  assert.ok(Math.abs(dur.filter((d) => d < 0.1).length / dur.length - 0.21) < 0.03);
});

test('an app is the same whatever the population size, and seeds differ', () => {
  assert.deepEqual(synthApp(42, 17), apps[17]);
  assert.notDeepEqual(synthApp(43, 17), apps[17]);
});

function iatCv(times: number[]): number {
  const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
  const m = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  const v = gaps.reduce((a, b) => a + (b - m) ** 2, 0) / gaps.length;
  return Math.sqrt(v) / m;
}

test('arrival processes: streams are ordered; timers have CV ~0, bursts CV > 1, and a ~2x daily swing', () => {
  const trace = synthTrace({ seed: 9, apps: 300, days: 3 });
  const times = (i: number): number[] => {
    const s = trace.open(i);
    const out: number[] = [];
    while (s.next() && out.length < 1_000_000) out.push(s.t);
    return out;
  };
  const timer = trace.apps.findIndex((a) => a.fns.length === 1 && a.fns[0]?.trigger === 'timer' && (a.fns[0]?.periodMs ?? 0) <= 15 * 60_000);
  const bursty = trace.apps.findIndex((a) => a.fns.length === 1 && a.fns[0]?.burst !== undefined && a.ratePerDay > 50);
  const busy = trace.apps.findIndex((a) => a.fns.length === 1 && a.fns[0]?.burst === undefined && a.fns[0]?.steadyJitterMs === undefined && a.fns[0]?.trigger !== 'timer' && a.ratePerDay > 5_000 && a.ratePerDay < 100_000);
  assert.ok(timer >= 0 && bursty >= 0 && busy >= 0);
  const tt = times(timer);
  assert.ok(tt.every((t, i) => i === 0 || t >= (tt[i - 1] ?? 0)));
  assert.ok(iatCv(tt) < 0.05, `timer CV ${iatCv(tt)}`);
  assert.ok(iatCv(times(bursty)) > 1.2, `bursty CV ${iatCv(times(bursty))}`);
  const bt = times(busy);
  const cycle = trace.apps[busy]?.cycle;
  assert.ok(cycle);
  const hourOf = (t: number): number => Math.floor((((t - cycle.peakMs) % DAY_MS) + DAY_MS) % DAY_MS / 3_600_000);
  const nearPeak = bt.filter((t) => hourOf(t) <= 1 || hourOf(t) >= 23).length;
  const nearTrough = bt.filter((t) => hourOf(t) >= 11 && hourOf(t) <= 13).length;
  const ratio = nearPeak / nearTrough;
  assert.ok(ratio > 1.6 && ratio < 2.5, `peak/trough ${ratio}`);
});

test('the seeded generator is reproducible and roughly uniform', () => {
  const a = new Rng(5);
  const b = new Rng(5);
  const xs = Array.from({ length: 10_000 }, () => a.next());
  assert.deepEqual(xs.slice(0, 5), Array.from({ length: 5 }, () => b.next()));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(mean - 0.5) < 0.02);
});
