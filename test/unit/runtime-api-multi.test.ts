/**
 * The Runtime API's multi-concurrent mode (docs/multi-concurrency.md) over plain HTTP, as a
 * custom runtime or AWS's RIC speaks it: several `next` outstanding at once, each answered with
 * its own invocation and headers, results matched by request id in any order, an unknown id
 * refused; and the default mode unchanged (a second `next` while one invocation is out is RIE's
 * 403 InvalidStateTransition).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { RuntimeApiServer, type RuntimeOutcome } from '../../src/sandbox/runtime-api.js';
import type { InvocationEvent } from '../../src/sandbox/types.js';

const agent = new http.Agent({ keepAlive: false });

function request(address: string, method: string, path: string, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path, agent }, (res) => {
      let data = '';
      res.setEncoding('utf8').on('data', (c: string) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const event = (id: string, trace: string): InvocationEvent => ({
  requestId: id,
  payload: Buffer.from(JSON.stringify({ id })),
  deadlineMs: Date.now() + 60_000,
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
  traceId: trace,
});

async function server(max: number): Promise<{ api: RuntimeApiServer; address: string }> {
  const api = new RuntimeApiServer({ onReady: () => undefined, onInitError: () => undefined });
  api.maxConcurrency = max;
  const address = await api.listen({ port: 0 });
  return { api, address };
}

test('multi-concurrent: three next outstanding, three invocations, answered out of order by request id', async (t) => {
  const { api, address } = await server(3);
  t.after(() => api.close());
  const NEXT = '/2018-06-01/runtime/invocation/next';
  const nexts = [request(address, 'GET', NEXT), request(address, 'GET', NEXT), request(address, 'GET', NEXT)];
  // (Events delivered before a poll arrives wait for it: the order does not matter.)
  await new Promise((r) => setTimeout(r, 50));
  const outcomes: Promise<RuntimeOutcome>[] = ['a', 'b', 'c'].map((id) => api.deliver(event(id, `Root=1-00000000-${id.repeat(24)}`)));
  assert.throws(() => api.deliver(event('d', 'x')), /no room/);
  const got = await Promise.all(nexts);
  const ids = got.map((g) => String(g.headers['lambda-runtime-aws-request-id']));
  assert.deepEqual([...ids].sort(), ['a', 'b', 'c']);
  for (const g of got) {
    const id = String(g.headers['lambda-runtime-aws-request-id']);
    assert.equal(JSON.parse(g.body).id, id, 'each loop gets its own event');
    assert.equal(g.headers['lambda-runtime-trace-id'], `Root=1-00000000-${id.repeat(24)}`, 'and its own trace id');
  }
  // An unknown id is refused; c, then a (an error), then b answer.
  const wrong = await request(address, 'POST', '/2018-06-01/runtime/invocation/zzz/response', '{}');
  assert.equal(wrong.status, 400);
  assert.equal(JSON.parse(wrong.body).errorType, 'InvalidRequestID');
  assert.equal((await request(address, 'POST', '/2018-06-01/runtime/invocation/c/response', '"C"')).status, 202);
  assert.equal((await request(address, 'POST', '/2018-06-01/runtime/invocation/a/error', '{"errorMessage":"boom","errorType":"E"}')).status, 202);
  assert.equal((await request(address, 'POST', '/2018-06-01/runtime/invocation/b/response', '"B"')).status, 202);
  const [a, b, c] = await Promise.all(outcomes);
  assert.equal(a!.kind, 'error');
  assert.deepEqual(b, { kind: 'response', payload: Buffer.from('"B"') });
  assert.deepEqual(c, { kind: 'response', payload: Buffer.from('"C"') });
  // A second answer for c is refused: it is settled.
  assert.equal((await request(address, 'POST', '/2018-06-01/runtime/invocation/c/response', '"again"')).status, 400);
});

test('multi-concurrent: an invocation waits for a loop when every loop is busy', async (t) => {
  const { api, address } = await server(2);
  t.after(() => api.close());
  const first = request(address, 'GET', '/2018-06-01/runtime/invocation/next');
  await new Promise((r) => setTimeout(r, 50));
  const o1 = api.deliver(event('one', 't1'));
  const o2 = api.deliver(event('two', 't2'));
  assert.equal((await first).headers['lambda-runtime-aws-request-id'], 'one');
  assert.equal(api.undelivered('two'), true);
  const second = await request(address, 'GET', '/2018-06-01/runtime/invocation/next');
  assert.equal(second.headers['lambda-runtime-aws-request-id'], 'two');
  await request(address, 'POST', '/2018-06-01/runtime/invocation/two/response', '2');
  await request(address, 'POST', '/2018-06-01/runtime/invocation/one/response', '1');
  assert.deepEqual((await o1).kind, 'response');
  assert.deepEqual((await o2).kind, 'response');
});

test('one at a time (the default): a second next while an invocation is out is 403 InvalidStateTransition', async (t) => {
  const { api, address } = await server(1);
  t.after(() => api.close());
  const next = request(address, 'GET', '/2018-06-01/runtime/invocation/next');
  await new Promise((r) => setTimeout(r, 50));
  const o = api.deliver(event('solo', 't'));
  assert.equal((await next).headers['lambda-runtime-aws-request-id'], 'solo');
  assert.throws(() => api.deliver(event('other', 't')), /no room/);
  const again = await request(address, 'GET', '/2018-06-01/runtime/invocation/next');
  assert.equal(again.status, 403);
  assert.equal(JSON.parse(again.body).errorType, 'InvalidStateTransition');
  await request(address, 'POST', '/2018-06-01/runtime/invocation/solo/response', '"ok"');
  assert.equal((await o).kind, 'response');
});
