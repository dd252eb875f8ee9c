/**
 * `nimbus serve --hot-handoff on|off` (env NIMBUS_HOT_HANDOFF; docs/sandbox-lifecycle.md): anything
 * else is refused before Nimbus starts, by flag or by environment. What hand-off does is tested in
 * test/unit/pool-handoff.test.ts and test/e2e/hot-handoff.test.ts.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { NIMBUS_BIN, nimbusCli, serve } from '../helpers/serve.js';

test('serve refuses an unknown --hot-handoff, from the flag or the environment', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-hot-handoff-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const r = await nimbusCli(['serve', '--port', '0', '--data-dir', dataDir, '--hot-handoff', 'maybe']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--hot-handoff must be on or off, got 'maybe'/);
  assert.doesNotMatch(r.stderr, /listening on/);
  const e = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, [NIMBUS_BIN, 'serve', '--port', '0', '--data-dir', dataDir], { env: { ...process.env, NIMBUS_HOT_HANDOFF: 'yes' } }, (err, _out, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
    );
  });
  assert.notEqual(e.code, 0);
  assert.match(e.stderr, /--hot-handoff must be on or off, got 'yes'/);
});

test('serve with NIMBUS_HOT_HANDOFF=off starts, and /metrics reports the hand-off figures', async (t) => {
  const s = await serve(t, { env: { NIMBUS_HOT_HANDOFF: 'off' } });
  const text = await (await fetch(`${s.url}/metrics`)).text();
  for (const name of ['nimbus_invocations_waiting', 'nimbus_handoffs', 'nimbus_handoff_spills']) assert.match(text, new RegExp(`^${name} 0$`, 'm'));
});

test('serve --help documents --hot-handoff', async () => {
  const r = await nimbusCli(['serve', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--hot-handoff <on\|off>/);
  assert.match(r.stdout, /NIMBUS_HOT_HANDOFF/);
});
