/**
 * Custom runtimes with AWS's own Node.js runtime interface client (npm aws-lambda-ric, whose
 * native part talks to the Runtime API through libcurl): what works on AWS must work here
 * unchanged. The function's bootstrap starts the client on the machine's Node.js.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { provided } from '../../src/runtimes/provided.js';
import {
  ARN,
  FUNCTION_NAME,
  LOG_STREAM,
  MEMORY_MB,
  Sandboxes,
  buildGuests,
  errorJson,
  event,
  failIfMissing,
  initErrorJson,
  initFailure,
  makeSpec,
  needs,
  toolTest,
  repoRoot,
  responseJson,
  tempDir,
} from './helpers.js';

// A test-only tool with a native build, installed apart from Nimbus (test-tools/, by .ci/run).
const ric = join(repoRoot, 'test-tools', 'node_modules', 'aws-lambda-ric');
const missing =
  existsSync(join(ric, 'bin', 'index.mjs')) && existsSync(join(ric, 'dist', 'rapid-client.node'))
    ? null
    : 'aws-lambda-ric is not installed with its native client (npm ci --prefix test-tools; it needs autoconf, automake, libtool, cmake, g++)';

const FUNCTION = `console.log('index.mjs loaded');

export const handler = async (event, context) => {
  console.log('handling', event.name);
  return { hello: event.name };
};

export const fail = async () => {
  throw new TypeError('some_error_msg');
};

export const sleepy = async () => {
  console.log('going to sleep');
  await new Promise((resolve) => setTimeout(resolve, 60_000));
};

export const ctx = async (event, context) => ({
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  invokedFunctionArn: context.invokedFunctionArn,
  memoryLimitInMB: context.memoryLimitInMB,
  awsRequestId: context.awsRequestId,
  logGroupName: context.logGroupName,
  logStreamName: context.logStreamName,
  remaining: context.getRemainingTimeInMillis(),
  traceId: process.env._X_AMZN_TRACE_ID,
});
`;

toolTest('aws-lambda-ric is installed with its native client', missing);

describe('custom runtime: aws-lambda-ric', needs(missing), () => {
  let code: ReturnType<typeof tempDir>;
  let sandboxes: Sandboxes;
  const spec = (handler: string) => makeSpec(provided, 'provided.al2023', handler, code.path);

  before(() => {
    failIfMissing(missing);
    buildGuests();
    sandboxes = new Sandboxes();
    code = tempDir('provided-ric');
    // A real deployment bundles node and the client; here both come from the machine.
    writeFileSync(
      join(code.path, 'bootstrap'),
      `#!/bin/sh\nexec "${process.execPath}" "${join(ric, 'bin', 'index.mjs')}" "$_HANDLER"\n`,
    );
    chmodSync(join(code.path, 'bootstrap'), 0o755);
    writeFileSync(join(code.path, 'index.mjs'), FUNCTION);
  });

  after(async () => {
    await sandboxes?.close();
    code?.remove();
  });

  it('returns the handler result and logs console output in the RIC format', async () => {
    const { sandbox, init } = await sandboxes.start(spec('index.handler'));
    assert.match(init.logs, /index\.mjs loaded/);
    const ev = event({ name: 'ric' });
    const report = await sandbox.invoke(ev);
    assert.deepEqual(responseJson(report), { hello: 'ric' });
    assert.match(report.logs, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${ev.requestId}\\tINFO\\thandling ric\\n`, 'm'));
    assert.deepEqual(responseJson(await sandbox.invoke(event({ name: 'again' }))), { hello: 'again' });
  });

  it("reports a function error in the Node.js runtime's shape (trace, not stackTrace)", async () => {
    const { sandbox } = await sandboxes.start(spec('index.fail'));
    const { body } = errorJson(await sandbox.invoke(event({})));
    assert.equal(body['errorType'], 'TypeError');
    assert.equal(body['errorMessage'], 'some_error_msg');
    assert.ok(Array.isArray(body['trace']) && String((body['trace'] as string[])[0]).startsWith('TypeError: some_error_msg'));
    assert.equal(sandbox.state, 'idle');
  });

  it('reports a missing module as Runtime.ImportModuleError at init', async () => {
    const err = await initFailure(sandboxes, spec('missing.handler'));
    const { body, errorType } = initErrorJson(err);
    assert.equal(errorType, 'Runtime.ImportModuleError');
    assert.equal(body['errorType'], 'Runtime.ImportModuleError');
    assert.match(String(body['errorMessage']), /Cannot find module 'missing'/);
  });

  it('is killed at the deadline', async () => {
    const { sandbox } = await sandboxes.start(spec('index.sleepy'));
    const report = await sandbox.invoke(event({}, 800));
    assert.equal(report.result.kind, 'timeout');
    assert.match(report.logs, /going to sleep/);
    assert.equal(sandbox.state, 'dead');
  });

  it('fills the context from the Runtime API headers and the environment', async () => {
    const { sandbox } = await sandboxes.start(spec('index.ctx'));
    const ev = event({}, 20_000, { traceId: 'Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Sampled=1' });
    const got = responseJson(await sandbox.invoke(ev)) as Record<string, unknown>;
    const remaining = got['remaining'] as number;
    assert.ok(remaining > 10_000 && remaining <= 20_000, `remaining ${remaining}`);
    assert.deepEqual(
      { ...got, remaining: 0 },
      {
        functionName: FUNCTION_NAME,
        functionVersion: '$LATEST',
        invokedFunctionArn: ARN,
        memoryLimitInMB: String(MEMORY_MB),
        awsRequestId: ev.requestId,
        logGroupName: `/aws/lambda/${FUNCTION_NAME}`,
        logStreamName: LOG_STREAM,
        remaining: 0,
        traceId: ev.traceId,
      },
    );
  });
});
