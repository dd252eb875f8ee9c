/**
 * Function URLs with `InvokeMode: RESPONSE_STREAM`, read by a plain HTTP client as the bytes come
 * (docs/reference/response-streaming.md §2, §4): the HttpResponseStream prelude becomes the status,
 * headers and cookies; the body arrives while the function still runs; a slow reader slows the
 * function down instead of filling Nimbus's memory; failures answer 502 before the head and cut
 * the connection after it.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { CreateFunctionUrlConfigCommand, GetFunctionUrlConfigCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { deployNode, startTestNimbus } from '../helpers/nimbus.js';
import { FUNCTION_WAIT, SignalServer } from '../helpers/signal.js';

const HANDLER = `${FUNCTION_WAIT}
const net = require('node:net');
exports.handler = awslambda.streamifyResponse(async (event, stream) => {
  const path = event.rawPath;
  if (path === '/prelude') {
    stream = awslambda.HttpResponseStream.from(stream, {
      statusCode: 201,
      headers: { 'content-type': 'text/event-stream', 'x-custom': 'yes' },
      cookies: ['a=1; Path=/', 'b=2'],
    });
    stream.write('data: first\\n\\n');
    await waitSignal();
    stream.end('data: second\\n\\n');
  } else if (path === '/plain') {
    stream.setContentType('text/csv');
    stream.end('a,b\\n1,2\\n');
  } else if (path === '/early-error') {
    throw new Error('nothing sent');
  } else if (path === '/late-error') {
    stream.write('some bytes');
    await waitSignal();
    throw new Error('after the head');
  } else if (path === '/flood') {
    // Writes as fast as the stream takes it, and tells the test how far it got after each block.
    const report = net.connect(Number(process.env.SIGNAL_PORT), '127.0.0.1');
    const block = Buffer.alloc(1024 * 1024, 0x61);
    let total = 0;
    for (let i = 0; i < Number(event.queryStringParameters.mb); i++) {
      if (!stream.write(block)) await new Promise((r) => stream.once('drain', r));
      total += block.length;
      report.write(total + '\\n');
    }
    report.end();
    stream.end();
  } else if (path === '/end-only') {
    awslambda.HttpResponseStream.from(stream, { statusCode: 418, headers: { 'content-type': 'text/plain' } }).end('short and stout');
  } else if (path === '/empty') {
    stream = awslambda.HttpResponseStream.from(stream, { statusCode: 204, headers: { 'x-empty': '1' } });
    stream.end();
  }
});
`;

/** An HTTP GET whose body is read chunk by chunk; `onChunk` may pause the response. */
function get(port: number, host: string, path: string, onChunk?: (chunk: Buffer, res: http.IncomingMessage) => void) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer; complete: boolean }>((resolve, reject) => {
    const req = http.get({ port, host: '127.0.0.1', path, headers: { host, origin: 'https://app.example' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        onChunk?.(c, res);
      });
      const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), complete: res.complete });
      res.on('end', done);
      res.on('aborted', done);
      res.on('error', done);
    });
    req.on('error', reject);
  });
}

async function streamingUrl(lambda: LambdaClient, name: string): Promise<string> {
  const created = await lambda.send(
    new CreateFunctionUrlConfigCommand({ FunctionName: name, AuthType: 'NONE', InvokeMode: 'RESPONSE_STREAM', Cors: { AllowOrigins: ['https://app.example'] } }),
  );
  assert.equal(created.InvokeMode, 'RESPONSE_STREAM');
  assert.equal((await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: name }))).InvokeMode, 'RESPONSE_STREAM');
  return new URL(created.FunctionUrl!).host;
}

