/**
 * Lambda durable functions (docs/durable.md) with AWS's own JavaScript durable SDK running inside
 * real functions, driven from @aws-sdk/client-lambda: steps replayed, a wait, a retried step, a
 * failing execution, callbacks answered from outside, a chained invoke, idempotent starts,
 * stop, history, state and listing, and Lambda's errors for bad input. Nothing asserts timings:
 * where a test waits, it polls the execution's status.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CheckpointDurableExecutionCommand,
  CreateFunctionCommand,
  GetDurableExecutionCommand,
  GetDurableExecutionHistoryCommand,
  GetDurableExecutionStateCommand,
  GetFunctionConfigurationCommand,
  InvokeAsyncCommand,
  InvokeCommand,
  ListDurableExecutionsByFunctionCommand,
  SendDurableExecutionCallbackFailureCommand,
  SendDurableExecutionCallbackHeartbeatCommand,
  SendDurableExecutionCallbackSuccessCommand,
  StopDurableExecutionCommand,
  UpdateFunctionConfigurationCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { builtinRuntimes } from '../../src/runtimes/registry.js';
import { durableZip, HELPER, WORKFLOWS } from '../helpers/durable-apps.js';
import { startNimbus } from '../../src/app.js';
import { makeZip, payloadJson, ROLE, sdkClient, startTestNimbus } from '../helpers/nimbus.js';
import { until } from '../helpers/until.js';

const CI = process.env['CI'] === 'true';
const RUNTIME = 'nodejs22.x';

function runtimeReady(t: { skip: (m: string) => void }): boolean {
  const a = builtinRuntimes().get(RUNTIME)!.availability!(RUNTIME);
  if (a.ok && a.sdk) return true;
  assert.ok(!CI, `${RUNTIME} with its SDK is a CI dependency (node scripts/provision-test-runtimes.mjs)`);
  t.skip(`${RUNTIME} or its SDK not installed here`);
  return false;
}

async function createDurable(lambda: LambdaClient, name: string, timeout = 3): Promise<void> {
  await lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: RUNTIME, Handler: 'index.handler', Role: ROLE, Timeout: timeout,
    Code: { ZipFile: await durableZip(WORKFLOWS) },
    DurableConfig: { ExecutionTimeout: 600, RetentionPeriodInDays: 3 },
  }));
}

const invoke = async (lambda: LambdaClient, fn: string, payload: unknown, extra: Record<string, unknown> = {}) =>
  await lambda.send(new InvokeCommand({ FunctionName: fn, Qualifier: '$LATEST', Payload: Buffer.from(JSON.stringify(payload)), ...extra }));

const history = async (lambda: LambdaClient, arn: string) =>
  (await lambda.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: arn, IncludeExecutionData: true }))).Events ?? [];

const closed = async (lambda: LambdaClient, arn: string) =>
  await until(`${arn} closes`, async () => {
    const e = await lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }));
    return e.Status === 'RUNNING' ? undefined : e;
  }, 60_000);

async function errorOf(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  assert.fail('expected an error');
}

test('durable functions with the published JavaScript SDK', async (t) => {
  if (!runtimeReady(t)) return;
  const nimbus = await startTestNimbus(t);
  const { lambda } = nimbus;
  await createDurable(lambda, 'orders');

  await t.test('DurableConfig is stored and returned; durability is chosen at create', async () => {
    const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'orders' }));
    assert.deepEqual(c.DurableConfig, { ExecutionTimeout: 600, RetentionPeriodInDays: 3 });
    const u = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'orders', DurableConfig: { ExecutionTimeout: 900 } }));
    assert.deepEqual(u.DurableConfig, { ExecutionTimeout: 900, RetentionPeriodInDays: 3 });
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'plain', Runtime: RUNTIME, Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await makeZip({ 'index.js': HELPER }) } }));
    const add = await errorOf(lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'plain', DurableConfig: { ExecutionTimeout: 60 } })));
    assert.equal(add.name, 'InvalidParameterValueException');
    const old = await errorOf(lambda.send(new CreateFunctionCommand({ FunctionName: 'old', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await makeZip({ 'index.js': HELPER }) }, DurableConfig: { ExecutionTimeout: 60 } })));
    assert.equal(old.name, 'InvalidParameterValueException');
    assert.match(old.message, /nodejs22\.x/);
    const range = await errorOf(lambda.send(new CreateFunctionCommand({ FunctionName: 'bad', Runtime: RUNTIME, Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await makeZip({ 'index.js': HELPER }) }, DurableConfig: { ExecutionTimeout: 0 } })));
    assert.equal(range.status, 400);
  });

  await t.test('a durable function must be invoked with a qualifier', async () => {
    const e = await errorOf(lambda.send(new InvokeCommand({ FunctionName: 'orders', Payload: Buffer.from('{}') })));
    assert.equal(e.name, 'InvalidParameterValueException');
    assert.match(e.message, /qualified/);
  });

  await t.test('steps and a wait: the function suspends, is invoked again, and replays its steps', async () => {
    const out = await invoke(lambda, 'orders', { mode: 'order', amount: 21, waitSeconds: 4 });
    assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? []).toString());
    const result = payloadJson(out.Payload) as { reservation: string; total: number };
    assert.equal(result.total, 42);
    assert.ok(out.DurableExecutionArn, 'X-Amz-Durable-Execution-Arn');
    assert.match(out.DurableExecutionArn!, /^arn:aws:lambda:us-east-1:000000000000:function:orders:\$LATEST\/durable-execution\/[a-zA-Z0-9_-]+\/[a-zA-Z0-9_-]+$/);
    const e = await lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: out.DurableExecutionArn }));
    assert.equal(e.Status, 'SUCCEEDED');
    assert.deepEqual(JSON.parse(e.Result!), result);
    assert.deepEqual(JSON.parse(e.InputPayload!), { mode: 'order', amount: 21, waitSeconds: 4 });
    const events = await history(lambda, out.DurableExecutionArn!);
    const types = events.map((ev) => ev.EventType);
    // Lambda's order (the durable conformance requirements' "step and wait with replay").
    assert.deepEqual(types, [
      'ExecutionStarted', 'StepStarted', 'StepSucceeded', 'WaitStarted', 'InvocationCompleted',
      'WaitSucceeded', 'StepStarted', 'StepSucceeded', 'InvocationCompleted', 'ExecutionSucceeded',
    ]);
    const wait = events.filter((ev) => ev.Name === 'cool-down');
    assert.deepEqual(wait.map((ev) => ev.WaitStartedDetails?.Duration ?? ev.WaitSucceededDetails?.Duration), [4, 4]);
    // The wait outlived the invocation (Timeout 3 s, wait 4 s): the function ran at least twice.
    assert.ok(types.filter((x) => x === 'InvocationCompleted').length >= 2, types.join(','));
    // ... and the reservation step ran once: one start, one success, whose result the answer carries.
    const reserve = events.filter((ev) => ev.Name === 'reserve');
    assert.deepEqual(reserve.map((ev) => ev.EventType), ['StepStarted', 'StepSucceeded']);
    assert.equal(JSON.parse(reserve[1]!.StepSucceededDetails!.Result!.Payload!), result.reservation);
    assert.ok(types.includes('WaitStarted') && types.includes('WaitSucceeded'));
    const ids = events.map((ev) => ev.EventId);
    assert.deepEqual(ids, ids.map((_, i) => i + 1));
    // Without IncludeExecutionData the payloads are left out.
    const bare = (await lambda.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: out.DurableExecutionArn }))).Events!;
    assert.equal(bare.find((ev) => ev.EventType === 'StepSucceeded')!.StepSucceededDetails!.Result!.Payload, undefined);
    // Paging with MaxItems and Marker covers the same events.
    const first = await lambda.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: out.DurableExecutionArn, MaxItems: 2 }));
    assert.equal(first.Events!.length, 2);
    assert.ok(first.NextMarker);
    const rest = await lambda.send(new GetDurableExecutionHistoryCommand({ DurableExecutionArn: out.DurableExecutionArn, Marker: first.NextMarker }));
    assert.equal(first.Events!.length + rest.Events!.length, events.length);
  });

  await t.test('map, parallel, a child context and waitForCondition', async () => {
    const out = await invoke(lambda, 'orders', { mode: 'composite' });
    assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? []).toString());
    assert.deepEqual(payloadJson(out.Payload), { squares: [1, 4, 9], both: ['A', 'B'], child: 'C', polled: 3 });
    const events = await history(lambda, out.DurableExecutionArn!);
    // waitForCondition's checks that go on polling are recorded as successes, as Lambda records them.
    const checks = events.filter((ev) => ev.Name === 'count' && ev.EventType === 'StepSucceeded').map((ev) => ev.StepSucceededDetails?.Result?.Payload);
    assert.deepEqual(checks, ['1', '2', '3']);
  });

  await t.test('a failing step is retried until it succeeds', async () => {
    const out = await invoke(lambda, 'orders', { mode: 'flaky' });
    assert.deepEqual(payloadJson(out.Payload), { attempts: 3 });
    const events = await history(lambda, out.DurableExecutionArn!);
    assert.deepEqual(events.map((ev) => ev.EventType), [
      'ExecutionStarted', 'StepStarted', 'StepFailed', 'InvocationCompleted', 'StepStarted', 'StepFailed', 'InvocationCompleted',
      'StepStarted', 'StepSucceeded', 'InvocationCompleted', 'ExecutionSucceeded',
    ]);
    const failed = events.filter((ev) => ev.EventType === 'StepFailed');
    assert.match(failed[0]!.StepFailedDetails!.Error!.Payload!.ErrorMessage!, /attempt 1 failed/);
    // CurrentAttempt numbers the attempt that ended, from 1.
    assert.deepEqual(failed.map((ev) => ev.StepFailedDetails!.RetryDetails!.CurrentAttempt), [1, 2]);
    assert.equal(events.find((ev) => ev.EventType === 'StepSucceeded')!.StepSucceededDetails!.RetryDetails!.CurrentAttempt, 3);
  });

  await t.test('a step that never succeeds fails the execution', async () => {
    const out = await invoke(lambda, 'orders', { mode: 'doomed' });
    assert.equal(out.FunctionError, 'Unhandled');
    const body = payloadJson(out.Payload) as { errorMessage: string };
    assert.match(body.errorMessage, /never works/);
    const e = await lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: out.DurableExecutionArn }));
    assert.equal(e.Status, 'FAILED');
    assert.match(e.Error!.ErrorMessage!, /never works/);
  });

  /** Starts an approval (Event) and finds its callback id in the history. */
  const approval = async (name?: string): Promise<{ arn: string; callbackId: string }> => {
    const out = await invoke(lambda, 'orders', { mode: 'approval' }, { InvocationType: 'Event', ...(name ? { DurableExecutionName: name } : {}) });
    assert.equal(out.StatusCode, 202);
    const arn = out.DurableExecutionArn!;
    // The callback started and the invocation that started it ended (the function suspended).
    const callbackId = await until('the callback starts', async () => {
      const events = await history(lambda, arn);
      return events.some((ev) => ev.EventType === 'InvocationCompleted') ? events.find((ev) => ev.EventType === 'CallbackStarted')?.CallbackStartedDetails?.CallbackId : undefined;
    });
    return { arn, callbackId };
  };

  await t.test('a callback completed by SendDurableExecutionCallbackSuccess', async () => {
    const { arn, callbackId } = await approval();
    const running = await lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: arn }));
    assert.equal(running.Status, 'RUNNING');
    await lambda.send(new SendDurableExecutionCallbackHeartbeatCommand({ CallbackId: callbackId }));
    await lambda.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId, Result: Buffer.from(JSON.stringify({ by: 'alice' })) }));
    const e = await closed(lambda, arn);
    assert.equal(e.Status, 'SUCCEEDED');
    assert.deepEqual((await history(lambda, arn)).map((ev) => ev.EventType), [
      'ExecutionStarted', 'CallbackStarted', 'InvocationCompleted', 'CallbackSucceeded', 'InvocationCompleted', 'ExecutionSucceeded',
    ]);
    const r = JSON.parse(e.Result!) as { approved: unknown; callbackId: string };
    assert.equal(r.callbackId, callbackId);
    assert.match(JSON.stringify(r.approved), /alice/);
    const again = await errorOf(lambda.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId, Result: Buffer.from('"late"') })));
    assert.equal(again.name, 'CallbackTimeoutException');
    assert.equal(again.status, 400);
  });

  await t.test('waitForCallback: a child context with the callback and its submitter step', async () => {
    const out = await invoke(lambda, 'orders', { mode: 'submit' }, { InvocationType: 'Event' });
    const arn = out.DurableExecutionArn!;
    const callbackId = await until('the callback is submitted', async () => {
      const events = await history(lambda, arn);
      return events.some((ev) => ev.EventType === 'InvocationCompleted') ? events.find((ev) => ev.EventType === 'CallbackStarted')?.CallbackStartedDetails?.CallbackId : undefined;
    });
    // The SDK's default for callback results hands the bytes sent over as a string.
    await lambda.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: callbackId, Result: Buffer.from('granted') }));
    const e = await closed(lambda, arn);
    assert.equal(e.Status, 'SUCCEEDED');
    assert.deepEqual(JSON.parse(e.Result!), { answer: 'granted' });
    // The conformance requirements' "wait-for-callback basic" order.
    assert.deepEqual((await history(lambda, arn)).map((ev) => ev.EventType), [
      'ExecutionStarted', 'ContextStarted', 'CallbackStarted', 'StepStarted', 'StepSucceeded', 'InvocationCompleted',
      'CallbackSucceeded', 'ContextSucceeded', 'InvocationCompleted', 'ExecutionSucceeded',
    ]);
  });

  await t.test('a callback failed by SendDurableExecutionCallbackFailure', async () => {
    const { arn, callbackId } = await approval();
    await lambda.send(new SendDurableExecutionCallbackFailureCommand({ CallbackId: callbackId, Error: { ErrorType: 'Rejected', ErrorMessage: 'budget exceeded' } }));
    const e = await closed(lambda, arn);
    assert.equal(e.Status, 'SUCCEEDED');
    assert.match((JSON.parse(e.Result!) as { rejected: string }).rejected, /budget exceeded/);
    assert.ok((await history(lambda, arn)).some((ev) => ev.EventType === 'CallbackFailed'));
  });

  await t.test('idempotent starts by name, stop, list and state', async () => {
    const a = await approval('order-1001');
    const same = await invoke(lambda, 'orders', { mode: 'approval' }, { InvocationType: 'Event', DurableExecutionName: 'order-1001' });
    assert.equal(same.DurableExecutionArn, a.arn);
    const other = await errorOf(invoke(lambda, 'orders', { mode: 'approval', other: true }, { InvocationType: 'Event', DurableExecutionName: 'order-1001' }));
    assert.equal(other.name, 'DurableExecutionAlreadyStartedException');
    assert.equal(other.status, 409);

    const listed = await lambda.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: 'orders', DurableExecutionName: 'order-1001' }));
    assert.deepEqual(listed.DurableExecutions!.map((x) => [x.DurableExecutionArn, x.Status]), [[a.arn, 'RUNNING']]);

    // GetDurableExecutionState wants the token of a running invocation: none runs while the callback waits.
    const state = await errorOf(lambda.send(new GetDurableExecutionStateCommand({ DurableExecutionArn: a.arn, CheckpointToken: 'AAAA' })));
    assert.equal(state.name, 'InvalidParameterValueException');
    const forged = await errorOf(lambda.send(new CheckpointDurableExecutionCommand({ DurableExecutionArn: a.arn, CheckpointToken: 'AAAA', Updates: [] })));
    assert.equal(forged.name, 'InvalidParameterValueException');

    const stopped = await lambda.send(new StopDurableExecutionCommand({ DurableExecutionArn: a.arn, Error: { ErrorType: 'Cancelled', ErrorMessage: 'customer cancelled' } }));
    assert.ok(stopped.StopTimestamp instanceof Date);
    const e = await lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: a.arn }));
    assert.equal(e.Status, 'STOPPED');
    assert.equal(e.Error?.ErrorMessage, 'customer cancelled');
    assert.equal((await history(lambda, a.arn)).at(-1)!.EventType, 'ExecutionStopped');
    const twice = await errorOf(lambda.send(new StopDurableExecutionCommand({ DurableExecutionArn: a.arn })));
    assert.equal(twice.name, 'InvalidParameterValueException');
    const late = await errorOf(lambda.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: a.callbackId, Result: Buffer.from('"x"') })));
    assert.equal(late.name, 'CallbackTimeoutException');

    const all = await lambda.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: 'orders' }));
    assert.ok(all.DurableExecutions!.length >= 6);
    const onlyStopped = await lambda.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: 'orders', Statuses: ['STOPPED'] }));
    assert.deepEqual(onlyStopped.DurableExecutions!.map((x) => x.DurableExecutionArn), [a.arn]);
    const paged = await lambda.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: 'orders', MaxItems: 2 }));
    assert.equal(paged.DurableExecutions!.length, 2);
    assert.ok(paged.NextMarker);
    const newest = await lambda.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: 'orders', ReverseOrder: true, MaxItems: 1 }));
    assert.equal(newest.DurableExecutions![0]!.DurableExecutionArn, all.DurableExecutions!.at(-1)!.DurableExecutionArn);
    const future = await lambda.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: 'orders', StartedAfter: new Date(Date.now() + 3_600_000) }));
    assert.deepEqual(future.DurableExecutions, []);
  });

  await t.test('a chained invoke of another function', async () => {
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'doubler', Runtime: RUNTIME, Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await makeZip({ 'index.js': HELPER }) } }));
    const out = await invoke(lambda, 'orders', { mode: 'chain', target: 'doubler', n: 21 });
    assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? []).toString());
    assert.deepEqual(payloadJson(out.Payload), { chained: { doubled: 42 } });
    // The chained invoke ends after the invocation that started it (Lambda's order).
    assert.deepEqual((await history(lambda, out.DurableExecutionArn!)).map((ev) => ev.EventType), [
      'ExecutionStarted', 'ChainedInvokeStarted', 'InvocationCompleted', 'ChainedInvokeSucceeded', 'InvocationCompleted', 'ExecutionSucceeded',
    ]);
  });

  await t.test('a durable function as a chained invoke runs as a child execution', async () => {
    await createDurable(lambda, 'child');
    const out = await invoke(lambda, 'orders', { mode: 'chain', target: 'child:$LATEST', n: 5 });
    assert.equal(out.FunctionError, undefined, Buffer.from(out.Payload ?? []).toString());
    assert.deepEqual(payloadJson(out.Payload), { chained: { echo: { n: 5 } } });
    const children = await lambda.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: 'child' }));
    assert.deepEqual(children.DurableExecutions!.map((x) => x.Status), ['SUCCEEDED']);
  });

  await t.test('a callback times out; an execution times out', async () => {
    const out = await invoke(lambda, 'orders', { mode: 'approval', timeoutSeconds: 1 });
    assert.match((payloadJson(out.Payload) as { rejected: string }).rejected, /time/i);
    assert.ok((await history(lambda, out.DurableExecutionArn!)).some((ev) => ev.EventType === 'CallbackTimedOut'));

    await lambda.send(new CreateFunctionCommand({
      FunctionName: 'short', Runtime: RUNTIME, Handler: 'index.handler', Role: ROLE, Timeout: 3,
      Code: { ZipFile: await durableZip(WORKFLOWS) }, DurableConfig: { ExecutionTimeout: 2 },
    }));
    const started = await invoke(lambda, 'short', { mode: 'approval' }, { InvocationType: 'Event' });
    const e = await closed(lambda, started.DurableExecutionArn!);
    assert.equal(e.Status, 'TIMED_OUT');
    assert.equal((await history(lambda, started.DurableExecutionArn!)).at(-1)!.EventType, 'ExecutionTimedOut');
  });

  await t.test('InvokeAsync (the asynchronous event queue) starts an execution too', async () => {
    await lambda.send(new InvokeAsyncCommand({ FunctionName: 'orders:$LATEST', InvokeArgs: Buffer.from(JSON.stringify({ mode: 'order', amount: 50, waitSeconds: 1, via: 'queue' })) }));
    const found = await until('the queued event starts an execution', async () => {
      const list = await lambda.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: 'orders' }));
      for (const x of list.DurableExecutions ?? []) {
        const e = await lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: x.DurableExecutionArn }));
        if (e.InputPayload?.includes('"queue"')) return e;
      }
      return undefined;
    });
    const e = await closed(lambda, found.DurableExecutionArn!);
    assert.equal(e.Status, 'SUCCEEDED');
    assert.equal((JSON.parse(e.Result!) as { total: number }).total, 100);
  });

  await t.test('a durable function not wrapped by the SDK fails its execution', async () => {
    await lambda.send(new CreateFunctionCommand({
      FunctionName: 'unwrapped', Runtime: RUNTIME, Handler: 'index.handler', Role: ROLE,
      Code: { ZipFile: await makeZip({ 'index.js': HELPER }) }, DurableConfig: { ExecutionTimeout: 60 },
    }));
    const out = await invoke(lambda, 'unwrapped', { n: 1 });
    assert.equal(out.FunctionError, 'Unhandled');
    assert.equal((payloadJson(out.Payload) as { errorType: string }).errorType, 'InvalidDurableExecutionOutput');
  });

  await t.test("bad input answers Lambda's errors", async () => {
    const bad = await errorOf(lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: 'not-an-arn' })));
    assert.equal(bad.status, 400);
    const missing = await errorOf(lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: 'arn:aws:lambda:us-east-1:000000000000:function:orders:$LATEST/durable-execution/nope/nope' })));
    assert.equal(missing.name, 'ResourceNotFoundException');
    assert.equal(missing.status, 404);
    const cb = await errorOf(lambda.send(new SendDurableExecutionCallbackSuccessCommand({ CallbackId: 'abcdef', Result: Buffer.from('1') })));
    assert.equal(cb.name, 'InvalidParameterValueException');
    const nofn = await errorOf(lambda.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: 'nope' })));
    assert.equal(nofn.name, 'ResourceNotFoundException');
    const status = await errorOf(lambda.send(new ListDurableExecutionsByFunctionCommand({ FunctionName: 'orders', Statuses: ['DONE' as 'RUNNING'] })));
    assert.equal(status.status, 400);
    const name = await errorOf(invoke(lambda, 'orders', {}, { DurableExecutionName: 'no spaces allowed' }));
    assert.equal(name.status, 400);
  });
});

