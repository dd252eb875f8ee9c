/**
 * Asynchronous invocation end to end through the AWS SDK: the durable 202, the async payload
 * limit, the legacy InvokeAsync, EventInvokeConfig with AWS's shapes and messages, destinations to
 * a built-in queue and to another function, schedules, and what `nimbus events`/`nimbus logs` show.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import {
  CreateFunctionCommand,
  DeleteFunctionEventInvokeConfigCommand,
  GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand,
  InvokeAsyncCommand,
  InvokeCommand,
  ListFunctionEventInvokeConfigsCommand,
  PutFunctionConcurrencyCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionEventInvokeConfigCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { ManualClock } from '../../src/core/clock.js';
import { LEDGER_HANDLER, readLedger, waitFor, waitForAsync, ledgerDir } from '../helpers/ledger.js';
import { deployNode, makeZip, ROLE, startTestNimbus } from '../helpers/nimbus.js';
import { nimbusCli } from '../helpers/serve.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';
/** The ledger functions write to a host file, which only process isolation lets them do. */
const PROCESS = { isolation: 'process' as const };

const deploy = (lambda: LambdaClient, name: string, ledger: string): Promise<void> =>
  deployNode(lambda, name, { 'index.js': LEDGER_HANDLER }, { Environment: { Variables: { LEDGER: ledger } } });

const event = (lambda: LambdaClient, name: string, payload: unknown) =>
  lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: 'Event', Payload: Buffer.from(JSON.stringify(payload)) }));

/** A JSON string payload of exactly `bytes` bytes. */
const payloadOf = (bytes: number): Buffer => Buffer.from(`"${'a'.repeat(bytes - 2)}"`);

async function expectError(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (e: { name: string; message: string }) => {
    assert.equal(e.name, name);
    if (typeof message === 'string') assert.equal(e.message, message);
    else if (message) assert.match(e.message, message);
    return true;
  });
}

