import { Rng, deriveSeed } from '../policy/rng.js';
import { DurationSampler, ModulatedPoissonSource, TimerSource, type Cycle } from './arrivals.js';
import { DURATION_LOGNORMAL, MEMORY_BURR, burr, categorical, clamp, logNormal, logUniform } from './distributions.js';
import { DAY_MS, MergedStream, type FunctionSource, type Trace, type TraceApp } from './trace.js';

/**
 * A synthetic trace with the published statistics of the Azure Functions 2019 trace (Shahrad
 * et al., ATC'20 §3), following the recipe in shared/reference/keepalive-policies.md §2.1.
 * Every app is drawn from its own seeded stream, so app `i` is the same whatever `apps` is.
 */

export type Trigger = 'http' | 'queue' | 'event' | 'timer' | 'orchestration' | 'others';

const TRIGGERS: readonly Trigger[] = ['http', 'queue', 'event', 'timer', 'orchestration', 'others'];
/** Share of functions per trigger, %. */
const TRIGGER_FUNCTION_SHARE = [55, 15, 2, 16, 7, 5];
/** Share of invocations per trigger, %: the rate multiplier is invocation share / function share. */
const TRIGGER_INVOCATION_SHARE = [36, 34, 25, 2, 2, 1];

/**
 * How apps combine triggers (ATC'20 §3, on Figure 3): 43 % of apps have only HTTP functions, 13 %
 * only timers, 15.8 % timers plus another trigger (so 29 % have a timer); 64 % have an HTTP
 * function; 4.5 % are exactly one HTTP and one timer function. A one-function app draws its trigger
 * from SINGLE_TRIGGER_SHARE; a multi-function app draws a composition from MULTI_KIND_SHARE. The
 * shares were solved so that these app shares and the per-function shares above both hold
 * (test/sim/published-stats.test.ts regenerates all of them).
 */
const SINGLE_TRIGGER_SHARE = [56, 11, 1, 19, 9, 4];
/** Multi-function apps: all HTTP, all timers, timers plus another trigger, no timer and not all HTTP. */
const MULTI_KIND_SHARE = [28, 6, 34, 32];
/**
 * The remaining functions of a mixed app, by trigger (HTTP, queue, event, timer, orchestration,
 * others): few HTTP ones in apps of up to 5 functions, so that only 64 % of apps have one, and
 * mostly HTTP in larger apps, so that 55 % of all functions are HTTP. The timer weight applies only
 * to apps that already have a timer.
 */
const REST_SMALL = [8, 15, 2, 8, 7, 5];
const REST_LARGE = [46, 17, 3, 18, 9, 7];
/** In a two-function app with a timer, the other function is HTTP this often (the 4.5 % pair). */
const TIMER_PAIR_HTTP = 0.82;

/** Functions per app: 1: 54%, 2: 16%, 3: 10%, 4-5: 8%, 6-10: 7%, 11+: 5% (capped at 50). */
const FUNCTION_COUNT_BUCKETS: ReadonlyArray<readonly [lo: number, hi: number, pct: number]> = [
  [1, 1, 54], [2, 2, 16], [3, 3, 10], [4, 5, 8], [6, 10, 7], [11, 50, 5],
];

/** App invocation-rate brackets (per day): 45% up to 1/h, 36% up to 1/min, 16% up to 1/s, 3% beyond. */
const RATE_BRACKETS: ReadonlyArray<readonly [loPerDay: number, hiPerDay: number, pct: number]> = [
  [1, 24, 45], [24, 1440, 36], [1440, 86_400, 16], [86_400, 8_640_000, 3],
];

/** Timer periods seen in practice, ms: 1, 5, 10, 15, 30, 60 min, 6 h, 24 h. */
const TIMER_PERIODS_MS = [1, 5, 10, 15, 30, 60, 360, 1440].map((m) => m * 60_000);

/** Knobs of the synthesiser; every one has the published value as its default. */
export interface SynthOptions {
  seed: number;
  apps: number;
  days: number;
  /** Cap on an app's rate (per second); the trace spans 1/day .. 100/s. Lower it for speed. */
  maxRatePerSec: number;
  /** Share of non-timer functions whose arrivals come in ON/OFF bursts (IAT CV > 1). */
  burstyShare: number;
  /**
   * Share of non-timer functions called at a steady pace (a device reporting, an outside
   * scheduler, a pinger: IAT CV well below 1). Set so that 40 % of apps have an IAT CV above 1
   * (ATC'20, §3's main takeaways: "40% of them have a CV of their IATs higher than 1").
   */
  steadyShare: number;
  /** Daily swing amplitude (0.33 ~ a 2x peak/trough). */
  diurnalAmplitude: number;
  weekendFactor: number;
}

