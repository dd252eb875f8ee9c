/**
 * The Node.js bootstrap's wait for the API relay (guest/node/src/relay-wait.mts): it returns only
 * once every named port listens on 127.0.0.1, as /proc/net/tcp shows it, and gives up (saying so)
 * when one never does. Run against the host's own loopback: the same table, another namespace.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';

type RelayWait = typeof import('../../guest/node/src/relay-wait.mjs');
const load = (): Promise<RelayWait> => import(new URL('../../guest/node/relay-wait.mjs', import.meta.url).href) as Promise<RelayWait>;

/** A port that was free a moment ago on 127.0.0.1. */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('waits until every relay port listens, then returns', async (t) => {
  const { awaitRelay } = await load();
  const [a, b] = [await freePort(), await freePort()];
  const servers: net.Server[] = [];
  t.after(() => servers.forEach((s) => s.close()));
  let listening = 0;
  const waiting = awaitRelay([a, b]).then((ready) => (assert.equal(ready, true, 'says the relay is ready'), listening));
  // The listeners come up later, one after the other, as socat's do beside the interpreter.
  for (const port of [a, b]) {
    await new Promise((r) => setTimeout(r, 30));
    const s = net.createServer();
    servers.push(s);
    await new Promise<void>((r) => s.listen(port, '127.0.0.1', r));
    listening++;
  }
  assert.equal(await waiting, 2, 'returned only after both ports listened');
});

test('gives up on a port that never listens, and says so on stderr', async () => {
  const { awaitRelay } = await load();
  const port = await freePort();
  const written: string[] = [];
  const original = console.error;
  console.error = (...a: unknown[]) => void written.push(a.join(' '));
  try {
    assert.equal(await awaitRelay([port], 50), false, 'says the relay is not ready');
  } finally {
    console.error = original;
  }
  assert.match(written.join('\n'), new RegExp(`relay to Nimbus's API \\(127\\.0\\.0\\.1:${port}\\) did not start`));
});

test('no ports: ready at once, without a look', async () => {
  const { awaitRelay } = await load();
  assert.equal(await awaitRelay([]), true);
});

test('takes the ports out of the environment', async () => {
  const { takeRelayPorts } = await load();
  process.env['NIMBUS_API_RELAY_PORTS'] = '9002,41234,junk';
  assert.deepEqual(takeRelayPorts(), [9002, 41234]);
  assert.equal(process.env['NIMBUS_API_RELAY_PORTS'], undefined);
});
