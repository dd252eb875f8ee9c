/**
 * What attacking Nimbus's HTTP server found (the security issue, item 7), each with the behaviour
 * it must have now: a chunked body that runs past its limit is cut off, not read to the end; a
 * body sent byte by byte is reaped with a 408; a flood of idle connections cannot keep a new
 * client (the health check) out; JSON nested 20,000 deep is Lambda's 400, never a 500.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { deployNode, startTestNimbus } from '../helpers/nimbus.js';

/**
 * Streams a chunked body of `totalMb` MB over a raw socket as fast as the server takes it; resolves
 * with the first status line and how many MB were written before the server closed the connection.
 */
function chunkedFlood(port: number, method: string, path: string, totalMb: number): Promise<{ status: string; writtenMb: number }> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const chunk = Buffer.concat([Buffer.from(`${(1 << 20).toString(16)}\r\n`), Buffer.alloc(1 << 20, 0x41), Buffer.from('\r\n')]);
    let writtenMb = 0;
    let status = '';
    const pump = (): void => {
      while (writtenMb < totalMb && !s.destroyed) {
        writtenMb++;
        if (!s.write(chunk)) return void s.once('drain', pump);
      }
      if (!s.destroyed) s.end('0\r\n\r\n');
    };
    s.on('connect', () => {
      s.write(`${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n`);
      pump();
    });
    s.on('data', (d) => (status ||= d.toString().split('\r\n')[0]!));
    s.on('error', () => undefined);
    s.on('close', () => resolve({ status, writtenMb }));
  });
}

test('a chunked body is never read to its end past a limit: a flood is cut off', async (t) => {
  const { port } = await startTestNimbus(t);
  // The limit of a CreateFunction is 70,167,211 bytes; routes that read no body take none. The flood offers 300 MB.
  for (const [method, path] of [['POST', '/2015-03-31/functions'], ['DELETE', '/2015-03-31/functions/nope'], ['GET', '/2015-03-31/functions'], ['POST', '/unknown']] as const) {
    const r = await chunkedFlood(port, method, path, 300);
    assert.ok(r.writtenMb < 120, `${method} ${path}: the client wrote ${r.writtenMb} MB of 300 before the server closed (${r.status})`);
  }
  // The 413 is written before the close; a client still writing may see the reset first (its
  // unread answer is discarded with it), so the answer is checked only when it arrived.
  const create = await chunkedFlood(port, 'POST', '/2015-03-31/functions', 300);
  if (create.status) assert.match(create.status, /^HTTP\/1\.1 413/);
  // The server is fine afterwards.
  assert.equal((await fetch(`http://127.0.0.1:${port}/nimbus/v1/health`)).status, 200);
});

test('a body sent byte by byte is reaped with a 408 when the request time runs out', async (t) => {
  const { port } = await startTestNimbus(t, { httpLimits: { requestTimeoutMs: 2_000 } });
  const answer = await new Promise<string>((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => {
      s.write('POST /2015-03-31/functions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
      const drip = setInterval(() => s.writable && s.write(' '), 300);
      s.on('close', () => clearInterval(drip));
    });
    let got = '';
    s.on('data', (d) => (got += d.toString()));
    s.on('close', () => resolve(got));
    s.on('error', () => resolve(got));
  });
  assert.match(answer, /^HTTP\/1\.1 408/, answer);
});

test('the default request time is at most a minute: a slow body is reaped within 95 s', async () => {
  const { DEFAULT_REQUEST_TIMEOUT_MS } = await import('../../src/api/http/server.js');
  // Node checks timeouts every connectionsCheckingInterval (1 s here): reaped by 61 s.
  assert.ok(DEFAULT_REQUEST_TIMEOUT_MS + 1_000 < 95_000);
});

test('a flood of idle connections at the cap cannot keep a new client out', async (t) => {
  const lines: string[] = [];
  const { port } = await startTestNimbus(t, { httpLimits: { maxConnections: 50 }, log: (l) => lines.push(l) });
  const idle: net.Socket[] = [];
  t.after(() => idle.forEach((s) => s.destroy()));
  for (let i = 0; i < 200; i++) {
    idle.push(await new Promise<net.Socket>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(s));
      s.on('error', () => undefined);
    }));
  }
  // The newest client is served: it takes the place of the connection idle the longest.
  for (let i = 0; i < 5; i++) assert.equal((await fetch(`http://127.0.0.1:${port}/nimbus/v1/health`)).status, 200);
  await new Promise((r) => setTimeout(r, 200));
  const open = idle.filter((s) => !s.destroyed && s.readyState === 'open').length;
  assert.ok(open <= 50, `${open} idle connections still open, cap 50`);
  assert.ok(lines.some((l) => /connection cap reached/.test(l)), 'the operator hears of it');
});

test('JSON nested 20,000 deep is refused as Lambda refuses it, never a 500', async (t) => {
  const { port, lambda } = await startTestNimbus(t);
  await deployNode(lambda, 'fn', { 'index.js': 'exports.handler = async () => 1;' });
  const deepArray = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
  const deepObject = `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
  const routes: [string, string, string][] = [
    ['POST', '/2015-03-31/functions', `{"FunctionName":${deepArray}}`],
    ['POST', '/2015-03-31/functions', deepObject],
    ['PUT', '/2015-03-31/functions/fn/configuration', `{"Environment":{"Variables":${deepObject}}}`],
    ['POST', '/2015-03-31/functions/fn/aliases', `{"Name":${deepArray}}`],
    ['PUT', '/2017-10-31/functions/fn/concurrency', `{"ReservedConcurrentExecutions":${deepArray}}`],
    ['PUT', '/2019-09-25/functions/fn/event-invoke-config', `{"DestinationConfig":${deepObject}}`],
    ['POST', '/2021-10-31/functions/fn/url', `{"AuthType":${deepArray}}`],
    ['PUT', '/nimbus/v1/stacks/s', `{"Resources":${deepArray}}`],
    ['PUT', '/nimbus/v1/schedules/s', `{"ScheduleExpression":${deepArray}}`],
  ];
  for (const [method, path, body] of routes) {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, { method, body });
    assert.equal(r.status, 400, `${method} ${path}: ${r.status} ${await r.clone().text()}`);
    assert.equal(r.headers.get('x-amzn-errortype'), 'InvalidRequestContentException', path);
    assert.match(((await r.json()) as { message: string }).message, /nesting depth \(1001\) exceeds the maximum allowed \(1000\)/);
  }
  // Depth 1000 is still fine (an ordinary, if odd, document).
  const ok = await fetch(`http://127.0.0.1:${port}/2015-03-31/functions/fn/configuration`, { method: 'PUT', body: `{"Description":"d","x":${'['.repeat(998)}${']'.repeat(998)}}` });
  assert.equal(ok.status, 200, await ok.text());
});
