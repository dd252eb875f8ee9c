/**
 * Custom runtimes with a shell `bootstrap` that speaks the Runtime API with curl, built the way
 * AWS's custom-runtime tutorial builds one: source the handler file named by _HANDLER, then
 * loop on `next`, call the handler function, post to `response` (or `error`).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { provided } from '../../src/runtimes/provided.js';
import {
  ARN,
  FUNCTION_NAME,
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

const missing = checkTool('curl', ['--version']);

const BOOTSTRAP = `#!/bin/sh
set -eu

API="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"

# Initialization: load the handler file; report a missing one as an init error.
HANDLER_FILE="$LAMBDA_TASK_ROOT/$(echo "$_HANDLER" | cut -d. -f1).sh"
HANDLER_FN="$(echo "$_HANDLER" | cut -d. -f2)"
if [ ! -f "$HANDLER_FILE" ]; then
  echo "bootstrap: no handler file $HANDLER_FILE" >&2
  curl -sS -X POST "$API/init/error" -H "Lambda-Runtime-Function-Error-Type: Runtime.NoSuchHandler" \\
    -d '{"errorMessage":"Failed to load function.","errorType":"InvalidFunctionException"}' > /dev/null
  exit 1
fi
. "$HANDLER_FILE"

# Processing: the GET blocks until there is an event.
while true
do
  HEADERS="$(mktemp)"
  EVENT_DATA=$(curl -sS -LD "$HEADERS" "$API/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  if RESPONSE=$("$HANDLER_FN" "$EVENT_DATA" "$HEADERS"); then
    curl -sS "$API/invocation/$REQUEST_ID/response" -d "$RESPONSE" > /dev/null
  else
    curl -sS "$API/invocation/$REQUEST_ID/error" \\
      -d "{\\"errorMessage\\":\\"$RESPONSE\\",\\"errorType\\":\\"HandlerError\\",\\"stackTrace\\":[]}" > /dev/null
  fi
  rm -f "$HEADERS"
done
`;

const FUNCTION = `# Sourced by bootstrap. $1 is the event, $2 the file holding the next response's headers.
header() {
  grep -Fi "$1" "$2" | tr -d '\\r' | cut -d' ' -f2-
}

echo "function.sh loaded"

echo_event() {
  echo "handling $REQUEST_ID" >&2
  echo "{\\"echo\\": $1}"
}

fail() {
  echo "something broke"
  return 1
}

sleepy() {
  echo "going to sleep" >&2
  sleep 59.517
}

ctx() {
  echo "{\\"requestId\\":\\"$(header Lambda-Runtime-Aws-Request-Id "$2")\\",\\"deadline\\":$(header Lambda-Runtime-Deadline-Ms "$2"),\\"arn\\":\\"$(header Lambda-Runtime-Invoked-Function-Arn "$2")\\",\\"name\\":\\"$AWS_LAMBDA_FUNCTION_NAME\\",\\"memory\\":\\"$AWS_LAMBDA_FUNCTION_MEMORY_SIZE\\",\\"handler\\":\\"$_HANDLER\\"}"
}
`;

toolTest('curl is installed', missing);

describe('custom runtime: shell bootstrap with curl', needs(missing), () => {
  let code: ReturnType<typeof tempDir>;
  let sandboxes: Sandboxes;
  const spec = (handler: string, dir = code.path) => makeSpec(provided, 'provided.al2023', handler, dir);

  before(() => {
    failIfMissing(missing);
    buildGuests();
    sandboxes = new Sandboxes();
    code = tempDir('provided-sh');
    writeFileSync(join(code.path, 'bootstrap'), BOOTSTRAP);
    chmodSync(join(code.path, 'bootstrap'), 0o755);
    writeFileSync(join(code.path, 'function.sh'), FUNCTION);
  });

  after(async () => {
    await sandboxes?.close();
    code?.remove();
  });

  it('returns what the handler printed, with its stderr in the log', async () => {
    const { sandbox, init } = await sandboxes.start(spec('function.echo_event'));
    assert.match(init.logs, /function\.sh loaded/);
    const ev = event({ n: 1 });
    const report = await sandbox.invoke(ev);
    assert.deepEqual(responseJson(report), { echo: { n: 1 } });
    assert.match(report.logs, new RegExp(`handling ${ev.requestId}\\n`));
    assert.deepEqual(responseJson(await sandbox.invoke(event([1, 2]))), { echo: [1, 2] });
  });

  it('passes a function error through as the body the bootstrap posted', async () => {
    const { sandbox } = await sandboxes.start(spec('function.fail'));
    const { body, errorType } = errorJson(await sandbox.invoke(event({})));
    assert.equal(errorType, 'HandlerError');
    assert.deepEqual(body, { errorMessage: 'something broke', errorType: 'HandlerError', stackTrace: [] });
    assert.equal(sandbox.state, 'idle');
  });

  it('reports an init error posted to /init/error', async () => {
    const err = await initFailure(sandboxes, spec('nosuchfile.handler'));
    const { body, errorType } = initErrorJson(err);
    assert.equal(errorType, 'Runtime.NoSuchHandler');
    assert.deepEqual(body, { errorMessage: 'Failed to load function.', errorType: 'InvalidFunctionException' });
    assert.match(err.logs, /bootstrap: no handler file/);
  });

  it('fails init when the code has no bootstrap', async () => {
    const empty = tempDir('provided-empty');
    try {
      const err = await initFailure(sandboxes, spec('function.echo_event', empty.path));
      assert.equal(err.result.kind, 'exit');
      assert.match(err.result.kind === 'exit' ? err.result.reason : '', /ENOENT/);
    } finally {
      empty.remove();
    }
  });

  it('is killed at the deadline with everything it started', async () => {
    const { sandbox } = await sandboxes.start(spec('function.sleepy'));
    const report = await sandbox.invoke(event({}, 500));
    assert.equal(report.result.kind, 'timeout');
    assert.match(report.logs, /going to sleep\n/);
    assert.equal(sandbox.state, 'dead');
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes('sleep 59.517'));
    assert.deepEqual(left, [], 'the handler\'s child process died with the runtime');
  });

  it('sees the invocation in the Runtime API headers and the function in the environment', async () => {
    const { sandbox } = await sandboxes.start(spec('function.ctx'));
    const ev = event({}, 5_000);
    const got = responseJson(await sandbox.invoke(ev));
    assert.deepEqual(got, {
      requestId: ev.requestId,
      deadline: ev.deadlineMs,
      arn: ARN,
      name: FUNCTION_NAME,
      memory: String(MEMORY_MB),
      handler: 'function.ctx',
    });
  });
});
