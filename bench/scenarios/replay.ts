/**
 * replay: the simulator checked against the live pool (issue 18, item 5). For each policy a fresh
 * Nimbus (process isolation, no stem cells, pool time compressed by `scale`) is driven by `nimbus replay` with
 * the same synthetic trace slice; the table puts the live cold starts and idle memory beside the
 * simulator's prediction. The learned policy runs at several values of its trade-off knob
 * (kappa), so that its comparison with the hybrid is a curve, not a point.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ReplayReport } from '../../src/cli/commands/replay.js';
import { ROOT } from '../lib/paths.js';
import { startProc } from '../lib/proc.js';
import { fmt, type Section } from '../lib/report.js';
import { cleanEnv } from '../targets/ceiling.js';

export interface ReplayBenchOptions {
  policies: string[];
  scale: number;
  minutes: number;
  apps: number;
  maxInvocations: number;
  seed: number;
}

async function one(o: ReplayBenchOptions, policy: string): Promise<ReplayReport> {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-bench-replay-'));
  const p = await startProc(
    process.execPath,
    // No stem cells: every init is a fresh process, so one measured init time models the pre-warms too.
    [`${ROOT}bin/nimbus.js`, 'serve', '--port', '0', '--data-dir', dataDir, '--isolation', 'process', '--stem-cells', '0', '--keepalive', policy, '--time-scale', String(o.scale)],
    { env: cleanEnv(), ready: /listening on (http:\/\/\S+)/ },
  );
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [`${ROOT}bin/nimbus.js`, '--endpoint', p.match[1]!, 'replay', '--json', '--seed', String(o.seed), '--apps', String(o.apps), '--minutes', String(o.minutes), '--max-invocations', String(o.maxInvocations)],
      { env: cleanEnv(), maxBuffer: 16 * 1024 * 1024 },
    );
    return JSON.parse(stdout) as ReplayReport;
  } finally {
    await p.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const pc = (x: number): string => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');

export async function replayBench(o: ReplayBenchOptions): Promise<Section> {
  const rows: string[][] = [];
  const reports: ReplayReport[] = [];
  for (const policy of o.policies) {
    process.stderr.write(`bench: replay ${policy}...\n`);
    const r = await one(o, policy);
    reports.push(r);
    rows.push([
      policy,
      String(r.live.coldStarts),
      String(r.simMeasured.coldStarts),
      String(r.sim.coldStarts),
      pc(r.coldStartGap),
      fmt(r.live.idleGbS, 0),
      fmt(r.simMeasured.idleGbS, 0),
      fmt(r.sim.idleGbS, 0),
      pc(r.idleGap),
    ]);
  }
  const worst = Math.max(...reports.flatMap((r) => [r.coldStartGap, r.idleGap]));
  const first = reports[0];
  const notes = [
    first
      ? `${first.apps} apps, ${first.invocations} calls, ${first.minutes} trace minutes (seed ${o.seed}) played in ${fmt((first.minutes * 60) / o.scale, 0)} s at time scale ${o.scale}; idle memory in trace GB-seconds.`
      : 'no policy ran',
    `Largest disagreement between live and the simulator given the live calls: ${pc(worst)} (target <= 10%: ${worst <= 0.1 ? 'met' : 'NOT met'}).`,
    '"sim (trace)" replays the trace as generated; "sim (calls)" replays the calls as the live run made them (send time, and request-to-answer span, which includes init: at this time scale a 100 ms init lasts many trace seconds). docs/policy.md, "Replay", explains the gap between the two.',
    `Errors: ${reports.map((r) => r.live.errors).reduce((a, b) => a + b, 0)}; calls sent late by p99 ${fmt(Math.max(...reports.map((r) => r.live.lagP99Ms)), 0)} ms (wall) at worst.`,
    `Load average when the run ended: ${loadavg().map((x) => fmt(x, 1)).join(' ')} (2 cores shared with other work).`,
  ];
  return {
    scenario: 'replay',
    description: 'Live pool vs simulator on the same time-compressed trace: cold starts and idle memory per policy; learned at several kappa (its Pareto curve beside the hybrid).',
    table: {
      header: ['policy', 'live cold', 'sim cold (calls)', 'sim cold (trace)', 'cold gap', 'live idle GB-s', 'sim idle (calls)', 'sim idle (trace)', 'idle gap'],
      rows,
    },
    notes,
  };
}
