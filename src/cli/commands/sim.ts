import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Command, Option } from 'commander';
import { POLICY_KINDS } from '../../policy/parse.js';
import { buildTrace, runSimulation, type SimulationOptions, type SimulationReport } from '../../sim/index.js';
import { renderSvg } from '../../sim/plot.js';
import { svgToPng } from '../../sim/png.js';
import { ProgressBar } from '../../sim/progress.js';
import { aggregate, capacityPoints, formatTable, paretoPoints } from '../../sim/report.js';
import { messageOf } from '../../core/errors.js';

/** Policies compared when `--policies` is not given. */
export const DEFAULT_POLICIES = [
  'fixed:1m', 'fixed:10m', 'fixed:20m', 'fixed:60m', 'fixed:2h', 'never',
  'hybrid:1h', 'hybrid:2h', 'hybrid', 'greedy-dual', 'learned', 'learned:mlp', 'oracle',
];

interface SimFlags {
  seed: string;
  apps: string;
  days: string;
  trainDays?: string;
  regime: 'unconstrained' | 'capacity';
  capacity?: string;
  trace?: string;
  policies?: string;
  maxRate: string;
  json?: string;
  plot?: string;
  progress: boolean;
}

const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new RangeError(`--${name} must be a positive integer, got "${v}"`);
  return n;
}

/**
 * Adds `nimbus sim`: replays a trace (synthetic Azure-like, or the Azure 2019 CSVs) through
 * keep-alive policies, prints a table, and optionally writes JSON and a Pareto plot.
 */
export function registerSim(program: Command): Command {
  return program
    .command('sim')
    .description('replay a serverless trace through keep-alive policies and compare cold starts against wasted memory')
    .option('--seed <list>', 'seed, or comma-separated seeds (results are averaged)', '1')
    .option('--apps <n>', 'apps to synthesise, or to sample from --trace', '200')
    .option('--days <n>', 'days of trace', '14')
    .option('--train-days <n>', 'leading days that warm policies up and are not measured (default: half)')
    .addOption(new Option('--regime <regime>', 'unconstrained memory (SitW) or a fixed capacity (FaasCache)').choices(['unconstrained', 'capacity']).default('unconstrained'))
    .option('--capacity <list>', 'capacity regime: MB or % of summed app memory, comma-separated for a sweep (default 25%)')
    .option('--trace <dir>', 'directory with Azure Functions 2019 CSVs (invocations_per_function_md.anon.dNN.csv, ...)')
    .option('--policies <list>', `comma-separated policy specs (default: ${DEFAULT_POLICIES.join(',')})`)
    .option('--max-rate <perSec>', 'cap on a synthetic app\'s rate; 100 is the published top (slower)', '1')
    .option('--json <file>', 'write { policies: [...] } (averaged over seeds) and every run to FILE')
    .option('--plot <prefix>', 'write PREFIX.svg and PREFIX.png')
    .option('--no-progress', 'no progress bar')
    .addHelpText('after', `\nPolicy specs:\n${Object.values(POLICY_KINDS).map((s) => `  ${s}`).join('\n')}`)
    .action(async (flags: SimFlags) => {
      await runSimCommand(flags);
    });
}

async function runSimCommand(flags: SimFlags): Promise<void> {
  const seeds = list(flags.seed).map((s) => positiveInt('seed', s));
  const days = positiveInt('days', flags.days);
  const trainDays = flags.trainDays !== undefined ? Number(flags.trainDays) : Math.floor(days / 2);
  const capacities: (string | undefined)[] = flags.regime === 'capacity' ? (flags.capacity ? list(flags.capacity) : [undefined]) : [undefined];
  const policies = flags.policies ? list(flags.policies) : DEFAULT_POLICIES;
  const bar = flags.progress ? new ProgressBar() : undefined;
  const runs: SimulationReport[] = [];
  const total = seeds.length * capacities.length;
  let done = 0;
  for (const seed of seeds) {
    const base: SimulationOptions = {
      seed,
      apps: positiveInt('apps', flags.apps),
      days,
      trainDays,
      regime: flags.regime,
      policies,
      maxRatePerSec: Number(flags.maxRate),
      timeDecisions: true,
    };
    if (flags.trace) base.traceDir = flags.trace;
    const trace = await buildTrace(base);
    for (const capacity of capacities) {
      const o: SimulationOptions = { ...base, onProgress: (f) => bar?.update((done + f) / total, `seed ${seed}${capacity ? ` capacity ${capacity}` : ''}`) };
      if (capacity !== undefined) o.capacity = capacity;
      runs.push(await runSimulation(o, trace));
      done++;
    }
  }
  bar?.done();
  const rows = aggregate(runs);
  const first = runs[0];
  process.stdout.write(`${first?.trace ?? ''}; seeds ${seeds.join(',')}; measured days ${trainDays + 1}-${days}; regime ${flags.regime}\n`);
  process.stdout.write(`${formatTable(rows, flags.regime)}\n`);
  if (flags.json) {
    await mkdir(dirname(flags.json), { recursive: true });
    await writeFile(flags.json, `${JSON.stringify({ policies: rows, runs }, null, 2)}\n`);
  }
  if (flags.plot) {
    const sub = `${first?.trace ?? ''}, seeds ${seeds.join(',')}, measured days ${trainDays + 1}-${days}`;
    const multiCap = flags.regime === 'capacity' && capacities.length > 1;
    const svg = renderSvg(
      multiCap
        ? { title: 'Cold starts against memory capacity', subtitle: sub, xLabel: 'memory capacity (GB)', yLabel: 'cold starts (% of invocations)', points: capacityPoints(rows) }
        : { title: 'Cold starts against wasted memory', subtitle: sub, xLabel: 'wasted memory time (% of fixed 10-minute keep-alive)', yLabel: '3rd-quartile app cold-start %', points: paretoPoints(rows) },
    );
    await mkdir(dirname(`${flags.plot}.svg`), { recursive: true });
    await writeFile(`${flags.plot}.svg`, svg);
    try {
      await writeFile(`${flags.plot}.png`, await svgToPng(svg));
    } catch (err) {
      process.stderr.write(`nimbus sim: wrote ${flags.plot}.svg but no PNG (${messageOf(err)})\n`);
    }
  }
}
