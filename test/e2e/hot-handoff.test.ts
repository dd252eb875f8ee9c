/**
 * Hand-off to hot sandboxes with real sandboxes (docs/sandbox-lifecycle.md, src/pool/handoff.ts).
 * Whether a call waits depends on measured durations, which a test cannot rely on, so these
 * tests widen the policy (any function counts as short, any expected wait is worth it) and
 * assert what must hold whenever a call does wait: each call still gets its own answer on a
 * sandbox running one invocation at a time; a waiter holds its concurrency unit (reserved
 * concurrency throttles exactly as with the waiter running, and ConcurrentExecutions counts it);
 * a slow call holds a waiter no longer than the bound; an update of the code starts the waiters
 * at once and later calls run the new code. Orderings only, no timings.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateFunctionCommand, InvokeCommand, PutFunctionConcurrencyCommand, UpdateFunctionCodeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { makeZip, ROLE, startTestNimbus } from '../helpers/nimbus.js';

/** `{ ms }` sleeps that long (a slow call); else it answers at once. */
const handler = (version: string) => `
let running = 0;
exports.handler = async (e, ctx) => {
  running++;
  const peak = running;
  if (e.ms) await new Promise((r) => setTimeout(r, e.ms));
  running--;
  return { version: '${version}', id: e.id ?? null, requestId: ctx.awsRequestId, peak };
};`;

/** Long enough that the calls made meanwhile (a cold start among them, on a loaded machine) end first. */
const SLOW_MS = 10_000;

const call = async (lambda: LambdaClient, payload: object) => {
  const out = await lambda.send(new InvokeCommand({ FunctionName: 'hot', Payload: Buffer.from(JSON.stringify(payload)) }));
  assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? []).toString());
  return { ...(JSON.parse(Buffer.from(out.Payload!).toString()) as { version: string; id: number | null; requestId: string; peak: number }), headerId: out.$metadata.requestId };
};

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  assert.ok(m, `${name} in /metrics`);
  return Number(m[1]);
}

/** Waits until the metric reaches `value` (a call is parked in the pool, or in a sandbox). */
async function untilMetric(url: string, name: string, value: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await metric(url, name)) >= value) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${name} never reached ${value}`);
}

async function deploy(lambda: LambdaClient, version: string): Promise<void> {
  await lambda.send(new CreateFunctionCommand({ FunctionName: 'hot', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Timeout: 60, Code: { ZipFile: await makeZip({ 'index.js': handler(version) }) } }));
}

test('calls that wait for a busy sandbox each get their own answer, one invocation per sandbox at a time', async (t) => {
  // Any function is short and any wait worth it, with a long bound: every call that finds two
  // sandboxes busy waits, and is handed the first one to finish.
  const { lambda, url } = await startTestNimbus(t, { hotHandoff: { shortMs: 1e9, admitFraction: 1e9, maxWaitMs: 30_000, minWaitMs: 30_000 } });
  await deploy(lambda, 'v1');
  for (let i = 0; i < 20; i++) await call(lambda, { id: i });
  for (let round = 0; round < 3; round++) {
    const ids = Array.from({ length: 8 }, (_, i) => round * 100 + i);
    const answers = await Promise.all(ids.map((id) => call(lambda, { id })));
    for (const [i, a] of answers.entries()) {
      assert.equal(a.id, ids[i], 'its own payload');
      assert.equal(a.requestId, a.headerId, 'its own request id');
      assert.equal(a.peak, 1, 'alone in its sandbox');
    }
    assert.equal(new Set(answers.map((a) => a.requestId)).size, 8);
  }
  assert.ok((await metric(url, 'nimbus_handoffs')) >= 1, 'some calls were handed a finishing sandbox');
  assert.equal(await metric(url, 'nimbus_invocations_waiting'), 0);
});

test('a slow call holds a waiter no longer than the bound', async (t) => {
  // Every call that finds two sandboxes busy waits, for at most the default bound (4 ms).
  const { lambda, url } = await startTestNimbus(t, { hotHandoff: { shortMs: 1e9, admitFraction: 1e9 } });
  await deploy(lambda, 'v1');
  for (let i = 0; i < 20; i++) await call(lambda, { id: i });
  const slow = [call(lambda, { ms: SLOW_MS }), call(lambda, { ms: SLOW_MS })];
  await untilMetric(url, 'nimbus_sandboxes_busy', 2);
  // Both sandboxes busy for seconds: this call waits for one of them, then runs elsewhere.
  const fast = await call(lambda, { id: 1 });
  assert.equal(fast.id, 1);
  assert.equal(await metric(url, 'nimbus_sandboxes_busy'), 2, 'answered while both slow calls still run');
  assert.equal(await metric(url, 'nimbus_handoff_spills'), 1, 'it waited, then spilled');
  await Promise.all(slow);
});

test('a waiter holds its concurrency unit until it runs, and an update of the code starts it at once', async (t) => {
  // Waiters wait up to a minute here: only a finishing sandbox or the update can start them.
  const { lambda, url } = await startTestNimbus(t, { hotHandoff: { shortMs: 1e9, admitFraction: 1e9, maxWaitMs: 60_000, minWaitMs: 60_000 } });
  await deploy(lambda, 'v1');
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'hot', ReservedConcurrentExecutions: 3 }));
  for (let i = 0; i < 20; i++) await call(lambda, { id: i });
  const slow = [call(lambda, { ms: SLOW_MS }), call(lambda, { ms: SLOW_MS })];
  await untilMetric(url, 'nimbus_sandboxes_busy', 2);
  const waiter = call(lambda, { id: 7 });
  await untilMetric(url, 'nimbus_invocations_waiting', 1);
  assert.equal(await metric(url, 'nimbus_concurrent_executions'), 3, 'the waiter counts as running');
  // Reserved concurrency 3: two running and one waiting leave no room, as with three running.
  await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'hot', Payload: Buffer.from('{}') })), {
    name: 'TooManyRequestsException',
    Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
  });
  await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'hot', ZipFile: await makeZip({ 'index.js': handler('v2') }) }));
  // The update started the waiter on the code it was accepted for, without waiting for the slow calls.
  const got = await waiter;
  assert.deepEqual([got.id, got.version], [7, 'v1']);
  assert.equal(await metric(url, 'nimbus_invocations_waiting'), 0);
  assert.equal(await metric(url, 'nimbus_sandboxes_busy'), 2, 'answered while both slow calls still run');
  // A call made after the update returned runs the new code.
  const after = await call(lambda, { id: 8 });
  assert.equal(after.version, 'v2');
  for (const s of await Promise.all(slow)) assert.equal(s.version, 'v1', 'calls in flight finish on their code');
});
