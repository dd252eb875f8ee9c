/**
 * Hand-off to hot sandboxes (src/pool/handoff.ts, waiters.ts): the policy on its own (which
 * durations make a function short, the bound, when an invocation waits), then the pool with an
 * injected clock and scripted sandboxes: a waiter runs on the sandbox that finishes first, spills
 * to a new sandbox when its bound runs out (a slow call never holds it longer), spills at once
 * when the sandboxes it waited for die or are retired, is refused on close, and nothing changes
 * with hand-off off or for a multi-concurrent function. The real sandboxes: test/e2e/hot-handoff.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { FixedKeepAlive } from '../../src/policy/fixed.js';
import { DurationWindow, FunctionDurations, HANDOFF_DEFAULTS, type HandoffSettings } from '../../src/pool/handoff.js';
import { Pool } from '../../src/pool/pool.js';
import type { PoolOutcome, PoolTarget } from '../../src/pool/types.js';
import type { InitReport, InvocationEvent, InvocationReport, SandboxSpec } from '../../src/sandbox/types.js';
import { fakeEvent, FakeFactory, FakeSandbox, fakeTarget } from '../helpers/pool-fakes.js';

const settings = (o: Partial<HandoffSettings> = {}): HandoffSettings => ({ ...HANDOFF_DEFAULTS, idleTime: () => 0, cpus: 2, ...o });

test('a window judges nothing before 16 durations, then gives its percentiles', () => {
  const w = new DurationWindow();
  for (let i = 0; i < 15; i++) w.add(0.1);
  assert.equal(w.ready, false);
  w.add(0.1);
  assert.equal(w.ready, true);
  assert.equal(w.p50, 0.1);
  // The window keeps the last 64: after 64 slow ones the fast ones are forgotten.
  for (let i = 0; i < 64; i++) w.add(5);
  assert.equal(w.p50, 5);
  assert.equal(w.p90, 5);
});

test('a function qualifies only while the p90 of its durations net of the server loop is short', () => {
  const d = new FunctionDurations(settings());
  for (let i = 0; i < 16; i++) d.add(0.2, 0.2, 1);
  assert.equal(d.shouldWait(0, 2), true, 'short, two busy sandboxes');
  assert.equal(d.shouldWait(0, 1), false, 'fewer busy sandboxes than minBusy');
  assert.equal(d.shouldWait(16, 2), false, 'maxDepth waiters per busy sandbox already');
  // Durations that were long while the server's loop sat idle (the function itself was slow).
  for (let i = 0; i < 64; i++) d.add(i % 5 === 0 ? 20 : 0.2, i % 5 === 0 ? 20 : 0.2, 1);
  assert.equal(d.shouldWait(0, 4), false, 'one call in five takes 20 ms: p90 over 1 ms');
  // Long as measured, but the server's loop was busy all along: the server, not the function.
  const busyServer = new FunctionDurations(settings());
  for (let i = 0; i < 16; i++) busyServer.add(6, 0, 1);
  assert.equal(busyServer.shouldWait(0, 2), true);
});

test('the bound is min(4 ms, max(1 ms, 8 x the p99 as measured)); the expected wait must fit half of it', () => {
  const d = new FunctionDurations(settings());
  for (let i = 0; i < 16; i++) d.add(0.05, 0.05, 1);
  assert.equal(d.bound(), 1);
  for (let i = 0; i < 64; i++) d.add(0.25, 0.25, 1);
  assert.equal(d.bound(), 2);
  for (let i = 0; i < 64; i++) d.add(3, 0.1, 1);
  assert.equal(d.bound(), 4);
  // 0.9 ms each: the bound is 4 ms (8 x 0.9 = 7.2, capped), so the expected wait must be at most 2 ms.
  const e = new FunctionDurations(settings());
  for (let i = 0; i < 16; i++) e.add(0.9, 0.9, 1);
  assert.equal(e.bound(), 4);
  assert.equal(e.shouldWait(3, 2), true, '(4 x 0.9) / 2 = 1.8 ms <= 2 ms');
  assert.equal(e.shouldWait(4, 2), false, '(5 x 0.9) / 2 = 2.25 ms > 2 ms');
});

/** Invocations run until their request's gate opens (or fail with an exit when told to die). */
class GatedSandbox extends FakeSandbox {
  ran: string[] = [];
  constructor(
    spec: SandboxSpec,
    private readonly f: Factory,
  ) {
    super(spec);
  }
  async start(): Promise<InitReport> {
    this.state = 'idle';
    return { durationMs: 5, logs: '' };
  }
  async invoke(e: InvocationEvent): Promise<InvocationReport> {
    if (this.state !== 'idle') throw new Error(`sandbox ${this.id} is ${this.state}, not idle`);
    this.state = 'busy';
    this.ran.push(e.requestId);
    const how = await (this.f.gates.get(e.requestId) ?? Promise.resolve('ok' as const));
    if (how === 'die') {
      this.state = 'dead';
      return { result: { kind: 'exit', reason: 'killed' }, durationMs: 0.2, logs: '', maxMemoryBytes: 0 };
    }
    this.state = 'idle';
    return { result: { kind: 'response', payload: Buffer.from(JSON.stringify(this.id)) }, durationMs: 0.2, logs: '', maxMemoryBytes: 0 };
  }
}

