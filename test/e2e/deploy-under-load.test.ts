/**
 * Deploying while traffic flows, as `sam sync` or a CI pipeline does: invocations run while the
 * function's code is replaced, its configuration changed, and the function deleted and created
 * again. On Lambda an invocation in flight finishes on the code it started with. Each call here
 * reads a file of its package 30 ms into the call, so if an update or a delete pulled the files
 * from under a running sandbox, the call would fail with ENOENT. Every call must get either its
 * own answer or ResourceNotFoundException (while the function is deleted), every control call a
 * 2xx, a 404 or a 409; never a 5xx.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeZip, startTestNimbus } from '../helpers/nimbus.js';

const code = (v: number) =>
  makeZip({
    'index.js': `exports.handler = async (e) => {
  await new Promise((r) => setTimeout(r, 30));
  return { v: require('./version.json').v, e };
};`,
    'version.json': JSON.stringify({ v }),
  });

test('code updates, configuration updates and delete/re-create under load: calls in flight finish, nothing 5xx', async (t) => {
  const nimbus = await startTestNimbus(t);
  const base = nimbus.url;
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const r = await fetch(base + path, { method, headers, body: body === undefined ? null : JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
    return { status: r.status, type: r.headers.get('x-amzn-errortype'), fnError: r.headers.get('x-amz-function-error'), text: await r.text() };
  };
  const create = async () =>
    send('POST', '/2015-03-31/functions', {
      FunctionName: 'live',
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::000000000000:role/r',
      Code: { ZipFile: (await code(0)).toString('base64') },
    });
  assert.equal((await create()).status, 201);

  const problems: string[] = [];
  const counts = new Map<string, number>();
  const count = (k: string) => counts.set(k, (counts.get(k) ?? 0) + 1);
  // At least 8 s of churn, and on a slow or loaded machine longer (up to 90 s), until enough of
  // each kind ran: the test is about what happens under churn, not about how fast.
  const started = Date.now();
  const enough = (): boolean => (counts.get('invoke 200 ') ?? 0) > 20 && (counts.get('code 200') ?? 0) > 10 && (counts.get('delete 204') ?? 0) >= 3;
  const running = (): boolean => Date.now() - started < 8_000 || (!enough() && Date.now() - started < 90_000);
  let version = 1;
  const loop = async (fn: () => Promise<void>, pauseMs: number) => {
    while (running()) {
      await fn();
      if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
    }
  };
  const invoke = async (n: number) => {
    const r = await send('POST', '/2015-03-31/functions/live/invocations', { n });
    count(`invoke ${r.status} ${r.fnError ?? ''}`);
    if (r.status === 200 && r.fnError === null) {
      const out = JSON.parse(r.text) as { v: number; e: { n: number } };
      if (out.e.n !== n || typeof out.v !== 'number') problems.push(`invoke: wrong answer ${r.text}`);
    } else if (!(r.status === 404 && r.type === 'ResourceNotFoundException')) problems.push(`invoke: ${r.status} ${r.type} ${r.text.slice(0, 300)}`);
  };
  const control = (what: string, r: { status: number; type: string | null; text: string }) => {
    count(`${what} ${r.status}`);
    if (r.status >= 500 || (r.status >= 400 && r.status !== 404 && r.status !== 409)) problems.push(`${what}: ${r.status} ${r.type} ${r.text.slice(0, 300)}`);
  };
  let n = 0;
  await Promise.all([
    ...Array.from({ length: 4 }, () => loop(() => invoke(n++), 0)),
    loop(async () => control('code', await send('PUT', '/2015-03-31/functions/live/code', { ZipFile: (await code(version++)).toString('base64') })), 100),
    loop(async () => control('config', await send('PUT', '/2015-03-31/functions/live/configuration', { Timeout: 3 + (version % 5) })), 150),
    loop(async () => {
      await new Promise((r) => setTimeout(r, 1_500));
      control('delete', await send('DELETE', '/2015-03-31/functions/live'));
      control('create', await create());
    }, 0),
  ]);
  t.diagnostic([...counts].map(([k, v]) => `${k}: ${v}`).join(', '));
  assert.deepEqual(problems.slice(0, 10), []);
  assert.ok((counts.get('invoke 200 ') ?? 0) > 20, 'enough calls ran');
  assert.ok((counts.get('code 200') ?? 0) > 10, 'enough code updates ran');
  assert.ok((counts.get('delete 204') ?? 0) >= 3, 'the function was deleted while called');
});
