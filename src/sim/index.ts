import { parsePolicy } from '../policy/parse.js';
import type { KeepAlivePolicy } from '../policy/types.js';
import { loadAzureTrace } from './azure.js';
import { summarise, totalWaste, type PolicyResult } from './metrics.js';
import { TraceFuture, replay } from './simulator.js';
import { synthTrace } from './synth.js';
import type { Trace } from './trace.js';

export type { PolicyResult } from './metrics.js';
export type { Trace, TraceApp } from './trace.js';
export { synthTrace } from './synth.js';
export { loadAzureTrace } from './azure.js';
export { replay, TraceFuture } from './simulator.js';

/** The normalisation baseline of the wasted-memory axis. */
export const BASELINE_POLICY = 'fixed:10m';

/** Inputs of one simulation: a trace (synthetic unless `traceDir`), policies and a regime. */
export interface SimulationOptions {
  seed: number;
  /** Apps to synthesise, or to sample from the Azure trace. */
  apps: number;
  /** Days of trace; the first `trainDays` warm the policies up and are not measured. */
  days: number;
  trainDays: number;
  /** `unconstrained` memory (SitW metrics) or a fixed `capacity` (FaasCache metrics). */
  regime: 'unconstrained' | 'capacity';
  /** Capacity regime: MB, or a string like `25%` of the apps' summed sandbox memory. */
  capacity?: number | string;
  /** Policy specs, e.g. `fixed:10m`, `hybrid`, `learned` (see policy/parse.ts). */
  policies: readonly string[];
  /** A directory with Azure Functions 2019 CSVs to replay instead of a synthetic trace. */
  traceDir?: string;
  /** Cap on a synthetic app's rate, per second (100 = the published range). */
  maxRatePerSec?: number;
  timeDecisions?: boolean;
  onProgress?: (fraction: number) => void;
}

/** What a simulation produced. */
export interface SimulationReport {
  trace: string;
  seed: number;
  apps: number;
  days: number;
  trainDays: number;
  regime: 'unconstrained' | 'capacity';
  capacityMb: number | null;
  /** The capacity as asked for (`25%`, `8192`), so runs over several seeds group together. */
  capacity: string | null;
  policies: PolicyResult[];
}

/** Builds the trace `options` describe. */
export async function buildTrace(options: SimulationOptions): Promise<Trace> {
  if (options.traceDir) {
    return loadAzureTrace(options.traceDir, { apps: options.apps, seed: options.seed, days: options.days });
  }
  const o: Parameters<typeof synthTrace>[0] = { seed: options.seed, apps: options.apps, days: options.days };
  if (options.maxRatePerSec !== undefined) o.maxRatePerSec = options.maxRatePerSec;
  return synthTrace(o);
}

/** Resolves a capacity option against a trace's apps. */
export function resolveCapacity(trace: Trace, capacity: number | string | undefined): number {
  const total = trace.apps.reduce((a, x) => a + x.memoryMb, 0);
  if (capacity === undefined) return Math.round(total * 0.25);
  if (typeof capacity === 'number') return capacity;
  const m = /^(\d+(?:\.\d+)?)%$/.exec(capacity.trim());
  if (m) return Math.round((total * Number(m[1])) / 100);
  const mb = Number(capacity);
  if (!Number.isFinite(mb) || mb <= 0) throw new RangeError(`capacity must be MB or a percentage, got "${capacity}"`);
  return mb;
}

/**
 * Runs the policies over one trace and summarises them; the programmatic twin of
 * `nimbus sim`. Deterministic for a seed except the decision timings.
 */
export async function runSimulation(options: SimulationOptions, prebuilt?: Trace): Promise<SimulationReport> {
  if (!(options.trainDays >= 0 && options.trainDays < options.days)) {
    throw new RangeError(`trainDays must be in [0, days), got ${options.trainDays} of ${options.days}`);
  }
  const trace = prebuilt ?? (await buildTrace(options));
  const future = new TraceFuture();
  const names = [...options.policies];
  const hiddenBaseline = !names.includes(BASELINE_POLICY);
  if (hiddenBaseline) names.push(BASELINE_POLICY);
  const capacityMb = options.regime === 'capacity' ? resolveCapacity(trace, options.capacity) : Infinity;
  const policies: KeepAlivePolicy[] = names.map((n) => parsePolicy(n, { seed: options.seed, future, capacityMb }));
  const spec: Parameters<typeof replay>[0] = {
    trace,
    policies,
    capacityMb,
    measureFromDay: options.trainDays,
    future,
    timeDecisions: options.timeDecisions ?? false,
  };
  if (options.onProgress) spec.onProgress = options.onProgress;
  const counters = replay(spec);
  const baselineCounters = counters[names.indexOf(BASELINE_POLICY)];
  if (!baselineCounters) throw new Error('the fixed 10-minute baseline did not run');
  const baseline = totalWaste(baselineCounters);
  const results = counters.map((c, k) => summarise(names[k] ?? '', trace.apps, c, baseline, policies[k]?.stateBytes?.()));
  return {
    trace: trace.name,
    seed: options.seed,
    apps: trace.apps.length,
    days: trace.days,
    trainDays: options.trainDays,
    regime: options.regime,
    capacityMb: Number.isFinite(capacityMb) ? capacityMb : null,
    capacity: options.regime === 'capacity' ? String(options.capacity ?? '25%') : null,
    policies: hiddenBaseline ? results.slice(0, -1) : results,
  };
}
