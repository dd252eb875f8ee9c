/**
 * Per function version metrics: invocations, errors, throttles, cold starts, duration and
 * init-duration histograms, peak memory and GB-seconds, with what the same usage would cost on
 * AWS Lambda at its public on-demand x86 rates, for comparison. Rendered in Prometheus text
 * format at /metrics and as JSON for `nimbus stats`. Recording is a few additions in memory.
 */
import { DURATION_BUCKETS_MS, Histogram } from './histogram.js';

/** AWS Lambda public prices (x86, us-east-1): per GB-second and per request. */
export const LAMBDA_PRICE_PER_GB_SECOND = 0.0000166667;
export const LAMBDA_PRICE_PER_REQUEST = 0.2 / 1_000_000;

export interface InvocationSample {
  durationMs: number;
  billedMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  error: boolean;
  coldStart: boolean;
  initDurationMs?: number | undefined;
}

interface Series {
  region: string;
  fn: string;
  version: string;
  invocations: number;
  errors: number;
  throttles: number;
  coldStarts: number;
  gbSeconds: number;
  peakMemoryMb: number;
  duration: Histogram;
  init: Histogram;
}

export interface FunctionStats {
  region: string;
  function: string;
  version: string;
  invocations: number;
  errors: number;
  throttles: number;
  coldStarts: number;
  coldStartRate: number;
  durationP50Ms: number;
  durationP99Ms: number;
  peakMemoryMb: number;
  gbSeconds: number;
  /** Memory held by idle (warm, unused) sandboxes, in GB-seconds: the price of keep-alive. */
  idleGbSeconds: number;
  lambdaPriceUsd: number;
}

/** Idle GB-seconds by pool app key (`account/region/function/version`). */
export type IdleByApp = ReadonlyMap<string, number>;

const idleOf = (idle: IdleByApp | undefined, s: { region: string; fn: string; version: string }): number => {
  if (!idle) return 0;
  for (const [k, v] of idle) if (k.endsWith(`/${s.region}/${s.fn}/${s.version}`)) return v;
  return 0;
};

export class Metrics {
  private readonly series = new Map<string, Series>();

  /** The series asked for last: a warm function's invocations skip building the map key. */
  private last: Series | null = null;

  private get(region: string, fn: string, version: string): Series {
    const l = this.last;
    if (l !== null && l.fn === fn && l.version === version && l.region === region) return l;
    const key = `${region}\0${fn}\0${version}`;
    let s = this.series.get(key);
    if (!s) {
      s = { region, fn, version, invocations: 0, errors: 0, throttles: 0, coldStarts: 0, gbSeconds: 0, peakMemoryMb: 0, duration: new Histogram(DURATION_BUCKETS_MS), init: new Histogram(DURATION_BUCKETS_MS) };
      this.series.set(key, s);
    }
    this.last = s;
    return s;
  }

  invocation(region: string, fn: string, version: string, x: InvocationSample): void {
    const s = this.get(region, fn, version);
    s.invocations++;
    if (x.error) s.errors++;
    if (x.coldStart) s.coldStarts++;
    if (x.initDurationMs !== undefined) s.init.observe(x.initDurationMs);
    s.duration.observe(x.durationMs);
    s.gbSeconds += (x.memorySizeMb / 1024) * (x.billedMs / 1000);
    s.peakMemoryMb = Math.max(s.peakMemoryMb, x.maxMemoryUsedMb);
  }

  throttle(region: string, fn: string, version: string): void {
    this.get(region, fn, version).throttles++;
  }

  /** Drops a deleted function's series. */
  forget(region: string, fn: string): void {
    this.last = null;
    for (const [k, s] of this.series) if (s.region === region && s.fn === fn) this.series.delete(k);
  }

  stats(idle?: IdleByApp): FunctionStats[] {
    return [...this.series.values()]
      .sort((a, b) => a.fn.localeCompare(b.fn) || a.version.localeCompare(b.version))
      .map((s) => ({
        region: s.region,
        function: s.fn,
        version: s.version,
        invocations: s.invocations,
        errors: s.errors,
        throttles: s.throttles,
        coldStarts: s.coldStarts,
        coldStartRate: s.invocations ? s.coldStarts / s.invocations : 0,
        durationP50Ms: s.duration.quantile(0.5),
        durationP99Ms: s.duration.quantile(0.99),
        peakMemoryMb: s.peakMemoryMb,
        gbSeconds: s.gbSeconds,
        idleGbSeconds: idleOf(idle, s),
        lambdaPriceUsd: s.gbSeconds * LAMBDA_PRICE_PER_GB_SECOND + s.invocations * LAMBDA_PRICE_PER_REQUEST,
      }));
  }

  /** Prometheus text exposition format 0.0.4. */
  prometheus(extra: { name: string; help: string; value: number }[] = [], idle?: IdleByApp): string {
    const out: string[] = [];
    const lbl = (s: Series): string => `region="${esc(s.region)}",function="${esc(s.fn)}",version="${esc(s.version)}"`;
    const counter = (name: string, help: string, pick: (s: Series) => number): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
      for (const s of this.series.values()) out.push(`${name}{${lbl(s)}} ${pick(s)}`);
    };
    counter('nimbus_invocations_total', 'Invocations, including failed ones.', (s) => s.invocations);
    counter('nimbus_errors_total', 'Invocations that ended with X-Amz-Function-Error.', (s) => s.errors);
    counter('nimbus_throttles_total', 'Invocations refused with 429 TooManyRequestsException.', (s) => s.throttles);
    counter('nimbus_cold_starts_total', 'Invocations that had to start a sandbox.', (s) => s.coldStarts);
    counter('nimbus_gb_seconds_total', 'Billed duration times memory size, in GB-seconds.', (s) => s.gbSeconds);
    counter('nimbus_lambda_price_usd_total', 'What this usage would cost on AWS Lambda (x86, on-demand), in USD.', (s) => s.gbSeconds * LAMBDA_PRICE_PER_GB_SECOND + s.invocations * LAMBDA_PRICE_PER_REQUEST);
    counter('nimbus_idle_gb_seconds_total', 'Memory held by idle warm sandboxes, in GB-seconds.', (s) => idleOf(idle, s));
    out.push('# HELP nimbus_peak_memory_mb Highest Max Memory Used seen.', '# TYPE nimbus_peak_memory_mb gauge');
    for (const s of this.series.values()) out.push(`nimbus_peak_memory_mb{${lbl(s)}} ${s.peakMemoryMb}`);
    const histogram = (name: string, help: string, pick: (s: Series) => Histogram): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
      for (const s of this.series.values()) {
        const h = pick(s);
        h.bounds.forEach((b, i) => out.push(`${name}_bucket{${lbl(s)},le="${b}"} ${h.counts[i]}`));
        out.push(`${name}_bucket{${lbl(s)},le="+Inf"} ${h.count}`, `${name}_sum{${lbl(s)}} ${h.sum}`, `${name}_count{${lbl(s)}} ${h.count}`);
      }
    };
    histogram('nimbus_duration_ms', 'Invocation duration in milliseconds.', (s) => s.duration);
    histogram('nimbus_init_duration_ms', 'Init Duration of cold starts in milliseconds.', (s) => s.init);
    for (const e of extra) out.push(`# HELP ${e.name} ${e.help}`, `# TYPE ${e.name} gauge`, `${e.name} ${e.value}`);
    return `${out.join('\n')}\n`;
  }
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
