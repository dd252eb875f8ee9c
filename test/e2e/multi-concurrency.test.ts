/**
 * Multi-concurrent execution environments (docs/multi-concurrency.md): CapacityProviderConfig's
 * PerExecutionEnvironmentMaxConcurrency on the wire, one sandbox running several invocations at
 * once (Node.js loops in one process, Python processes), each invocation's log tagged and kept
 * apart, and the default function still one invocation per sandbox.
 *
 * A barrier (a small HTTP server of the test) holds every invocation until all of them have
 * arrived, so what is asserted - how many ran at once in one process, and in how many sandboxes -
 * never depends on timings: without concurrency the barrier is never reached and the function
 * says so.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  UpdateFunctionConfigurationCommand,
  type LambdaClient,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { makeZip, payloadJson, ROLE, startTestNimbus } from '../helpers/nimbus.js';
import { javaZip } from '../helpers/java.js';
import { checkTool, needs } from '../runtimes/helpers.js';

const CP = 'arn:aws:lambda:us-east-1:000000000000:capacity-provider:this-host';
const lmi = (max?: number): Record<string, unknown> => ({
  CapacityProviderConfig: { LambdaManagedInstancesCapacityProviderConfig: { CapacityProviderArn: CP, ...(max === undefined ? {} : { PerExecutionEnvironmentMaxConcurrency: max }) } },
});

const NODE = `
const sandbox = require('node:crypto').randomUUID();
let inflight = 0;
let peak = 0;
exports.handler = async (event, context) => {
  inflight++;
  peak = Math.max(peak, inflight);
  console.log('start', context.awsRequestId);
  const r = await fetch(event.barrier);
  const arrived = await r.text();
  console.log('end', context.awsRequestId);
  inflight--;
  return { sandbox, requestId: context.awsRequestId, peak, arrived, max: process.env.AWS_LAMBDA_MAX_CONCURRENCY ?? null, trace: context.xRayTraceId ?? null };
};`;

const PYTHON = `
import os, urllib.request, uuid
sandbox = os.environ.get('NIMBUS_TEST_SANDBOX') or str(uuid.uuid4())
os.environ['NIMBUS_TEST_SANDBOX'] = sandbox
def handler(event, context):
    print('start', context.aws_request_id)
    arrived = urllib.request.urlopen(event['barrier'], timeout=60).read().decode()
    print('end', context.aws_request_id)
    return {'sandbox': sandbox, 'pid': os.getpid(), 'requestId': context.aws_request_id, 'arrived': arrived}
`;

const JAVA = `package example;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.io.InputStream;
import java.net.URL;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

public class Multi implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private static final String SANDBOX = UUID.randomUUID().toString();
    private static final AtomicInteger INFLIGHT = new AtomicInteger();
    private static final AtomicInteger PEAK = new AtomicInteger();

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> input, Context context) {
        int now = INFLIGHT.incrementAndGet();
        PEAK.accumulateAndGet(now, Math::max);
        context.getLogger().log("start " + context.getAwsRequestId() + "\\n");
        String arrived;
        try (InputStream in = new URL((String) input.get("barrier")).openStream()) {
            arrived = new String(in.readAllBytes());
        } catch (Exception e) {
            arrived = e.toString();
        }
        context.getLogger().log("end " + context.getAwsRequestId() + "\\n");
        INFLIGHT.decrementAndGet();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("sandbox", SANDBOX);
        out.put("requestId", context.getAwsRequestId());
        out.put("peak", PEAK.get());
        out.put("arrived", arrived);
        out.put("thread", Thread.currentThread().getName());
        return out;
    }
}
`;

/** Answers every request once `n` are waiting (each gets "ok"), or after 20 s with "timeout". */
async function barrier(t: { after: (f: () => unknown) => void }, n: number): Promise<string> {
  let waiting: http.ServerResponse[] = [];
  const server = http.createServer((_req, res) => {
    waiting.push(res);
    if (waiting.length >= n) {
      for (const w of waiting) w.end('ok');
      waiting = [];
    }
  });
  const timer = setInterval(() => {
    for (const w of waiting) w.end('timeout');
    waiting = [];
  }, 20_000);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    clearInterval(timer);
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function invokeAll(lambda: LambdaClient, name: string, n: number, url: string): Promise<{ body: Record<string, unknown>; log: string }[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const out = await lambda.send(new InvokeCommand({ FunctionName: name, LogType: 'Tail', Payload: Buffer.from(JSON.stringify({ barrier: url })) }));
      const body = payloadJson(out.Payload) as Record<string, unknown>;
      assert.equal(out.FunctionError, undefined, JSON.stringify(body));
      return { body, log: Buffer.from(out.LogResult ?? '', 'base64').toString('utf8') };
    }),
  );
}

