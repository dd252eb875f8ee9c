/**
 * The shared deadline timer of the sandboxes' invocations (src/sandbox/deadlines.ts): every
 * deadline fires once it has passed, in order, and never after its entry was removed, whatever
 * order the entries come and go in. Real timers, with deadlines a few ms away.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Deadlines } from '../../src/sandbox/deadlines.js';

test('deadlines fire in order once due, removed ones never', async () => {
  const d = new Deadlines();
  const fired: string[] = [];
  const now = Date.now();
  d.add(now + 40, () => fired.push('c'));
  const b = d.add(now + 25, () => fired.push('b'));
  // Earlier than the one the timer is armed for: it moves the timer.
  d.add(now + 10, () => fired.push('a'));
  const never = d.add(now + 15, () => fired.push('removed'));
  d.remove(never);
  d.remove(never);
  assert.equal(d.size, 3);
  await sleep(5);
  assert.deepEqual(fired, [], 'nothing before its time');
  await sleep(60);
  assert.deepEqual(fired, ['a', 'b', 'c']);
  assert.equal(d.size, 0);
  d.remove(b);
  assert.equal(d.size, 0, 'removing a fired deadline changes nothing');
});

test('removing the earliest deadline leaves the others on time (the timer fires early and re-arms)', async () => {
  const d = new Deadlines();
  const fired: number[] = [];
  const now = Date.now();
  const first = d.add(now + 5, () => fired.push(1));
  d.add(now + 30, () => fired.push(2));
  d.remove(first);
  await sleep(15);
  assert.deepEqual(fired, [], 'the early wake-up found nothing due');
  await sleep(40);
  assert.deepEqual(fired, [2]);
});

test('many deadlines added and removed in any order: exactly the kept ones fire, each once, in order', async () => {
  const d = new Deadlines();
  const now = Date.now();
  const fired: number[] = [];
  const kept: number[] = [];
  const entries = [];
  for (let i = 0; i < 200; i++) {
    const at = now + 5 + ((i * 37) % 50);
    entries.push({ i, at, e: d.add(at, () => fired.push(i)) });
  }
  for (const x of entries) {
    if (x.i % 3 === 0) d.remove(x.e);
    else kept.push(x.i);
  }
  assert.equal(d.size, kept.length);
  await sleep(90);
  assert.deepEqual([...fired].sort((a, b) => a - b), kept);
  const at = new Map(entries.map((x) => [x.i, x.at]));
  for (let k = 1; k < fired.length; k++) assert.ok(at.get(fired[k - 1]!)! <= at.get(fired[k]!)!, 'in deadline order');
  assert.equal(d.size, 0);
});

test('an idle timer does not hold the process open; a pending deadline does', async () => {
  const d = new Deadlines();
  const e = d.add(Date.now() + 60_000, () => undefined);
  const timer = (d as unknown as { timer: NodeJS.Timeout }).timer;
  assert.equal(timer.hasRef(), true);
  d.remove(e);
  assert.equal(timer.hasRef(), false);
  const again = d.add(Date.now() + 120_000, () => undefined);
  assert.equal(timer.hasRef(), true, 'the same timer, held again');
  d.remove(again);
});

test('a deadline whose callback throws does not take the later deadlines with it', async () => {
  const errors: unknown[] = [];
  const d = new Deadlines(Date.now, (e) => errors.push(e));
  const fired: string[] = [];
  const now = Date.now();
  d.add(now + 5, () => {
    throw new Error('boom');
  });
  d.add(now + 5, () => fired.push('same tick'));
  d.add(now + 30, () => fired.push('later'));
  await sleep(80);
  assert.equal((errors[0] as Error | undefined)?.message, 'boom');
  assert.deepEqual(fired, ['same tick', 'later']);
  assert.equal(d.size, 0);
});
