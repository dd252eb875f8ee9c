import type { PolicyResult, SimulationReport } from './index.js';
import type { PlotPoint } from './plot.js';

/** One policy averaged over seeds (at one capacity). */
export interface AggregateResult extends PolicyResult {
  seeds: number;
  /** The capacity as asked for, and its mean in MB over the seeds (null: unconstrained). */
  capacity: string | null;
  capacityMb: number | null;
  /** Per-seed extremes of the two headline metrics. */
  coldStartPercentP75Range: [number, number];
  wastedMemoryRatioRange: [number, number];
}

const NUMERIC: ReadonlyArray<keyof PolicyResult> = [
  'apps', 'invocations', 'coldStarts', 'coldStartPercentP75', 'coldStartPercentP50', 'coldStartPercentMean',
  'coldStartPercentOverall', 'wastedMemoryGbSec', 'wastedMemoryRatio', 'coldStartSeconds', 'evictions',
  'overflows', 'prewarms', 'prewarmHits', 'decisionMicrosP50', 'decisionMicrosP99', 'stateBytesPerApp', 'stateBytesShared',
];

/** Averages each policy's numbers over the runs that share a capacity. */
export function aggregate(runs: readonly SimulationReport[]): AggregateResult[] {
  const groups = new Map<string, { cap: string | null; mb: number[]; rows: PolicyResult[] }>();
  for (const run of runs) {
    for (const p of run.policies) {
      const key = `${run.capacity ?? 'inf'}|${p.name}`;
      const g = groups.get(key) ?? { cap: run.capacity, mb: [], rows: [] };
      g.rows.push(p);
      if (run.capacityMb !== null) g.mb.push(run.capacityMb);
      groups.set(key, g);
    }
  }
  return [...groups.values()].map(({ cap, mb, rows }) => {
    const first = rows[0] as PolicyResult;
    const capacityMb = mb.length ? Math.round(mb.reduce((a, b) => a + b, 0) / mb.length) : null;
    const out = { ...first, seeds: rows.length, capacity: cap, capacityMb } as AggregateResult;
    const rec = out as unknown as Record<string, number | undefined>;
    for (const k of NUMERIC) {
      const vals = rows.map((r) => r[k]).filter((v): v is number => typeof v === 'number');
      if (vals.length) rec[k] = vals.reduce((a, b) => a + b, 0) / vals.length;
    }
    const range = (f: (r: PolicyResult) => number): [number, number] => [Math.min(...rows.map(f)), Math.max(...rows.map(f))];
    out.coldStartPercentP75Range = range((r) => r.coldStartPercentP75);
    out.wastedMemoryRatioRange = range((r) => r.wastedMemoryRatio);
    return out;
  });
}

/** A fixed-width text table of aggregated results. */
export function formatTable(rows: readonly AggregateResult[], regime: string): string {
  const head = ['policy', 'p75 cold%', 'mean cold%', 'all cold%', 'waste x10m', 'waste GB-s', 'cold s', 'evict', 'dec us p99', 'B/app'];
  const cap = regime === 'capacity';
  if (cap) head.splice(1, 0, 'capacity (MB)');
  const body = rows.map((r) => {
    const cells = [
      r.name,
      r.coldStartPercentP75.toFixed(2),
      r.coldStartPercentMean.toFixed(2),
      r.coldStartPercentOverall.toFixed(3),
      r.wastedMemoryRatio.toFixed(3),
      r.wastedMemoryGbSec.toFixed(0),
      r.coldStartSeconds.toFixed(0),
      r.evictions.toFixed(0),
      Number.isFinite(r.decisionMicrosP99) ? r.decisionMicrosP99.toFixed(1) : '-',
      r.stateBytesPerApp !== undefined ? r.stateBytesPerApp.toFixed(0) : '-',
    ];
    if (cap) cells.splice(1, 0, `${r.capacity ?? '-'} (${r.capacityMb ?? '-'})`);
    return cells;
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** The plot's series: a policy's family (fixed, hybrid, learned, learned:mlp, ...). */
export function seriesOf(name: string): string {
  if (name.startsWith('learned:mlp')) return 'learned:mlp';
  return name.split(':')[0] ?? name;
}

/** Points of the Pareto plot: wasted memory (% of fixed 10 min) against p75 cold-start %. */
export function paretoPoints(rows: readonly AggregateResult[]): PlotPoint[] {
  return rows.map((r) => ({ label: r.name, series: seriesOf(r.name), x: 100 * r.wastedMemoryRatio, y: r.coldStartPercentP75 }));
}

/** Points of the capacity plot: capacity (GB) against overall cold-start %. */
export function capacityPoints(rows: readonly AggregateResult[]): PlotPoint[] {
  return rows.map((r) => ({ label: '', series: r.name, x: (r.capacityMb ?? 0) / 1024, y: r.coldStartPercentOverall }));
}