test('an execution waiting across a restart of the server completes', async (t) => {
  if (!runtimeReady(t)) return;
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-durable-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await startNimbus({ port: 0, dataDir, log: () => undefined, shutdownGraceMs: 1000 });
  let lambda = sdkClient(first.url);
  let arn: string;
  try {
    await createDurable(lambda, 'orders');
    const out = await invoke(lambda, 'orders', { mode: 'order', amount: 5, waitSeconds: 5 }, { InvocationType: 'Event' });
    arn = out.DurableExecutionArn!;
    // The function has suspended in its wait (Timeout 3 s < 5 s): nothing of it runs when the server stops.
    await until('the function suspends in its wait', async () => {
      const types = (await history(lambda, arn)).map((ev) => ev.EventType);
      return types.includes('WaitStarted') && types.includes('InvocationCompleted') ? true : undefined;
    });
  } finally {
    lambda.destroy();
    await first.close();
  }
  const second = await startNimbus({ port: 0, dataDir, log: () => undefined, shutdownGraceMs: 1000 });
  lambda = sdkClient(second.url);
  t.after(async () => {
    lambda.destroy();
    await second.close();
  });
  const e = await closed(lambda, arn);
  assert.equal(e.Status, 'SUCCEEDED');
  assert.equal((JSON.parse(e.Result!) as { total: number }).total, 10);
  const types = (await history(lambda, arn)).map((ev) => ev.EventType);
  assert.ok(types.includes('WaitSucceeded'), types.join(','));
});

test('the time scale shortens durable waits (durableTimeScale, default --time-scale)', async (t) => {
  if (!runtimeReady(t)) return;
  const nimbus = await startTestNimbus(t, { durableTimeScale: 100 });
  await createDurable(nimbus.lambda, 'orders');
  // A 300 s wait passes in about 3 s of wall time; unscaled it would outlast the poll below.
  const out = await invoke(nimbus.lambda, 'orders', { mode: 'order', amount: 1, waitSeconds: 300 }, { InvocationType: 'Event' });
  const e = await closed(nimbus.lambda, out.DurableExecutionArn!);
  assert.equal(e.Status, 'SUCCEEDED');
  const wait = (await history(nimbus.lambda, out.DurableExecutionArn!)).find((ev) => ev.EventType === 'WaitStarted');
  // The history keeps the duration the function asked for.
  assert.equal(wait?.WaitStartedDetails?.Duration, 300);
});
