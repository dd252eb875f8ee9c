/**
 * Network policy (test plan row 32): without egress a sandbox has loopback only; with egress it
 * reaches the outside, never the host (Nimbus's ports included), denied networks such as the
 * metadata range, or the host's private networks (RFC 1918) unless the function asked for
 * `egress-lan`. "Outside" is a network namespace this test creates, holding a public-looking
 * address (TEST-NET-3, 203.0.113.0/24) and a LAN one (192.168.x.x): traffic never leaves the machine.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { networkInterfaces } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { createSandboxFactory } from '../../src/sandbox/index.js';
import type { NamespaceSandboxFactory } from '../../src/sandbox/namespace/factory.js';
import { findProgram } from '../../src/sandbox/namespace/host-layout.js';
import type { Sandbox } from '../../src/sandbox/types.js';
import { assertIsolation, call, codeDir, isolationSkip, rmrf, spec, tempDir } from './helpers.js';

type Conn = { ok: boolean; code?: string };

function sh(cmd: string): void {
  const r = spawnSync('/bin/sh', ['-c', cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
}

describe('namespace sandbox network', { skip: isolationSkip() }, () => {
  const r = randomBytes(1)[0]! % 250;
  const worldNs = `nimbus-world-${randomBytes(3).toString('hex')}`;
  const hostIf = `nwt${randomBytes(3).toString('hex')}`;
  const allowed = `203.0.113.${(r % 28) * 8 + 2}`;
  const denied = `203.0.113.${(r % 28) * 8 + 3}`;
  const lanHost = `192.168.${r}.2`;
  let dataDir: string;
  let code: string;
  let factory: NamespaceSandboxFactory;
  let world: ChildProcess | null = null;
  let hostServer: net.Server;
  let hostPort: number;
  const hostConnections: string[] = [];
  let open: Sandbox;
  let lan: Sandbox;
  let closed: Sandbox;

  before(async () => {
    assertIsolation();
    assert.ok(findProgram('nft') && findProgram('ip'), 'egress needs nft and ip (apt-get install nftables iproute2)');
    // The "internet": a namespace with two addresses, one of which the factory is told to deny.
    sh(`ip netns add ${worldNs}`);
    sh(`ip link add ${hostIf} type veth peer name eth0 netns ${worldNs}`);
    const gw = `203.0.113.${(r % 28) * 8 + 1}`;
    sh(`ip addr add ${gw}/29 dev ${hostIf} && ip addr add 192.168.${r}.1/29 dev ${hostIf} && ip link set ${hostIf} up`);
    sh(`ip -n ${worldNs} addr add ${allowed}/29 dev eth0 && ip -n ${worldNs} addr add ${denied}/29 dev eth0 && ip -n ${worldNs} addr add ${lanHost}/29 dev eth0`);
    sh(`ip -n ${worldNs} link set eth0 up && ip -n ${worldNs} link set lo up && ip -n ${worldNs} route add default via ${gw}`);
    world = spawn('ip', ['netns', 'exec', worldNs, process.execPath, '-e',
      "require('net').createServer((s) => { s.on('error', () => {}); s.end('world'); }).listen(8080, '0.0.0.0', () => console.log('ready'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((res, rej) => {
      world!.stdout!.once('data', () => res());
      world!.once('exit', (c) => rej(new Error(`world server exited ${c}`)));
    });
    hostServer = net.createServer((s) => {
      hostConnections.push(`${s.remoteAddress}:${s.remotePort}`);
      s.on('error', () => undefined);
      s.end('nimbus');
    });
    await new Promise<void>((res) => hostServer.listen(0, '0.0.0.0', res));
    hostPort = (hostServer.address() as net.AddressInfo).port;

    dataDir = tempDir('nimbus-net-');
    code = codeDir();
    factory = createSandboxFactory({ isolation: 'namespace', dataDir, hostPorts: [hostPort], egressDeny: [`${denied}/32`] })
      .factory as NamespaceSandboxFactory;
    open = factory.create(spec(code, { network: 'egress', functionName: 'open' }));
    lan = factory.create(spec(code, { network: 'egress-lan', functionName: 'lan' }));
    closed = factory.create(spec(code, { network: 'none', functionName: 'closed' }));
    await Promise.all([open.start(10_000), lan.start(10_000), closed.start(10_000)]);
  });

  after(async () => {
    await factory?.close();
    world?.kill('SIGKILL');
    hostServer?.close();
    spawnSync('ip', ['netns', 'del', worldNs]);
    spawnSync('ip', ['link', 'del', hostIf]);
    for (const d of [dataDir, code]) if (d) rmrf(d);
  });

  it('without egress: loopback only, the outside is unreachable', async () => {
    const c = await call<Conn>(closed, { op: 'connect', host: allowed, port: 8080, timeoutMs: 1000 });
    assert.equal(c.ok, false);
    assert.equal(c.code, 'ENETUNREACH');
  });

  it('with egress: reaches the outside', async () => {
    assert.deepEqual(await call<Conn>(open, { op: 'connect', host: allowed, port: 8080 }), { ok: true });
  });

  it('with egress: the host’s private networks (RFC 1918) are unreachable; with egress-lan they are', async () => {
    const c = await call<Conn>(open, { op: 'connect', host: lanHost, port: 8080, timeoutMs: 1000 });
    assert.equal(c.ok, false, 'a LAN address is dropped by default');
    assert.deepEqual(await call<Conn>(lan, { op: 'connect', host: lanHost, port: 8080 }), { ok: true }, 'egress-lan reaches it');
    assert.deepEqual(await call<Conn>(lan, { op: 'connect', host: allowed, port: 8080 }), { ok: true });
    const other = await call<{ stdout: string }>(open, { op: 'sh', cmd: "ip -4 addr show eth0 | awk '/inet /{print $2}' | cut -d/ -f1" });
    const toSandbox = await call<Conn>(lan, { op: 'connect', host: other.stdout.trim(), port: 8080, timeoutMs: 1000 });
    assert.equal(toSandbox.ok, false, 'egress-lan still never reaches another sandbox');
  });

  it('with egress: denied networks and every host address stay unreachable, Nimbus’s port included', async () => {
    const deniedConn = await call<Conn>(open, { op: 'connect', host: denied, port: 8080, timeoutMs: 1000 });
    assert.equal(deniedConn.ok, false, 'a denied network is dropped');
    const gw = await call<{ stdout: string }>(open, { op: 'sh', cmd: "ip -4 route show default | cut -d' ' -f3" });
    assert.match(gw.stdout, /^10\.213\.\d+\.\d+\n$/, 'the sandbox routes through its own gateway');
    const hostIps = Object.values(networkInterfaces()).flat().filter((i) => i && i.family === 'IPv4' && !i.internal).map((i) => i!.address);
    for (const host of [gw.stdout.trim(), ...hostIps]) {
      const c = await call<Conn>(open, { op: 'connect', host, port: hostPort, timeoutMs: 1000 });
      assert.equal(c.ok, false, `reached Nimbus’s port at ${host}`);
    }
    assert.deepEqual(hostConnections, [], 'Nimbus’s port never saw a sandbox connection');
    // 127.0.0.1:<Nimbus's port> inside is the sandbox's own relay to Nimbus's API (as 127.0.0.1:9002
    // is): it listens in the sandbox's network namespace, and what reaches the host's port through
    // it comes from Nimbus's relay on the host's loopback, never from the sandbox's address.
    const listening = await call<{ stdout: string }>(open, { op: 'sh', cmd: 'cat /proc/net/tcp' });
    const own = `0100007F:${hostPort.toString(16).toUpperCase().padStart(4, '0')}`;
    assert.ok(listening.stdout.split('\n').some((l) => l.trim().split(/\s+/)[1] === own && l.trim().split(/\s+/)[3] === '0A'), 'the relay listens inside');
    const lo = await call<Conn>(open, { op: 'connect', host: '127.0.0.1', port: hostPort, timeoutMs: 1000 });
    assert.equal(lo.ok, true, 'loopback reaches the relay');
    for (const peer of hostConnections) assert.match(peer, /^(::ffff:)?127\.0\.0\.1:/, `only Nimbus's relay, on the host's loopback, reached the port (${peer})`);
    const v6 = await call<{ stdout: string }>(open, { op: 'sh', cmd: 'cat /proc/net/if_inet6 2>/dev/null | grep -v " lo$" | wc -l' });
    assert.equal(v6.stdout.trim(), '0', 'no IPv6 address but loopback');
  });
});
