/**
 * A multi-concurrent Node.js runtime's loops on ONE framed channel (guest/node/src/rapid.mts
 * `loop()`, docs/multi-concurrency.md): the host's Runtime API sees one connection, hands each
 * waiting loop its own event (several events of one turn go out in one write and arrive in one
 * read), and matches the loops' results by request id, whatever order they come back in.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RuntimeApiServer, type RuntimeOutcome } from '../../src/sandbox/runtime-api.js';
import type { InvocationEvent } from '../../src/sandbox/types.js';

type Rapid = typeof import('../../guest/node/src/rapid.mjs');
const load = (): Promise<Rapid> => import(new URL('../../guest/node/rapid.mjs', import.meta.url).href) as Promise<Rapid>;

const event = (id: string): InvocationEvent => ({
  requestId: id,
  payload: Buffer.from(JSON.stringify({ id })),
  deadlineMs: Date.now() + 60_000,
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f',
  traceId: `Root=1-00000000-${id.padEnd(24, '0')}`,
});

test('shared channel: 4 loops on one connection, each its own event, results matched by request id', async (t) => {
  const { RapidClient } = await load();
  let ready = 0;
  const api = new RuntimeApiServer({ onReady: () => void ready++, onInitError: () => undefined });
  api.maxConcurrency = 4;
  const address = await api.listen({ port: 0 });
  const client = new RapidClient(address);
  t.after(() => api.close());
  const loops = Array.from({ length: 4 }, () => client.loop());

  for (const round of ['a', 'b']) {
    // Every loop waits; the four events are handed out in one turn (one write, one read).
    const nexts = loops.map((l) => l.next());
    await new Promise((r) => setTimeout(r, 50));
    const outcomes: Promise<RuntimeOutcome>[] = [1, 2, 3, 4].map((i) => api.deliver(event(`${round}${i}`)));
    assert.throws(() => api.deliver(event('over')), /no room/, 'the host counts the four loops, no more');
    const got = await Promise.all(nexts);
    assert.deepEqual(got.map((g) => g.requestId).sort(), [1, 2, 3, 4].map((i) => `${round}${i}`));
    for (const g of got) assert.equal(JSON.parse(g.body.toString()).id, g.requestId, 'each loop gets its own event');
    // Answered in reverse order, one as an error.
    await Promise.all(
      got.reverse().map((g, i) => (i === 0 ? loops[got.length - 1 - i]!.error(g.requestId, '{"errorMessage":"x"}', 'E') : loops[got.length - 1 - i]!.respond(g.requestId, JSON.stringify({ answer: g.requestId })))),
    );
    const results = await Promise.all(outcomes);
    for (const [i, o] of results.entries()) {
      const id = `${round}${i + 1}`;
      if (o.kind === 'error') assert.equal(id, got[0]!.requestId, 'only the invocation answered with an error fails');
      else assert.deepEqual(o.kind === 'response' && JSON.parse(o.payload.toString()), { answer: id });
    }
  }
  assert.equal(ready, 1);
  assert.equal((api as unknown as { framed: Set<unknown> }).framed.size, 1, 'all four loops share one connection');
});
