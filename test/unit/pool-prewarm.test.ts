/**
 * Pre-warm timing in the pool: a pre-warm starts early by the app's typical start time, so that
 * the sandbox is ready when the keep-alive policy asked for it, and stays until the planned end.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import type { IdleDecision, KeepAlivePolicy } from '../../src/policy/types.js';
import { Pool } from '../../src/pool/pool.js';
import { StartTimes } from '../../src/pool/start-times.js';
import { prewarmLead } from '../../src/policy/plan.js';
import type { PoolTarget } from '../../src/pool/types.js';
import type { InitReport, InvocationEvent, InvocationReport, SandboxSpec } from '../../src/sandbox/types.js';
import { fakeEvent, FakeFactory, FakeSandbox, fakeTarget } from '../helpers/pool-fakes.js';

/** A sandbox whose start ends when the test says (`finishStart`), so a start can take clock time. */
class SlowStartSandbox extends FakeSandbox {
  private started!: () => void;
  async start(): Promise<InitReport> {
    await new Promise<void>((r) => (this.started = r));
    this.state = 'idle';
    return { durationMs: 5, logs: '' };
  }
  finishStart(): void {
    this.started();
  }
  async invoke(e: InvocationEvent): Promise<InvocationReport> {
    return { result: { kind: 'response', payload: Buffer.from('{}') }, durationMs: 1, logs: e.requestId, maxMemoryBytes: 0 };
  }
}

class Factory extends FakeFactory<SlowStartSandbox> {
  protected make(spec: SandboxSpec): SlowStartSandbox {
    return new SlowStartSandbox(spec);
  }
}

const target: PoolTarget = fakeTarget({ initTimeoutMs: 60_000 });
const event = (): InvocationEvent => fakeEvent();
const flush = () => new Promise((r) => setImmediate(r));

function setup(decision: IdleDecision) {
  const clock = new ManualClock(1_000_000);
  const factory = new Factory();
  const policy: KeepAlivePolicy = { name: 'test', onInvocation() {}, onIdle: () => decision, forget() {}, snapshot: () => null, restore() {} };
  const pool = new Pool({ factory, policy, clock });
  return { clock, factory, pool };
}

/** A cold call whose sandbox takes `startMs` of clock time to start. */
async function coldCall(clock: ManualClock, factory: Factory, pool: Pool, startMs: number): Promise<void> {
  const call = pool.invoke(target, event);
  await flush();
  clock.advance(startMs);
  factory.created.at(-1)!.finishStart();
  assert.equal((await call).coldStart, true);
}

test('a pre-warm starts early by the app\'s start time and is ready, and kept, as planned', async () => {
  const { clock, factory, pool } = setup({ keepAliveMs: 0, prewarmMs: 30_000, prewarmKeepAliveMs: 5_000 });
  await coldCall(clock, factory, pool, 8_000);
  await flush();
  assert.equal(factory.alive(), 0, 'unloaded at once');
  clock.advance(21_999);
  assert.equal(factory.created.length, 1, 'not yet');
  clock.advance(1);
  assert.equal(factory.created.length, 2, 'the pre-warm starts 8 s before it is wanted');
  clock.advance(8_000);
  factory.created[1]!.finishStart();
  await flush();
  assert.equal(pool.stats().idle, 1, 'ready at 30 s');
  clock.advance(4_999);
  assert.equal(factory.alive(), 1);
  clock.advance(1);
  assert.equal(factory.alive(), 0, 'kept until 30 + 5 s after the idle start, as planned');
  // Idle memory counts from when it was ready: 5 s of 128 MB.
  assert.ok(Math.abs((pool.idleGbSeconds().get(target.app) ?? 0) - (5 * 128) / 1024) < 1e-9);
});

test('a pre-warm whose start is longer than the wait starts at once and keeps its planned end', async () => {
  const { clock, factory, pool } = setup({ keepAliveMs: 0, prewarmMs: 3_000, prewarmKeepAliveMs: 10_000 });
  await coldCall(clock, factory, pool, 8_000);
  await flush();
  clock.advance(0);
  assert.equal(factory.created.length, 2, 'started at once');
  clock.advance(8_000);
  factory.created[1]!.finishStart();
  await flush();
  assert.equal(pool.stats().idle, 1);
  clock.advance(4_999);
  assert.equal(factory.alive(), 1);
  clock.advance(1);
  assert.equal(factory.alive(), 0, 'gone at 3 + 10 s after the idle start');
  const warm = pool.invoke(target, event);
  await flush();
  factory.created.at(-1)!.finishStart();
  assert.equal((await warm).coldStart, true);
});

test('a pre-warm starts ahead by the 80th percentile of the last five starts', () => {
  const s = new StartTimes();
  assert.equal(s.lead(), undefined);
  for (const ms of [100, 900, 200]) s.add(ms);
  assert.equal(s.lead(), 900, 'with fewer than five, the slowest');
  for (const ms of [5_000, 300, 400, 250]) s.add(ms);
  // The last five: 200, 5000, 300, 400, 250: the second slowest.
  assert.equal(s.lead(), 400);
  s.add(Number.NaN);
  assert.equal(s.lead(), 400);
  for (const ms of [10, 20, 30, 40]) s.add(ms);
  assert.equal(s.lead(), 40, 'one slow start is forgotten after five more');
  assert.equal(prewarmLead([]), undefined);
  assert.equal(prewarmLead([7]), 7);
  assert.equal(prewarmLead(Array.from({ length: 10 }, (_, i) => i + 1)), 8);
});
