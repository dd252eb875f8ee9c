/**
 * A published open-source extension, as its authors ship it: Serverless Inc.'s OpenTelemetry
 * extension (`@serverless/aws-lambda-otel-extension-dist` 0.1.11 on npm, a devDependency: its
 * `extension.zip` is the layer). It registers for INVOKE and SHUTDOWN, subscribes to the Logs API
 * with a listener on `sandbox:4243`, and installs a wrapper script (AWS_LAMBDA_EXEC_WRAPPER) that
 * loads OpenTelemetry into the Node.js runtime. It hard-codes `/opt` paths, so it runs under
 * namespace isolation only; under process isolation it crashes at init, with Lambda's error.
 *
 * `DO_NOT_WAIT=1` is the extension's own switch not to wait, after each INVOKE, for the spans its
 * wrapper would post: the wrapper's handler instrumentation does not hook Nimbus's ES-module
 * bootstrap (docs/extensions.md), so without it every invocation would wait for the deadline.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { CreateFunctionCommand, InvokeCommand, PublishLayerVersionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { makeZip, payloadJson, ROLE, startTestNimbus } from '../helpers/nimbus.js';
import { checkTool, failIfMissing, needs } from '../runtimes/helpers.js';

const namespace = process.getuid?.() === 0 ? checkTool('bwrap', ['--version']) : 'namespace isolation needs root';
const layerZip = (): Buffer => readFileSync(createRequire(import.meta.url).resolve('@serverless/aws-lambda-otel-extension-dist/extension.zip'));

async function deploy(lambda: LambdaClient, env: Record<string, string>): Promise<void> {
  const layer = await lambda.send(new PublishLayerVersionCommand({ LayerName: 'sls-otel', Content: { ZipFile: layerZip() } }));
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'otel-app',
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: ROLE,
      Timeout: 20,
      Layers: [layer.LayerVersionArn!],
      Environment: { Variables: { DO_NOT_WAIT: '1', DEBUG_SLS_OTEL_LAYER: '1', SLS_OTEL_REPORT_TYPE: 'json', ...env } },
      Code: { ZipFile: await makeZip({ 'index.js': 'exports.handler = async () => { console.log("handler ran"); return { ok: true }; };' }) },
    }),
  );
}

describe('a published extension from npm (Serverless OpenTelemetry extension)', () => {
  it('under namespace isolation it registers, subscribes to the Logs API, gets INVOKE, and its wrapper script runs', needs(namespace), async (t) => {
    failIfMissing(namespace);
    const { lambda, url } = await startTestNimbus(t, { isolation: 'namespace' });
    await deploy(lambda, { AWS_LAMBDA_EXEC_WRAPPER: '/opt/otel-extension/otel-handler', OTEL_LOG_LEVEL: 'debug' });
    for (let i = 0; i < 2; i++) {
      const r = await lambda.send(new InvokeCommand({ FunctionName: 'otel-app', Payload: Buffer.from('{}'), LogType: 'Tail' }));
      assert.equal(r.FunctionError, undefined, Buffer.from(r.LogResult ?? '', 'base64').toString());
      assert.deepEqual(payloadJson(r.Payload), { ok: true });
    }
    // The whole log from Nimbus's log API (a LogResult tail holds only the last 4 KB, and the
    // wrapper's debug output, now that it patches the require()d handler, pushes the init lines out).
    let logs = '';
    for (let tries = 0; tries < 50 && (logs.match(/Processing event: {2}INVOKE/g)?.length ?? 0) < 2; tries++) {
      if (tries > 0) await new Promise((r) => setTimeout(r, 100));
      const body = (await (await fetch(`${url}/nimbus/v1/functions/otel-app/logs?tail=1000`)).json()) as { events: { text: string }[] };
      logs = body.events.map((e) => e.text).join('');
    }
    // The extension's output lands in whichever invocation's log is open when it arrives.
    assert.match(logs, /EXTENSION\tName: otel-extension\tState: Ready\tEvents: \[INVOKE,SHUTDOWN\]/);
    assert.match(logs, /otel-extension {2}launching extension/);
    assert.equal(logs.match(/Processing event: {2}INVOKE/g)?.length, 2, logs);
    // Its Logs API listener on sandbox:4243 received batches ...
    assert.match(logs, /Current data before write: {2}\[/);
    // ... after a subscription that was accepted (it warns on a 202 refusal).
    assert.doesNotMatch(logs, /Logs API is not supported/);
    // The wrapper script from the layer started the runtime with OpenTelemetry loaded.
    assert.match(logs, /Registered a global for trace/);
  });

  it('under process isolation its hard-coded /opt path fails init with Extension.Crash', async (t) => {
    const { lambda } = await startTestNimbus(t, { isolation: 'process' });
    await deploy(lambda, {});
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'otel-app', Payload: Buffer.from('{}') }));
    assert.equal(r.FunctionError, 'Unhandled');
    assert.equal((payloadJson(r.Payload) as { errorType: string }).errorType, 'Extension.Crash');
  });
});
