/**
 * Nimbus's Node.js runtime bootstrap: loads the handler, then loops on the Runtime API's
 * `next`, runs the handler and posts its result or error; a handler wrapped in
 * `awslambda.streamifyResponse` streams its response instead (streaming.mts). Guest code: it never
 * imports host modules and sees only what the sandbox gives it.
 */
import { fileURLToPath } from 'node:url';
import { invocationScope, logInvokeError, patchConsole, setRequestId } from './console.mjs';
import { makeContext } from './context.mjs';
import { RuntimeInitError, toRapidError } from './errors.mjs';
import { loadHandler, refuseCallbackHandler, type Handler } from './handler.mjs';
import { searchNodePath } from './node-path.mjs';
import { RapidClient, type NextInvocation, type RapidLoop } from './rapid.mjs';
import { awaitRelay, takeRelayPorts } from './relay-wait.mjs';
import { installAwsLambdaGlobal, runStreaming, streamingOf } from './streaming.mjs';

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const apiAddress = process.env['AWS_LAMBDA_RUNTIME_API'] ?? '127.0.0.1:9001';
const apiSocket = process.env['NIMBUS_RUNTIME_API_SOCKET'];
const client = new RapidClient(apiAddress, apiSocket);
// Nimbus's own channel is not part of the function's environment.
delete process.env['NIMBUS_RUNTIME_API_SOCKET'];
const relayPorts = takeRelayPorts();
let current: NextInvocation | null = null;
/** Whether _X_AMZN_TRACE_ID may be set (by the last invocation, or by the environment at start). */
let traced = true;
/** Multi-concurrency: the invocations out now, each with the loop (channel) that answers it. */
const running = new Map<string, RapidLoop>();

patchConsole();
process.on('uncaughtException', (err) => void fatal(err, 'uncaught', 129));
process.on('unhandledRejection', (reason) => void fatal(reason, 'rejection', 128));
// stdout and stderr are pipes Nimbus reads: a broken one (EPIPE) means Nimbus is gone (killed, or
// this sandbox dropped), and nothing may outlive it. Left to the uncaught-exception path, each
// failed write of the error would raise the next EPIPE: an orphan spinning for ever.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => process.exit(0));

/** How long a dying runtime tries to report its error before it exits anyway. */
const FATAL_REPORT_MS = 2_000;
let dying = false;

async function fatal(err: unknown, kind: 'uncaught' | 'rejection', code: number): Promise<void> {
  // One report: a second fault while the first is reported (its own write failing) only waits for the exit.
  if (dying) return;
  dying = true;
  setTimeout(() => process.exit(code), FATAL_REPORT_MS);
  try {
    console.error(kind === 'rejection' ? 'Unhandled Promise Rejection' : 'Uncaught Exception', err);
  } catch {
    // The log pipe is gone: the report below may still reach Nimbus.
  }
  const body =
    kind === 'rejection'
      ? { errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: String(err), trace: toRapidError(err).trace }
      : toRapidError(err);
  const inv = current;
  current = null;
  try {
    if (inv) await client.error(inv.requestId, JSON.stringify(body), body.errorType);
    // The process ends: every invocation still out fails with the same error.
    await Promise.allSettled([...running].map(([id, c]) => c.error(id, JSON.stringify(body), body.errorType)));
  } finally {
    process.exit(code);
  }
}

/**
 * Runs the handler once. `concurrent` (a multi-concurrent runtime): other invocations share the
 * event loop, so it is never empty for one of them - a callback's result is sent at once, as
 * with callbackWaitsForEmptyEventLoop false.
 */
