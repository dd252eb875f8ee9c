/** Reserved concurrency, throttling with AWS's errors, metrics — through the SDK and plain HTTP. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CreateFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  InvokeCommand,
  PutFunctionConcurrencyCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { makeZip, ROLE, startTestNimbus } from '../helpers/nimbus.js';

test('reserved concurrency and throttling', async (t) => {
  const { lambda, url } = await startTestNimbus(t, { accountConcurrency: 200 });
  const zip = await makeZip({
    'index.js': `let running = 0, peak = 0;
exports.handler = async (e) => { running++; peak = Math.max(peak, running); await new Promise(r => setTimeout(r, e.ms ?? 0)); running--; return peak; };`,
  });
  // Timeout 60: what is asserted is the limit, not the speed of 20 cold starts on a busy machine.
  await lambda.send(new CreateFunctionCommand({ FunctionName: 'limited', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Timeout: 60, Code: { ZipFile: zip } }));

  await t.test('Put/Get/DeleteFunctionConcurrency and what GetFunction and GetAccountSettings show', async () => {
    assert.deepEqual((await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'limited' }))).ReservedConcurrentExecutions, undefined);
    const put = await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'limited', ReservedConcurrentExecutions: 20 }));
    assert.equal(put.ReservedConcurrentExecutions, 20);
    assert.equal((await lambda.send(new GetFunctionConcurrencyCommand({ FunctionName: 'limited' }))).ReservedConcurrentExecutions, 20);
    assert.equal((await lambda.send(new GetFunctionCommand({ FunctionName: 'limited' }))).Concurrency?.ReservedConcurrentExecutions, 20);
    const s = await lambda.send(new GetAccountSettingsCommand({}));
    assert.equal(s.AccountLimit?.ConcurrentExecutions, 200);
    assert.equal(s.AccountLimit?.UnreservedConcurrentExecutions, 180);
    await assert.rejects(lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'limited', ReservedConcurrentExecutions: 150 })), {
      name: 'InvalidParameterValueException',
      message: /below its minimum value of \[100\]/,
    });
    await assert.rejects(lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'limited:$LATEST', ReservedConcurrentExecutions: 1 })), {
      name: 'InvalidParameterValueException',
      message: /permitted on Lambda functions only/,
    });
    await assert.rejects(lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'nope', ReservedConcurrentExecutions: 1 })), { name: 'ResourceNotFoundException' });
  });

  await t.test('a burst of 200 against reserved concurrency 20: at most 20 run, the rest get 429, no 5xx', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, () => lambda.send(new InvokeCommand({ FunctionName: 'limited', Payload: Buffer.from('{"ms":100}') }))),
    );
    let ok = 0;
    let throttled = 0;
    let peak = 0;
    for (const r of results) {
      if (r.status === 'fulfilled') {
        ok++;
        assert.equal(r.value.FunctionError, undefined, Buffer.from(r.value.Payload ?? []).toString());
        peak = Math.max(peak, Number(Buffer.from(r.value.Payload ?? []).toString()));
      } else {
        assert.ok(r.reason instanceof TooManyRequestsException, `unexpected ${String(r.reason)}`);
        assert.equal(r.reason.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
        assert.equal(r.reason.$metadata.httpStatusCode, 429);
        assert.equal(r.reason.message, 'Rate Exceeded.');
        throttled++;
      }
    }
    assert.equal(ok + throttled, 200);
    assert.ok(ok >= 20, `at least the reserved 20 ran (${ok})`);
    assert.ok(throttled > 0, 'some were throttled');
    assert.ok(peak <= 1, 'one invocation per sandbox at a time');
    const stats = (await (await fetch(`${url}/nimbus/v1/stats`)).json()) as { pool: { busy: number; idle: number } };
    assert.ok(stats.pool.idle <= 20, `never more than 20 sandboxes (${stats.pool.idle} idle)`);
  });

  await t.test('reserved concurrency 0 throttles everything; deleting it restores service', async () => {
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'limited', ReservedConcurrentExecutions: 0 }));
    await assert.rejects(lambda.send(new InvokeCommand({ FunctionName: 'limited' })), { name: 'TooManyRequestsException' });
    const raw = await fetch(`${url}/2015-03-31/functions/limited/invocations`, { method: 'POST', body: '{}' });
    assert.equal(raw.status, 429);
    assert.equal(raw.headers.get('x-amzn-errortype'), 'TooManyRequestsException');
    assert.deepEqual(await raw.json(), { Type: 'User', message: 'Rate Exceeded.', Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded' });
    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'limited' }));
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'limited' }));
    assert.equal(r.StatusCode, 200);
  });

  await t.test('/metrics counts invocations, throttles and cold starts per function', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    const value = (name: string): number => Number(new RegExp(`^${name}\\{region="us-east-1",function="limited",version="\\$LATEST"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.ok(value('nimbus_invocations_total') >= 21);
    assert.ok(value('nimbus_throttles_total') >= 2);
    assert.ok(value('nimbus_cold_starts_total') >= 1);
    assert.ok(value('nimbus_gb_seconds_total') > 0);
    assert.match(text, /^# TYPE nimbus_duration_ms histogram$/m);
    assert.match(text, /^nimbus_sandboxes_idle \d+$/m);
  });
});
