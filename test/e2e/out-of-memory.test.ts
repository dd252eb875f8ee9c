/**
 * A function that exceeds its memory, as a user of the API sees it (issue #18): the kernel kills
 * its sandbox, and Invoke answers with Lambda's error for it, `Runtime.OutOfMemory` with the
 * message "Runtime exited with error: signal: killed", under both CPU models. The next call runs
 * on a fresh sandbox. How fast the kill comes is a benchmark figure (`npm run bench -- oom`),
 * never asserted here.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { CpuModel } from '../../src/sandbox/index.js';
import { deployNode, payloadJson, startTestNimbus } from '../helpers/nimbus.js';

const HOG = `exports.handler = async (e) => {
  const kept = [];
  for (let i = 0; i < e.mb; i++) kept.push(Buffer.alloc(1 << 20, 1));
  return { allocated: kept.length };
};`;

async function outOfMemory(t: TestContext, cpuModel: CpuModel): Promise<void> {
  const { lambda, isolation, warning } = await startTestNimbus(t, { cpuModel });
  if (isolation !== 'namespace') {
    if (process.env['CI'] === 'true') assert.fail(`CI must run functions under namespace isolation, got ${isolation}: ${warning ?? ''}`);
    return void t.skip(`namespace isolation unavailable here (memory limits need cgroups): ${warning ?? ''}`);
  }
  await deployNode(lambda, 'hog', { 'index.js': HOG }, { MemorySize: 128, Timeout: 120 });

  const r = await lambda.send(new InvokeCommand({ FunctionName: 'hog', Payload: Buffer.from('{"mb":400}'), LogType: 'Tail' }));
  assert.equal(r.StatusCode, 200);
  assert.equal(r.FunctionError, 'Unhandled');
  const body = payloadJson(r.Payload) as { errorType?: string; errorMessage?: string };
  assert.equal(body.errorType, 'Runtime.OutOfMemory', JSON.stringify(body));
  assert.match(body.errorMessage ?? '', /^RequestId: [0-9a-f-]{36} Error: Runtime exited with error: signal: killed$/);
  const tail = Buffer.from(r.LogResult ?? '', 'base64').toString();
  assert.match(tail, /Error: Runtime exited with error: signal: killed\nRuntime\.OutOfMemory\n/, tail);
  const used = Number(/Max Memory Used: (\d+) MB/.exec(tail)?.[1]);
  assert.ok(used > 64 && used <= 128, `the REPORT's peak (${used} MB) is the sandbox's, within its 128 MB`);

  // Not every death is out of memory: a runtime that exits on its own stays Runtime.ExitError.
  const ok = await lambda.send(new InvokeCommand({ FunctionName: 'hog', Payload: Buffer.from('{"mb":8}') }));
  assert.equal(ok.FunctionError, undefined, 'the next call runs on a fresh sandbox');
  assert.deepEqual(payloadJson(ok.Payload), { allocated: 8 });
}

test('a 128 MB function allocating 400 MB fails with Runtime.OutOfMemory (default shared CPU model)', async (t) => {
  await outOfMemory(t, 'shared');
});

test('a 128 MB function allocating 400 MB fails with Runtime.OutOfMemory (--cpu-model lambda)', async (t) => {
  await outOfMemory(t, 'lambda');
});