/** Each invocation's log holds its own start and end lines, tagged with its id, and names no other invocation. */
function assertLogsApart(results: { body: Record<string, unknown>; log: string }[], tagged: boolean): void {
  const ids = results.map((r) => String(r.body['requestId']));
  for (const r of results) {
    const id = String(r.body['requestId']);
    assert.match(r.log, new RegExp(`${tagged ? `\\t${id}\\tINFO\\t` : ''}start ${id}`), r.log);
    assert.match(r.log, new RegExp(`${tagged ? `\\t${id}\\tINFO\\t` : ''}end ${id}`), r.log);
    for (const other of ids) if (other !== id) assert.ok(!r.log.includes(other), `the log of ${id} names ${other}:\n${r.log}`);
  }
}

/** The Java handler's package, compiled with javac (before Nimbus starts: SDK connections left idle meanwhile may be reset). */
async function buildJava(): Promise<Buffer> {
  return await javaZip('Multi', JAVA, 'nimbus-java-multi-');
}

test('multi-concurrent execution environments', async (t) => {
  const javac = checkTool('javac', ['-version']);
  const javaZip = javac ? undefined : buildJava();
  javaZip?.catch(() => undefined);
  const nimbus = await startTestNimbus(t, { isolation: 'process' });
  const { lambda } = nimbus;
  const create = async (name: string, extra: Record<string, unknown>, runtime = 'nodejs22.x', code = NODE): Promise<void> => {
    const file = runtime.startsWith('python') ? 'app.py' : 'index.js';
    const handler = runtime.startsWith('python') ? 'app.handler' : 'index.handler';
    await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: runtime as Runtime, Handler: handler, Role: ROLE, Timeout: 60, Code: { ZipFile: await makeZip({ [file]: code }) }, ...extra }));
  };

  await t.test('CapacityProviderConfig is taken and returned in Lambda wire shape, and validated as AWS does', async () => {
    await create('multi', lmi(8));
    const c = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'multi' }));
    assert.deepEqual(c.CapacityProviderConfig, { LambdaManagedInstancesCapacityProviderConfig: { CapacityProviderArn: CP, PerExecutionEnvironmentMaxConcurrency: 8 } });
    await create('plain', {});
    assert.equal((await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'plain' }))).CapacityProviderConfig, undefined);
    await assert.rejects(create('bad1', lmi(1601)), {
      name: 'ValidationException',
      message: "1 validation error detected: Value '1601' at 'capacityProviderConfig.lambdaManagedInstancesCapacityProviderConfig.perExecutionEnvironmentMaxConcurrency' failed to satisfy constraint: Member must have value less than or equal to 1600",
    });
    await assert.rejects(create('bad2', { CapacityProviderConfig: { LambdaManagedInstancesCapacityProviderConfig: { CapacityProviderArn: 'arn:aws:lambda:us-east-1:000000000000:function:x' } } }), {
      name: 'ValidationException',
      message: /^1 validation error detected: Value 'arn:aws:lambda:us-east-1:000000000000:function:x' at 'capacityProviderConfig.lambdaManagedInstancesCapacityProviderConfig.capacityProviderArn' failed to satisfy constraint: Member must satisfy regular expression pattern/,
    });
    await assert.rejects(create('bad3', { CapacityProviderConfig: {} }), {
      name: 'ValidationException',
      message: "1 validation error detected: Value null at 'capacityProviderConfig.lambdaManagedInstancesCapacityProviderConfig' failed to satisfy constraint: Member must not be null",
    });
    // UpdateFunctionConfiguration sets it too (and keeps it when the request does not name it).
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'plain', Description: 'x', ...lmi(2) }));
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'plain', Description: 'y' }));
    const u = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'plain' }));
    assert.equal(u.CapacityProviderConfig?.LambdaManagedInstancesCapacityProviderConfig?.PerExecutionEnvironmentMaxConcurrency, 2);
  });

  await t.test('Node.js, concurrency 8: 8 calls at once run in ONE sandbox, each with its own request id and log', async (t) => {
    const url = await barrier(t, 8);
    const results = await invokeAll(lambda, 'multi', 8, url);
    for (const r of results) assert.equal(r.body['arrived'], 'ok', 'all 8 invocations were in flight together');
    assert.equal(new Set(results.map((r) => r.body['sandbox'])).size, 1, 'one sandbox served all 8');
    assert.equal(Math.max(...results.map((r) => Number(r.body['peak']))), 8);
    assert.equal(new Set(results.map((r) => r.body['requestId'])).size, 8);
    assert.equal(results[0]!.body['max'], '8');
    assertLogsApart(results, true);
    // Warm now: 8 more calls go to the same sandbox, never a new one.
    const again = await invokeAll(lambda, 'multi', 8, await barrier(t, 8));
    assert.deepEqual(new Set(again.map((r) => r.body['sandbox'])), new Set(results.map((r) => r.body['sandbox'])));
    assertLogsApart(again, true);
  });

  await t.test('the default function still runs one invocation per sandbox', async (t) => {
    await create('single', {});
    const results = await invokeAll(lambda, 'single', 4, await barrier(t, 4));
    for (const r of results) {
      assert.equal(r.body['arrived'], 'ok');
      assert.equal(r.body['peak'], 1);
      assert.equal(r.body['max'], null);
    }
    assert.equal(new Set(results.map((r) => r.body['sandbox'])).size, 4);
    assertLogsApart(results, true);
  });

  await t.test('Python, concurrency 4: 4 calls at once in one sandbox (one process per loop), logs apart', async (t) => {
    await create('multi-py', lmi(4), 'python3.11', PYTHON);
    const results = await invokeAll(lambda, 'multi-py', 4, await barrier(t, 4));
    for (const r of results) assert.equal(r.body['arrived'], 'ok', JSON.stringify(r.body));
    assert.equal(new Set(results.map((r) => r.body['sandbox'])).size, 1, 'one sandbox served all 4');
    assert.equal(new Set(results.map((r) => r.body['pid'])).size, 4, 'each loop is a process of its own');
    assertLogsApart(results, false);
  });

  await t.test('Java, concurrency 4: 4 calls at once in one sandbox, one thread each', needs(javac), async (t) => {
    // A generous timeout: what is asserted is concurrency, and a JVM on a starved CI machine
    // (4 threads compiling their first HTTP call) once took past 60 s.
    const zip = await javaZip!;
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'multi-java', Runtime: 'java17', Handler: 'example.Multi::handleRequest', Role: ROLE, Code: { ZipFile: zip }, Timeout: 300, MemorySize: 512, ...lmi(4) }));
    const results = await invokeAll(lambda, 'multi-java', 4, await barrier(t, 4));
    for (const r of results) assert.equal(r.body['arrived'], 'ok', JSON.stringify(r.body));
    assert.equal(new Set(results.map((r) => r.body['sandbox'])).size, 1, 'one sandbox served all 4');
    assert.equal(Math.max(...results.map((r) => Number(r.body['peak']))), 4);
    assert.equal(new Set(results.map((r) => r.body['thread'])).size, 4);
    assertLogsApart(results, false);
  });

  await t.test('a timeout ends only its own invocation: the sandbox and its other loops go on (Node.js and Python)', async () => {
    const node = `const sandbox = require('node:crypto').randomUUID();
exports.handler = async (event) => { if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs)); return { sandbox }; };`;
    const python = `import time, uuid
sandbox = str(uuid.uuid4())
def handler(event, context):
    if event.get('sleepMs'):
        time.sleep(event['sleepMs'] / 1000)
    return {'sandbox': sandbox}
`;
    await create('slow-node', { ...lmi(4), Timeout: 1 }, 'nodejs22.x', node);
    await create('slow-py', { ...lmi(2), Timeout: 1 }, 'python3.11', python);
    for (const name of ['slow-node', 'slow-py']) {
      const call = async (payload: unknown): Promise<{ error: string | undefined; body: Record<string, unknown> }> => {
        const out = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)) }));
        return { error: out.FunctionError, body: payloadJson(out.Payload) as Record<string, unknown> };
      };
      const first = await call({});
      const slow = await call({ sleepMs: 2500 });
      assert.equal(slow.error, 'Unhandled');
      assert.equal(slow.body['errorType'], 'Sandbox.Timedout');
      const after = await call({});
      assert.equal(after.error, undefined, JSON.stringify(after.body));
      // Once the slow handler has finished and its loop posted its late answer, the sandbox still serves.
      await new Promise((r) => setTimeout(r, 2000));
      const later = await call({});
      assert.equal(later.error, undefined, JSON.stringify(later.body));
      assert.equal(after.body['sandbox'], first.body['sandbox'], 'the same sandbox after the timeout');
      assert.equal(later.body['sandbox'], first.body['sandbox'], 'and after the late answer');
    }
  });
});

