/**
 * AWS's own Node.js runtime interface client (npm aws-lambda-ric, installed in test-tools/) as a
 * custom runtime behind Nimbus: its streamed responses (an HTTP chunked POST with the error
 * trailers, docs/reference/response-streaming.md §2, §5) must come out of InvokeWithResponseStream and
 * RESPONSE_STREAM URLs exactly as from Nimbus's own Node.js runtime, and the JSON records both write
 * must have the same shape (docs/reference/lambda-logging.md §2.1): the reference is AWS's code itself.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CreateFunctionCommand, CreateFunctionUrlConfigCommand, InvokeCommand, InvokeWithResponseStreamCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { invocationLog, logRecords } from '../helpers/logs.js';
import { makeZip, ROLE, startTestNimbus } from '../helpers/nimbus.js';
import { FUNCTION_WAIT, SignalServer } from '../helpers/signal.js';
import { failIfMissing, needs } from '../runtimes/helpers.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const ric = join(root, 'test-tools', 'node_modules', 'aws-lambda-ric');
const missing =
  existsSync(join(ric, 'bin', 'index.mjs')) && existsSync(join(ric, 'dist', 'rapid-client.node'))
    ? null
    : 'aws-lambda-ric is not installed with its native client (npm ci --prefix test-tools; it needs autoconf, automake, libtool, cmake, g++)';

const HANDLER = `${FUNCTION_WAIT}
exports.stream = awslambda.streamifyResponse(async (event, stream) => {
  if (event.rawPath === '/http') {
    stream = awslambda.HttpResponseStream.from(stream, { statusCode: 202, headers: { 'x-from': 'ric' } });
    // AWS's client writes the prelude on write(), not on end(chunk): the documented pattern.
    stream.write('accepted');
    stream.end();
    return;
  }
  stream.setContentType('text/plain');
  stream.write('one ');
  if (event.mode === 'wait') await waitSignal();
  if (event.mode === 'fail') throw new TypeError('ric stream failed');
  stream.end('two');
});
exports.logs = async () => {
  console.log('several', 1, { a: 1 });
  console.info({ only: 'one argument' });
  console.warn('with an error', new RangeError('range'));
  console.error(new TypeError('alone'));
  console.debug('filtered at INFO');
  return 'ok';
};
`;

/** Deploys the same code once on AWS's client (provided.al2023) and once on Nimbus's runtime. */
async function deployBoth(lambda: LambdaClient, name: string, handler: string, extra: Record<string, unknown>): Promise<void> {
  const bootstrap = `#!/bin/sh\nexec "${process.execPath}" "${join(ric, 'bin', 'index.mjs')}" "$_HANDLER"\n`;
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: `${name}-ric`, Runtime: 'provided.al2023', Handler: handler, Role: ROLE, Timeout: 30,
      Code: { ZipFile: await makeZip({ 'index.js': HANDLER, bootstrap: { content: bootstrap, mode: 0o100755 } }) },
      ...extra,
    }),
  );
  await lambda.send(
    new CreateFunctionCommand({ FunctionName: `${name}-nimbus`, Runtime: 'nodejs20.x', Handler: handler, Role: ROLE, Timeout: 30, Code: { ZipFile: await makeZip({ 'index.js': HANDLER }) }, ...extra }),
  );
}

async function streamed(lambda: LambdaClient, name: string, mode: string, onChunk?: () => void) {
  const out = await lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify({ mode })) }));
  let body = '';
  let complete: Record<string, unknown> = {};
  for await (const ev of out.EventStream!) {
    if (ev.PayloadChunk) {
      body += Buffer.from(ev.PayloadChunk.Payload ?? new Uint8Array()).toString();
      onChunk?.();
    } else if (ev.InvokeComplete) complete = { ...ev.InvokeComplete };
  }
  return { type: out.ResponseStreamContentType, body, complete };
}

test('AWS’s Node.js runtime client streams and logs through Nimbus as Nimbus’s own runtime does', needs(missing), async (t) => {
  failIfMissing(missing);
  const nimbus = await startTestNimbus(t, { isolation: 'process' });
  const signal = await SignalServer.start(t);
  const { lambda } = nimbus;
  await deployBoth(lambda, 'stream', 'index.stream', { Environment: { Variables: { SIGNAL_PORT: String(signal.port) } } });
  await deployBoth(lambda, 'logs', 'index.logs', { LoggingConfig: { LogFormat: 'JSON' } });

  for (const side of ['ric', 'nimbus']) {
    await t.test(`${side}: chunks before the function ends, and the end`, async () => {
      let released = false;
      const r = await streamed(lambda, `stream-${side}`, 'wait', () => {
        if (!released) {
          released = true;
          void signal.release();
        }
      });
      assert.deepEqual(r, { type: 'text/plain', body: 'one two', complete: {} });
    });

    await t.test(`${side}: an error mid-stream (the trailers) becomes InvokeComplete`, async () => {
      const r = await streamed(lambda, `stream-${side}`, 'fail');
      assert.equal(r.body, 'one ');
      assert.equal(r.complete['ErrorCode'], 'TypeError');
      const details = JSON.parse(String(r.complete['ErrorDetails'])) as Record<string, unknown>;
      assert.deepEqual(Object.keys(details), ['errorType', 'errorMessage', 'trace']);
      assert.equal(details['errorMessage'], 'ric stream failed');
    });

    await t.test(`${side}: HttpResponseStream.from through a RESPONSE_STREAM URL`, async () => {
      const u = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: `stream-${side}`, AuthType: 'NONE', InvokeMode: 'RESPONSE_STREAM' }));
      const id = new URL(u.FunctionUrl!).hostname.split('.')[0]!;
      const res = await fetch(`${nimbus.url}/nimbus/v1/url/${id}/http`);
      assert.equal(res.status, 202);
      assert.equal(res.headers.get('x-from'), 'ric');
      assert.equal(await res.text(), 'accepted');
    });
  }

  await t.test('the JSON records of both runtimes have the same fields, in the same order', async () => {
    const shapes: Record<string, unknown[]> = {};
    for (const side of ['ric', 'nimbus']) {
      const out = await lambda.send(new InvokeCommand({ FunctionName: `logs-${side}` }));
      const { records } = logRecords(await invocationLog(nimbus.url, `logs-${side}`, out.$metadata.requestId!));
      shapes[side] = records
        .filter((r) => !('type' in r))
        .map((r) => ({
          keys: Object.keys(r),
          level: r['level'],
          message: typeof r['message'] === 'object' ? Object.keys(r['message'] as object) : typeof r['message'],
        }));
    }
    assert.equal(shapes['ric']!.length, 4);
    assert.deepEqual(shapes['nimbus'], shapes['ric']);
  });
});
