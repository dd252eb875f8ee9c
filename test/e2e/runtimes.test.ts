/**
 * The core end-to-end flows for every runtime family through the AWS SDK: a result, a
 * function error, a timeout, and the log with START/END/REPORT (Init Duration when cold).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CreateFunctionCommand, InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { makeZip, payloadJson, ROLE, startTestNimbus } from '../helpers/nimbus.js';
import { builtinRuntimes } from '../../src/runtimes/registry.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

const JAVA_HANDLER = `package example;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.HashMap;
import java.util.Map;
public class Handler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
  public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
    System.out.println("java says " + event.get("name"));
    if (Boolean.TRUE.equals(event.get("fail"))) throw new IllegalStateException("java failed");
    if (event.get("sleep") != null) { try { Thread.sleep(5000); } catch (InterruptedException e) { } }
    Map<String, Object> out = new HashMap<>();
    out.put("hello", event.get("name"));
    out.put("requestId", context.getAwsRequestId());
    return out;
  }
}
`;

const SHELL_BOOTSTRAP = `#!/bin/bash
# The custom-runtime tutorial's bootstrap: curl against the Runtime API.
set -euo pipefail
API="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -LD "$HEADERS" "$API/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  NAME=$(echo "$EVENT" | sed -n 's/.*"name": *"\\([^"]*\\)".*/\\1/p')
  echo "shell says $NAME"
  if echo "$EVENT" | grep -q '"fail"'; then
    curl -sS -X POST "$API/invocation/$REQUEST_ID/error" -d '{"errorMessage":"shell failed","errorType":"ShellError"}' > /dev/null
    continue
  fi
  if echo "$EVENT" | grep -q '"sleep"'; then sleep 5; fi
  curl -sS -X POST "$API/invocation/$REQUEST_ID/response" -d "{\\"hello\\":\\"$NAME\\",\\"requestId\\":\\"$REQUEST_ID\\"}" > /dev/null
done
`;

/** Compiles the Java handler against Nimbus's Context/RequestHandler and zips `classes/`. */
async function javaZip(): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-java-'));
  try {
    mkdirSync(join(dir, 'src/example'), { recursive: true });
    writeFileSync(join(dir, 'src/example/Handler.java'), JAVA_HANDLER);
    execFileSync('javac', ['--release', '11', '-cp', join(root, 'dist/guest/java/classes'), '-d', join(dir, 'classes'), join(dir, 'src/example/Handler.java')]);
    const files: Record<string, Buffer> = {};
    const walk = (d: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) walk(p);
        else files[relative(dir, p)] = readFileSync(p);
      }
    };
    walk(join(dir, 'classes'));
    return makeZip(files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Case {
  runtime: string;
  handler: string;
  zip: () => Promise<Buffer>;
  /** A line the function prints, as it appears in the log. */
  logLine: RegExp;
  error: { type: string; message: string };
}

const CASES: Case[] = [
  {
    runtime: 'nodejs22.x',
    handler: 'index.handler',
    zip: () =>
      makeZip({
        'index.js': `exports.handler = async (e, ctx) => { console.log('node says', e.name);
  if (e.fail) throw new Error('node failed'); if (e.sleep) await new Promise(r => setTimeout(r, 5000));
  return { hello: e.name, requestId: ctx.awsRequestId }; };`,
      }),
    logLine: /\tINFO\tnode says e2e\n/,
    error: { type: 'Error', message: 'node failed' },
  },
  {
    runtime: 'python3.12',
    handler: 'app.handler',
    zip: () =>
      makeZip({
        'app.py': `import time
def handler(event, context):
    print("python says", event.get("name"))
    if event.get("fail"):
        raise ValueError("python failed")
    if event.get("sleep"):
        time.sleep(5)
    return {"hello": event.get("name"), "requestId": context.aws_request_id}
`,
      }),
    logLine: /python says e2e\n/,
    error: { type: 'ValueError', message: 'python failed' },
  },
  {
    runtime: 'java17',
    handler: 'example.Handler::handleRequest',
    zip: javaZip,
    logLine: /java says e2e\n/,
    error: { type: 'java.lang.IllegalStateException', message: 'java failed' },
  },
  {
    runtime: 'provided.al2023',
    handler: 'function.handler',
    zip: () => makeZip({ bootstrap: { content: SHELL_BOOTSTRAP, mode: 0o100755 } }),
    logLine: /shell says e2e\n/,
    error: { type: 'ShellError', message: 'shell failed' },
  },
];

const tail = (r: { LogResult?: string | undefined }): string => Buffer.from(r.LogResult ?? '', 'base64').toString('utf8');

async function exercise(lambda: LambdaClient, c: Case): Promise<void> {
  const name = c.runtime.replace(/\./g, '-');
  await lambda.send(
    new CreateFunctionCommand({ FunctionName: name, Runtime: c.runtime as never, Handler: c.handler, Role: ROLE, Timeout: 2, MemorySize: 256, Code: { ZipFile: await c.zip() } }),
  );
  const ok = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{"name":"e2e"}'), LogType: 'Tail' }));
  assert.equal(ok.FunctionError, undefined, Buffer.from(ok.Payload ?? []).toString());
  assert.deepEqual(payloadJson(ok.Payload), { hello: 'e2e', requestId: ok.$metadata.requestId });
  const log = tail(ok);
  assert.match(log, c.logLine);
  assert.match(log, /START RequestId: [0-9a-f-]{36} Version: \$LATEST\n/);
  assert.match(log, /\nEND RequestId: [0-9a-f-]{36}\n/);
  assert.match(log, /REPORT RequestId: [0-9a-f-]{36}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms\t\n$/);
  const used = Number(/Max Memory Used: (\d+) MB/.exec(log)?.[1]);
  assert.ok(used > 0, 'peak memory is measured');

  const warm = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{"name":"again"}'), LogType: 'Tail' }));
  assert.doesNotMatch(tail(warm), /Init Duration/, 'the second call is warm');

  const failed = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{"name":"x","fail":true}') }));
  assert.equal(failed.FunctionError, 'Unhandled');
  const e = payloadJson(failed.Payload) as { errorType: string; errorMessage: string };
  assert.deepEqual([e.errorType, e.errorMessage], [c.error.type, c.error.message]);

  const slow = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from('{"name":"x","sleep":true}'), LogType: 'Tail' }));
  assert.equal(slow.FunctionError, 'Unhandled');
  const t = payloadJson(slow.Payload) as { errorType: string; errorMessage: string };
  assert.equal(t.errorType, 'Sandbox.Timedout');
  assert.match(t.errorMessage, /Task timed out after 2\.00 seconds$/);
  assert.match(tail(slow), /Task timed out after 2\.00 seconds\nEND RequestId/);
}

/**
 * Why a case cannot run on this machine (its interpreter, or javac to build the Java handler, is
 * missing), or undefined. Under CI=true nothing is skipped: .ci/run provides them all.
 */
function missing(runtime: string): string | undefined {
  if (process.env['CI'] === 'true') return undefined;
  const a = builtinRuntimes().get(runtime)?.availability?.(runtime);
  if (a && !a.ok) return `${runtime} is not available here`;
  if (runtime.startsWith('java') && spawnSync('javac', ['-version']).error) return 'javac is not installed (it builds the Java handler)';
  return undefined;
}

test('every runtime family end to end', async (t) => {
  const { lambda } = await startTestNimbus(t);
  for (const c of CASES) {
    const why = missing(c.runtime);
    await t.test(c.runtime, why ? { skip: why } : {}, () => exercise(lambda, c));
  }
});
