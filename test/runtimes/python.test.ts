/**
 * The Python runtime end to end: real python3 processes under process isolation, driven through
 * the Runtime API exactly as the pool drives them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { python } from '../../src/runtimes/python.js';
import {
  ARN,
  FUNCTION_NAME,
  LOG_STREAM,
  MEMORY_MB,
  Sandboxes,
  buildGuests,
  checkTool,
  errorJson,
  event,
  failIfMissing,
  initErrorJson,
  initFailure,
  makeSpec,
  needs,
  toolTest,
  responseJson,
  tempDir,
} from './helpers.js';
import { UnixSocketSandbox } from './unix-sandbox.js';

const missing = checkTool(process.env['NIMBUS_PYTHON'] ?? 'python3', ['-c', 'pass']);

const APP = `import json, logging, os, time
from decimal import Decimal

logger = logging.getLogger()
logger.setLevel(logging.INFO)
COUNT = 0
print("init: loading app")


def echo(event, context):
    global COUNT
    COUNT += 1
    print("echo called", COUNT)
    logger.info("event has %d keys", len(event))
    return {"event": event, "count": COUNT, "price": Decimal("1.50"), "qty": Decimal("3")}


def decimals(event, context):
    return [Decimal("1.50"), Decimal("-0.000001"), Decimal("12345678901234567890.123456789"), Decimal("1E+2"), "1.50"]


def fail(event, context):
    print("about to fail")
    raise Exception("Handler fails")


def sleepy(event, context):
    print("going to sleep")
    time.sleep(60)


def unserializable(event, context):
    return {"ids": {1, 2}}


def ctx(event, context):
    cc = context.client_context
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "identity_id": context.identity.cognito_identity_id,
        "identity_pool_id": context.identity.cognito_identity_pool_id,
        "client_app_title": cc.client.app_title if cc else None,
        "client_custom": cc.custom if cc else None,
        "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
        "socket_env": os.environ.get("NIMBUS_RUNTIME_API_SOCKET"),
        "cwd": os.getcwd(),
    }
`;

toolTest('python3 is installed', missing);

describe('python runtime', needs(missing), () => {
  let code: ReturnType<typeof tempDir>;
  let sandboxes: Sandboxes;
  const spec = (handler: string, env: Record<string, string> = {}) =>
    makeSpec(python, 'python3.12', handler, code.path, env);

  before(() => {
    failIfMissing(missing);
    buildGuests();
    code = tempDir('py-code');
    sandboxes = new Sandboxes();
    writeFileSync(join(code.path, 'app.py'), APP);
    mkdirSync(join(code.path, 'pkg', 'sub'), { recursive: true });
    writeFileSync(join(code.path, 'pkg', '__init__.py'), '');
    writeFileSync(join(code.path, 'pkg', 'sub', '__init__.py'), '');
    writeFileSync(join(code.path, 'pkg', 'sub', 'mod.py'), 'def handler(event, context):\n    return "nested:" + event["name"]\n');
    writeFileSync(join(code.path, 'broken.py'), 'def handler(event, context)\n    return 1\n');
    writeFileSync(join(code.path, 'raises_at_import.py'), 'raise Exception("Runtime startup fails")\n');
    writeFileSync(
      join(code.path, 'sitecheck.py'),
      'import sys\ndef handler(event, context):\n    return {"no_site": sys.flags.no_site, "path": sys.path, "exit": callable(exit) and callable(quit)}\n',
    );
  });

  after(async () => {
    await sandboxes?.close();
    code?.remove();
  });

  it('returns the handler result as JSON and keeps module state between warm invocations', async () => {
    const { sandbox, init } = await sandboxes.start(spec('app.echo'));
    assert.match(init.logs, /init: loading app\n/);
    const first = await sandbox.invoke(event({ a: 1, b: [true, null] }));
    assert.deepEqual(responseJson(first), { event: { a: 1, b: [true, null] }, count: 1, price: 1.5, qty: 3 });
    const second = await sandbox.invoke(event({}));
    assert.deepEqual(responseJson(second), { event: {}, count: 2, price: 1.5, qty: 3 });
    assert.ok(!existsSync(join(code.path, '__pycache__')), 'the deployed code is left as it was');
  });

  it('writes Decimal results with their exact digits, as AWS does', async () => {
    const { sandbox } = await sandboxes.start(spec('app.decimals'));
    const report = await sandbox.invoke(event({}));
    assert.equal(report.result.kind, 'response');
    assert.equal(
      report.result.kind === 'response' ? report.result.payload.toString() : '',
      '[1.50, -0.000001, 12345678901234567890.123456789, 1E+2, "1.50"]',
    );
  });

  it('loads handlers from nested packages (pkg.sub.mod.fn)', async () => {
    const { sandbox } = await sandboxes.start(spec('pkg.sub.mod.handler'));
    assert.equal(responseJson(await sandbox.invoke(event({ name: 'x' }))), 'nested:x');
  });

  it('captures print and logging output in the invocation log, in AWS format', async () => {
    const { sandbox } = await sandboxes.start(spec('app.echo'));
    const ev = event({ k: 'v' });
    const report = await sandbox.invoke(ev);
    assert.match(report.logs, /^echo called 1\n/m);
    const line = new RegExp(`^\\[INFO\\]\\t\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\t${ev.requestId}\\tevent has 1 keys\\n`, 'm');
    assert.match(report.logs, line);
  });

  it('reports a handler exception as AWS does: errorMessage, errorType, requestId, stackTrace', async () => {
    const { sandbox } = await sandboxes.start(spec('app.fail'));
    const ev = event({});
    const report = await sandbox.invoke(ev);
    const { body, errorType } = errorJson(report);
    assert.equal(errorType, 'Exception');
    assert.deepEqual(Object.keys(body), ['errorMessage', 'errorType', 'requestId', 'stackTrace']);
    assert.equal(body['errorMessage'], 'Handler fails');
    assert.equal(body['errorType'], 'Exception');
    assert.equal(body['requestId'], ev.requestId);
    const trace = body['stackTrace'] as string[];
    assert.equal(trace.length, 1, `only user frames: ${JSON.stringify(trace)}`);
    assert.match(trace[0]!, new RegExp(`^  File "${code.path}/app\\.py", line \\d+, in fail\\n    raise Exception\\("Handler fails"\\)\\n$`));
    assert.match(report.logs, /about to fail\n/);
    // AWS logs the error as one line: "\r" between lines, indentation as no-break spaces.
    assert.match(report.logs, /\[ERROR\] Exception: Handler fails\rTraceback \(most recent call last\):\r\u00a0\u00a0File ".*app\.py", line \d+, in fail\r\u00a0{4}raise Exception/);
    // The sandbox stays warm after a function error.
    assert.equal(sandbox.state, 'idle');
    assert.equal(errorJson(await sandbox.invoke(event({}))).body['errorMessage'], 'Handler fails');
  });

  it('reports an unserializable result as Runtime.MarshalError', async () => {
    const { sandbox } = await sandboxes.start(spec('app.unserializable'));
    const { body } = errorJson(await sandbox.invoke(event({})));
    assert.equal(body['errorType'], 'Runtime.MarshalError');
    assert.equal(body['errorMessage'], 'Unable to marshal response: Object of type set is not JSON serializable');
  });

  it('posts init errors with AWS types and messages to /init/error', async () => {
    const cases: [string, string, string][] = [
      ['missing.handler', 'Runtime.ImportModuleError', "Unable to import module 'missing': No module named 'missing'"],
      ['app.nope', 'Runtime.HandlerNotFound', "Handler 'nope' missing on module 'app'"],
      ['nodots', 'Runtime.MalformedHandlerName', "Bad handler 'nodots': not enough values to unpack (expected 2, got 1)"],
      ['sys.handler', 'Runtime.BuiltInModuleConflict', 'Cannot use built-in module sys as a handler module'],
    ];
    for (const [handler, type, message] of cases) {
      const err = await initFailure(sandboxes, spec(handler));
      const { body, errorType } = initErrorJson(err);
      assert.equal(errorType, type, handler);
      assert.deepEqual(body, { errorMessage: message, errorType: type, requestId: '', stackTrace: [] }, handler);
      assert.ok(err.logs.includes(`[ERROR] ${type}: ${message}`), err.logs);
      assert.match(err.logs, /\[WARNING\]\t\S+Z\t\tLAMBDA_WARNING: Unhandled exception/);
    }
  });

  it('reports a syntax error as Runtime.UserCodeSyntaxError', async () => {
    const { body } = initErrorJson(await initFailure(sandboxes, spec('broken.handler')));
    assert.equal(body['errorType'], 'Runtime.UserCodeSyntaxError');
    assert.match(String(body['errorMessage']), /^Syntax error in module 'broken': .*\(broken\.py, line 1\)$/);
    assert.match((body['stackTrace'] as string[])[0]!, new RegExp(`^  File "${code.path}/broken\\.py" Line 1\\n    def handler`));
  });

  it('reports an exception raised at import with its type and the import frames', async () => {
    const { body, errorType } = initErrorJson(await initFailure(sandboxes, spec('raises_at_import.handler')));
    assert.equal(errorType, 'Exception');
    assert.equal(body['errorMessage'], 'Runtime startup fails');
    assert.equal(body['requestId'], '');
    const trace = body['stackTrace'] as string[];
    assert.match(trace[0]!, /importlib/, 'the trace starts where user code was imported, as on AWS');
    assert.ok(!trace.some((t) => t.includes('nimbus_lambda')), 'no runtime frames');
    assert.equal(trace.at(-1), `  File "${code.path}/raises_at_import.py", line 1, in <module>\n    raise Exception("Runtime startup fails")\n`);
  });

  it('is killed at the deadline, keeping the output written before it', async () => {
    const { sandbox } = await sandboxes.start(spec('app.sleepy'));
    const report = await sandbox.invoke(event({}, 500));
    assert.equal(report.result.kind, 'timeout');
    assert.match(report.logs, /going to sleep\n/);
    assert.equal(sandbox.state, 'dead');
  });

  it("gives the handler AWS's context object", async () => {
    const { sandbox } = await sandboxes.start(spec('app.ctx'));
    const ev = event({}, 20_000, {
      traceId: 'Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1',
      cognitoIdentity: JSON.stringify({ cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' }),
      clientContext: JSON.stringify({ client: { app_title: 'Nimbus app' }, custom: { k: 'v' }, env: {} }),
    });
    const got = responseJson(await sandbox.invoke(ev)) as Record<string, unknown>;
    const remaining = got['remaining'] as number;
    assert.ok(remaining > 10_000 && remaining <= 20_000, `remaining ${remaining}`);
    assert.deepEqual(
      { ...got, remaining: 0 },
      {
        function_name: FUNCTION_NAME,
        function_version: '$LATEST',
        invoked_function_arn: ARN,
        memory_limit_in_mb: String(MEMORY_MB),
        aws_request_id: ev.requestId,
        log_group_name: `/aws/lambda/${FUNCTION_NAME}`,
        log_stream_name: LOG_STREAM,
        remaining: 0,
        identity_id: 'id-1',
        identity_pool_id: 'pool-1',
        client_app_title: 'Nimbus app',
        client_custom: { k: 'v' },
        trace_id: ev.traceId,
        socket_env: null,
        cwd: code.path,
      },
    );
  });

  it("starts without `site` (-S) and still finds the interpreter's site-packages, after the task root", async () => {
    // `site` would run the host's .pth files at every cold start (docs/performance.md); the
    // bootstrap puts the directories themselves on sys.path.
    const executable = python.command({ taskRoot: '', runtimeDir: '' }, 'python3.12', '')[0]!;
    const expected = JSON.parse(
      execFileSync(executable, ['-c', 'import json, os, site; print(json.dumps([p for p in site.getsitepackages() if os.path.isdir(p)]))'], { encoding: 'utf8' }),
    ) as string[];
    const { sandbox } = await sandboxes.start(spec('sitecheck.handler'));
    const got = responseJson(await sandbox.invoke(event({}))) as { no_site: number; path: string[]; exit: boolean };
    assert.equal(got.no_site, 1);
    assert.equal(got.exit, true, 'exit() and quit() are there, as site would install them');
    assert.ok(expected.length > 0, 'the interpreter has a site-packages directory');
    for (const dir of expected) assert.ok(got.path.indexOf(dir) > got.path.indexOf(code.path), `${dir} on sys.path after the task root: ${got.path.join(', ')}`);
  });

  it('speaks the Runtime API over a Unix socket and hides that channel from the function', async () => {
    const scratch = tempDir('py-unix');
    const sandbox = new UnixSocketSandbox(spec('app.ctx'), { scratchRoot: scratch.path, users: null, nimbusApi: null });
    try {
      await sandbox.start(30_000);
      const got = responseJson(await sandbox.invoke(event({}))) as Record<string, unknown>;
      assert.equal(got['function_name'], FUNCTION_NAME);
      assert.equal(got['socket_env'], null);
    } finally {
      await sandbox.dispose();
      scratch.remove();
    }
  });
});
