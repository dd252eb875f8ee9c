/**
 * Nimbus's Node.js runtime bootstrap: loads the handler, then loops on the Runtime API's
 * `next`, runs the handler and posts its result or error; a handler wrapped in
 * `awslambda.streamifyResponse` streams its response instead (streaming.mts). Guest code: it never
 * imports host modules and sees only what the sandbox gives it.
 */
import { logInvokeError, patchConsole, setRequestId } from './console.mjs';
import { makeContext } from './context.mjs';
import { RuntimeInitError, toRapidError } from './errors.mjs';
import { loadHandler, refuseCallbackHandler, type Handler } from './handler.mjs';
import { searchNodePath } from './node-path.mjs';
import { RapidClient, type NextInvocation } from './rapid.mjs';
import { installAwsLambdaGlobal, runStreaming, streamingOf } from './streaming.mjs';

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const client = new RapidClient(
  process.env['AWS_LAMBDA_RUNTIME_API'] ?? '127.0.0.1:9001',
  process.env['NIMBUS_RUNTIME_API_SOCKET'],
);
// Nimbus's own channel is not part of the function's environment.
delete process.env['NIMBUS_RUNTIME_API_SOCKET'];
let current: NextInvocation | null = null;
/** Whether _X_AMZN_TRACE_ID may be set (by the last invocation, or by the environment at start). */
let traced = true;

patchConsole();
process.on('uncaughtException', (err) => void fatal(err, 'uncaught', 129));
process.on('unhandledRejection', (reason) => void fatal(reason, 'rejection', 128));

async function fatal(err: unknown, kind: 'uncaught' | 'rejection', code: number): Promise<void> {
  console.error(kind === 'rejection' ? 'Unhandled Promise Rejection' : 'Uncaught Exception', err);
  const body =
    kind === 'rejection'
      ? { errorType: 'Runtime.UnhandledPromiseRejection', errorMessage: String(err), trace: toRapidError(err).trace }
      : toRapidError(err);
  const inv = current;
  current = null;
  try {
    if (inv) await client.error(inv.requestId, JSON.stringify(body), body.errorType);
  } finally {
    process.exit(code);
  }
}

function run(handler: Handler, inv: NextInvocation): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    const finish = (o: Outcome): void => {
      if (settled) return;
      settled = true;
      process.removeListener('beforeExit', onEmpty);
      resolve(o);
    };
    let pending: Outcome | null = null;
    // callbackWaitsForEmptyEventLoop: the callback's result is sent once the event loop is
    // empty, which Node signals with 'beforeExit' (the Runtime API socket is unref'd while idle).
    const onEmpty = (): void => finish(pending ?? { ok: true, value: null });
    process.once('beforeExit', onEmpty);
    const legacyDone = (err: unknown, value?: unknown): void =>
      finish(err === null || err === undefined ? { ok: true, value } : { ok: false, error: err });
    const context = makeContext(inv, legacyDone);
    const callback = (err?: unknown, value?: unknown): void => {
      const o: Outcome = err === null || err === undefined ? { ok: true, value } : { ok: false, error: err };
      if (context['callbackWaitsForEmptyEventLoop'] === false) finish(o);
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
  await import('./warmup.cjs');
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
  const assignment = process.env['NIMBUS_STEM_CELL'] === '1' ? await awaitAssignment() : null;
  // The function's log format and level are known now (a stem cell learns them with its assignment).
  if (assignment) patchConsole();
  let handler: Handler;
  let streaming: ReturnType<typeof streamingOf>;
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

void main();
