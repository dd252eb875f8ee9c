/**
 * Server lifecycle as users depend on it: a SIGTERM lets in-flight invocations finish and
 * leaves no sandbox behind; a SIGKILLed server's sandboxes exit on their own; a restart on the
 * same data directory loses nothing. These run with process isolation so that a function's
 * `process.pid` is a host pid the test can watch; test/sandbox/namespace-crash covers the same
 * promises for namespace sandboxes (bwrap --die-with-parent, stale cleanup).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateFunctionCommand, InvokeCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { makeZip, payloadJson, ROLE, sdkClient } from '../helpers/nimbus.js';
import { alive, serve } from '../helpers/serve.js';

const SLOW = `exports.handler = async (e) => { await new Promise(r => setTimeout(r, e.ms ?? 0)); return process.pid; };`;

async function waitUntil(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

test('SIGTERM drains in-flight invocations and kills every sandbox', async (t) => {
  const s = await serve(t, { env: { NIMBUS_ISOLATION: 'process' } });
  const lambda = sdkClient(s.url);
  t.after(() => lambda.destroy());
  await lambda.send(new CreateFunctionCommand({ FunctionName: 'slow', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await makeZip({ 'index.js': SLOW }) } }));
  const idlePid = payloadJson((await lambda.send(new InvokeCommand({ FunctionName: 'slow', Payload: Buffer.from('{}') }))).Payload) as number;
  const inflight = lambda.send(new InvokeCommand({ FunctionName: 'slow', Payload: Buffer.from('{"ms":1500}') }));
  await new Promise((r) => setTimeout(r, 400));
  s.child.kill('SIGTERM');
  const r = await inflight;
  assert.equal(r.StatusCode, 200);
  assert.equal(r.FunctionError, undefined, 'the in-flight invocation finished normally');
  const busyPid = payloadJson(r.Payload) as number;
  const exit = await s.exited;
  assert.equal(exit.code, 0);
  assert.equal(alive(idlePid), false, 'idle sandbox killed');
  assert.ok(await waitUntil(() => !alive(busyPid), 2000), 'busy sandbox killed');
  await assert.rejects(lambda.send(new ListFunctionsCommand({})), 'the server no longer answers');
});

test('a SIGKILLed server leaves no sandbox running, and a restart loses nothing', async (t) => {
  const s = await serve(t, { env: { NIMBUS_ISOLATION: 'process' } });
  const lambda = sdkClient(s.url);
  t.after(() => lambda.destroy());
  await lambda.send(new CreateFunctionCommand({ FunctionName: 'keep', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await makeZip({ 'index.js': SLOW }) } }));
  const pid = payloadJson((await lambda.send(new InvokeCommand({ FunctionName: 'keep' }))).Payload) as number;
  assert.ok(alive(pid));
  s.child.kill('SIGKILL');
  await s.exited;
  assert.ok(await waitUntil(() => !alive(pid), 5000), 'the orphaned sandbox exits when its Runtime API goes away');

  const restarted = await serve(t, { dataDir: s.dataDir, env: { NIMBUS_ISOLATION: 'process' } });
  const l2 = sdkClient(restarted.url);
  t.after(() => l2.destroy());
  const list = await l2.send(new ListFunctionsCommand({}));
  assert.deepEqual(list.Functions?.map((f) => f.FunctionName), ['keep']);
  const r = await l2.send(new InvokeCommand({ FunctionName: 'keep' }));
  assert.equal(r.StatusCode, 200);
  assert.notEqual(payloadJson(r.Payload), pid);
});
