/**
 * Row 17 of docs/reference/reliability-and-isolation.md §5, short: about a minute of mixed sync and async load
 * while a chaos loop kill -9s the server, kill -9s sandboxes and SIGSTOPs the server for 5 s
 * (test/helpers/chaos-soak.ts). The 30-minute version is `npm run soak:async -- --minutes 30`.
 * NIMBUS_SOAK_SECONDS and NIMBUS_CHAOS_SEED change the length and replay a run.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { runSoak } from '../helpers/chaos-soak.js';
import { ledgerDir } from '../helpers/ledger.js';

test('chaos soak: every accepted event ends in exactly one terminal state, none stays in flight, no sync call hangs', { timeout: 300_000 }, async (t) => {
  const workDir = ledgerDir('nimbus-soak-');
  t.after(() => rmSync(workDir, { recursive: true, force: true }));
  const seed = Number(process.env['NIMBUS_CHAOS_SEED'] ?? Date.now() % 100_000);
  const report = await runSoak({
    durationMs: Number(process.env['NIMBUS_SOAK_SECONDS'] ?? 60) * 1000,
    workDir,
    seed,
    retries: 0,
    chaosGapMs: [2_500, 5_000],
  });
  t.diagnostic(JSON.stringify(report));
  assert.deepEqual(report.problems, [], `seed ${seed}: ${JSON.stringify(report)}`);
  // The run means something only if every kind of chaos happened and work got done around it.
  assert.ok(report.chaos.serverKills >= 1 && report.chaos.sandboxKills >= 1 && report.chaos.stops >= 1, `seed ${seed}: every kind of chaos: ${JSON.stringify(report.chaos)}`);
  assert.ok(report.async.accepted >= 100, `seed ${seed}: enough events accepted: ${report.async.accepted}`);
  assert.ok(report.sync.ok >= 10, `seed ${seed}: sync calls succeeded between faults: ${report.sync.ok}`);
  assert.equal(report.terminal.notTerminal, 0);
});
