/**
 * Isolation as a user of the API sees it: by default (and always in CI) functions run in
 * namespace sandboxes, reach Nimbus's API only through their own relay (the SDK's endpoint, also
 * on Nimbus's port so that queue URLs work inside), cannot see host processes, are not root, and
 * see none of the host's environment; opting in to egress still keeps Nimbus's port on the host
 * out of reach.
 * The detailed isolation suite is test/sandbox.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateFunctionCommand, InvokeCommand } from '@aws-sdk/client-lambda';
import { makeZip, payloadJson, ROLE, startTestNimbus } from '../helpers/nimbus.js';

const PROBE = `const fs = require('fs'); const net = require('net');
const reach = (port, host = '127.0.0.1') => new Promise((resolve) => {
  const s = net.connect({ host, port, timeout: 1500 });
  s.on('connect', () => { s.destroy(); resolve('reached'); });
  s.on('error', (e) => resolve(e.code)); s.on('timeout', () => { s.destroy(); resolve('timeout'); });
});
exports.handler = async (e) => ({
  uid: process.getuid(),
  capEff: /CapEff:\\s+(\\S+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1],
  pids: fs.readdirSync('/proc').filter((d) => /^\\d+$/.test(d)).length,
  nimbus: await reach(e.port),
  // Who listens on 127.0.0.1:<Nimbus's port> in this network namespace (state 0A = LISTEN): the
  // sandbox's own relay, or nobody; never the host's socket, which lives in another namespace.
  nimbusListener: fs.readFileSync('/proc/net/tcp', 'utf8').split('\\n').some((l) => {
    const f = l.trim().split(/\\s+/);
    return f[1] === '0100007F:' + e.port.toString(16).toUpperCase().padStart(4, '0') && f[3] === '0A';
  }),
  // With egress, the host is the default gateway (/proc/net/route holds it little-endian in hex).
  gateway: await (async () => {
    const line = fs.readFileSync('/proc/net/route', 'utf8').split('\\n').find((l) => l.split('\\t')[1] === '00000000');
    if (!line) return 'no route';
    const hex = line.split('\\t')[2];
    const ip = [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).reverse().join('.');
    return ip + ' ' + (await reach(e.port, ip));
  })(),
  extraCa: process.env.NODE_EXTRA_CA_CERTS ?? null,
  task: fs.readdirSync('/var/task'),
});`;

test('functions are isolated from the host and from Nimbus', async (t) => {
  const nimbus = await startTestNimbus(t);
  if (nimbus.isolation !== 'namespace') {
    if (process.env['CI'] === 'true') assert.fail(`CI must run functions under namespace isolation, got ${nimbus.isolation}: ${nimbus.warning ?? ''}`);
    t.skip(`namespace isolation unavailable here: ${nimbus.warning ?? ''}`);
    return;
  }
  const zip = await makeZip({ 'index.js': PROBE });
  const create = (name: string, env: Record<string, string> = {}) =>
    nimbus.lambda.send(
      new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Timeout: 10, Code: { ZipFile: zip }, Environment: { Variables: env } }),
    );
  const probe = async (name: string) => {
    const r = await nimbus.lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify({ port: nimbus.port })) }));
    assert.equal(r.FunctionError, undefined, Buffer.from(r.Payload ?? []).toString());
    return payloadJson(r.Payload) as { uid: number; capEff: string; pids: number; nimbus: string; nimbusListener: boolean; gateway: string; extraCa: string | null; task: string[] };
  };

  await create('closed');
  const p = await probe('closed');
  assert.notEqual(p.uid, 0, 'not root');
  assert.equal(p.capEff, '0000000000000000', 'no capabilities');
  assert.ok(p.pids <= 4, `sees only its own processes (${p.pids})`);
  // Nimbus's port inside answers only because the sandbox's relay listens there, in the sandbox's
  // own network namespace (the same relay as 127.0.0.1:9002, through a Unix socket).
  assert.equal(p.nimbusListener, true, "the sandbox's relay listens on Nimbus's port inside");
  assert.equal(p.nimbus, 'reached', 'the relay answers');
  assert.equal(p.gateway, 'no route', 'no network beyond loopback');
  assert.equal(p.extraCa, null, 'nothing from the host environment');
  assert.deepEqual(p.task, ['index.js'], 'only its own code at /var/task');

  await create('open', { NIMBUS_NETWORK: 'egress' });
  const o = await probe('open');
  assert.match(o.gateway, /^\d+\.\d+\.\d+\.\d+ /, 'egress has a route out');
  assert.doesNotMatch(o.gateway, /reached$/, "egress never reaches Nimbus's own port on the host");
});

test('warm reuse stays within one function version (row 29)', async (t) => {
  const nimbus = await startTestNimbus(t);
  const probe = `const fs = require('fs'); let calls = 0;
exports.handler = async (e) => {
  calls++;
  const seen = fs.existsSync('/tmp/m') ? fs.readFileSync('/tmp/m', 'utf8') : null;
  fs.writeFileSync('/tmp/m', e.tag);
  return { seen, calls };
};`;
  const create = async (name: string, publish: boolean) =>
    nimbus.lambda.send(
      new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Publish: publish, Code: { ZipFile: await makeZip({ 'index.js': probe }) } }),
    );
  const call = async (name: string, tag: string) =>
    payloadJson((await nimbus.lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify({ tag })) }))).Payload) as { seen: string | null; calls: number };
  await create('a', true);
  await create('b', false);
  assert.deepEqual(await call('a:1', 'a1'), { seen: null, calls: 1 });
  assert.deepEqual(await call('a:1', 'a1-again'), { seen: 'a1', calls: 2 }, 'warm reuse keeps /tmp and globals for A v1');
  assert.deepEqual(await call('a', 'latest'), { seen: null, calls: 1 }, "$LATEST never sees version 1's sandbox");
  assert.deepEqual(await call('b', 'b'), { seen: null, calls: 1 }, "B never sees A's sandbox");
});
