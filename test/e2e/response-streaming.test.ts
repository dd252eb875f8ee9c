/**
 * InvokeWithResponseStream through the AWS SDK's own event-stream decoder
 * (docs/reference/response-streaming.md §2, §3): chunks arrive while the function still runs,
 * the final InvokeComplete carries errors and the log tail, a 20 MB response arrives whole,
 * the streamed size limit is enforced with AWS's error, and a client that leaves does not stop
 * the function or anything else.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { InvokeWithResponseStreamCommand, type InvokeWithResponseStreamCommandOutput } from '@aws-sdk/client-lambda';
import { deployNode, startTestNimbus } from '../helpers/nimbus.js';
import { invocationLog } from '../helpers/logs.js';
import { FUNCTION_WAIT, SignalServer } from '../helpers/signal.js';

const PROCESS = { isolation: 'process' as const };

const HANDLER = `${FUNCTION_WAIT}
const crypto = require('node:crypto');
exports.handler = awslambda.streamifyResponse(async (event, stream, context) => {
  if (event.mode === 'wait') {
    stream.setContentType('text/plain');
    stream.write('first ');
    await waitSignal();
    stream.end('second');
  } else if (event.mode === 'throw') {
    stream.write('partial');
    await new Promise((r) => setImmediate(r));
    throw new TypeError('broke mid-stream');
  } else if (event.mode === 'big') {
    // 20 MiB in 64 KiB blocks, each filled with the SHA-256 of its index; the test hashes the same.
    for (let i = 0; i < event.blocks; i++) {
      const block = Buffer.alloc(65536, crypto.createHash('sha256').update(String(i)).digest());
      if (!stream.write(block)) await new Promise((r) => stream.once('drain', r));
    }
    stream.end();
  } else if (event.mode === 'sleep') {
    stream.write('before the deadline');
    await new Promise((r) => setTimeout(r, 60000));
  } else if (event.mode === 'leave') {
    // The client goes away after the first chunk; the function writes on and ends normally.
    stream.write('one');
    await waitSignal();
    for (let i = 0; i < 50; i++) stream.write('more data after the client left ');
    stream.end();
    console.log('finished after the client left');
  } else if (event.mode === 'objects') {
    stream.write({ a: 1 });
    stream.end(Buffer.from([0, 255]));
  } else {
    stream.end(JSON.stringify({ tenant: context.tenantId ?? null, requestId: context.awsRequestId }));
  }
});
`;

async function collect(out: InvokeWithResponseStreamCommandOutput, onChunk?: (n: number) => void) {
  const chunks: Buffer[] = [];
  let complete: Record<string, unknown> | undefined;
  for await (const ev of out.EventStream!) {
    if (ev.PayloadChunk) {
      chunks.push(Buffer.from(ev.PayloadChunk.Payload ?? new Uint8Array()));
      onChunk?.(chunks.length);
    } else if (ev.InvokeComplete) complete = { ...ev.InvokeComplete };
  }
  return { body: Buffer.concat(chunks), chunks: chunks.length, complete };
}

const payload = (v: unknown) => Buffer.from(JSON.stringify(v));

test('InvokeWithResponseStream', async (t) => {
  const nimbus = await startTestNimbus(t, PROCESS);
  const signal = await SignalServer.start(t);
  const { lambda } = nimbus;
  await deployNode(lambda, 'streamer', { 'index.js': HANDLER }, { Environment: { Variables: { SIGNAL_PORT: String(signal.port) } }, Timeout: 30 });
  await deployNode(lambda, 'buffered', { 'index.js': 'exports.handler = async (e) => ({ echo: e });' });

  await t.test('the first chunk reaches the client while the function still waits (ordering, not timing)', async () => {
    const out = await lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', Payload: payload({ mode: 'wait' }), LogType: 'Tail' }));
    assert.equal(out.StatusCode, 200);
    assert.equal(out.ExecutedVersion, '$LATEST');
    // MODEL binds ResponseStreamContentType to Content-Type: the stream's own type.
    assert.equal(out.ResponseStreamContentType, 'text/plain');
    // The function only writes its second chunk after this signal, which is sent only once the
    // first chunk has arrived: had Nimbus buffered the stream, this would deadlock until the
    // function's timeout and the stream would end in Sandbox.Timedout instead.
    const seen: string[] = [];
    const r = await collect(out, (n) => {
      if (n === 1) void signal.release();
    });
    seen.push(r.body.toString());
    assert.equal(r.body.toString(), 'first second');
    assert.equal(r.chunks, 2);
    assert.deepEqual(Object.keys(r.complete ?? {}), ['LogResult']);
    const tail = Buffer.from(String(r.complete!['LogResult']), 'base64').toString();
    assert.match(tail, /START RequestId: \S+ Version: \$LATEST/);
    assert.match(tail, /REPORT RequestId: \S+\tDuration: /);
  });

  await t.test('a success ends with an empty InvokeComplete; objects are written as JSON', async () => {
    const r = await collect(await lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', Payload: payload({ mode: 'objects' }) })));
    assert.deepEqual(r.complete, {});
    assert.deepEqual([...r.body], [...Buffer.from('{"a":1}'), 0, 255]);
  });

  await t.test('an error mid-stream arrives after the chunks sent before it, in InvokeComplete', async () => {
    const out = await lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', Payload: payload({ mode: 'throw' }) }));
    assert.equal(out.ResponseStreamContentType, 'application/octet-stream');
    const r = await collect(out);
    assert.equal(r.body.toString(), 'partial');
    assert.equal(r.complete!['ErrorCode'], 'TypeError');
    const details = JSON.parse(String(r.complete!['ErrorDetails'])) as Record<string, unknown>;
    assert.equal(details['errorType'], 'TypeError');
    assert.equal(details['errorMessage'], 'broke mid-stream');
    assert.ok(Array.isArray(details['trace']));
    assert.equal(r.complete!['LogResult'], undefined);
  });

  await t.test('a timeout mid-stream is Sandbox.Timedout after the chunks already sent', async () => {
    await deployNode(lambda, 'slow', { 'index.js': HANDLER }, { Timeout: 1 });
    const r = await collect(await lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'slow', Payload: payload({ mode: 'sleep' }) })));
    assert.equal(r.body.toString(), 'before the deadline');
    assert.equal(r.complete!['ErrorCode'], 'Sandbox.Timedout');
    assert.match(String(r.complete!['ErrorDetails']), /Task timed out after 1\.00 seconds/);
  });

  await t.test('a 20 MB streamed response arrives whole', async () => {
    const blocks = 320;
    const expected = createHash('sha256');
    for (let i = 0; i < blocks; i++) expected.update(Buffer.alloc(65536, createHash('sha256').update(String(i)).digest()));
    const out = await lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', Payload: payload({ mode: 'big', blocks }) }));
    const got = createHash('sha256');
    let bytes = 0;
    let complete: unknown;
    for await (const ev of out.EventStream!) {
      if (ev.PayloadChunk?.Payload) {
        got.update(ev.PayloadChunk.Payload);
        bytes += ev.PayloadChunk.Payload.length;
      } else if (ev.InvokeComplete) complete = { ...ev.InvokeComplete };
    }
    assert.equal(bytes, 20 * 1024 * 1024);
    assert.equal(got.digest('hex'), expected.digest('hex'));
    assert.deepEqual(complete, {});
  });

  await t.test('a function that does not stream answers in one chunk', async () => {
    const out = await lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'buffered', Payload: payload({ x: 1 }) }));
    assert.equal(out.ResponseStreamContentType, 'application/json');
    const r = await collect(out);
    assert.equal(r.chunks, 1);
    assert.deepEqual(JSON.parse(r.body.toString()), { echo: { x: 1 } });
    assert.deepEqual(r.complete, {});
  });

  await t.test('DryRun answers 204; Event is not an invocation type of this operation', async () => {
    const dry = await lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', InvocationType: 'DryRun' }));
    assert.equal(dry.StatusCode, 204);
    await assert.rejects(lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', InvocationType: 'Event' as 'DryRun' })), {
      name: 'ValidationException',
      message: "1 validation error detected: Value 'Event' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [RequestResponse, DryRun]",
    });
    await assert.rejects(lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'nope' })), { name: 'ResourceNotFoundException' });
    await assert.rejects(lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', Payload: Buffer.from('{bad') })), {
      name: 'InvalidRequestContentException',
    });
  });

  await t.test('a client that leaves does not stop the function, and the sandbox serves the next call', async () => {
    const abort = new AbortController();
    const out = await lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', Payload: payload({ mode: 'leave' }) }), { abortSignal: abort.signal });
    const requestId = out.$metadata.requestId!;
    await assert.rejects(
      collect(out, () => {
        abort.abort();
        // Released only after the client is gone: the rest of the stream has nowhere to go.
        void signal.release();
      }),
    );
    // The invocation ends normally: its REPORT line is written, after the function's own last line.
    const log = await invocationLog(nimbus.url, 'streamer', requestId);
    assert.match(log, /finished after the client left/);
    const after = await collect(await lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', Payload: payload({}) })));
    assert.deepEqual(after.complete, {});
    assert.equal((JSON.parse(after.body.toString()) as { tenant: unknown }).tenant, null);
  });
});

test('a streamed response past the limit is cut there and fails with Function.ResponseSizeTooLarge', async (t) => {
  const { lambda } = await startTestNimbus(t, { ...PROCESS, streamResponseLimitBytes: 1_000_000 });
  await deployNode(lambda, 'streamer', { 'index.js': HANDLER });
  const r = await collect(await lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', Payload: payload({ mode: 'big', blocks: 48 }) })));
  assert.equal(r.body.length, 1_000_000);
  assert.equal(r.complete!['ErrorCode'], 'Function.ResponseSizeTooLarge');
  assert.deepEqual(JSON.parse(String(r.complete!['ErrorDetails'])), {
    errorMessage: 'Response payload size exceeded maximum allowed payload size (1000000 bytes).',
    errorType: 'Function.ResponseSizeTooLarge',
  });
});

test('under the default isolation (namespaces where the host has them) the stream is the same', async (t) => {
  const nimbus = await startTestNimbus(t);
  await deployNode(nimbus.lambda, 'streamer', { 'index.js': HANDLER });
  const thrown = await collect(await nimbus.lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', Payload: payload({ mode: 'throw' }) })));
  assert.equal(thrown.body.toString(), 'partial');
  assert.equal(thrown.complete!['ErrorCode'], 'TypeError');
  const big = await collect(await nimbus.lambda.send(new InvokeWithResponseStreamCommand({ FunctionName: 'streamer', Payload: payload({ mode: 'big', blocks: 64 }) })));
  assert.equal(big.body.length, 64 * 65536);
  assert.deepEqual(big.complete, {});
});
