/**
 * SDK calls during a function's init, under namespace isolation: the relay to Nimbus's API
 * (socat on 127.0.0.1:9002 and on Nimbus's own port inside the sandbox) starts in the
 * background while the interpreter starts, and Nimbus's bootstraps wait for it just before the
 * handler loads (docs/performance.md, cold starts). A Node.js, a Python and a Java function each
 * call Nimbus from their module or class initialisation, at the first call of a new sandbox, with
 * and without a stem cell, and again from the handler. Also: the relay ports never reach the
 * function's environment.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { execFileSync } from 'node:child_process';
import { CreateFunctionCommand, InvokeCommand, type Runtime } from '@aws-sdk/client-lambda';
import { JAVA_IDS } from '../../src/runtimes/ids.js';
import { nodejs } from '../../src/runtimes/node.js';
import { python } from '../../src/runtimes/python.js';
import { builtinRuntimes } from '../../src/runtimes/registry.js';
import { javaZip } from '../helpers/java.js';
import { makeZip, payloadJson, ROLE, startTestNimbus, type TestNimbus } from '../helpers/nimbus.js';

const inCI = process.env['CI'] === 'true';
const catalog = builtinRuntimes();
/** The runtimes the stem cells run, so that the stem-cell case can find a cell. */
const NODE = nodejs.stemRuntime?.() ?? 'nodejs20.x';
const PY = python.stemRuntime?.() ?? 'python3.12';

function needs(...ids: string[]): { skip: string | false } {
  const missing = ids.filter((id) => {
    const a = catalog.get(id)?.availability?.(id);
    return !a || !a.ok || !a.sdk;
  });
  return { skip: missing.length && !inCI ? `${missing.join(', ')} or its SDK not installed here (node scripts/provision-test-runtimes.mjs)` : false };
}

function hasJavac(): boolean {
  try {
    execFileSync('javac', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// ListFunctions through the bundled SDK at module init (top-level await), and again per call;
// then a raw request to Nimbus's own port inside the sandbox (the relay's second listener).
const NODE_FN = `import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import http from 'node:http';
const lambda = new LambdaClient({ maxAttempts: 1 });
const names = async () => (await lambda.send(new ListFunctionsCommand({}))).Functions.map((f) => f.FunctionName).sort();
const atInit = await names();
const ownPort = (port) => new Promise((resolve) => {
  http.get({ host: '127.0.0.1', port, path: '/2015-03-31/functions/' }, (r) => { r.resume(); resolve(r.statusCode); }).on('error', (e) => resolve(e.code));
});
const portAtInit = await ownPort(Number(process.env.NIMBUS_PORT_SEEN));
export const handler = async () => ({ atInit, portAtInit, atCall: await names(), env: Object.keys(process.env).filter((k) => k.startsWith('NIMBUS_')) });
`;

const PYTHON_FN = `import os
import boto3

_lambda = boto3.client("lambda", config=boto3.session.Config(retries={"max_attempts": 1}))

def _names():
    return sorted(f["FunctionName"] for f in _lambda.list_functions()["Functions"])

AT_INIT = _names()

def handler(event, context):
    return {"atInit": AT_INIT, "atCall": _names(), "env": [k for k in os.environ if k.startswith("NIMBUS_")]}
`;

// No SDK in the Java runtime: a plain GET of ListFunctions (Nimbus accepts unsigned calls by default).
const JAVA_FN = `package example;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.net.HttpURLConnection;
import java.net.URL;
import java.util.Map;
public class InitCall implements RequestHandler<Map<String, Object>, String> {
  static int status(String base) {
    try {
      HttpURLConnection c = (HttpURLConnection) new URL(base + "/2015-03-31/functions/").openConnection();
      int s = c.getResponseCode();
      c.getInputStream().readAllBytes();
      return s;
    } catch (Exception e) {
      return -1;
    }
  }
  static final int AT_INIT = status(System.getenv("AWS_ENDPOINT_URL_LAMBDA"));
  public String handleRequest(Map<String, Object> event, Context context) {
    boolean leaked = System.getenv().keySet().stream().anyMatch(k -> k.startsWith("NIMBUS_"));
    return AT_INIT + " " + status(System.getenv("AWS_ENDPOINT_URL_LAMBDA")) + " " + (leaked ? "leaked" : "clean");
  }
}
`;

async function namespaceNimbus(t: TestContext, stemCells: number): Promise<TestNimbus> {
  const nimbus = await startTestNimbus(t, { isolation: 'namespace', stemCells });
  if (nimbus.isolation !== 'namespace') {
    if (inCI) assert.fail(`CI must run functions under namespace isolation, got ${nimbus.isolation}: ${nimbus.warning ?? ''}`);
    t.skip(`namespace isolation unavailable here: ${nimbus.warning ?? ''}`);
  }
  return nimbus;
}

async function create(nimbus: TestNimbus, name: string, runtime: string, handler: string, zip: Buffer, env: Record<string, string> = {}): Promise<void> {
  await nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: runtime as Runtime, Handler: handler, Role: ROLE, MemorySize: 1024, Code: { ZipFile: zip }, Environment: { Variables: env } }));
}