test('multi-concurrent environments under namespace isolation (the Runtime API over the sandbox socket), JSON logs', async (t) => {
  const nimbus = await startTestNimbus(t);
  if (nimbus.isolation !== 'namespace') {
    if (process.env['CI'] === 'true') assert.fail(`CI must run functions under namespace isolation, got ${nimbus.isolation}: ${nimbus.warning ?? ''}`);
    t.skip(`namespace isolation unavailable here: ${nimbus.warning ?? ''}`);
    return;
  }
  const { lambda } = nimbus;
  // No network in the sandbox: the calls sleep instead of meeting at a barrier. The sandbox count
  // does not depend on timing: with at most 8 in flight and a limit of 8, one sandbox takes them all.
  const node = `const sandbox = require('node:crypto').randomUUID();
exports.handler = async (event, context) => {
  console.log('start', context.awsRequestId);
  await new Promise((r) => setTimeout(r, 300));
  console.log('end', context.awsRequestId);
  return { sandbox, requestId: context.awsRequestId };
};`;
  const python = `import time, uuid
sandbox = str(uuid.uuid4())
def handler(event, context):
    print('start', context.aws_request_id)
    time.sleep(0.3)
    print('end', context.aws_request_id)
    return {'sandbox': sandbox, 'requestId': context.aws_request_id}
`;
  const fns: [string, string, string, string, number][] = [
    ['ns-node', 'nodejs22.x', 'index.js', node, 8],
    ['ns-py', 'python3.11', 'app.py', python, 4],
  ];
  for (const [name, runtime, file, code, n] of fns) {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name, Runtime: runtime as Runtime, Handler: `${file.split('.')[0]}.handler`, Role: ROLE, Timeout: 30,
        Code: { ZipFile: await makeZip({ [file]: code }) }, LoggingConfig: { LogFormat: 'JSON' }, ...lmi(n),
      }),
    );
    const results = await Promise.all(
      Array.from({ length: n }, async () => {
        const out = await lambda.send(new InvokeCommand({ FunctionName: name, LogType: 'Tail' }));
        const body = payloadJson(out.Payload) as Record<string, unknown>;
        assert.equal(out.FunctionError, undefined, JSON.stringify(body));
        return { body, log: Buffer.from(out.LogResult ?? '', 'base64').toString('utf8') };
      }),
    );
    assert.equal(new Set(results.map((r) => r.body['sandbox'])).size, 1, `${name}: one sandbox served all ${n}`);
    assertLogsApart(results, false);
  }
});