function run(handler: Handler, inv: NextInvocation, extra?: Record<string, unknown>, concurrent = false): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    const finish = (o: Outcome): void => {
      if (settled) return;
      settled = true;
      if (!concurrent) process.removeListener('beforeExit', onEmpty);
      resolve(o);
    };
    let pending: Outcome | null = null;
    // callbackWaitsForEmptyEventLoop: the callback's result is sent once the event loop is
    // empty, which Node signals with 'beforeExit' (the Runtime API socket is unref'd while idle).
    const onEmpty = (): void => finish(pending ?? { ok: true, value: null });
    if (!concurrent) process.once('beforeExit', onEmpty);
    const legacyDone = (err: unknown, value?: unknown): void =>
      finish(err === null || err === undefined ? { ok: true, value } : { ok: false, error: err });
    const context = makeContext(inv, legacyDone);
    if (extra) Object.assign(context, extra);
    const callback = (err?: unknown, value?: unknown): void => {
      const o: Outcome = err === null || err === undefined ? { ok: true, value } : { ok: false, error: err };
      if (concurrent || context['callbackWaitsForEmptyEventLoop'] === false) finish(o);
      else pending ??= o;
    };
    try {
      const event: unknown = inv.body.length ? JSON.parse(inv.body.toString('utf8')) : {};
      const r = handler(event, context, callback);
      if (r && typeof (r as PromiseLike<unknown>).then === 'function') {
        (r as PromiseLike<unknown>).then(
          (value) => finish({ ok: true, value }),
          (error: unknown) => finish({ ok: false, error }),
        );
      }
    } catch (error) {
      finish({ ok: false, error });
    }
  });
}

/**
 * A stem cell (docs/sandbox-lifecycle.md) starts before it has a function: its first `next` is
 * the assignment, whose body is the function's whole environment. Once the environment is the
 * one a normal start would have had, the handler loads as usual; the result of loading is the
 * answer to the assignment.
 */
async function awaitAssignment(): Promise<NextInvocation> {
  // A computed specifier: the bundler leaves this import to Node (it warms Node's ES module loader).
  await import(new URL('./warmup.mjs', import.meta.url).href);
  // And the way a CommonJS handler loads, through the same code (warmup-require.cts): best effort.
  await loadHandler(fileURLToPath(new URL('.', import.meta.url)), 'warmup-require.handler').catch(() => undefined);
  let assignment: NextInvocation;
  try {
    assignment = await client.next();
  } catch {
    process.exit(0);
  }
  const env = JSON.parse(assignment.body.toString('utf8')) as Record<string, string>;
  for (const k of Object.keys(process.env)) if (!(k in env)) delete process.env[k];
  Object.assign(process.env, env);
  // The code was mounted over /var/task after this process entered it: enter it again.
  process.chdir(process.env['LAMBDA_TASK_ROOT'] ?? '/var/task');
  return assignment;
}

async function main(): Promise<void> {
  const stem = process.env['NIMBUS_STEM_CELL'] === '1';
  // The handler's init may call Nimbus's API: its relay must listen first (relay-wait.mts). A
  // stem cell's relay starts with the cell, whatever function it gets: the cell waits for it
  // before its assignment, so that no function's Init pays for the look (a relay that failed is
  // waited for again after the assignment, which then says so in the function's log).
  const relayReady = stem && (await awaitRelay(relayPorts));
  const assignment = stem ? await awaitAssignment() : null;
  // The function's log format and level are known now (a stem cell learns them with its assignment).
  if (assignment) patchConsole();
  let handler: Handler;
  let streaming: ReturnType<typeof streamingOf>;
  if (!relayReady) await awaitRelay(relayPorts);
  try {
    installAwsLambdaGlobal();
    const retryImport = searchNodePath(process.env['NODE_PATH']);
    handler = await loadHandler(process.env['LAMBDA_TASK_ROOT'] ?? process.cwd(), process.env['_HANDLER'] ?? '', retryImport);
    streaming = streamingOf(handler);
    if (!streaming) refuseCallbackHandler(handler, process.env['AWS_EXECUTION_ENV']);
  } catch (err) {
    const body = toRapidError(err);
    console.error(`${err instanceof RuntimeInitError ? '' : 'Init error '}${JSON.stringify(body)}`);
    if (assignment) await client.error(assignment.requestId, JSON.stringify(body), body.errorType);
    else await client.initError(JSON.stringify(body), body.errorType);
    process.exit(129);
  }
  if (assignment) await client.respond(assignment.requestId, '{}');
  const loops = Math.min(1600, Math.max(1, Math.floor(Number(process.env['AWS_LAMBDA_MAX_CONCURRENCY'] ?? '1')) || 1));
  if (loops > 1) {
    // Lambda Managed Instances: that many loops in one event loop, all on one channel (its
    // writes and reads batched per event-loop turn, rapid.mts); a streaming handler's loops keep a
    // channel each, since a streamed response's chunks do not name their invocation.
    const channels = streaming
      ? [client, ...Array.from({ length: loops - 1 }, () => new RapidClient(apiAddress, apiSocket))]
      : Array.from({ length: loops }, () => client.loop());
    await Promise.all(channels.map((c) => serveConcurrently(c, handler, streaming)));
    return;
  }
  for (;;) {
    let inv: NextInvocation;
    try {
      inv = await client.next();
    } catch {
      // The Runtime API is gone: Nimbus stopped or dropped this sandbox. Nothing may outlive it.
      process.exit(0);
    }
    current = inv;
    setRequestId(inv.requestId, inv.tenantId);
    // Each process.env write is a call into C++ (1-2 µs): an absent trace id is cleared only once.
    if (inv.traceId) {
      process.env['_X_AMZN_TRACE_ID'] = inv.traceId;
      traced = true;
    } else if (traced) {
      delete process.env['_X_AMZN_TRACE_ID'];
      traced = false;
    }
    if (streaming) {
      const context = makeContext(inv, () => undefined);
      // A streaming handler's context has no callback-era completion methods, as on AWS.
      for (const k of ['done', 'succeed', 'fail']) delete context[k];
      await runStreaming(handler, streaming.highWaterMark, inv.body, client, inv.requestId, context, (err) => logInvokeError(err, toRapidError(err)));
      current = null;
      continue;
    }
    const outcome = await run(handler, inv);
    if (current !== inv) continue;
    current = null;
    let body: string | undefined;
    if (outcome.ok) {
      try {
        body = JSON.stringify(outcome.value === undefined ? null : outcome.value);
      } catch (err) {
        const e = toRapidError(err);
        await client.error(inv.requestId, JSON.stringify({ ...e, errorType: 'Runtime.SerializationError' }), 'Runtime.SerializationError');
        continue;
      }
      await client.respond(inv.requestId, body ?? 'null');
    } else {
      const e = toRapidError(outcome.error);
      logInvokeError(outcome.error, e);
      await client.error(inv.requestId, JSON.stringify(e), e.errorType);
    }
  }
}

