/**
 * `nimbus serve` answers as soon as it listens. The machine's interpreters are probed afterwards,
 * in child processes; a request that needs a runtime still being probed waits for the probe (it
 * neither fails nor holds the other requests). A fake `python3.14` first on PATH answers its
 * probe only once the test opens a gate, so the probe is provably still running while the health
 * check and the control-plane calls are answered.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateFunctionCommand, GetFunctionCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { makeZip, ROLE, sdkClient } from '../helpers/nimbus.js';
import { serve } from '../helpers/serve.js';

test('nimbus serve answers while a runtime probe is still running', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-slow-probe-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const gate = join(dir, 'gate');
  const asked = join(dir, 'asked');
  mkdirSync(join(dir, 'bin'));
  const fake = join(dir, 'bin', 'python3.14');
  // Answers Nimbus's probe (sys.executable, version, prefix, base prefix, implementation) once the gate exists (or gives up once the test is gone).
  writeFileSync(
    fake,
    `#!/bin/sh\n: > '${asked}'\nwhile [ ! -e '${gate}' ] && [ -d '${dir}' ]; do sleep 0.05; done\necho '["${fake}", [3, 14, 0], "${dir}", "${dir}", "cpython"]'\n`,
    { mode: 0o755 },
  );
  const s = await serve(t, {
    env: { PATH: `${join(dir, 'bin')}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, NIMBUS_ISOLATION: 'process', NIMBUS_STEM_CELLS: '1', NIMBUS_RUNTIME_SDKS: '0' },
  });
  const lambda = sdkClient(s.url);
  t.after(() => lambda.destroy());

  // The probe started after the server listened, and is blocked on the gate.
  for (let i = 0; i < 600 && !existsSync(asked); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(existsSync(asked), `the server never probed the fake python3.14:\n${s.stderr()}`);

  // A function of the runtime being probed: its creation waits for the probe.
  let settled = false;
  const pyCreate = (async () =>
    lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'py-after-probe',
        Runtime: 'python3.14',
        Handler: 'app.handler',
        Role: ROLE,
        Code: { ZipFile: await makeZip({ 'app.py': 'def handler(e, c):\n    return e\n' }) },
      }),
    ))().finally(() => (settled = true));

  // Meanwhile everything else is answered.
  const health = await fetch(`${s.url}/nimbus/v1/health`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status?: string }).status, 'ok');
  assert.deepEqual((await lambda.send(new ListFunctionsCommand({}))).Functions, []);
  const node = await lambda.send(
    new CreateFunctionCommand({ FunctionName: 'node-now', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await makeZip({ 'index.js': 'exports.handler = async () => 1;' }) } }),
  );
  assert.equal(node.Runtime, 'nodejs20.x');
  assert.equal((await lambda.send(new GetFunctionCommand({ FunctionName: 'node-now' }))).Configuration?.FunctionName, 'node-now');
  assert.equal(existsSync(gate), false);
  assert.equal(settled, false, 'the python3.14 function was answered before its runtime was probed');

  // The probe answers: the waiting creation goes through, on the interpreter the probe found.
  writeFileSync(gate, '');
  const py = await pyCreate;
  assert.equal(py.Runtime, 'python3.14');
  assert.equal(py.FunctionName, 'py-after-probe');
});
