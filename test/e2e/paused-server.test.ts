/**
 * An invocation that finished while the server itself was paused (SIGSTOP, a suspended VM) is
 * the function's answer, not a timeout: when the server wakes, its deadline timer and the
 * runtime's answer are both due, and the answer must win (security issue, item 7).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { deployNode, payloadJson, sdkClient } from '../helpers/nimbus.js';
import { serve } from '../helpers/serve.js';

test('a call that finished while Nimbus was stopped is answered, not timed out', async (t) => {
  const s = await serve(t);
  const lambda = sdkClient(s.url);
  t.after(() => lambda.destroy());
  // Answers after 1 s; times out after 3 s.
  await deployNode(lambda, 'slow', { 'index.js': 'exports.handler = async () => { await new Promise((r) => setTimeout(r, 1000)); return { done: true }; };' }, { Timeout: 3 });
  await lambda.send(new InvokeCommand({ FunctionName: 'slow', Payload: Buffer.from('{}') }));
  const pid = s.child.pid!;
  const call = lambda.send(new InvokeCommand({ FunctionName: 'slow', Payload: Buffer.from('{}') }));
  // Stop the server while the function runs, past both its answer and its deadline.
  await new Promise((r) => setTimeout(r, 300));
  process.kill(pid, 'SIGSTOP');
  await new Promise((r) => setTimeout(r, 5_000));
  process.kill(pid, 'SIGCONT');
  const out = await call;
  assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? []).toString());
  assert.deepEqual(payloadJson(out.Payload), { done: true });
});
