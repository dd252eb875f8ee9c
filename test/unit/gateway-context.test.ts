/**
 * The request context's `signal` (inherited from a shared prototype since the GC fix in
 * src/api/http/server.ts): made on first use, one per request, aborted when that request's
 * client goes away (or its response is done), not before.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { test } from 'node:test';
import { Gateway } from '../../src/api/http/server.js';
import type { RequestContext } from '../../src/api/http/context.js';

test("each request's context has its own signal, aborted when its client disconnects", async (t) => {
  const g = new Gateway();
  const seen: RequestContext[] = [];
  let aborted!: () => void;
  const abortedNow = new Promise<void>((r) => (aborted = r));
  g.route('GET', '/wait', async (ctx) => {
    seen.push(ctx);
    assert.equal(ctx.signal, ctx.signal, 'the same signal on every read');
    await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
    aborted();
    return { status: 200, body: {} };
  });
  g.route('GET', '/quick', async (ctx) => {
    seen.push(ctx);
    return { status: 200, body: { aborted: ctx.signal.aborted, method: ctx.method, scope: ctx.scope } };
  });
  const port = await g.listen(0, '127.0.0.1');
  t.after(() => {
    g.destroy();
    g.server.close();
  });

  const quick = await fetch(`http://127.0.0.1:${port}/quick`);
  assert.equal(quick.status, 200);
  assert.deepEqual(await quick.json(), { aborted: false, method: 'GET', scope: { accountId: '000000000000', region: 'us-east-1' } });

  const req = http.get(`http://127.0.0.1:${port}/wait`);
  req.on('error', () => undefined);
  while (seen.length < 2) await new Promise((r) => setTimeout(r, 5));
  assert.equal(seen[1]!.signal.aborted, false, 'not aborted while the client waits');
  req.destroy();
  await abortedNow;
  assert.equal(seen[1]!.signal.aborted, true);
  assert.notEqual(seen[0]!.signal, seen[1]!.signal, 'one signal per request');
});
