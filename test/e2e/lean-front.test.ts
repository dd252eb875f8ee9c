/**
 * The lean front end (src/api/http/lean.ts) against node:http: the same raw requests go to a
 * Nimbus with it (`httpLimits.lean`) and to one without, and the answers must be the same bytes
 * (status line, every header in order, body), once the Date header and request ids are set
 * aside. Covered: Invoke's answers and errors (RequestResponse, DryRun, Event, tail logs, a
 * function error, an unknown function, bad JSON, a body over Lambda's 6 MB and over the 1 MB a
 * refused request drains), keep-alive and `Connection: close`, pipelined requests (lean ones,
 * and a lean one followed by one node:http serves), the browser guard, and the hostile requests
 * the front end must hand to node:http (CL+TE, duplicate Content-Length, obs-fold, bare LF,
 * invalid header characters, oversized heads, HTTP/1.0). Then SigV4 with `--auth keys`, served by
 * the lean path, and a client that leaves mid-invocation.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test, type TestContext } from 'node:test';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { deployNode, payloadJson, startTestNimbus, type TestNimbus } from '../helpers/nimbus.js';

const HANDLER = `exports.handler = async (e) => {
  if (e && e.fail) throw new Error('boom');
  if (e && e.sleep) await new Promise((r) => setTimeout(r, e.sleep));
  console.log('got', JSON.stringify(e));
  return { ok: true, got: e };
};`;

/** Sends `raw` on a fresh connection; resolves with everything read until the server closes or `idleMs` passes without data. */
function exchange(port: number, raw: string | Buffer, idleMs = 1000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      s.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed });
    };
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => done(false), idleMs);
    };
    s.on('connect', () => {
      s.write(raw);
      arm();
    });
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      arm();
    });
    s.on('error', () => undefined);
    s.on('close', () => done(true));
  });
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** The answer with what legitimately differs between two servers set aside: dates, request ids, ports, log tails. */
function normalise(text: string, port: number): string {
  return text
    .replace(/\r\nDate: [^\r]*/g, '\r\nDate: <date>')
    .replace(/\r\nX-Amz-Log-Result: [^\r]*/g, '\r\nX-Amz-Log-Result: <log>')
    .replace(UUID, '<uuid>')
    .replaceAll(String(port), '<port>');
}

async function pair(t: TestContext, opts: Parameters<typeof startTestNimbus>[1] = {}): Promise<{ lean: TestNimbus; node: TestNimbus }> {
  const lean = await startTestNimbus(t, { ...opts, httpLimits: { ...opts.httpLimits, lean: true } });
  const node = await startTestNimbus(t, { ...opts, httpLimits: { ...opts.httpLimits, lean: false } });
  return { lean, node };
}