class Factory extends FakeFactory<GatedSandbox> {
  readonly gates = new Map<string, Promise<'ok' | 'die'>>();
  protected make(spec: SandboxSpec): GatedSandbox {
    return new GatedSandbox(spec, this);
  }
  /** Holds invocation `id` until the returned function is called. */
  hold(id: string): (how?: 'ok' | 'die') => void {
    let open!: (how: 'ok' | 'die') => void;
    this.gates.set(id, new Promise((r) => (open = r)));
    return (how = 'ok') => open(how);
  }
}

const flush = () => new Promise((r) => setImmediate(r));
const ev = (id: string) => (): InvocationEvent => fakeEvent(id);
const sandboxOf = (o: PoolOutcome): string => JSON.parse(o.report.result.kind === 'response' ? o.report.result.payload.toString() : 'null');

function setup(handoff: HandoffSettings | null = settings()) {
  const clock = new ManualClock(1_000_000);
  const factory = new Factory();
  const pool = new Pool({ factory, policy: new FixedKeepAlive(600_000), clock, ...(handoff ? { handoff } : {}) });
  return { clock, factory, pool };
}

/** Two warm sandboxes that have served 20 short calls, both busy now on h1 and h2. */
async function twoBusy(target: PoolTarget = fakeTarget()) {
  const s = setup();
  const o1 = s.factory.hold('w1');
  const a = s.pool.invoke(target, ev('w1'));
  const b = s.pool.invoke(target, ev('w2'));
  await b;
  o1();
  await a;
  for (let i = 0; i < 20; i++) await s.pool.invoke(target, ev(`s${i}`));
  assert.equal(s.factory.created.length, 2);
  const h1 = s.factory.hold('h1');
  const h2 = s.factory.hold('h2');
  const p1 = s.pool.invoke(target, ev('h1'));
  const p2 = s.pool.invoke(target, ev('h2'));
  await flush();
  return { ...s, target, h1, h2, p1, p2 };
}

test('with two sandboxes busy, a third call waits and runs on the first one to finish, in the same turn', async () => {
  const { pool, factory, target, h1, h2, p1, p2 } = await twoBusy();
  const third = pool.invoke(target, ev('w3'));
  await flush();
  assert.equal(factory.created.length, 2, 'no sandbox was started for it');
  assert.equal(pool.handoffStats().waiting, 1);
  assert.equal(pool.stats().idle, 0);
  h2();
  const got = await third;
  assert.equal(got.coldStart, false);
  const finisher = factory.created.find((s) => s.ran.includes('h2'))!;
  assert.equal(sandboxOf(got), finisher.id, 'the sandbox that finished took it over');
  assert.deepEqual(pool.handoffStats(), { waiting: 0, handedOff: 1, spilled: 0 });
  h1();
  await Promise.all([p1, p2]);
  assert.equal(pool.stats().busy, 0);
  assert.equal(pool.stats().idle, 2);
});

test('a waiter spills to a new sandbox once its bound runs out: a slow call holds it no longer', async () => {
  const { pool, factory, clock, target, h1, h2, p1, p2 } = await twoBusy();
  const third = pool.invoke(target, ev('w3'));
  await flush();
  assert.equal(factory.created.length, 2);
  // Durations of 0.2 ms: the bound is max(1 ms, 8 x 0.2 ms) = 1.6 ms.
  clock.advance(1);
  await flush();
  assert.equal(factory.created.length, 2, 'still within the bound');
  clock.advance(1);
  const got = await third;
  assert.equal(got.coldStart, true, 'it started its own sandbox, as it would have without hand-off');
  assert.equal(factory.created.length, 3);
  assert.deepEqual(pool.handoffStats(), { waiting: 0, handedOff: 0, spilled: 1 });
  h1();
  h2();
  await Promise.all([p1, p2]);
});

test('a waiter takes an idle sandbox when it spills and one is there', async () => {
  const s = setup();
  const target = fakeTarget();
  // Three warm sandboxes with a history of short calls.
  const o = [s.factory.hold('a'), s.factory.hold('b')];
  const a = s.pool.invoke(target, ev('a'));
  const b = s.pool.invoke(target, ev('b'));
  await s.pool.invoke(target, ev('c'));
  o.forEach((f) => f());
  await Promise.all([a, b]);
  for (let i = 0; i < 20; i++) await s.pool.invoke(target, ev(`s${i}`));
  assert.equal(s.factory.created.length, 3);
  const h = [s.factory.hold('h1'), s.factory.hold('h2')];
  const running = [s.pool.invoke(target, ev('h1')), s.pool.invoke(target, ev('h2'))];
  await flush();
  // One idle sandbox left, two busy: the call waits for a busy one (the idle one is cold).
  assert.equal(s.pool.stats().idle, 1);
  const third = s.pool.invoke(target, ev('w3'));
  await flush();
  assert.equal(s.pool.handoffStats().waiting, 1);
  s.clock.advance(2);
  const got = await third;
  assert.equal(got.coldStart, false);
  assert.equal(s.factory.created.length, 3, 'it took the idle one');
  h.forEach((f) => f());
  await Promise.all(running);
});