test('RESPONSE_STREAM function URLs', async (t) => {
  const nimbus = await startTestNimbus(t, { isolation: 'process' });
  const signal = await SignalServer.start(t);
  await deployNode(nimbus.lambda, 'sse', { 'index.js': HANDLER }, { Environment: { Variables: { SIGNAL_PORT: String(signal.port) } }, Timeout: 60 });
  await deployNode(nimbus.lambda, 'plain-fn', { 'index.js': 'exports.handler = async () => ({ statusCode: 201, body: "not interpreted" });' });
  const host = await streamingUrl(nimbus.lambda, 'sse');
  const port = nimbus.port;

  await t.test('the prelude sets status, headers and cookies; the body arrives while the function waits', async () => {
    // The function writes its second event only after this signal, sent once the first arrived.
    const r = await get(port, host, '/prelude', (c) => {
      if (c.toString().includes('first')) void signal.release();
    });
    assert.equal(r.status, 201);
    assert.equal(r.headers['content-type'], 'text/event-stream');
    assert.equal(r.headers['x-custom'], 'yes');
    assert.deepEqual(r.headers['set-cookie'], ['a=1; Path=/', 'b=2']);
    assert.equal(r.headers['transfer-encoding'], 'chunked');
    assert.equal(r.headers['access-control-allow-origin'], 'https://app.example');
    assert.match(String(r.headers['x-amzn-requestid']), /^[0-9a-f-]{36}$/);
    assert.equal(r.body.toString(), 'data: first\n\ndata: second\n\n');
    assert.equal(r.complete, true);
  });

  await t.test('the path form serves the same stream; a plain stream is a 200 of its content type', async () => {
    const id = host.split('.')[0]!;
    const res = await fetch(`${nimbus.url}/nimbus/v1/url/${id}/plain`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/csv');
    assert.equal(await res.text(), 'a,b\n1,2\n');
  });

  await t.test('end(chunk) alone sends the prelude first', async () => {
    const r = await get(port, host, '/end-only');
    assert.equal(r.status, 418);
    assert.equal(r.body.toString(), 'short and stout');
  });

  await t.test('a prelude with no body still sends its status and headers', async () => {
    const r = await get(port, host, '/empty');
    assert.equal(r.status, 204);
    assert.equal(r.headers['x-empty'], '1');
    assert.equal(r.body.length, 0);
  });

  await t.test('a failure before any byte is a 502; after the head, the connection is cut', async () => {
    const early = await get(port, host, '/early-error');
    assert.equal(early.status, 502);
    assert.equal(early.body.toString(), 'Internal Server Error');
    const late = await get(port, host, '/late-error', (c) => {
      if (c.toString().includes('some bytes')) void signal.release();
    });
    assert.equal(late.status, 200);
    assert.equal(late.body.toString(), 'some bytes');
    assert.equal(late.complete, false, 'a chunked response that never ended');
  });

  await t.test('a slow reader holds the function back instead of growing a buffer in Nimbus', async () => {
    const wanted = 128;
    const progress = signal.next();
    let paused: http.IncomingMessage | undefined;
    const reading = get(port, host, `/flood?mb=${wanted}`, (_c, res) => {
      if (!paused) {
        paused = res;
        res.pause();
      }
    });
    // The function reports its total after each 1 MiB it could write. With the reader paused it
    // must stall far below what it wants to write: everything between the two ends is a few
    // bounded buffers (sockets, streams), never the whole response.
    const socket = await progress;
    let written = 0;
    let lastChange = Date.now();
    socket.on('data', (d: Buffer) => {
      const lines = d.toString().trim().split('\n');
      written = Number(lines[lines.length - 1]);
      lastChange = Date.now();
    });
    while (Date.now() - lastChange < 1000 && written < wanted * 1024 * 1024) await new Promise((r) => setTimeout(r, 100));
    assert.ok(written < 48 * 1024 * 1024, `the function got ${written} bytes out to a reader that read nothing`);
    paused!.resume();
    const r = await reading;
    assert.equal(r.body.length, wanted * 1024 * 1024);
    assert.equal(r.complete, true);
  });

  await t.test('a function that does not stream is sent as it answered, not mapped', async () => {
    const plainHost = await streamingUrl(nimbus.lambda, 'plain-fn');
    const r = await get(port, plainHost, '/');
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(JSON.parse(r.body.toString()), { statusCode: 201, body: 'not interpreted' });
  });
});
