/** `nimbus stats`: per-function invocations, errors, cold starts, memory and cost. */
import type { Command } from 'commander';
import type { FunctionStats } from '../../metrics/metrics.js';
import type { NimbusClient } from '../client.js';

interface StatsPage {
  functions: FunctionStats[];
  pool: { idle: number; busy: number; starting: number; memoryInUseMb: number; capacityMb: number };
  concurrentExecutions: number;
}

const ms = (v: number): string => (Number.isFinite(v) ? `${v}` : '-');

export function registerStats(program: Command, client: () => NimbusClient): void {
  program
    .command('stats')
    .description('Show per-function metrics since Nimbus started (also at /metrics, in Prometheus format)')
    .option('--json', 'print the raw figures')
    .action(async (opts: { json?: boolean }) => {
      const s = await client().json<StatsPage>('GET', '/nimbus/v1/stats');
      if (opts.json) return void process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      const rows = [['FUNCTION', 'VERSION', 'CALLS', 'ERRORS', 'THROTTLES', 'COLD', 'P50 MS', 'P99 MS', 'PEAK MB', 'GB-S', 'IDLE GB-S', 'ON LAMBDA $']];
      for (const f of s.functions) {
        rows.push([
          f.function, f.version, `${f.invocations}`, `${f.errors}`, `${f.throttles}`,
          `${f.coldStarts} (${(100 * f.coldStartRate).toFixed(1)}%)`, `<=${ms(f.durationP50Ms)}`, `<=${ms(f.durationP99Ms)}`,
          `${f.peakMemoryMb}`, f.gbSeconds.toFixed(3), f.idleGbSeconds.toFixed(3), f.lambdaPriceUsd.toFixed(6),
        ]);
      }
      const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) process.stdout.write(`${r.map((v, i) => v.padEnd(w[i]!)).join('  ').trimEnd()}\n`);
      const p = s.pool;
      process.stdout.write(
        `\nsandboxes: ${p.busy} busy, ${p.idle} idle, ${p.starting} starting; memory ${p.memoryInUseMb} of ${p.capacityMb} MB; ${s.concurrentExecutions} running\n`,
      );
    });
}
