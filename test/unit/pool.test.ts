/**
 * The pool's decisions with an injected clock and a scripted sandbox (the real sandboxes are
 * exercised end to end elsewhere): scale-up, reuse, keep-alive expiry, pre-warming, retiring
 * old generations, init failures.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/clock.js';
import { FixedKeepAlive } from '../../src/policy/fixed.js';
import type { IdleDecision, KeepAlivePolicy } from '../../src/policy/types.js';
import { Pool, type PoolTarget } from '../../src/pool/pool.js';
import { nodejs } from '../../src/runtimes/node.js';
import {
  SandboxInitError,
  type InitReport,
  type InvocationEvent,
  type InvocationReport,
  type Sandbox,
  type SandboxFactory,
  type SandboxSpec,
  type SandboxState,
} from '../../src/sandbox/types.js';

class ScriptedSandbox implements Sandbox {
  state: SandboxState = 'starting';
  readonly id: string;
  private listeners: (() => void)[] = [];
  gate: Promise<void> = Promise.resolve();
  constructor(readonly spec: SandboxSpec, private readonly failInit: boolean) {
    this.id = spec.id;
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
  async dispose(): Promise<void> {
    if (this.state === 'dead') return;
    this.state = 'dead';
    for (const l of this.listeners.splice(0)) l();
  }
  onDeath(l: () => void): void {
    this.listeners.push(l);
  }
}

class ScriptedFactory implements SandboxFactory {
  readonly isolation = 'process' as const;
  created: ScriptedSandbox[] = [];
  failInit = false;
  create(spec: SandboxSpec): Sandbox {
    const s = new ScriptedSandbox(spec, this.failInit);
    this.created.push(s);
    return s;
  }
  alive(): number {
    return this.created.filter((s) => s.state !== 'dead').length;
  }
}

function target(generation = 'g1', app = 'acct/r/fn/$LATEST'): PoolTarget {
  return {
    app,
    generation,
    memoryMb: 128,
    initTimeoutMs: 1000,
    makeSpec: (id) => ({ id, runtime: 'nodejs20.x', descriptor: nodejs, handler: 'index.handler', codeDir: '/x', memoryMb: 128, ephemeralStorageMb: 512, env: {}, network: 'none' }),
  };
}

const event = (): InvocationEvent => ({ requestId: 'r', payload: Buffer.from('{}'), deadlineMs: Date.now() + 1000, invokedFunctionArn: 'arn' });
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
  assert.deepEqual(pool.stats(), { apps: 1, idle: 2, busy: 0, starting: 0, memoryInUseMb: 256, capacityMb: Infinity });
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
  await assert.rejects(pool.invoke(target(), event), /closed/);
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
