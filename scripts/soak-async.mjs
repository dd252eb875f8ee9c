// The full chaos soak of docs/reference/reliability-and-isolation.md §5 row 17 (the short version runs in
// `npm test`, test/e2e/async-soak.test.ts). Usage:
//   npm run soak:async -- --minutes 30 [--seed N] [--retries 0-2] [--async-pause-ms 150] [--keep]
// Prints the report as JSON; exits 1 when an accepted event lacks exactly one terminal state,
// something stays in flight, or a call hung.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    seed: { type: 'string' },
    retries: { type: 'string', default: '2' },
    // Each of the three async clients pauses about this long between events; the default offers
    // a load the 16 delivery slots keep up with, so that the queue does not grow for 30 minutes.
    'async-pause-ms': { type: 'string', default: '150' },
    keep: { type: 'boolean', default: false },
  },
});
const { runSoak } = await import('../dist/test/helpers/chaos-soak.js');
const workDir = mkdtempSync(join(tmpdir(), 'nimbus-soak-'));
const seed = Number(values.seed ?? Date.now() % 100_000);
const started = new Date();
const log = (line) => process.stderr.write(`[${new Date().toISOString()}] ${line}\n`);
log(`soak: ${values.minutes} min, seed ${seed}, retries ${values.retries}, async pause ${values['async-pause-ms']} ms, work dir ${workDir}`);
const report = await runSoak({
  durationMs: Number(values.minutes) * 60_000,
  workDir,
  seed,
  retries: Number(values.retries),
  asyncPauseMs: Number(values['async-pause-ms']),
  chaosGapMs: [5_000, 20_000],
  log,
});
process.stdout.write(`${JSON.stringify({ started: started.toISOString(), ended: new Date().toISOString(), ...report }, null, 2)}\n`);
if (!values.keep) rmSync(workDir, { recursive: true, force: true });
process.exit(report.problems.length === 0 ? 0 : 1);
