/**
 * A function whose response never ends is cut at its limit as Function.ResponseSizeTooLarge,
 * never left to run into its timeout: a custom runtime POSTing a chunked buffered response
 * forever (cut at Lambda's 6 MB), and a streaming handler writing forever (cut at the stream
 * limit). Outcomes are asserted, not durations: before the fix the first ended as a timeout.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CreateFunctionCommand, InvokeCommand, InvokeWithResponseStreamCommand } from '@aws-sdk/client-lambda';
import { deployNode, makeZip, payloadJson, ROLE, startTestNimbus } from '../helpers/nimbus.js';

const ENDLESS = readFileSync(new URL('../../../test/fixtures/endless-runtime/bootstrap', import.meta.url));

test('a buffered response that never ends fails with Function.ResponseSizeTooLarge, not a timeout; the function works again', async (t) => {
  const n = await startTestNimbus(t, { isolation: 'process' });
  await n.lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'endless',
      Runtime: 'provided.al2023',
      Handler: 'unused',
      Role: ROLE,
      Timeout: 60,
      Code: { ZipFile: await makeZip({ bootstrap: { content: ENDLESS, mode: 0o100755 } }) },
    }),
  );
  for (let i = 0; i < 2; i++) {
    const r = await n.lambda.send(new InvokeCommand({ FunctionName: 'endless', Payload: '{}' }));
    assert.equal(r.FunctionError, 'Unhandled');
    const p = payloadJson(r.Payload) as { errorType?: string; errorMessage?: string };
    assert.equal(p.errorType, 'Function.ResponseSizeTooLarge', JSON.stringify(p));
  }
});

const STREAM_FOREVER = `exports.handler = awslambda.streamifyResponse(async (event, stream) => {
  const block = Buffer.alloc(64 * 1024, 120);
  for (;;) {
    if (!stream.write(block)) await new Promise((r) => stream.once('drain', r));
  }
});
`;

test('a response stream that never ends is cut at the stream limit with Function.ResponseSizeTooLarge', async (t) => {
  const n = await startTestNimbus(t, { isolation: 'process', streamResponseLimitBytes: 2_000_000 });
  await deployNode(n.lambda, 'forever', { 'index.js': STREAM_FOREVER }, { Timeout: 60 });
  const out = await n.lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'forever', Payload: '{}' }));
  let bytes = 0;
  let complete: Record<string, unknown> | undefined;
  for await (const ev of out.EventStream!) {
    if (ev.PayloadChunk?.Payload) bytes += ev.PayloadChunk.Payload.length;
    if (ev.InvokeComplete) complete = ev.InvokeComplete as Record<string, unknown>;
  }
  assert.equal(bytes, 2_000_000);
  assert.equal(complete?.['ErrorCode'], 'Function.ResponseSizeTooLarge');
});