test('Event invocations', async (t) => {
  const tmp = ledgerDir('nimbus-async-');
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const ledger = join(tmp, 'ledger');
  const nimbus = await startTestNimbus(t, PROCESS);
  const { lambda, url } = nimbus;
  await deploy(lambda, 'worker', ledger);
  await deploy(lambda, 'sink', join(tmp, 'sink-ledger'));

  await t.test('202 only once the event is committed: a second connection sees it when the 202 arrives', async () => {
    const probe = new Database(join(nimbus.dataDir, 'queue.db'), { readonly: true });
    try {
      for (let i = 0; i < 20; i++) {
        const r = await event(lambda, 'worker', { n: i, ms: 200 });
        assert.equal(r.StatusCode, 202);
        const id = r.$metadata.requestId!;
        const row = probe.prepare('SELECT function_name, payload FROM events WHERE id = ?').get(id) as { function_name: string; payload: Buffer } | undefined;
        assert.ok(row, `event ${id} is in the queue file when its 202 arrives`);
        assert.equal(row.function_name, 'worker');
        assert.deepEqual(JSON.parse(row.payload.toString()), { n: i, ms: 200 });
      }
    } finally {
      probe.close();
    }
    assert.ok(await waitFor(() => readLedger(ledger).length >= 20, 15_000), 'all 20 ran');
  });

  await t.test('each execution carries the request id the 202 returned', async () => {
    const r = await event(lambda, 'worker', { tag: 'same-id' });
    const id = r.$metadata.requestId!;
    assert.ok(await waitFor(() => readLedger(ledger).some((l) => l.event['tag'] === 'same-id'), 10_000));
    assert.equal(readLedger(ledger).find((l) => l.event['tag'] === 'same-id')!.id, id);
  });

  await t.test('the async payload limit is 1 MB as on AWS now: 1048576 bytes are accepted, one more byte is 413', async () => {
    const ok = await lambda.send(new InvokeCommand({ FunctionName: 'worker', InvocationType: 'Event', Payload: payloadOf(1_048_576) }));
    assert.equal(ok.StatusCode, 202);
    await expectError(
      lambda.send(new InvokeCommand({ FunctionName: 'worker', InvocationType: 'Event', Payload: payloadOf(1_048_577) })),
      'RequestEntityTooLargeException',
      '1048577 byte payload is too large for the Event invocation type (limit 1048576 bytes)',
    );
  });

  await t.test('the deprecated InvokeAsync keeps the 256 KB limit', async () => {
    await expectError(
      lambda.send(new InvokeAsyncCommand({ FunctionName: 'worker', InvokeArgs: payloadOf(262_145) })),
      'RequestEntityTooLargeException',
      '262145 byte payload is too large for the Event invocation type (limit 262144 bytes)',
    );
  });

  await t.test('the legacy InvokeAsync answers 202 {"Status":202} and runs the event', async () => {
    const r = await lambda.send(new InvokeAsyncCommand({ FunctionName: 'worker', InvokeArgs: Buffer.from('{"tag":"legacy"}') }));
    assert.equal(r.Status, 202);
    assert.ok(await waitFor(() => readLedger(ledger).some((l) => l.event['tag'] === 'legacy'), 10_000));
  });

  await t.test('Event to a missing function is 404 and nothing is queued', async () => {
    await expectError(event(lambda, 'nope', {}), 'ResourceNotFoundException');
  });

  await t.test('EventInvokeConfig: Put, Get, Update, List, Delete with AWS shapes', async () => {
    const put = await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'worker',
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:failures' } },
      }),
    );
    assert.equal(put.FunctionArn, `${ARN}:worker:$LATEST`);
    assert.equal(put.MaximumRetryAttempts, 0);
    assert.equal(put.MaximumEventAgeInSeconds, undefined, 'Put shows only what was set');
    assert.ok(put.LastModified instanceof Date);
    assert.deepEqual(put.DestinationConfig, { OnSuccess: {}, OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:failures' } });

    // LastModified is epoch seconds as a JSON number on the wire (a string breaks the SDK).
    const raw = (await (await fetch(`${url}/2019-09-25/functions/worker/event-invoke-config`)).json()) as Record<string, unknown>;
    assert.equal(typeof raw['LastModified'], 'number');
    assert.ok(Math.abs((raw['LastModified'] as number) - Date.now() / 1000) < 600);

    const upd = await lambda.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'worker', MaximumEventAgeInSeconds: 3600 }));
    assert.equal(upd.MaximumRetryAttempts, 0, 'Update merges');
    assert.equal(upd.MaximumEventAgeInSeconds, 3600);
    assert.equal(upd.DestinationConfig?.OnFailure?.Destination, 'arn:aws:sqs:us-east-1:000000000000:failures');

    const get = await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'worker', Qualifier: '$LATEST' }));
    assert.equal(get.MaximumEventAgeInSeconds, 3600);
    const list = await lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'worker' }));
    assert.deepEqual(list.FunctionEventInvokeConfigs?.map((c) => c.FunctionArn), [`${ARN}:worker:$LATEST`]);

    // Put replaces: what it omits is gone.
    const replaced = await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'worker', MaximumEventAgeInSeconds: 60 }));
    assert.equal(replaced.MaximumRetryAttempts, undefined);
    assert.deepEqual(replaced.DestinationConfig, { OnSuccess: {}, OnFailure: {} });

    await lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: 'worker' }));
    await expectError(
      lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'worker' })),
      'ResourceNotFoundException',
      `The function ${ARN}:worker:$LATEST doesn't have an EventInvokeConfig`,
    );
  });

  await t.test('EventInvokeConfig errors carry AWS messages', async () => {
    await expectError(lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'worker' })), 'InvalidParameterValueException', 'You must specify at least one of error handling or destination setting.');
    await expectError(lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'ghost', MaximumRetryAttempts: 1 })), 'ResourceNotFoundException', "The function doesn't exist.");
    await expectError(
      lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'worker', MaximumRetryAttempts: 3 })),
      'ValidationException',
      "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2",
    );
    await expectError(
      lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'worker', MaximumEventAgeInSeconds: 59 })),
      'ValidationException',
      /maximumEventAgeInSeconds.*greater than or equal to 60/,
    );
    await expectError(
      lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'worker', DestinationConfig: { OnSuccess: { Destination: `${ARN}:worker` } } })),
      'InvalidParameterValueException',
      "You can't specify the function as a destination for itself.",
    );
    await expectError(
      lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'worker', DestinationConfig: { OnSuccess: { Destination: `${ARN}:doesnotexist` } } })),
      'InvalidParameterValueException',
      `The destination ARN ${ARN}:doesnotexist is invalid.`,
    );
    await expectError(
      lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'worker', DestinationConfig: { OnSuccess: { Destination: 'arn:aws:iam:us-east-1:000000000000:function:x' } } })),
      'InvalidParameterValueException',
      'The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=arn:aws:iam:us-east-1:000000000000:function:x), onFailure=null) is invalid.',
    );
    await expectError(lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: 'ghost' })), 'ResourceNotFoundException', "The function doesn't exist.");
    await expectError(lambda.send(new UpdateFunctionEventInvokeConfigCommand({ FunctionName: 'worker', MaximumRetryAttempts: 1 })), 'ResourceNotFoundException', `The function ${ARN}:worker:$LATEST doesn't have an EventInvokeConfig`);
  });

  await t.test('a failing event goes to the OnFailure queue with the invocation record, readable via the API and `nimbus queue`', async () => {
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({
        FunctionName: 'worker',
        MaximumRetryAttempts: 0,
        DestinationConfig: {
          OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:worker-failures' },
          OnSuccess: { Destination: `${ARN}:sink` },
        },
      }),
    );
    const failed = await event(lambda, 'worker', { fail: true, tag: 'doomed' });
    const good = await event(lambda, 'worker', { tag: 'fine' });
    const read = async () =>
      ((await (await fetch(`${url}/nimbus/v1/queues/worker-failures/messages`)).json()) as { messages: { body: string }[] }).messages;
    const messages = await waitForAsync(read, (m) => m.length > 0, 15_000);
    assert.equal(messages.length, 1, 'a failure record arrived');
    const record = JSON.parse(messages[0]!.body) as { requestContext: Record<string, unknown>; requestPayload: unknown; responseContext: Record<string, unknown>; responsePayload: Record<string, unknown> };
    assert.deepEqual(record.requestContext, { requestId: failed.$metadata.requestId, functionArn: `${ARN}:worker:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 1 });
    assert.deepEqual(record.requestPayload, { fail: true, tag: 'doomed' });
    assert.equal(record.responseContext['functionError'], 'Unhandled');
    assert.equal(record.responsePayload['errorMessage'], 'asked to fail');

    // The success record is a new async event for the sink function.
    const sinkLedger = join(tmp, 'sink-ledger');
    assert.ok(await waitFor(() => readLedger(sinkLedger).length > 0, 15_000), 'the OnSuccess function ran');
    const sunk = readLedger(sinkLedger)[0]!.event as { requestContext: Record<string, unknown>; responsePayload: unknown };
    assert.equal(sunk.requestContext['requestId'], good.$metadata.requestId);
    assert.equal(sunk.requestContext['condition'], 'Success');
    assert.deepEqual(sunk.responsePayload, { ok: true });

    const cli = await nimbusCli(['queue', 'read', 'worker-failures'], { endpoint: url });
    assert.equal(cli.code, 0, cli.stderr);
    assert.match(cli.stdout, /RetriesExhausted/);
    const ls = await nimbusCli(['queue', 'ls'], { endpoint: url });
    assert.match(ls.stdout, /worker-failures\s+1\s+arn:aws:sqs:us-east-1:000000000000:worker-failures/);
  });

  await t.test('`nimbus events` lists events with status and attempts; `nimbus logs` shows each attempt', async () => {
    const r = await nimbusCli(['events', '--function', 'worker', '--status', 'failed'], { endpoint: url });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /REQUEST ID\s+FUNCTION\s+STATUS\s+ATTEMPTS/);
    assert.match(r.stdout, /worker\s+failed\s+1\s/);
    const all = await nimbusCli(['events', '--json', '-n', '1000'], { endpoint: url });
    const events = JSON.parse(all.stdout) as { status: string }[];
    assert.ok(events.some((e) => e.status === 'succeeded'));
    const logs = await nimbusCli(['logs', 'worker', '-n', '1000'], { endpoint: url });
    assert.match(logs.stdout, /ASYNC RequestId: \S+ Attempt: 1 Outcome: function-error Next: failed \(RetriesExhausted\)/);
    assert.match(logs.stdout, /ASYNC RequestId: \S+ Attempt: 1 Outcome: success Next: done/);
  });
});

test('the operator can lower the async payload limit', async (t) => {
  const { lambda } = await startTestNimbus(t, { ...PROCESS, asyncPayloadLimit: 262_144 });
  await lambda.send(new CreateFunctionCommand({ FunctionName: 'big', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await makeZip({ 'index.js': 'exports.handler = async () => 1;' }) } }));
  const ok = await lambda.send(new InvokeCommand({ FunctionName: 'big', InvocationType: 'Event', Payload: payloadOf(262_144) }));
  assert.equal(ok.StatusCode, 202);
  await expectError(
    lambda.send(new InvokeCommand({ FunctionName: 'big', InvocationType: 'Event', Payload: payloadOf(262_145) })),
    'RequestEntityTooLargeException',
    '262145 byte payload is too large for the Event invocation type (limit 262144 bytes)',
  );
});

test('schedules: rate() runs deliver EventBridge scheduled events through the queue', async (t) => {
  const tmp = ledgerDir('nimbus-sched-');
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const ledger = join(tmp, 'ledger');
  const clock = new ManualClock(Date.now());
  const { lambda, url } = await startTestNimbus(t, { ...PROCESS, clock });
  await deploy(lambda, 'cron-fn', ledger);
  const put = await fetch(`${url}/nimbus/v1/schedules/every-minute`, {
    method: 'PUT',
    body: JSON.stringify({ ScheduleExpression: 'rate(1 minute)', FunctionName: 'cron-fn' }),
  });
  assert.equal(put.status, 200);
  const s = (await put.json()) as Record<string, unknown>;
  assert.equal(s['Arn'], 'arn:aws:events:us-east-1:000000000000:rule/every-minute');
  assert.equal(s['NextRun'], new Date(clock.now() + 60_000).toISOString());

  const bad = await fetch(`${url}/nimbus/v1/schedules/bad`, { method: 'PUT', body: JSON.stringify({ ScheduleExpression: 'rate(1 minutes)', FunctionName: 'cron-fn' }) });
  assert.equal(bad.status, 400);
  assert.equal(bad.headers.get('x-amzn-errortype'), 'ValidationException');

  assert.equal(readLedger(ledger).length, 0, 'nothing before the first slot');
  clock.advance(60_000);
  assert.ok(await waitFor(() => readLedger(ledger).length === 1, 10_000), 'the first run');
  clock.advance(60_000);
  assert.ok(await waitFor(() => readLedger(ledger).length === 2, 10_000), 'the second run');
  const e = readLedger(ledger)[0]!.event;
  assert.equal(e['detail-type'], 'Scheduled Event');
  assert.equal(e['source'], 'aws.events');
  assert.match(e['time'] as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

  const cli = await nimbusCli(['schedule', 'ls'], { endpoint: url });
  assert.match(cli.stdout, /every-minute\s+rate\(1 minute\)\s+ENABLED\s+cron-fn/);
  const rm = await nimbusCli(['schedule', 'rm', 'every-minute'], { endpoint: url });
  assert.equal(rm.code, 0, rm.stderr);
  clock.advance(120_000);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(readLedger(ledger).length, 2, 'a deleted schedule no longer runs');
});

const KILLED_ONCE = `const fs = require('fs');
process.umask(0);
exports.handler = async (event, context) => {
  const seen = fs.existsSync(process.env.LEDGER) && fs.readFileSync(process.env.LEDGER, 'utf8').includes(context.awsRequestId);
  fs.appendFileSync(process.env.LEDGER, JSON.stringify({ id: context.awsRequestId, event }) + '\\n');
  if (event.fail) throw new Error('asked to fail');
  // The first attempt dies like a sandbox hit by kill -9, before it can report anything.
  if (!seen) process.kill(process.pid, 'SIGKILL');
  return 'ok';
};`;

test('a sandbox killed mid-event: the retry a minute later carries the same request id; final failures reach the dead-letter queue', async (t) => {
  const tmp = ledgerDir('nimbus-retry-');
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const ledger = join(tmp, 'ledger');
  const clock = new ManualClock(Date.now());
  const { lambda, url } = await startTestNimbus(t, { ...PROCESS, clock });
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'crashy',
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: ROLE,
      Code: { ZipFile: await makeZip({ 'index.js': KILLED_ONCE }) },
      Environment: { Variables: { LEDGER: ledger } },
    }),
  );
  const updated = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'crashy', DeadLetterConfig: { TargetArn: 'arn:aws:sqs:us-east-1:000000000000:crashy-dlq' } }));
  assert.equal(updated.DeadLetterConfig?.TargetArn, 'arn:aws:sqs:us-east-1:000000000000:crashy-dlq');
  const cfg = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'crashy' }));
  assert.equal(cfg.DeadLetterConfig?.TargetArn, 'arn:aws:sqs:us-east-1:000000000000:crashy-dlq');

  const r = await event(lambda, 'crashy', { tag: 'killed' });
  const id = r.$metadata.requestId!;
  assert.ok(await waitFor(() => readLedger(ledger).length === 1, 10_000), 'the first attempt ran');
  const status = async () => ((await (await fetch(`${url}/nimbus/v1/events/${id}`)).json()) as { status: string; attempts: number; lastError: string | null });
  const retrying = await waitForAsync(status, (s) => s.status === 'retrying', 10_000);
  assert.equal(retrying.status, 'retrying');
  assert.match(retrying.lastError ?? '', /Runtime\.ExitError/);
  clock.advance(59_000);
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(readLedger(ledger).length, 1, 'no retry before the minute is up');
  clock.advance(1_000);
  assert.ok(await waitFor(() => readLedger(ledger).length === 2, 10_000), 'the retry ran');
  assert.deepEqual(readLedger(ledger).map((l) => l.id), [id, id], 'both attempts carry the request id of the 202');
  const done = await waitForAsync(status, (s) => s.status === 'succeeded', 10_000);
  assert.equal(done.status, 'succeeded');
  assert.equal(done.attempts, 2);

  await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'crashy', MaximumRetryAttempts: 0 }));
  const doomed = await event(lambda, 'crashy', { fail: true });
  const dlq = await waitForAsync(
    async () => ((await (await fetch(`${url}/nimbus/v1/queues/crashy-dlq/messages`)).json()) as { messages: { body: string; attributes: Record<string, string> }[] }).messages,
    (m) => m.length > 0,
    10_000,
  );
  assert.equal(dlq.length, 1);
  assert.deepEqual(JSON.parse(dlq[0]!.body), { fail: true }, 'the dead letter is the event itself');
  assert.equal(dlq[0]!.attributes['RequestID'], doomed.$metadata.requestId);
  assert.equal(dlq[0]!.attributes['ErrorCode'], '200');
  assert.match(dlq[0]!.attributes['ErrorMessage']!, /asked to fail/);
});

test('reserved concurrency 0: events go straight to OnFailure without running', async (t) => {
  const tmp = ledgerDir('nimbus-zero-');
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const ledger = join(tmp, 'ledger');
  const { lambda, url } = await startTestNimbus(t, PROCESS);
  await deploy(lambda, 'frozen', ledger);
  await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'frozen', ReservedConcurrentExecutions: 0 }));
  await lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: 'frozen', DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:us-east-1:000000000000:frozen-failures' } } }));
  const r = await event(lambda, 'frozen', { tag: 'never' });
  assert.equal(r.StatusCode, 202);
  const msgs = await waitForAsync(
    async () => ((await (await fetch(`${url}/nimbus/v1/queues/frozen-failures/messages`)).json()) as { messages: { body: string }[] }).messages,
    (m) => m.length > 0,
    10_000,
  );
  assert.equal(msgs.length, 1);
  const rec = JSON.parse(msgs[0]!.body) as { requestContext: Record<string, unknown> };
  assert.equal(rec.requestContext['requestId'], r.$metadata.requestId);
  assert.equal(rec.requestContext['approximateInvokeCount'], 0);
  assert.equal(readLedger(ledger).length, 0, 'the function never ran');
});
