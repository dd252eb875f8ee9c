/**
 * The shared store suite, part five: function logs (ids, reading after an id to follow them, the
 * newest entries, pruning). Run by store.case.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Scope } from '../../src/core/model.js';
import type { LogEntry } from '../../src/store/types.js';
import { A, A2, B, open, type NewStore } from './fixtures.js';

const entry = (scope: Scope, functionName: string, text: string, timestamp = 1): LogEntry => ({
  ...scope,
  functionName,
  version: '$LATEST',
  requestId: `req-${text}`,
  timestamp,
  text,
});

/** Retention by count alone. */
const keepOnly = (keep: number) => ({ keep, maxBytes: Number.MAX_SAFE_INTEGER, minTimestamp: 0 });

const texts = (entries: readonly { text: string }[]): string[] => entries.map((e) => e.text);

export function logCases(newStore: NewStore): void {
  describe('logs', () => {
    it('appendLogs gives increasing ids across functions; readLogs reads one function after an id, oldest first', async (t) => {
      const store = open(t, newStore);
      await store.appendLogs([entry(A, 'f', 'f1', 10), entry(A, 'g', 'g1'), entry(A, 'f', 'f2', 20)]);
      await store.appendLogs([entry(A, 'f', 'f3', 30)]);
      const f = await store.readLogs(A, 'f', 0, 100);
      assert.deepEqual(texts(f), ['f1', 'f2', 'f3']);
      assert.deepEqual(f[0], { ...entry(A, 'f', 'f1', 10), id: f[0]!.id });
      const g = await store.readLogs(A, 'g', 0, 100);
      const ids = [f[0]!.id, g[0]!.id, f[1]!.id, f[2]!.id];
      assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]!), `ids increase in append order: ${ids.join(',')}`);
      assert.ok(ids[0]! > 0);
      assert.deepEqual(texts(await store.readLogs(A, 'f', f[0]!.id, 100)), ['f2', 'f3']);
      assert.deepEqual(texts(await store.readLogs(A, 'f', f[0]!.id, 1)), ['f2']);
      assert.deepEqual(await store.readLogs(A, 'f', f[2]!.id, 100), []);
      assert.deepEqual(await store.readLogs(A, 'f', 0, 0), []);
      assert.deepEqual(await store.readLogs(A, 'nope', 0, 100), []);
    });

    it('logs are scoped by account and region', async (t) => {
      const store = open(t, newStore);
      await store.appendLogs([entry(A, 'f', 'a'), entry(A2, 'f', 'a2'), entry(B, 'f', 'b')]);
      assert.deepEqual(texts(await store.readLogs(A, 'f', 0, 10)), ['a']);
      assert.deepEqual(texts(await store.readLastLogs(A2, 'f', 10)), ['a2']);
      assert.equal((await store.readLogs(B, 'f', 0, 10))[0]?.accountId, B.accountId);
      assert.equal(await store.lastLogId(B, 'f'), (await store.readLogs(B, 'f', 0, 10))[0]?.id);
      await store.pruneLogs(A, 'f', keepOnly(0));
      assert.deepEqual(texts(await store.readLogs(A2, 'f', 0, 10)), ['a2']);
      assert.deepEqual(texts(await store.readLogs(B, 'f', 0, 10)), ['b']);
    });

    it('readLastLogs gives the newest entries, oldest first', async (t) => {
      const store = open(t, newStore);
      await store.appendLogs(['1', '2', '3', '4', '5'].map((n) => entry(A, 'f', n)));
      await store.appendLogs([entry(A, 'g', 'other')]);
      assert.deepEqual(texts(await store.readLastLogs(A, 'f', 3)), ['3', '4', '5']);
      assert.deepEqual(texts(await store.readLastLogs(A, 'f', 10)), ['1', '2', '3', '4', '5']);
      assert.deepEqual(await store.readLastLogs(A, 'f', 0), []);
      assert.deepEqual(await store.readLastLogs(A, 'nope', 5), []);
    });

    it('lastLogId and readLogs follow a function: each read after the last id sees only what came since', async (t) => {
      const store = open(t, newStore);
      assert.equal(await store.lastLogId(A, 'f'), 0);
      await store.appendLogs([entry(A, 'f', 'before')]);
      let cursor = await store.lastLogId(A, 'f');
      assert.equal(cursor, (await store.readLogs(A, 'f', 0, 10))[0]?.id);
      await store.appendLogs([entry(A, 'f', 'one'), entry(A, 'g', 'noise'), entry(A, 'f', 'two')]);
      const first = await store.readLogs(A, 'f', cursor, 10);
      assert.deepEqual(texts(first), ['one', 'two']);
      cursor = first.at(-1)!.id;
      assert.equal(await store.lastLogId(A, 'f'), cursor);
      assert.deepEqual(await store.readLogs(A, 'f', cursor, 10), []);
      await store.appendLogs([entry(A, 'f', 'three')]);
      assert.deepEqual(texts(await store.readLogs(A, 'f', cursor, 10)), ['three']);
    });

    it('pruneLogs keeps the newest entries of one function, and ids are never reused', async (t) => {
      const store = open(t, newStore);
      await store.appendLogs(['1', '2', '3', '4', '5'].map((n) => entry(A, 'f', n)));
      await store.appendLogs([entry(A, 'g', 'g1'), entry(A, 'g', 'g2')]);
      const newest = await store.lastLogId(A, 'f');
      await store.pruneLogs(A, 'f', keepOnly(2));
      assert.deepEqual(texts(await store.readLogs(A, 'f', 0, 10)), ['4', '5']);
      assert.deepEqual(texts(await store.readLogs(A, 'g', 0, 10)), ['g1', 'g2'], 'another function keeps its own');
      await store.pruneLogs(A, 'f', keepOnly(10));
      assert.deepEqual(texts(await store.readLogs(A, 'f', 0, 10)), ['4', '5'], 'fewer than keep: nothing goes');
      await store.pruneLogs(A, 'f', keepOnly(0));
      assert.deepEqual(await store.readLogs(A, 'f', 0, 10), []);
      assert.equal(await store.lastLogId(A, 'f'), 0);
      await store.appendLogs([entry(A, 'f', 'after')]);
      assert.ok(await store.lastLogId(A, 'f') > Math.max(newest, await store.lastLogId(A, 'g')), 'a new id is above every id handed out');
      await store.pruneLogs(A, 'nope', keepOnly(0));
    });

    it('pruneLogs keeps a function within its bytes and its age, newest first; tailStart finds the newest n', async (t) => {
      const store = open(t, newStore);
      const kb = (c: string): string => c.repeat(1024);
      await store.appendLogs([1, 2, 3, 4, 5].map((i) => entry(A, 'f', kb(String(i)), i * 1000)));
      await store.appendLogs([entry(A, 'g', kb('g'), 1)]);
      assert.deepEqual(texts(await store.readLogs(A, 'f', await store.tailStart(A, 'f', 2), 10)).map((x) => x[0]), ['4', '5']);
      assert.equal(await store.tailStart(A, 'f', 9), 0, 'fewer than n: from the start');
      await store.pruneLogs(A, 'f', { keep: 100, maxBytes: 100_000, minTimestamp: 2000 });
      assert.deepEqual(texts(await store.readLogs(A, 'f', 0, 10)).map((x) => x[0]), ['2', '3', '4', '5'], 'older than minTimestamp go');
      await store.pruneLogs(A, 'f', { keep: 100, maxBytes: 3 * 1024, minTimestamp: 0 });
      assert.deepEqual(texts(await store.readLogs(A, 'f', 0, 10)).map((x) => x[0]), ['3', '4', '5'], 'the newest within maxBytes stay');
      assert.equal((await store.readLogs(A, 'g', 0, 10)).length, 1, 'another function keeps its own');
    });

    it('logStartAt skips the entries older than a time: reading after it gives every entry at or after it', async (t) => {
      const store = open(t, newStore);
      assert.equal(await store.logStartAt(A, 'f', 0), 0, 'no entries: from the start');
      await store.appendLogs([entry(A, 'f', 'a', 1000), entry(A, 'g', 'other', 2500), entry(A, 'f', 'b', 2000), entry(A, 'f', 'c', 3000)]);
      const from = async (ts: number): Promise<string[]> => texts(await store.readLogs(A, 'f', await store.logStartAt(A, 'f', ts), 10));
      assert.deepEqual(await from(0), ['a', 'b', 'c']);
      assert.deepEqual(await from(1000), ['a', 'b', 'c'], 'at the time itself');
      assert.deepEqual(await from(1001), ['b', 'c']);
      assert.deepEqual(await from(2600), ['c'], "another function's entries do not count");
      assert.deepEqual(await from(3001), [], 'after the newest: nothing, and not from the start');
      assert.equal(await store.logStartAt(A, 'f', 3001), await store.lastLogId(A, 'f'));
      assert.equal(await store.logStartAt(B, 'f', 0), 0, 'another account has none');
    });

    it('log entries go in and come out as copies', async (t) => {
      const store = open(t, newStore);
      const given = entry(A, 'f', 'x');
      await store.appendLogs([given]);
      given.text = 'changed';
      for (const e of [...await store.readLogs(A, 'f', 0, 10), ...await store.readLastLogs(A, 'f', 10)]) e.text = 'scribbled';
      assert.deepEqual(texts(await store.readLogs(A, 'f', 0, 10)), ['x']);
    });
  });
}
