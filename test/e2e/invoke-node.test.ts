/** Invoke and the Node.js runtime end to end, through the AWS SDK. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvokeCommand, UpdateFunctionCodeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { deployNode, makeZip, payloadJson, ROLE, startTestNimbus } from '../helpers/nimbus.js';

const deploy = deployNode;

const invoke = (lambda: LambdaClient, name: string, payload?: unknown, extra: Record<string, unknown> = {}) =>
  lambda.send(
    new InvokeCommand({
      FunctionName: name,
      ...(payload === undefined ? {} : { Payload: Buffer.from(JSON.stringify(payload)) }),
      ...extra,
    }),
  );

const tail = (r: { LogResult?: string | undefined }): string => Buffer.from(r.LogResult ?? '', 'base64').toString('utf8');

test('Invoke and the Node.js runtime', async (t) => {
  const { lambda, url } = await startTestNimbus(t);

  await t.test('a result, the log tail, REPORT with Init Duration only when cold, and process reuse', async () => {
    await deploy(lambda, 'echo', {
      'index.js': `console.log('init output');
const id = require('crypto').randomUUID();
exports.handler = async (event, context) => { console.log('got', JSON.stringify(event)); return { event, pid: id }; };`,
    });
    const r1 = await invoke(lambda, 'echo', { a: 1 }, { LogType: 'Tail' });
    assert.equal(r1.StatusCode, 200);
    assert.equal(r1.ExecutedVersion, '$LATEST');
    assert.equal(r1.FunctionError, undefined);
    const b1 = payloadJson(r1.Payload) as { event: unknown; pid: string };
    assert.deepEqual(b1.event, { a: 1 });
    const log1 = tail(r1);
    const id = /START RequestId: ([0-9a-f-]{36}) Version: \$LATEST\n/.exec(log1)?.[1];
    assert.ok(id, log1);
    assert.match(log1, new RegExp(`\\t${id}\\tINFO\\tgot {"a":1}\\n`));
    assert.match(log1, new RegExp(`END RequestId: ${id}\\n`));
    assert.match(
      log1,
      new RegExp(`REPORT RequestId: ${id}\\tDuration: \\d+\\.\\d\\d ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB\\tInit Duration: \\d+\\.\\d\\d ms\\t\\n$`),
    );
    const used = Number(/Max Memory Used: (\d+) MB/.exec(log1)?.[1]);
    assert.ok(used > 5 && used < 128, `measured peak memory, got ${used} MB`);
    assert.ok(log1.indexOf('init output') < log1.indexOf('START RequestId'), 'init output precedes START');
    const r2 = await invoke(lambda, 'echo', { a: 2 }, { LogType: 'Tail' });
    assert.doesNotMatch(tail(r2), /Init Duration/);
    assert.equal((payloadJson(r2.Payload) as { pid: string }).pid, b1.pid, 'a warm sandbox is reused');
    const none = await invoke(lambda, 'echo', { a: 3 });
    assert.equal(none.LogResult, undefined);
  });

  await t.test('an empty payload is {} and invalid JSON is InvalidRequestContentException', async () => {
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'echo' }));
    assert.deepEqual((payloadJson(r.Payload) as { event: unknown }).event, {});
    await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{nope') })), {
      name: 'InvalidRequestContentException',
      message: /Could not parse request body into json: Could not parse payload into json/,
    });
  });

  await t.test('DryRun validates and answers 204 without running anything', async () => {
    const d = await invoke(lambda, 'echo', {}, { InvocationType: 'DryRun', LogType: 'Tail' });
    assert.equal(d.StatusCode, 204);
    assert.equal(d.LogResult, undefined);
    await assert.rejects(invoke(lambda, 'nope', {}, { InvocationType: 'DryRun' }), { name: 'ResourceNotFoundException' });
  });

  await t.test('a thrown error is 200 with X-Amz-Function-Error: Unhandled and {errorType, errorMessage, trace}', async () => {
    await deploy(lambda, 'thrower', { 'index.js': `exports.handler = async () => { throw new TypeError('bad thing'); };` });
    const r = await invoke(lambda, 'thrower', {}, { LogType: 'Tail' });
    assert.equal(r.StatusCode, 200);
    assert.equal(r.FunctionError, 'Unhandled');
    const e = payloadJson(r.Payload) as { errorType: string; errorMessage: string; trace: string[] };
    assert.equal(e.errorType, 'TypeError');
    assert.equal(e.errorMessage, 'bad thing');
    assert.equal(e.trace[0], 'TypeError: bad thing');
    assert.match(tail(r), /ERROR\tInvoke Error/);
  });

  await t.test('a timeout kills the sandbox and answers Sandbox.Timedout', async () => {
    await deploy(lambda, 'slow', { 'index.js': `exports.handler = async () => { await new Promise(r => setTimeout(r, 10000)); return 1; };` }, { Timeout: 1 });
    const r = await invoke(lambda, 'slow', {}, { LogType: 'Tail' });
    assert.equal(r.FunctionError, 'Unhandled');
    const e = payloadJson(r.Payload) as { errorType: string; errorMessage: string };
    assert.equal(e.errorType, 'Sandbox.Timedout');
    assert.match(e.errorMessage, /^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/);
    assert.match(tail(r), /Task timed out after 1\.00 seconds\nEND RequestId/);
    assert.match(tail(r), /Duration: 1\d\d\d\.\d\d ms/);
  });

  await t.test('a crashed runtime is Runtime.ExitError and is replaced', async () => {
    await deploy(lambda, 'crasher', { 'index.js': `const id = require('crypto').randomUUID();
exports.handler = async (e) => { if (e.crash) process.exit(3); return id; };` });
    const ok1 = payloadJson((await invoke(lambda, 'crasher', {})).Payload);
    const r = await invoke(lambda, 'crasher', { crash: true });
    assert.equal(r.FunctionError, 'Unhandled');
    assert.match((payloadJson(r.Payload) as { errorMessage: string }).errorMessage, /Error: Runtime exited with error: exit status 3$/);
    assert.equal((payloadJson(r.Payload) as { errorType: string }).errorType, 'Runtime.ExitError');
    const again = await invoke(lambda, 'crasher', {}, { LogType: 'Tail' });
    assert.notEqual(payloadJson(again.Payload), ok1, 'a new process');
    assert.match(tail(again), /Init Duration/);
  });

  await t.test('init errors carry the runtime error types', async () => {
    await deploy(lambda, 'nomodule', { 'other.js': 'exports.handler = async () => 1;' });
    const a = payloadJson((await invoke(lambda, 'nomodule', {})).Payload) as { errorType: string; errorMessage: string };
    assert.equal(a.errorType, 'Runtime.ImportModuleError');
    assert.match(a.errorMessage, /Cannot find module 'index'/);
    await deploy(lambda, 'nohandler', { 'index.js': 'exports.other = async () => 1;' });
    const b = await invoke(lambda, 'nohandler', {});
    assert.equal(b.FunctionError, 'Unhandled');
    assert.equal((payloadJson(b.Payload) as { errorType: string }).errorType, 'Runtime.HandlerNotFound');
    await deploy(lambda, 'syntax', { 'index.js': 'exports.handler = async () => { return 1 +; };' });
    assert.equal((payloadJson((await invoke(lambda, 'syntax', {})).Payload) as { errorType: string }).errorType, 'Runtime.UserCodeSyntaxError');
    await deploy(lambda, 'initthrow', { 'index.js': 'throw new RangeError("at load");' });
    const d = payloadJson((await invoke(lambda, 'initthrow', {})).Payload) as { errorType: string; errorMessage: string };
    assert.deepEqual([d.errorType, d.errorMessage], ['RangeError', 'at load']);
  });

  await t.test('ESM, "type": "module", nested paths and callbacks', async () => {
    await deploy(lambda, 'mjs', { 'index.mjs': 'export const handler = async (e) => ({ esm: true, e });' });
    assert.deepEqual(payloadJson((await invoke(lambda, 'mjs', { x: 1 })).Payload), { esm: true, e: { x: 1 } });
    await deploy(lambda, 'typemodule', {
      'package.json': '{"type":"module"}',
      'src/app.js': 'import { helper } from "./lib/helper.js"; export async function handler() { return helper(); }',
      'src/lib/helper.js': 'export const helper = () => "nested esm";',
    }, { Handler: 'src/app.handler' });
    assert.equal(payloadJson((await invoke(lambda, 'typemodule', {})).Payload), 'nested esm');
    await deploy(lambda, 'callback', {
      'index.js': `exports.handler = (event, context, callback) => { setTimeout(() => callback(null, { cb: event.v }), 10); };`,
    });
    assert.deepEqual(payloadJson((await invoke(lambda, 'callback', { v: 7 })).Payload), { cb: 7 });
    await deploy(lambda, 'cberror', { 'index.js': `exports.handler = (e, c, cb) => cb(new Error('cb failed'));` });
    const r = await invoke(lambda, 'cberror', {});
    assert.equal(r.FunctionError, 'Unhandled');
    assert.equal((payloadJson(r.Payload) as { errorMessage: string }).errorMessage, 'cb failed');
  });

  await t.test('CommonJS handlers are require()d, ES modules imported, as by AWS\'s runtime', async () => {
    // require() keeps the ES module loader out of a CommonJS cold start (docs/performance.md).
    const loader = 'exports.handler = async () => ({ by: module.parent ? "require" : "import" });';
    await deploy(lambda, 'bycjs', { 'index.js': loader });
    assert.deepEqual(payloadJson((await invoke(lambda, 'bycjs', {})).Payload), { by: 'require' });
    await deploy(lambda, 'bydotcjs', { 'index.cjs': loader });
    assert.deepEqual(payloadJson((await invoke(lambda, 'bydotcjs', {})).Payload), { by: 'require' });
    // A package.json further up with "type": "commonjs" is CommonJS too; one saying "module" is not.
    await deploy(lambda, 'bysub', { 'package.json': '{"type":"commonjs"}', 'src/app.js': loader }, { Handler: 'src/app.handler' });
    assert.deepEqual(payloadJson((await invoke(lambda, 'bysub', {})).Payload), { by: 'require' });
    // An ES module with top-level await in a .js file of no package type: require() refuses it
    // before running it, and it is imported instead, once.
    // Module syntax detection (Node 20.19+, 22.12+) is what makes such a file an ES module at all.
    if ((process.features as { require_module?: boolean }).require_module) {
      await deploy(lambda, 'tla', {
        'index.js': 'globalThis.runs = (globalThis.runs ?? 0) + 1;\nawait Promise.resolve();\nexport const handler = async () => ({ runs: globalThis.runs });',
      });
      assert.deepEqual(payloadJson((await invoke(lambda, 'tla', {})).Payload), { runs: 1 });
    }
    await deploy(lambda, 'nullexports', { 'index.js': 'module.exports = null;' });
    assert.equal((payloadJson((await invoke(lambda, 'nullexports', {})).Payload) as { errorType: string }).errorType, 'Runtime.HandlerNotFound');
  });

  await t.test('callbackWaitsForEmptyEventLoop decides whether pending work delays the answer', async () => {
    await deploy(lambda, 'waits', {
      'index.js': `let done = 0;
exports.handler = (event, context, callback) => {
  context.callbackWaitsForEmptyEventLoop = event.wait;
  const before = done;
  setTimeout(() => { done++; }, 1500);
  callback(null, { before });
};
exports.count = () => done;`,
    });
    await invoke(lambda, 'waits', { wait: true });
    const second = payloadJson((await invoke(lambda, 'waits', { wait: false })).Payload) as { before: number };
    assert.equal(second.before, 1, 'the first answer waited for its timer');
    const third = payloadJson((await invoke(lambda, 'waits', { wait: true })).Payload) as { before: number };
    assert.equal(third.before, 1, 'the second answer did not wait for its timer');
  });

  await t.test('the context object and the environment', async () => {
    await deploy(
      lambda,
      'ctx',
      {
        'index.js': `exports.handler = async (event, context) => ({
  keys: Object.keys(context).sort(),
  functionName: context.functionName, functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn, memoryLimitInMB: context.memoryLimitInMB,
  awsRequestId: context.awsRequestId, logGroupName: context.logGroupName, logStreamName: context.logStreamName,
  remaining: context.getRemainingTimeInMillis(), wait: context.callbackWaitsForEmptyEventLoop,
  clientContext: context.clientContext,
  env: process.env,
});`,
      },
      { MemorySize: 256, Timeout: 7, Environment: { Variables: { STAGE: 'test', PATH: '/custom/bin' } } },
    );
    const clientContext = Buffer.from(JSON.stringify({ custom: { k: 'v' } })).toString('base64');
    const r = await invoke(lambda, 'ctx:$LATEST', {}, { ClientContext: clientContext });
    const c = payloadJson(r.Payload) as Record<string, unknown> & { env: Record<string, string> };
    assert.equal(c['functionName'], 'ctx');
    assert.equal(c['functionVersion'], '$LATEST');
    assert.equal(c['invokedFunctionArn'], 'arn:aws:lambda:us-east-1:000000000000:function:ctx:$LATEST');
    assert.equal(c['memoryLimitInMB'], '256');
    assert.equal(c['awsRequestId'], r.$metadata.requestId);
    assert.equal(c['logGroupName'], '/aws/lambda/ctx');
    assert.match(String(c['logStreamName']), /^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
    assert.ok(Number(c['remaining']) > 5000 && Number(c['remaining']) <= 7000);
    assert.equal(c['wait'], true);
    assert.deepEqual(c['clientContext'], { custom: { k: 'v' } });
    const env = c.env;
    assert.equal(env['AWS_LAMBDA_FUNCTION_NAME'], 'ctx');
    assert.equal(env['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'], '256');
    assert.equal(env['AWS_LAMBDA_FUNCTION_VERSION'], '$LATEST');
    assert.equal(env['AWS_REGION'], 'us-east-1');
    assert.equal(env['AWS_EXECUTION_ENV'], 'AWS_Lambda_nodejs20.x');
    assert.equal(env['_HANDLER'], 'index.handler');
    assert.equal(env['STAGE'], 'test');
    assert.equal(env['PATH'], '/custom/bin', 'PATH is one the user may override');
    assert.equal(env['TZ'], ':UTC');
    assert.match(env['AWS_LAMBDA_RUNTIME_API'] ?? '', /^[\d.]+:\d+$/);
    assert.equal(env['NODE_EXTRA_CA_CERTS'], undefined, 'nothing from the host environment');
    assert.equal(env['HOME'], undefined);
    assert.equal(env['NIMBUS_RUNTIME_API_SOCKET'], undefined);
    const unqualified = payloadJson((await invoke(lambda, 'ctx', {})).Payload) as Record<string, unknown>;
    assert.equal(unqualified['invokedFunctionArn'], 'arn:aws:lambda:us-east-1:000000000000:function:ctx');
  });

  await t.test('6 MB limits in both directions', async () => {
    const big = Buffer.from(JSON.stringify({ s: 'x'.repeat(6_291_456) }));
    await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: big })), {
      name: 'RequestEntityTooLargeException',
      message: 'Request must be smaller than 6291456 bytes for the InvokeFunction operation',
    });
    await deploy(lambda, 'bigresponse', { 'index.js': `exports.handler = async () => 'x'.repeat(6 * 1024 * 1024 + 200);` });
    const r = await invoke(lambda, 'bigresponse', {});
    assert.equal(r.FunctionError, 'Unhandled');
    assert.deepEqual(payloadJson(r.Payload), {
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
      errorType: 'Function.ResponseSizeTooLarge',
    });
    const ok = await invoke(lambda, 'echo', { s: 'y'.repeat(1_000_000) });
    assert.equal((payloadJson(ok.Payload) as { event: { s: string } }).event.s.length, 1_000_000);
  });

  await t.test('concurrent invocations get their own sandboxes; new code gets new processes', async () => {
    await deploy(lambda, 'par', { 'index.js': `const id = require('crypto').randomUUID();
exports.handler = async () => { await new Promise(r => setTimeout(r, 300)); return id; };` });
    const pids = (await Promise.all([1, 2, 3].map(() => invoke(lambda, 'par', {})))).map((r) => payloadJson(r.Payload));
    assert.equal(new Set(pids).size, 3);
    const warm = payloadJson((await invoke(lambda, 'par', {})).Payload);
    assert.ok(pids.includes(warm));
    await lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'par', ZipFile: await makeZip({ 'index.js': "const id = require('crypto').randomUUID(); exports.handler = async () => id;" }) }),
    );
    const fresh = payloadJson((await invoke(lambda, 'par', {})).Payload);
    assert.ok(!pids.includes(fresh));
  });

  await t.test('the raw HTTP API answers like Lambda', async () => {
    const r = await fetch(`${url}/2015-03-31/functions/echo/invocations`, { method: 'POST', body: '{"raw":true}' });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(r.headers.get('x-amz-executed-version'), '$LATEST');
    const missing = await fetch(`${url}/2015-03-31/functions/nope/invocations`, { method: 'POST', body: '{}' });
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('x-amzn-errortype'), 'ResourceNotFoundException');
    assert.deepEqual(await missing.json(), { Type: 'User', Message: 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope' });
    const unknown = await fetch(`${url}/2099-01-01/nothing`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('x-amzn-errortype'), 'UnknownOperationException');
    const badJson = await fetch(`${url}/2015-03-31/functions`, { method: 'POST', body: '{"FunctionName":' });
    assert.equal(badJson.status, 400);
    assert.equal(badJson.headers.get('x-amzn-errortype'), 'InvalidRequestContentException');
    const badB64 = await fetch(`${url}/2015-03-31/functions`, {
      method: 'POST',
      body: JSON.stringify({ FunctionName: 'b64', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: '!!notbase64!!' } }),
    });
    assert.equal(badB64.status, 400);
    assert.equal(badB64.headers.get('x-amzn-errortype'), 'InvalidRequestContentException');
  });
});
