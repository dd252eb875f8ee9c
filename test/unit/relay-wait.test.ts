/**
 * The Node.js bootstrap's wait for the API relay (guest/node/src/relay-wait.mts): it returns only
 * once every named port listens on 127.0.0.1, as /proc/net/tcp shows it, and gives up (saying so)
 * when one never does. Run against the host's own loopback: the same table, another namespace.
 * Python's (guest/python/nimbus_lambda/relay.py) is checked the same way, in a python3 process.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
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

test('Python: await_relay says whether the relay listens (a stem cell waits again after its assignment only when it did not)', async (t) => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const listening = (server.address() as net.AddressInfo).port;
  const silent = await freePort();
  const guest = fileURLToPath(new URL('../../guest/python/', import.meta.url));
  const script = [
    'import sys',
    `sys.path.insert(0, ${JSON.stringify(guest)})`,
    'from nimbus_lambda import relay',
    `print(relay.await_relay([${listening}]), relay.await_relay([${silent}], 0.05), relay.await_relay([]))`,
  ].join('\n');
  // Synchronous: the listening socket needs no event loop to show in /proc/net/tcp.
  const r = spawnSync('python3', ['-S', '-c', script], { encoding: 'utf8' });
  assert.equal(r.error, undefined);
  assert.equal(r.stdout.trim(), 'True False True', r.stderr);
  assert.match(r.stderr, new RegExp(`relay to Nimbus's API \\(127\\.0\\.0\\.1:${silent}\\) did not start`));
});