async function invoke(nimbus: TestNimbus, name: string): Promise<unknown> {
  const out = await nimbus.lambda.send(new InvokeCommand({ FunctionName: name, Payload: '{}' }));
  const body = payloadJson(out.Payload);
  assert.equal(out.FunctionError, undefined, JSON.stringify(body));
  return body;
}

for (const stemCells of [0, 1]) {
  describe(`SDK calls during init, namespace isolation, ${stemCells ? 'with' : 'without'} a stem cell`, () => {
    it(`a Node.js function (${NODE}) calls Nimbus at module init, on the relay's two ports`, needs(NODE), async (t) => {
      const nimbus = await namespaceNimbus(t, stemCells);
      await create(nimbus, 'node-init', NODE, 'index.handler', await makeZip({ 'index.mjs': NODE_FN }), { NIMBUS_PORT_SEEN: String(nimbus.port) });
      const body = (await invoke(nimbus, 'node-init')) as Record<string, unknown>;
      assert.deepEqual(body['atInit'], ['node-init']);
      assert.equal(body['portAtInit'], 200, "Nimbus's own port answers inside at init");
      assert.deepEqual(body['atCall'], ['node-init']);
      // Only the function's own variable: Nimbus's channels stay out of the environment.
      assert.deepEqual(body['env'], ['NIMBUS_PORT_SEEN']);
    });

    it(`a Python function (${PY}) calls Nimbus through boto3 at import`, needs(PY), async (t) => {
      const nimbus = await namespaceNimbus(t, stemCells);
      await create(nimbus, 'py-init', PY, 'app.handler', await makeZip({ 'app.py': PYTHON_FN }));
      const body = (await invoke(nimbus, 'py-init')) as Record<string, unknown>;
      assert.deepEqual(body['atInit'], ['py-init']);
      assert.deepEqual(body['atCall'], ['py-init']);
      assert.deepEqual(body['env'], []);
    });
  });
}

describe('SDK calls during init, namespace isolation, Java', () => {
  const JAVA = JAVA_IDS.find((id) => catalog.get(id)?.availability?.(id).ok) ?? null;
  const skip = inCI ? false : !JAVA ? 'no Java runtime installed' : !hasJavac() ? 'javac not installed' : false;
  it(`a Java function (${JAVA ?? 'none'}) calls Nimbus from a static initialiser`, { skip }, async (t) => {
    assert.ok(JAVA, 'a Java runtime must be installed in CI');
    const nimbus = await namespaceNimbus(t, 0);
    await create(nimbus, 'java-init', JAVA, 'example.InitCall::handleRequest', await javaZip('InitCall', JAVA_FN, 'nimbus-relay-init-'));
    assert.equal(await invoke(nimbus, 'java-init'), '200 200 clean');
  });
});
