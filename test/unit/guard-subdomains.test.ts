/**
 * The Host guard and S3's virtual-hosted buckets: names under `.localhost` (loopback by RFC 6761)
 * and under a configured public host are Nimbus's; a rebinding page's own domain still is not,
 * and neither is anything dressed up with a loopback address as its parent.
 */
import assert from 'node:assert/strict';
import type http from 'node:http';
import { test } from 'node:test';
import { RequestGuard } from '../../src/api/http/guard.js';

const req = (host: string): http.IncomingMessage => ({ headers: { host } }) as unknown as http.IncomingMessage;

test('virtual-hosted bucket names pass the guard; foreign names do not', () => {
  const g = new RequestGuard({ listenHost: '127.0.0.1', publicHosts: ['nimbus.example.org'] });
  for (const ok of ['localhost:9000', 'my-bucket.localhost:9000', 'my-bucket.s3.localhost:9000', 's3.localhost', 'assets.nimbus.example.org', 'b.s3.nimbus.example.org:443']) {
    assert.equal(g.check(req(ok)), undefined, ok);
  }
  for (const bad of ['evil.example.com', 'localhost.evil.com', 'x.127.0.0.1:9000', 'bucket.s3.amazonaws.com', 'nimbus.example.org.evil.com', 'xlocalhost']) {
    assert.ok(g.check(req(bad)), bad);
  }
});