test('waiters spill at once when every sandbox they waited for dies', async () => {
  const { pool, factory, target, h1, h2, p1, p2 } = await twoBusy();
  const third = pool.invoke(target, ev('w3'));
  await flush();
  h1('die');
  await p1;
  await flush();
  assert.equal(pool.handoffStats().waiting, 1, 'one busy sandbox is left to wait for');
  h2('die');
  const got = await third;
  assert.equal(got.report.result.kind, 'response', 'it did not fail: it ran on a new sandbox');
  assert.equal(got.coldStart, true);
  assert.equal(factory.created.length, 3);
  await p2;
});

test('retiring the function starts its waiters at once on the code they were accepted for', async () => {
  const { pool, factory, target, h1, h2, p1, p2 } = await twoBusy();
  const third = pool.invoke(target, ev('w3'));
  await flush();
  pool.retire('acct/r/fn/');
  // Before retire returned, the waiter had its own sandbox (of its generation) starting.
  assert.equal(factory.created.length, 3);
  assert.equal(factory.created[2]!.spec.id.length > 0, true);
  assert.equal(pool.handoffStats().waiting, 0);
  const got = await third;
  assert.equal(got.coldStart, true);
  h1();
  h2();
  await Promise.all([p1, p2]);
  // The new code's first call does not reuse any sandbox of the old generation.
  const next = await pool.invoke(fakeTarget({ generation: 'g2' }), ev('n'));
  assert.equal(next.coldStart, true);
});

test('a new generation arriving while calls wait starts them on their own generation first', async () => {
  const { pool, factory, target, h1, h2, p1, p2 } = await twoBusy();
  const third = pool.invoke(target, ev('w3'));
  await flush();
  const fresh = pool.invoke(fakeTarget({ generation: 'g2' }), ev('n'));
  await fresh;
  const got = await third;
  assert.equal(got.coldStart, true);
  assert.equal(factory.created.length, 4, 'one sandbox for the old waiter, one for the new code');
  h1();
  h2();
  await Promise.all([p1, p2]);
});

test('closing the pool refuses the waiters', async () => {
  const { pool, target, h1, h2, p1, p2 } = await twoBusy();
  const third = pool.invoke(target, ev('w3'));
  await flush();
  await pool.close();
  await assert.rejects(third, /shutting down/);
  h1();
  h2();
  await Promise.all([p1, p2]);
});

test('with hand-off off, a call with every sandbox busy starts a new one, as before', async () => {
  const s = setup(null);
  const target = fakeTarget();
  for (let i = 0; i < 20; i++) await s.pool.invoke(target, ev(`s${i}`));
  const h = [s.factory.hold('h1'), s.factory.hold('h2')];
  const running = [s.pool.invoke(target, ev('h1')), s.pool.invoke(target, ev('h2'))];
  await flush();
  const third = await s.pool.invoke(target, ev('w3'));
  assert.equal(third.coldStart, true);
  assert.equal(s.factory.created.length, 3);
  assert.deepEqual(s.pool.handoffStats(), { waiting: 0, handedOff: 0, spilled: 0 });
  h.forEach((f) => f());
  await Promise.all(running);
});

test('a function whose calls are slow (the server idle meanwhile) never waits', async () => {
  const slow = new FunctionDurations(settings());
  for (let i = 0; i < 64; i++) slow.add(3, 3, 1);
  assert.equal(slow.shouldWait(0, 8), false);
});

test('no waiting while more than a fifth of the recent waiters spilled, until that share decays', () => {
  const d = new FunctionDurations(settings());
  for (let i = 0; i < 16; i++) d.add(0.2, 0.2, 1);
  assert.equal(d.shouldWait(0, 2), true);
  for (let i = 0; i < 8; i++) d.waited(true);
  assert.ok(d.spillShare > 0.2);
  assert.equal(d.shouldWait(0, 2), false, 'waiting has not been paying');
  let calls = 1;
  while (!d.shouldWait(0, 2)) calls++;
  assert.ok(calls > 1 && calls < 100, `tried again after ${calls} calls that ran at once`);
  // Waiters handed a finishing sandbox bring the share down.
  for (let i = 0; i < 8; i++) d.waited(true);
  for (let i = 0; i < 64; i++) d.waited(false);
  assert.ok(d.spillShare < 0.2);
  assert.equal(d.shouldWait(0, 2), true);
});