const INV = '/2015-03-31/functions/echo/invocations';
const req = (path: string, body: string | Buffer, headers: string[] = []): Buffer => {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
  return Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers.map((h) => `${h}\r\n`).join('')}Content-Length: ${b.length}\r\n\r\n`), b]);
};

test('the lean front end answers every request with the same bytes as node:http', async (t) => {
  const { lean, node } = await pair(t);
  for (const n of [lean, node]) {
    await deployNode(n.lambda, 'echo', { 'index.js': HANDLER });
    await n.lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{}') }));
  }
  const cases: [string, string | Buffer, number?][] = [
    ['invoke', req(INV, '{"a":1}')],
    ['invoke, empty body', req(INV, '')],
    ['invoke, qualifier', req(`${INV}?Qualifier=%24LATEST`, '{"q":true}')],
    ['invoke, headers with odd spacing', req(INV, '{}', ['Content-Type:application/json', 'X-Custom: \t spaced \t', 'x-amz-invocation-type:  RequestResponse'])],
    ['function error', req(INV, '{"fail":true}')],
    ['tail logs', req(INV, '{"t":1}', ['X-Amz-Log-Type: Tail'])],
    ['dry run', req(INV, '{}', ['X-Amz-Invocation-Type: DryRun'])],
    ['event', req(INV, '{"e":1}', ['X-Amz-Invocation-Type: Event'])],
    ['bad invocation type', req(INV, '{}', ['X-Amz-Invocation-Type: Sometimes'])],
    ['bad JSON', req(INV, '{nope')],
    ['unknown function', req('/2015-03-31/functions/nope/invocations', '{}')],
    ['unknown function, 2 MB body (drained past 1 MB: the connection closes)', req('/2015-03-31/functions/nope/invocations', Buffer.alloc(2 << 20, 0x20))],
    ['payload over 6 MB', req(INV, Buffer.alloc(6_291_457, 0x20))],
    ['Connection: close', req(INV, '{}', ['Connection: close'])],
    ['Connection: keep-alive', req(INV, '{}', ['Connection: keep-alive'])],
    ['pipelined', Buffer.concat([req(INV, '{"n":1}'), req(INV, '{"n":2}'), req(INV, '{"n":3}', ['Connection: close'])])],
    ['pipelined, then a request node:http serves', Buffer.concat([req(INV, '{"n":1}'), Buffer.from('GET /2015-03-31/functions/nope HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'), req(INV, '{"n":3}')])],
    ['browser origin refused', req(INV, '{}', ['Origin: http://evil.example'])],
    ['foreign Host refused', Buffer.from(`POST ${INV} HTTP/1.1\r\nHost: evil.example\r\nContent-Length: 2\r\n\r\n{}`)],
    ['Sec-Fetch-Site refused', req(INV, '{}', ['Sec-Fetch-Site: cross-site'])],
    ['CL and TE', `POST ${INV} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n`],
    ['duplicate Content-Length', `POST ${INV} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{} `],
    ['same Content-Length twice', `POST ${INV} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}`],
    ['signed Content-Length', `POST ${INV} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: +2\r\n\r\n{}`],
    ['obs-fold', `POST ${INV} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\n{}`],
    ['bare LF', `POST ${INV} HTTP/1.1\nHost: 127.0.0.1\nContent-Length: 2\n\n{}`],
    ['bare CR in a value', `POST ${INV} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\rb\r\nContent-Length: 2\r\n\r\n{}`],
    ['invalid header character', `POST ${INV} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: a\x01b\r\nContent-Length: 2\r\n\r\n{}`],
    ['space before the colon', `POST ${INV} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A : a\r\nContent-Length: 2\r\n\r\n{}`],
    ['no Host', `POST ${INV} HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}`],
    ['HTTP/1.0', `POST ${INV} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}`],
    ['Expect: 100-continue', req(INV, '{}', ['Expect: 100-continue'])],
    ['oversized head', req(INV, '{}', [`X-Big: ${'a'.repeat(20_000)}`])],
    ['head of 10 KB (node:http serves it)', req(INV, '{}', [`X-Big: ${'a'.repeat(10_000)}`])],
    ['a space in the target', `POST /2015-03-31/functions/echo /invocations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}`],
    ['a header named __proto__', req(INV, '{}', ['__proto__: x'])],
  ];
  for (const [name, raw, idle] of cases) {
    const [a, b] = await Promise.all([exchange(lean.port, raw, idle), exchange(node.port, raw, idle)]);
    assert.ok(b.text.length > 0, `${name}: node:http answered`);
    assert.equal(normalise(a.text, lean.port), normalise(b.text, node.port), `${name}: the same answer`);
    assert.equal(a.closed, b.closed, `${name}: the connection ${b.closed ? 'closes' : 'stays open'} as on node:http`);
  }
  // The request ids and dates were set aside above; their form is the same.
  const one = await exchange(lean.port, req(INV, '{}'));
  assert.match(one.text, /\r\nx-amzn-RequestId: [0-9a-f-]{36}\r\n/);
  assert.match(one.text, /\r\nDate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n/);
  // The lean path did serve most of these (and node:http none on the other server).
  assert.ok(lean.leanServed() >= 20, `lean requests served: ${lean.leanServed()}`);
  assert.equal(node.leanServed(), 0);
});

test('with --auth keys, SigV4 requests are served by the lean path and refused alike', async (t) => {
  const { lean, node } = await pair(t, { auth: 'keys' });
  const results: unknown[] = [];
  for (const n of [lean, node]) {
    const key = await n.accounts.createKey('000000000000', { name: 'lean' });
    const client = new LambdaClient({ endpoint: n.url, region: 'us-east-1', credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }, maxAttempts: 1 });
    t.after(() => client.destroy());
    await deployNode(client, 'echo', { 'index.js': HANDLER });
    // A connection that carried another request first belongs to node:http for its life: a new client.
    const invoker = new LambdaClient({ endpoint: n.url, region: 'us-east-1', credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }, maxAttempts: 1 });
    t.after(() => invoker.destroy());
    const before = n.leanServed();
    const out = await invoker.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{"signed":1}') }));
    assert.deepEqual(payloadJson(out.Payload), { ok: true, got: { signed: 1 } });
    if (n === lean) assert.equal(n.leanServed(), before + 1, 'the signed Invoke went through the lean path');
    const bad = new LambdaClient({ endpoint: n.url, region: 'us-east-1', credentials: { accessKeyId: key.accessKeyId, secretAccessKey: 'wrong' }, maxAttempts: 1 });
    t.after(() => bad.destroy());
    const refused = await bad.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{}') })).then(
      () => 'accepted',
      (e: { name?: string; $metadata?: { httpStatusCode?: number } }) => `${e.name} ${e.$metadata?.httpStatusCode}`,
    );
    results.push(refused);
    const unsigned = await exchange(n.port, req(INV, '{}'));
    results.push(normalise(unsigned.text, n.port));
  }
  assert.equal(results[0], 'InvalidSignatureException 403');
  assert.deepEqual(results.slice(0, 2), results.slice(2));
});

test('a client that leaves mid-invocation does not stop the server; the next request on a new connection is served', async (t) => {
  const lean = await startTestNimbus(t, { httpLimits: { lean: true } });
  await deployNode(lean.lambda, 'echo', { 'index.js': HANDLER });
  await lean.lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{}') }));
  await new Promise<void>((resolve) => {
    const s = net.connect(lean.port, '127.0.0.1', () => {
      s.write(req(INV, '{"sleep":300}'));
      setTimeout(() => {
        s.destroy();
        resolve();
      }, 50);
    });
    s.on('error', () => undefined);
  });
  // A half-closed client (it ends its side after the request) gets what node:http gives it: nothing, and the end.
  const half = await new Promise<string>((resolve) => {
    const s = net.connect(lean.port, '127.0.0.1', () => s.end(req(INV, '{"sleep":100}')));
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('error', () => undefined);
    s.on('close', () => resolve(got));
  });
  assert.equal(half, '');
  await new Promise((r) => setTimeout(r, 400));
  const out = await lean.lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{"after":1}') }));
  assert.deepEqual(payloadJson(out.Payload), { ok: true, got: { after: 1 } });
});

test('the lean path reaps slow requests with the 408 node:http sends, and drains on shutdown', async (t) => {
  const lean = await startTestNimbus(t, { httpLimits: { lean: true, requestTimeoutMs: 2_000 } });
  await deployNode(lean.lambda, 'echo', { 'index.js': HANDLER });
  const answer = await new Promise<string>((resolve) => {
    const s = net.connect(lean.port, '127.0.0.1', () => {
      s.write(`POST ${INV} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{`);
      const drip = setInterval(() => s.writable && s.write(' '), 300);
      s.on('close', () => clearInterval(drip));
    });
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('error', () => undefined);
    s.on('close', () => resolve(got));
  });
  assert.match(answer, /^HTTP\/1\.1 408 Request Timeout\r\n/);
  // An invocation in flight when the server closes is answered; the server then stops.
  const inflight = new Promise<string>((resolve) => {
    const s = net.connect(lean.port, '127.0.0.1', () => s.write(req(INV, '{"sleep":500}')));
    let got = '';
    s.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.includes('"ok":true')) resolve(got);
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve(got));
  });
  await new Promise((r) => setTimeout(r, 150));
  const closing = lean.close();
  const got = await inflight;
  await closing;
  assert.match(got, /^HTTP\/1\.1 200 OK\r\n/);
});

test('a client that pipelines many requests and reads the answers late gets every answer, in order', async (t) => {
  const lean = await startTestNimbus(t, { httpLimits: { lean: true } });
  await deployNode(lean.lambda, 'echo', { 'index.js': HANDLER });
  await lean.lambda.send(new InvokeCommand({ FunctionName: 'echo', Payload: Buffer.from('{}') }));
  const count = 120;
  const before = lean.leanServed();
  // Each answer echoes a 64 KB string: 7.5 MB of answers, past what the socket buffers, so the
  // server's writes wait for the client to read (the response's `drain`).
  const big = 'x'.repeat(64 * 1024);
  const raw = Buffer.concat(Array.from({ length: count }, (_, i) => req(INV, JSON.stringify({ i, big }))));
  const got = await new Promise<string>((resolve) => {
    const s = net.connect(lean.port, '127.0.0.1', () => {
      s.write(raw);
      s.pause();
      setTimeout(() => s.resume(), 1000);
    });
    const chunks: Buffer[] = [];
    let seen = 0;
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      seen += d.length;
      if (seen > count * big.length) {
        const text = Buffer.concat(chunks).toString('latin1');
        if ((text.match(/HTTP\/1\.1 200 OK/g) ?? []).length === count && text.endsWith('}}')) {
          s.destroy();
          resolve(text);
        }
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
  });
  const order = [...got.matchAll(/"got":\{"i":(\d+)/g)].map((m) => Number(m[1]));
  assert.deepEqual(order, Array.from({ length: count }, (_, i) => i));
  assert.equal(lean.leanServed(), before + count, 'all of them on the lean path');
});
