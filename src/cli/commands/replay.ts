/**
 * `nimbus replay`: plays a trace (synthetic, or the Azure Functions 2019 CSVs) against a running
 * Nimbus, compressed in time, and compares the live cold starts and idle memory with what
 * `nimbus sim` predicts for the same slice and the same policy (docs/policy.md, "Replay").
 * The server must run with `--time-scale` equal to the compression and a fresh data directory;
 * the policy is the server's own (`--keepalive`), read from /nimbus/v1/health. Run it with
 * `--stem-cells 0`: the simulator gives pre-warms the measured init time, and with stem cells
 * some inits take milliseconds (a stem cell was free) and others a fresh process's time.
 */
import type { Command } from 'commander';
import type { NimbusClient } from '../client.js';
import type { WindowApp } from '../replay/window.js';

interface ReplayFlags {
  seed: string;
  apps: string;
  minutes: string;
  maxInvocations: string;
  trace?: string;
  prefix: string;
  json: boolean;
}

export interface ReplayReport {
  policy: string;
  scale: number;
  apps: number;
  invocations: number;
  minutes: number;
  live: { coldStarts: number; idleGbS: number; errors: number; lagP50Ms: number; lagP99Ms: number };
  sim: { coldStarts: number; idleGbS: number; prewarms: number };
  /** Per app: its memory, calls, and cold starts live and in the simulator given the live calls. */
  perApp: { memoryMb: number; calls: number; liveCold: number; simCold: number }[];
  /**
   * The simulator given the calls the live run made (when each was sent, how long it held its
   * sandbox) and its measured init times, with pre-warms that take that init before they serve.
   */
  simMeasured: { coldStarts: number; idleGbS: number; prewarms: number };
  /** |sim - live| / live with the measured times. */
  coldStartGap: number;
  idleGap: number;
}

const num = (name: string, v: string, min: number): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min) throw new RangeError(`--${name} must be a number >= ${min}, got "${v}"`);
  return n;
};

export function registerReplay(program: Command, client: () => NimbusClient): Command {
  return program
    .command('replay')
    .description('drive a running Nimbus with a time-compressed trace and compare its cold starts and idle memory with the simulator')
    .option('--seed <n>', 'seed of the synthetic trace, or of the apps sampled from --trace', '1')
    .option('--apps <n>', 'apps to synthesise or sample (apps are dropped, busiest first, to stay within --max-invocations)', '30')
    .option('--minutes <n>', 'trace minutes to play (trace time; wall time is this divided by the server\'s --time-scale)', '240')
    .option('--max-invocations <n>', 'at most this many calls', '2000')
    .option('--trace <dir>', 'directory with Azure Functions 2019 CSVs instead of a synthetic trace')
    .option('--prefix <name>', 'function names are PREFIX0, PREFIX1, ...', 'replay-')
    .option('--json', 'print the report as JSON')
    .action(async (f: ReplayFlags) => {
      // Loaded here: `nimbus serve` and the other commands should not pay for the simulator at start.
      const [{ buildTrace }, { disagreement, initSamples, initTimes, leadTimes, liveFigures, simulate }, { deployApps, drive }, { windowTrace, asMeasured }] = await Promise.all([
        import('../../sim/index.js'),
        import('../replay/compare.js'),
        import('../replay/drive.js'),
        import('../replay/window.js'),
      ]);
      const c = client();
      const health = JSON.parse((await c.request('GET', '/nimbus/v1/health')).body.toString()) as { poolTimeScale?: number; policy?: string };
      const scale = health.poolTimeScale ?? 1;
      const policy = health.policy ?? 'fixed:10m';
      const endMs = num('minutes', f.minutes, 1) * 60_000;
      const seed = num('seed', f.seed, 0);
      const full = await buildTrace({
        seed,
        apps: num('apps', f.apps, 1),
        days: 1,
        trainDays: 0,
        regime: 'unconstrained',
        policies: [],
        ...(f.trace ? { traceDir: f.trace } : {}),
      });
      // Calls no longer than 30 s of trace time (and so the functions' timeouts stay small).
      const slice = windowTrace(full, { endMs, maxInvocations: num('max-invocations', f.maxInvocations, 1), maxDurationMs: 30_000 });
      const apps: readonly WindowApp[] = slice.apps;
      const invocations = apps.reduce((a, x) => a + x.arrivals.length, 0);
      if (scale === 1) process.stderr.write('replay: the server runs at time scale 1 (no --time-scale): the replay takes as long as the trace slice\n');
      process.stderr.write(`replay: ${slice.apps.length} apps, ${invocations} calls over ${endMs / 60_000} trace minutes = ${((endMs / scale) / 1000).toFixed(0)} s at time scale ${scale}, policy ${policy}\n`);
      const opts = { client: c, apps, endMs, scale, prefix: f.prefix };
      await deployApps(opts);
      const live = await drive(opts);
      const sim = simulate(slice, policy);
      const simMeasured = simulate(asMeasured(apps, live.sentAt, live.spans, slice.days, initTimes(live, scale), leadTimes(live, scale), initSamples(live, scale)), policy, { prewarmInit: true });
      const l = liveFigures(live);
      const report: ReplayReport = {
        policy,
        scale,
        apps: slice.apps.length,
        invocations,
        minutes: endMs / 60_000,
        live: { coldStarts: l.coldStarts, idleGbS: l.idleGbS, errors: live.errors, lagP50Ms: live.lagP50Ms, lagP99Ms: live.lagP99Ms },
        sim: { coldStarts: sim.coldStarts, idleGbS: sim.idleGbS, prewarms: sim.prewarms },
        simMeasured: { coldStarts: simMeasured.coldStarts, idleGbS: simMeasured.idleGbS, prewarms: simMeasured.prewarms },
        perApp: apps.map((a, i) => ({ memoryMb: a.memoryMb, calls: a.arrivals.length, liveCold: l.coldPerApp[i] ?? 0, simCold: simMeasured.coldPerApp[i] ?? 0 })),
        coldStartGap: disagreement(simMeasured.coldStarts, l.coldStarts),
        idleGap: disagreement(simMeasured.idleGbS, l.idleGbS),
      };
      if (f.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const pc = (x: number): string => `${(x * 100).toFixed(1)}%`;
      process.stdout.write(
        [
          `policy ${policy}, ${report.apps} apps, ${invocations} calls, ${report.minutes} trace minutes at time scale ${scale}`,
          `                      cold starts   idle GB-s`,
          `live                  ${String(l.coldStarts).padStart(11)}   ${l.idleGbS.toFixed(1).padStart(9)}`,
          `sim (trace times)     ${String(sim.coldStarts).padStart(11)}   ${sim.idleGbS.toFixed(1).padStart(9)}`,
          `sim (measured calls)  ${String(simMeasured.coldStarts).padStart(11)}   ${simMeasured.idleGbS.toFixed(1).padStart(9)}`,
          `gap (measured)        ${pc(report.coldStartGap).padStart(11)}   ${pc(report.idleGap).padStart(9)}`,
          `errors ${live.errors}; calls sent late by p50 ${live.lagP50Ms.toFixed(1)} ms, p99 ${live.lagP99Ms.toFixed(1)} ms (wall)`,
          '',
        ].join('\n'),
      );
      if (live.errors > 0) process.exitCode = 1;
    })
    ;
}
