/**
 * The pool with multi-concurrent sandboxes (docs/multi-concurrency.md), with an injected clock
 * and scripted sandboxes that run several invocations at once: a burst joins the sandbox that
 * starts for it, the least-loaded sandbox below its limit takes the next invocation, a sandbox
 * counts as idle (keep-alive, the policy's idle periods, idle GB-s) only with nothing in flight,
 * and memory is one MemorySize per sandbox whatever runs on it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { FixedKeepAlive } from '../../src/policy/fixed.js';
import type { KeepAlivePolicy } from '../../src/policy/types.js';
import { Pool } from '../../src/pool/pool.js';
import type { PoolTarget } from '../../src/pool/types.js';
import type { InitReport, InvocationEvent, InvocationReport, SandboxSpec } from '../../src/sandbox/types.js';
import { fakeEvent, FakeFactory, FakeSandbox, fakeTarget } from '../helpers/pool-fakes.js';

/** Runs invocations until their request's gate opens; refuses more than `spec.maxConcurrency` at once. */
class MultiSandbox extends FakeSandbox {
  inFlight = 0;
  peak = 0;
  constructor(
    spec: SandboxSpec,
    private readonly gates: Map<string, Promise<void>>,
    private readonly initGate: Promise<void>,
  ) {
    super(spec);
  }
  async start(): Promise<InitReport> {
    await this.initGate;
    this.state = 'idle';
    return { durationMs: 5, logs: '' };
  }
  async invoke(e: InvocationEvent): Promise<InvocationReport> {
    if (this.inFlight >= (this.spec.maxConcurrency ?? 1)) throw new Error('over the limit');
    this.state = 'busy';
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    await (this.gates.get(e.requestId) ?? Promise.resolve());
    if (--this.inFlight === 0) this.state = 'idle';
    return { result: { kind: 'response', payload: Buffer.from(JSON.stringify(this.id)) }, durationMs: 1, logs: '', maxMemoryBytes: 0 };
  }
}

class Factory extends FakeFactory<MultiSandbox> {
  readonly gates = new Map<string, Promise<void>>();
  initGate: Promise<void> = Promise.resolve();
  protected make(spec: SandboxSpec): MultiSandbox {
    return new MultiSandbox(spec, this.gates, this.initGate);
  }
  /** Holds invocation `id` until the returned function is called. */
  hold(id: string): () => void {
    let open!: () => void;
    this.gates.set(id, new Promise((r) => (open = r)));
    return open;
  }
}

const target = (max: number): PoolTarget => fakeTarget({ memoryMb: 256, runtime: 'nodejs22.x', maxConcurrency: max });

const event = (requestId: string) => (): InvocationEvent => fakeEvent(requestId);
const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function setup(policy: KeepAlivePolicy = new FixedKeepAlive(60_000)) {
  const clock = new ManualClock(1_000_000);
  const factory = new Factory();
  const pool = new Pool({ factory, policy, clock });
  return { clock, factory, pool };
}

test('a cold burst joins the sandbox starting for it, up to its limit; the next one starts another', async () => {
  const { factory, pool } = setup();
  let ready!: () => void;
  factory.initGate = new Promise((r) => (ready = r));
  const opens = ['a', 'b', 'c', 'd'].map((id) => factory.hold(id));
  const calls = ['a', 'b', 'c', 'd'].map((id) => pool.invoke(target(3), event(id)));
  await flush();
  assert.equal(factory.created.length, 2, 'three share the first sandbox; the fourth starts a second');
  ready();
  await flush();
  assert.equal(factory.created[0]!.peak, 3);
  assert.deepEqual(pool.stats(), { apps: 1, idle: 0, busy: 2, starting: 0, memoryInUseMb: 512, capacityMb: Infinity, provisioned: 0 });
  for (const open of opens) open();
  const outcomes = await Promise.all(calls);
  assert.deepEqual(outcomes.map((o) => o.coldStart), [true, false, false, true], 'only the invocation that started a sandbox reports its init');
  assert.deepEqual(pool.stats(), { apps: 1, idle: 2, busy: 0, starting: 0, memoryInUseMb: 512, capacityMb: Infinity, provisioned: 0 });
});

test('the least-loaded sandbox below its limit takes the next invocation, before a new one starts', async () => {
  const { factory, pool } = setup();
  // Two sandboxes: the burst fills the first (limit 2) and starts the second.
  const open = new Map(['a', 'b', 'c'].map((id) => [id, factory.hold(id)]));
  const calls = ['a', 'b', 'c'].map((id) => pool.invoke(target(2), event(id)));
  await flush();
  assert.equal(factory.created.length, 2);
  const [first, second] = factory.created as [MultiSandbox, MultiSandbox];
  assert.equal(first.inFlight, 2);
  assert.equal(second.inFlight, 1);
  // The second has room: it takes the next one; then both are full and a third sandbox starts.
  open.set('d', factory.hold('d'));
  calls.push(pool.invoke(target(2), event('d')));
  await flush();
  assert.equal(second.inFlight, 2);
  assert.equal(factory.created.length, 2);
  open.get('a')!();
  await flush();
  assert.equal(first.inFlight, 1);
  open.set('e', factory.hold('e'));
  calls.push(pool.invoke(target(2), event('e')));
  await flush();
  assert.equal(first.inFlight, 2, 'the one with room took it');
  assert.equal(factory.created.length, 2, 'no new sandbox while one has room');
  for (const o of open.values()) o();
  await Promise.all(calls);
  // With none in flight, the most recently used idle sandbox takes the next one.
  await pool.invoke(target(2), event('f'));
  assert.equal(factory.created.length, 2);
});

test('a sandbox is idle (keep-alive, idle periods) only once nothing runs on it', async () => {
  let idlePeriods = 0;
  const inner = new FixedKeepAlive(60_000);
  const policy: KeepAlivePolicy = {
    name: 'count',
    onInvocation: () => undefined,
    onIdle: (...a) => {
      idlePeriods++;
      return inner.onIdle(...a);
    },
    forget: () => undefined,
    snapshot: () => null,
    restore: () => undefined,
  };
  const { clock, factory, pool } = setup(policy);
  await pool.invoke(target(4), event('warm'));
  assert.equal(idlePeriods, 1);
  const openA = factory.hold('a');
  const openB = factory.hold('b');
  const a = pool.invoke(target(4), event('a'));
  const b = pool.invoke(target(4), event('b'));
  await flush();
  openA();
  await a;
  assert.equal(idlePeriods, 1, 'one invocation still runs: not idle');
  // Past the keep-alive while one invocation runs: the sandbox stays.
  clock.advance(120_000);
  await flush();
  assert.equal(factory.created[0]!.state, 'busy');
  assert.equal(pool.idleGbSeconds().get('acct/r/fn/$LATEST') ?? 0, 0, 'no idle time charged while anything runs');
  openB();
  await b;
  assert.equal(idlePeriods, 2);
  assert.equal(factory.created.length, 1);
  clock.advance(60_000);
  await flush();
  assert.equal(factory.created[0]!.state, 'dead', 'expired once idle for the keep-alive');
});
