/**
 * The RESPONSE_STREAM function URL response (src/api/urls/stream.ts) on a real HTTP server, fed the
 * way a runtime may cut a stream: the http-integration prelude and its 8 NUL bytes split anywhere
 * (docs/reference/response-streaming.md §4), malformed preludes, failures before and after the head.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { HTTP_INTEGRATION_TYPE, UrlStreamSink } from '../../src/api/urls/stream.js';

interface Feed {
  type: string;
  chunks: Buffer[];
  failed?: boolean;
}

/** Serves one response through a sink fed `feed`; returns what an HTTP client received. */
async function serve(feed: Feed): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; complete: boolean }> {
  const server = http.createServer((_req, res) => {
    const sink = new UrlStreamSink(res, { 'x-amzn-RequestId': 'req-1' }, (h) => h, 1 << 20);
    sink.begin(feed.type);
    for (const c of feed.chunks) sink.write(c);
    sink.finish(feed.failed ?? false);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    return await new Promise((resolve, reject) => {
      http
        .get({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', path: '/' }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (d: string) => (body += d));
          const done = () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, complete: res.complete });
          res.on('end', done);
          res.on('aborted', done);
          res.on('error', done);
        })
        .on('error', reject);
    });
  } finally {
    server.close();
  }
}

const prelude = Buffer.concat([Buffer.from(JSON.stringify({ statusCode: 207, headers: { 'X-Multi': 'yes', 'Content-Length': '999' }, cookies: ['c=1'] })), Buffer.alloc(8), Buffer.from('the body')]);

test('the prelude and its delimiter may be cut anywhere', async () => {
  for (const cut of [1, 3, prelude.indexOf(Buffer.alloc(8)) + 4, prelude.length - 2]) {
    const chunks = cut === 1 ? [...prelude].map((b) => Buffer.from([b])) : [prelude.subarray(0, cut), prelude.subarray(cut)];
    const r = await serve({ type: HTTP_INTEGRATION_TYPE, chunks });
    assert.equal(r.status, 207, `cut at ${cut}`);
    assert.equal(r.headers['x-multi'], 'yes');
    assert.equal(r.headers['set-cookie']?.[0], 'c=1');
    assert.equal(r.headers['content-length'], undefined, 'framing headers are the platform’s');
    assert.equal(r.headers['x-amzn-requestid'], 'req-1');
    assert.equal(r.body, 'the body');
  }
});

test('a plain stream is a 200 of its own content type', async () => {
  const r = await serve({ type: 'text/plain', chunks: [Buffer.from('a'), Buffer.from('b')] });
  assert.deepEqual([r.status, r.headers['content-type'], r.body, r.complete], [200, 'text/plain', 'ab', true]);
});

test('a prelude that is not one is a 502, as is a failure before the head', async () => {
  for (const chunks of [[Buffer.from('not json'), Buffer.alloc(8)], [Buffer.from('{"statusCode":"two hundred"}'), Buffer.alloc(8)], [Buffer.from('{"headers":{"bad\\nname":"x"}}'), Buffer.alloc(8)], [Buffer.alloc(70 * 1024, 0x20)], []]) {
    const r = await serve({ type: HTTP_INTEGRATION_TYPE, chunks });
    assert.deepEqual([r.status, r.body], [502, 'Internal Server Error']);
  }
  const failed = await serve({ type: 'text/plain', chunks: [], failed: true });
  assert.equal(failed.status, 502);
});

test('a failure after the head cuts the response short', async () => {
  const r = await serve({ type: 'text/plain', chunks: [Buffer.from('half')], failed: true });
  assert.equal(r.status, 200);
  assert.equal(r.body, 'half');
  assert.equal(r.complete, false);
});