export const SYNTH_DEFAULTS: SynthOptions = {
  seed: 1,
  apps: 200,
  days: 14,
  maxRatePerSec: 100,
  burstyShare: 0.4,
  steadyShare: 0.45,
  diurnalAmplitude: 0.33,
  weekendFactor: 0.8,
};

/** One synthetic function. */
export interface SynthFunction {
  trigger: Trigger;
  /** Mean arrivals per ms. */
  ratePerMs: number;
  /** Timers only: the period and the first firing, ms. */
  periodMs?: number;
  phaseMs?: number;
  /** Steady callers: normal jitter on each call, ms (the period is 1 / rate). */
  steadyJitterMs?: number;
  /** ON/OFF bursts: mean sojourn in each state (ms) and the ON share of time. */
  burst?: { meanOnMs: number; meanOffMs: number; onRate: number; offRate: number };
  meanDurationMs: number;
}

/** One synthetic app. */
export interface SynthApp extends TraceApp {
  /** Target invocations per day before timers are rounded to a period. */
  ratePerDay: number;
  cycle: Cycle;
  fns: SynthFunction[];
}

/** Draws app `index` of the synthetic population for `seed`. */
export function synthApp(seed: number, index: number, o: SynthOptions = SYNTH_DEFAULTS): SynthApp {
  const rng = new Rng(deriveSeed(seed, `app:${index}`));
  const bucket = FUNCTION_COUNT_BUCKETS[categorical(rng, FUNCTION_COUNT_BUCKETS.map((b) => b[2]))] ?? [1, 1, 1];
  const nFns = bucket[0] === bucket[1] ? bucket[0] : Math.floor(logUniform(rng, bucket[0], bucket[1] + 1));
  const bracket = RATE_BRACKETS[categorical(rng, RATE_BRACKETS.map((b) => b[2]))] ?? [1, 24, 1];
  const maxPerDay = o.maxRatePerSec * 86_400;
  const ratePerDay = logUniform(rng, Math.min(bracket[0], maxPerDay), Math.min(bracket[1], maxPerDay));

  const triggers = drawTriggers(rng, nFns);
  // Zipf-like split inside the app, scaled by how heavy each trigger is across Azure.
  const weights = triggers.map((tr, i) => {
    const k = TRIGGERS.indexOf(tr);
    return ((TRIGGER_INVOCATION_SHARE[k] ?? 1) / (TRIGGER_FUNCTION_SHARE[k] ?? 1)) / (i + 1);
  });
  const wSum = weights.reduce((a, b) => a + b, 0);
  const cycle: Cycle = {
    amplitude: o.diurnalAmplitude,
    peakMs: clamp(14 * 3_600_000 + 2 * 3_600_000 * rng.normal(), 0, DAY_MS),
    weekendFactor: o.weekendFactor,
  };
  const fns: SynthFunction[] = triggers.map((trigger, i) => {
    const perDay = (ratePerDay * (weights[i] ?? 0)) / wSum;
    const meanDurationMs = clamp(1000 * logNormal(rng, DURATION_LOGNORMAL.mu, DURATION_LOGNORMAL.sigma), 1, 600_000);
    if (trigger === 'timer') {
      const periodMs = nearestPeriod(DAY_MS / Math.max(perDay, 1e-9));
      return { trigger, ratePerMs: 1 / periodMs, periodMs, phaseMs: rng.next() * periodMs, meanDurationMs };
    }
    const f: SynthFunction = { trigger, ratePerMs: perDay / DAY_MS, meanDurationMs };
    const kind = rng.next();
    if (kind < o.steadyShare) {
      // Jitter from a second to a fifth of the period: an outside cron to a loosely regular device.
      const periodMs = 1 / f.ratePerMs;
      f.steadyJitterMs = logUniform(rng, Math.min(1000, periodMs / 5), periodMs / 5);
    } else if (kind < o.steadyShare + o.burstyShare) {
      // Clustered ON/OFF: bursts of ~B calls spaced ~G apart (a user session, a batch of queue
      // messages), 90% of the calls inside bursts; the rest is a thin background.
      const size = logUniform(rng, 2, 50);
      const gapMs = logUniform(rng, 10_000, 300_000);
      const meanOnMs = size * gapMs;
      const cycleMs = size / (0.9 * f.ratePerMs);
      const meanOffMs = cycleMs - meanOnMs;
      // Too busy to have quiet spells between bursts at this spacing: leave it Poisson.
      if (meanOffMs > meanOnMs) f.burst = { meanOnMs, meanOffMs, onRate: 1 / gapMs, offRate: (0.1 * f.ratePerMs * cycleMs) / meanOffMs };
    }
    return f;
  });
  const busiest = fns.reduce((a, b) => (b.ratePerMs > a.ratePerMs ? b : a));
  return {
    id: `app${String(index).padStart(5, '0')}`,
    memoryMb: Math.round(clamp(burr(rng, MEMORY_BURR.c, MEMORY_BURR.k, MEMORY_BURR.lambda), 16, 1536)),
    // Median 1 s with a tail to ~7 s at p99 (Huawei's measured cold starts).
    coldStartMs: Math.round(clamp(1000 * logNormal(rng, 0, 0.84), 100, 10_000)),
    functions: nFns,
    trigger: busiest.trigger,
    ratePerDay,
    cycle,
    fns,
  };
}

