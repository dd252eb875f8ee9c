/**
 * A multi-concurrent sandbox's output split between its invocations (src/sandbox/concurrent-logs.ts):
 * own lines, lines kept for an invocation still in flight, untagged lines to the first one out,
 * the unfinished last line left in the buffer, and the last one out taking everything kept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConcurrentLogs } from '../../src/sandbox/concurrent-logs.js';

test('lines go to the invocation they name; untagged to the first one out; kept lines wait for theirs', () => {
  const logs = new ConcurrentLogs();
  const text = 't\tA\tINFO a1\nt\tB\tINFO b1\nuntagged\nt\tC\tINFO c1\nt\tB\tINFO b2 partial';
  // A ends first while B and C are still out.
  let r = logs.take(text, 'A', new Set(['B', 'C']));
  assert.equal(r.mine, 't\tA\tINFO a1\nuntagged\n');
  assert.equal(r.rest, 't\tB\tINFO b2 partial');
  assert.equal(logs.bytes, Buffer.byteLength('t\tB\tINFO b1\nt\tC\tINFO c1\n'));
  // C ends: its kept line first, then what arrived since.
  r = logs.take(`${r.rest} done\nt\tC\tINFO c2\n`, 'C', new Set(['B']));
  assert.equal(r.mine, 't\tC\tINFO c1\nt\tC\tINFO c2\n');
  assert.equal(r.rest, '');
  // B is the last one out: the sandbox drains everything kept, in order.
  assert.equal(logs.drain(), 't\tB\tINFO b1\nt\tB\tINFO b2 partial done\n');
  assert.equal(logs.bytes, 0);
  assert.equal(logs.drain(), '');
});

test('a line naming two invocations goes to whichever ends first; a line whose invocations all ended goes to the next one out', () => {
  const logs = new ConcurrentLogs();
  let r = logs.take('B and C talk\nonly D\n', 'A', new Set(['B', 'C', 'D']));
  assert.equal(r.mine, '');
  r = logs.take('', 'C', new Set(['B', 'D']));
  assert.equal(r.mine, 'B and C talk\n');
  // D ended without taking its line (a crash path): the next invocation out takes it.
  r = logs.take('', 'B', new Set());
  assert.equal(r.mine, 'only D\n');
  assert.equal(logs.bytes, 0);
});