/**
 * One loop of a multi-concurrent runtime: each invocation runs in its own scope (request id and
 * tenant for the logs, invocationScope), and its trace id is on `context.xRayTraceId`: the
 * process-wide _X_AMZN_TRACE_ID cannot tell concurrent invocations apart, so it is not set.
 */
async function serveConcurrently(c: RapidClient | RapidLoop, handler: Handler, streaming: ReturnType<typeof streamingOf>): Promise<void> {
  for (;;) {
    let inv: NextInvocation;
    try {
      inv = await c.next();
    } catch {
      process.exit(0);
    }
    running.set(inv.requestId, c);
    await invocationScope.run({ requestId: inv.requestId, tenantId: inv.tenantId }, () => invokeOnce(c, handler, streaming, inv));
    running.delete(inv.requestId);
  }
}

async function invokeOnce(c: RapidClient | RapidLoop, handler: Handler, streaming: ReturnType<typeof streamingOf>, inv: NextInvocation): Promise<void> {
  // A streaming handler's loops have a channel each (main): `c` is a RapidClient.
  if (streaming && c instanceof RapidClient) {
    const context = makeContext(inv, () => undefined);
    for (const k of ['done', 'succeed', 'fail']) delete context[k];
    context['xRayTraceId'] = inv.traceId;
    await runStreaming(handler, streaming.highWaterMark, inv.body, c, inv.requestId, context, (err) => logInvokeError(err, toRapidError(err)));
    return;
  }
  const outcome = await run(handler, inv, { xRayTraceId: inv.traceId }, true);
  if (!running.has(inv.requestId)) return;
  if (outcome.ok) {
    let body: string;
    try {
      body = JSON.stringify(outcome.value === undefined ? null : outcome.value) ?? 'null';
    } catch (err) {
      const e = toRapidError(err);
      await c.error(inv.requestId, JSON.stringify({ ...e, errorType: 'Runtime.SerializationError' }), 'Runtime.SerializationError');
      return;
    }
    await c.respond(inv.requestId, body);
  } else {
    const e = toRapidError(outcome.error);
    logInvokeError(outcome.error, e);
    await c.error(inv.requestId, JSON.stringify(e), e.errorType);
  }
}

void main();