/** The triggers of an app's functions, by the published app compositions. */
function drawTriggers(rng: Rng, n: number): Trigger[] {
  if (n === 1) return [TRIGGERS[categorical(rng, SINGLE_TRIGGER_SHARE)] ?? 'http'];
  const restShare = n <= 5 ? REST_SMALL : REST_LARGE;
  const draw = (weights: readonly number[]) => (): Trigger => TRIGGERS[categorical(rng, weights)] ?? 'http';
  const only = (keep: (t: Trigger) => boolean): number[] => restShare.map((w, i) => (keep(TRIGGERS[i] ?? 'http') ? w : 0));
  const other = draw(only((t) => t !== 'http' && t !== 'timer'));
  const rest = (first: Trigger[], next: () => Trigger): Trigger[] => [...first, ...Array.from({ length: n - first.length }, next)];
  switch (categorical(rng, MULTI_KIND_SHARE)) {
    case 0: return Array<Trigger>(n).fill('http');
    case 1: return Array<Trigger>(n).fill('timer');
    case 2: return rest(['timer', rng.next() < TIMER_PAIR_HTTP ? 'http' : other()], draw(restShare));
    default: return rest([other()], draw(only((t) => t !== 'timer')));
  }
}

function nearestPeriod(ms: number): number {
  let best = TIMER_PERIODS_MS[0] ?? 60_000;
  for (const p of TIMER_PERIODS_MS) if (Math.abs(Math.log(p / ms)) < Math.abs(Math.log(best / ms))) best = p;
  return best;
}

/** Builds the arrival sources of one app; `rng` must be fresh for a replayable stream. */
function sources(app: SynthApp, rng: Rng): FunctionSource[] {
  return app.fns.map((f) => {
    const durations = new DurationSampler(rng, f.meanDurationMs);
    if (f.periodMs !== undefined) return new TimerSource(rng, f.periodMs, f.phaseMs ?? 0, 1000, durations);
    if (f.steadyJitterMs !== undefined) {
      const periodMs = 1 / f.ratePerMs;
      return new TimerSource(rng, periodMs, rng.next() * periodMs, f.steadyJitterMs, durations);
    }
    if (f.burst) {
      const rates = { on: f.burst.onRate, off: f.burst.offRate };
      return new ModulatedPoissonSource(rng, rates, { on: f.burst.meanOnMs, off: f.burst.meanOffMs }, app.cycle, durations);
    }
    const stay = { on: Infinity, off: Infinity };
    return new ModulatedPoissonSource(rng, { on: f.ratePerMs, off: f.ratePerMs }, stay, app.cycle, durations);
  });
}

/** A synthetic trace: its apps carry their generating parameters. */
export interface SynthTrace extends Trace {
  readonly apps: readonly SynthApp[];
}

/** A synthetic Azure-like trace. */
export function synthTrace(options: Partial<SynthOptions> = {}): SynthTrace {
  const o = { ...SYNTH_DEFAULTS, ...options };
  const apps = Array.from({ length: o.apps }, (_, i) => synthApp(o.seed, i, o));
  const endMs = o.days * DAY_MS;
  return {
    name: `synthetic(seed=${o.seed}, apps=${o.apps}, days=${o.days})`,
    apps,
    days: o.days,
    open(i: number) {
      const app = apps[i];
      if (!app) throw new RangeError(`no app ${i}`);
      return new MergedStream(sources(app, new Rng(deriveSeed(o.seed, `arrivals:${i}`))), endMs);
    },
  };
}
