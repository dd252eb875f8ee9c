/**
 * The pool's decisions with an injected clock and a scripted sandbox (the real sandboxes are
 * exercised end to end elsewhere): scale-up, reuse, keep-alive expiry, pre-warming, retiring
 * old generations, init failures, provisioned concurrency.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { FixedKeepAlive } from '../../src/policy/fixed.js';
import type { IdleDecision, KeepAlivePolicy } from '../../src/policy/types.js';
import { Pool } from '../../src/pool/pool.js';
import type { PoolTarget } from '../../src/pool/types.js';
import { SandboxInitError, type InitReport, type InvocationEvent, type InvocationReport, type SandboxSpec } from '../../src/sandbox/types.js';
import { fakeEvent, FakeFactory, FakeSandbox, fakeTarget } from '../helpers/pool-fakes.js';

class ScriptedSandbox extends FakeSandbox {
  gate: Promise<void> = Promise.resolve();
  constructor(spec: SandboxSpec, private readonly failInit: boolean) {
    super(spec);
  }
  async start(): Promise<InitReport> {
    if (this.failInit) {
      this.state = 'dead';
      throw new SandboxInitError({ kind: 'error', payload: Buffer.from('{}'), errorType: 'Runtime.ImportModuleError' }, 'init log', 5);
    }
    this.state = 'idle';
    return { durationMs: 5, logs: '' };
  }
  async invoke(e: InvocationEvent): Promise<InvocationReport> {
    this.state = 'busy';
    await this.gate;
    this.state = 'idle';
    return { result: { kind: 'response', payload: Buffer.from(JSON.stringify(this.id)) }, durationMs: 1, logs: e.requestId, maxMemoryBytes: 0 };
  }
}

class ScriptedFactory extends FakeFactory<ScriptedSandbox> {
  failInit = false;
  protected make(spec: SandboxSpec): ScriptedSandbox {
    return new ScriptedSandbox(spec, this.failInit);
  }
}

const target = (generation = 'g1', app = 'acct/r/fn/$LATEST'): PoolTarget => fakeTarget({ generation, app });

const event = (): InvocationEvent => fakeEvent();
const flush = () => new Promise((r) => setImmediate(r));

function setup(policy: KeepAlivePolicy = new FixedKeepAlive(10 * 60_000), capacityMb?: number) {
  const clock = new ManualClock(1_000_000);
  const factory = new ScriptedFactory();
  const pool = new Pool({ factory, policy, clock, ...(capacityMb === undefined ? {} : { capacityMb }) });
  return { clock, factory, pool };
}

test('sequential invocations reuse one warm sandbox; concurrent ones scale up', async () => {
  const { factory, pool } = setup();
  const a = await pool.invoke(target(), event);
  const b = await pool.invoke(target(), event);
  assert.equal(a.coldStart, true);
  assert.equal(b.coldStart, false);
  assert.equal(factory.created.length, 1);
  let open!: () => void;
  factory.created[0]!.gate = new Promise((r) => (open = r));
  const busy = pool.invoke(target(), event);
  await flush();
  const c = await pool.invoke(target(), event);
  assert.equal(c.coldStart, true, 'the only sandbox is busy, so a second one starts');
  open();
  await busy;
  assert.equal(factory.created.length, 2);
  assert.deepEqual(pool.stats(), { apps: 1, idle: 2, busy: 0, starting: 0, memoryInUseMb: 256, capacityMb: Infinity, provisioned: 0 });
});

test('an idle sandbox is reclaimed when the keep-alive runs out, not before', async () => {
  const { clock, factory, pool } = setup(new FixedKeepAlive(60_000));
  await pool.invoke(target(), event);
  clock.advance(59_999);
  assert.equal(factory.alive(), 1);
  clock.advance(1);
  await flush();
  assert.equal(factory.alive(), 0);
  const again = await pool.invoke(target(), event);
  assert.equal(again.coldStart, true);
});

test('reuse restarts the keep-alive window', async () => {
  const { clock, factory, pool } = setup(new FixedKeepAlive(60_000));
  await pool.invoke(target(), event);
  clock.advance(50_000);
  await pool.invoke(target(), event);
  clock.advance(50_000);
  assert.equal(factory.alive(), 1, 'the second call moved the expiry');
  clock.advance(10_000);
  assert.equal(factory.alive(), 0);
});

test('a keep-alive the policy shortens after a reuse ends at the new, earlier time', async () => {
  // The pool keeps one keep-alive timer per sandbox and moves it only when it must fire earlier.
  let keepAliveMs = 60_000;
  const policy: KeepAlivePolicy = { name: 'test', onInvocation() {}, onIdle: () => ({ keepAliveMs }), forget() {}, snapshot: () => null, restore() {} };
  const { clock, factory, pool } = setup(policy);
  await pool.invoke(target(), event);
  clock.advance(10_000);
  keepAliveMs = 5_000;
  await pool.invoke(target(), event);
  clock.advance(4_999);
  assert.equal(factory.alive(), 1);
  clock.advance(1);
  await flush();
  assert.equal(factory.alive(), 0, 'expired 5 s after its last use, not 60 s after its first');
});

test('a sandbox busy when its first keep-alive would have ended is kept from its last use', async () => {
  const { clock, factory, pool } = setup(new FixedKeepAlive(60_000));
  await pool.invoke(target(), event);
  const sb = factory.created[0] as ScriptedSandbox;
  let open!: () => void;
  sb.gate = new Promise<void>((r) => (open = r));
  clock.advance(59_000);
  const running = pool.invoke(target(), event);
  clock.advance(2_000);
  assert.equal(factory.alive(), 1, 'busy past the first window');
  open();
  await running;
  clock.advance(59_999);
  assert.equal(factory.alive(), 1);
  clock.advance(1);
  await flush();
  assert.equal(factory.alive(), 0);
});

test('a pre-warm decision unloads now and starts a fresh sandbox later', async () => {
  const decision: IdleDecision = { keepAliveMs: 0, prewarmMs: 30_000, prewarmKeepAliveMs: 5_000 };
  const policy: KeepAlivePolicy = { name: 'test', onInvocation() {}, onIdle: () => decision, forget() {}, snapshot: () => null, restore() {} };
  const { clock, factory, pool } = setup(policy);
  await pool.invoke(target(), event);
  await flush();
  assert.equal(factory.alive(), 0, 'unloaded at once');
  clock.advance(30_000);
  await flush();
  assert.equal(factory.alive(), 1, 'pre-warmed');
  const warm = await pool.invoke(target(), event);
  assert.equal(warm.coldStart, false, 'the pre-warmed sandbox takes the call');
});

test('a new generation never reuses the old sandboxes', async () => {
  const { factory, pool } = setup();
  await pool.invoke(target('g1'), event);
  const next = await pool.invoke(target('g2'), event);
  assert.equal(next.coldStart, true);
  assert.equal(factory.created[0]!.state, 'dead');
  pool.retire('acct/r/fn/');
  await flush();
  assert.equal(factory.alive(), 0);
});

test('an init failure is reported and its sandbox is not kept', async () => {
  const { factory, pool } = setup();
  factory.failInit = true;
  const o = await pool.invoke(target(), event);
  assert.ok(o.initError);
  assert.equal(o.report.result.kind, 'error');
  assert.equal(o.report.logs, 'init log');
  assert.deepEqual(pool.stats().idle, 0);
});

test('close kills everything and refuses new work', async () => {
  const { factory, pool } = setup();
  await pool.invoke(target(), event);
  await pool.close();
  assert.equal(factory.alive(), 0);
  await assert.rejects(pool.invoke(target(), event), { code: 'ERR_POOL_CLOSED' });
});

test('under memory pressure idle sandboxes are evicted least recently used first, then work is refused', async () => {
  const { clock, factory, pool } = setup(new FixedKeepAlive(60 * 60_000), 256);
  await pool.invoke(target('g', 'a'), event);
  clock.advance(1000);
  await pool.invoke(target('g', 'b'), event);
  clock.advance(1000);
  await pool.invoke(target('g', 'a'), event);
  // a was used last; b is the least recently used idle sandbox and must go first.
  const [sa, sb] = factory.created;
  await pool.invoke(target('g', 'c'), event);
  assert.equal(sb!.state, 'dead', 'b (LRU) evicted');
  assert.equal(sa!.state, 'idle', 'a kept');
  assert.equal(pool.stats().memoryInUseMb, 256);
  let open!: () => void;
  factory.created[2]!.gate = new Promise((r) => (open = r));
  sa!.gate = new Promise(() => undefined);
  const busyA = pool.invoke(target('g', 'a'), event);
  const busyC = pool.invoke(target('g', 'c'), event);
  await flush();
  await assert.rejects(pool.invoke(target('g', 'd'), event), (e: Error & { code?: string; extra?: { Reason?: string } }) => {
    assert.equal(e.code, 'ERR_TOO_MANY_REQUESTS');
    assert.equal(e.extra?.Reason, 'ConcurrentInvocationLimitExceeded');
    return true;
  });
  open();
  await busyC;
  void busyA;
});

test('a sandbox that dies while idle is forgotten, and its memory returned', async () => {
  const { factory, pool } = setup(new FixedKeepAlive(60_000), 128);
  await pool.invoke(target(), event);
  await factory.created[0]!.dispose();
  assert.deepEqual([pool.stats().idle, pool.stats().memoryInUseMb], [0, 0]);
  const again = await pool.invoke(target(), event);
  assert.equal(again.coldStart, true);
});

test('idle memory is accounted per app in GB-seconds', async () => {
  const { clock, pool } = setup(new FixedKeepAlive(60_000));
  await pool.invoke(target(), event);
  clock.advance(10_000);
  await pool.invoke(target(), event);
  clock.advance(60_000);
  // 10 s idle, then 60 s idle until the keep-alive expired: 70 s x 128 MB.
  assert.equal(pool.idleGbSeconds().get('acct/r/fn/$LATEST'), (70 * 128) / 1024);
});

const V1 = 'acct/r/fn/1';

test('provisioned: a pin starts its sandboxes at once and the first invocation is warm', async () => {
  const { factory, pool } = setup();
  pool.provision(target('g1', V1), 3);
  assert.equal(factory.created.length, 3, 'started right away');
  assert.deepEqual(pool.provisioned(V1), { allocated: 0, failure: undefined }, 'still initialising');
  await flush();
  assert.deepEqual(pool.provisioned(V1), { allocated: 3, failure: undefined });
  assert.equal(pool.stats().provisioned, 3);
  assert.equal(pool.stats().memoryInUseMb, 3 * 128);
  for (const s of factory.created) assert.equal(s.spec.env['AWS_LAMBDA_INITIALIZATION_TYPE'], 'provisioned-concurrency');
  const first = await pool.invoke(target('g1', V1), event);
  assert.equal(first.coldStart, false, 'a provisioned sandbox took the call');
  assert.equal(factory.created.length, 3);
  assert.equal(pool.provisioned('acct/r/fn/2'), undefined, 'no pin, no state');
});

test('provisioned: sandboxes outlive the keep-alive and are never evicted under memory pressure', async () => {
  const { clock, factory, pool } = setup(new FixedKeepAlive(60_000), 384);
  pool.provision(target('g1', V1), 2);
  await flush();
  await pool.invoke(target('g1', V1), event);
  clock.advance(60 * 60_000);
  await flush();
  assert.equal(factory.alive(), 2, 'not expired');
  // One more 128 MB fits; the next cold start finds only provisioned sandboxes and is refused.
  await pool.invoke(target('g', 'other'), event);
  assert.equal(factory.alive(), 3);
  let open!: () => void;
  factory.created[2]!.gate = new Promise((r) => (open = r));
  const busy = pool.invoke(target('g', 'other'), event);
  await flush();
  await assert.rejects(pool.invoke(target('g', 'third'), event), { code: 'ERR_TOO_MANY_REQUESTS' });
  assert.equal(pool.provisioned(V1)?.allocated, 2, 'provisioned sandboxes kept');
  open();
  await busy;
});

test('provisioned: invocations beyond the pin spill over to on-demand sandboxes, which expire as usual', async () => {
  const { clock, factory, pool } = setup(new FixedKeepAlive(60_000));
  pool.provision(target('g1', V1), 1);
  await flush();
  let open!: () => void;
  factory.created[0]!.gate = new Promise((r) => (open = r));
  const busy = pool.invoke(target('g1', V1), event);
  await flush();
  const spill = await pool.invoke(target('g1', V1), event);
  assert.equal(spill.coldStart, true, 'on-demand cold start');
  assert.equal(factory.created[1]!.spec.env['AWS_LAMBDA_INITIALIZATION_TYPE'], undefined, 'not marked provisioned');
  open();
  await busy;
  const again = await pool.invoke(target('g1', V1), event);
  assert.equal(again.coldStart, false);
  assert.equal(JSON.parse(again.report.result.kind === 'response' ? again.report.result.payload.toString() : '""'), factory.created[0]!.id, 'the provisioned sandbox is preferred');
  clock.advance(60_000);
  await flush();
  assert.deepEqual([factory.created[0]!.state, factory.created[1]!.state], ['idle', 'dead']);
});

test('provisioned: a sandbox that crashes, idle or busy, is replaced', async () => {
  const { factory, pool } = setup();
  pool.provision(target('g1', V1), 2);
  await flush();
  await factory.created[0]!.dispose();
  await flush();
  await flush();
  assert.equal(factory.created.length, 3, 'a replacement started');
  assert.equal(pool.provisioned(V1)?.allocated, 2);
  // Dies in the middle of an invocation (the scripted sandbox reports an exit).
  const victim = factory.created[1]!;
  victim.invoke = async () => {
    await victim.dispose();
    return { result: { kind: 'exit', reason: 'signal: killed' }, durationMs: 1, logs: '', maxMemoryBytes: 0 };
  };
  factory.created[2]!.gate = new Promise(() => undefined);
  void pool.invoke(target('g1', V1), event);
  await flush();
  const o = await pool.invoke(target('g1', V1), event);
  assert.equal(o.report.result.kind, 'exit');
  await flush();
  await flush();
  assert.equal(factory.created.length, 4, 'replaced again');
  assert.equal(pool.provisioned(V1)?.allocated, 2);
});

test('provisioned: lowering or removing a pin releases its idle sandboxes', async () => {
  const { factory, pool } = setup();
  pool.provision(target('g1', V1), 3);
  await flush();
  pool.provision(target('g1', V1), 1);
  await flush();
  assert.equal(factory.alive(), 1);
  assert.equal(pool.provisioned(V1)?.allocated, 1);
  pool.provision(target('g1', V1), 0);
  await flush();
  assert.equal(factory.alive(), 0);
  assert.equal(pool.provisioned(V1), undefined);
  assert.deepEqual([pool.stats().memoryInUseMb, pool.stats().provisioned], [0, 0]);
});

test('provisioned: retiring a function spares pinned versions; a new generation re-creates them', async () => {
  const { factory, pool } = setup();
  pool.provision(target('g1', V1), 1);
  await flush();
  await pool.invoke(target('g1', 'acct/r/fn/$LATEST'), event);
  pool.retire('acct/r/fn/');
  await flush();
  assert.equal(factory.created[0]!.state, 'idle', 'the pinned sandbox survives');
  assert.equal(factory.created[1]!.state, 'dead', 'the on-demand one is retired');
  pool.provision(target('g2', V1), 1);
  await flush();
  assert.equal(factory.created[0]!.state, 'dead');
  assert.equal(factory.alive(), 1);
  assert.equal(pool.provisioned(V1)?.allocated, 1);
});

test('provisioned: an init failure stops the pin with AWS status reason until it is set again', async () => {
  const { factory, pool } = setup();
  factory.failInit = true;
  pool.provision(target('g1', V1), 2);
  await flush();
  assert.deepEqual(pool.provisioned(V1), { allocated: 0, failure: 'FUNCTION_ERROR_INIT_FAILURE' });
  assert.equal(factory.created.length, 2, 'no retry loop');
  assert.equal(pool.stats().memoryInUseMb, 0);
  factory.failInit = false;
  pool.provision(target('g1', V1), 2);
  await flush();
  assert.deepEqual(pool.provisioned(V1), { allocated: 2, failure: undefined });
});

test('provisioned: a pin waits for memory held by busy sandboxes, then fills', async () => {
  const { factory, pool } = setup(new FixedKeepAlive(0), 128);
  let open!: () => void;
  const busy = pool.invoke(target('g', 'other'), event);
  factory.created[0]!.gate = new Promise((r) => (open = r));
  await flush();
  pool.provision(target('g1', V1), 1);
  assert.equal(factory.created.length, 1, 'no room yet');
  open();
  await busy;
  await flush();
  await flush();
  assert.equal(pool.provisioned(V1)?.allocated, 1);
});
