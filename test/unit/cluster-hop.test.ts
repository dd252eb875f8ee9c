/**
 * The forwarding hop's token and framing (src/cluster/hop.ts), and the concurrency slices
 * (src/cluster/slices.ts): pure parts of sync routing, checked without a cluster.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bodyDigest, FrameReader, frame, HOP_SKEW_MS, signHop, verifyHop } from '../../src/cluster/hop.js';
import { ConcurrencySlices, sliceOf } from '../../src/cluster/slices.js';
import { WarmTracker } from '../../src/cluster/warm.js';

const KEY = Buffer.alloc(32, 7);
const T = 1_800_000_000_000;

describe('hop token', () => {
  const meta = 'eyJhIjoxfQ';
  const digest = bodyDigest(Buffer.from('{"x":1}'));
  const token = signHop(KEY, 'n1', meta, digest, T);

  it('verifies what it signed, within the allowed skew', () => {
    assert.ok(verifyHop(KEY, 'n1', meta, digest, token, T));
    assert.ok(verifyHop(KEY, 'n1', meta, digest, token, T + HOP_SKEW_MS));
    assert.ok(!verifyHop(KEY, 'n1', meta, digest, token, T + HOP_SKEW_MS + 1), 'too old');
  });

  it('refuses another key, sender, description or body, and malformed tokens', () => {
    assert.ok(!verifyHop(Buffer.alloc(32, 8), 'n1', meta, digest, token, T));
    assert.ok(!verifyHop(KEY, 'n2', meta, digest, token, T));
    assert.ok(!verifyHop(KEY, 'n1', `${meta}x`, digest, token, T));
    assert.ok(!verifyHop(KEY, 'n1', meta, bodyDigest(Buffer.from('{"x":2}')), token, T));
    for (const bad of ['', '.', `${T}.`, `${T}.zz`, `x.${token.split('.')[1]}`, token.slice(0, -2)]) assert.ok(!verifyHop(KEY, 'n1', meta, digest, bad, T), bad);
  });
});

describe('hop frames', () => {
  it('reassemble whatever the chunking', () => {
    const bytes = Buffer.concat([frame('B', Buffer.from('text/plain')), frame('D', Buffer.alloc(70_000, 1)), frame('D', Buffer.alloc(0)), frame('R', Buffer.from('{}'))]);
    for (const size of [1, 7, 4096, bytes.length]) {
      const r = new FrameReader();
      const got = [];
      for (let i = 0; i < bytes.length; i += size) got.push(...r.push(bytes.subarray(i, i + size)));
      assert.deepEqual(got.map((f) => [f.type, f.data.length]), [['B', 10], ['D', 70_000], ['D', 0], ['R', 2]]);
      assert.equal(r.pending, 0);
    }
  });
});

describe('concurrency slices', () => {
  it('add up to the limit over the live nodes, the remainder on the key\'s home nodes', () => {
    const live = ['n1', 'n2', 'n3', 'n4'];
    for (const total of [0, 1, 3, 4, 10, 1000, 1001]) {
      for (const key of ['account', 'a/us-east-1/f', 'a/us-east-1/g']) {
        const parts = live.map((id) => sliceOf(total, key, live, id));
        assert.equal(parts.reduce((s, x) => s + x, 0), total, `${total} ${key}`);
        assert.ok(Math.max(...parts) - Math.min(...parts) <= 1);
      }
    }
    assert.equal(sliceOf(7, 'k', ['n1'], 'n1'), 7, 'one node has it all');
  });

  it('follow membership and keep the cluster-wide reservation', () => {
    const set: Record<string, number | undefined> = {};
    let account = 0;
    const s = new ConcurrencySlices('n1', 10, { setAccountLimit: (v) => (account = v), setReserved: (k, v) => (set[k] = v) });
    s.setReserved('f', 3);
    assert.equal(set['f'], 3, 'alone: all of it');
    s.setLive(['n1', 'n2', 'n3']);
    assert.ok(account === 3 || account === 4);
    assert.equal(set['f'], 1);
    assert.equal(s.getReserved('f'), 3);
    s.setReserved('f', undefined);
    assert.equal(set['f'], undefined);
  });
});

describe('warm tracker', () => {
  it('counts a finished invocation as an idle sandbox of its version until the next run takes it or the window passes', async () => {
    let now = 0;
    const w = new WarmTracker(() => now, 1000);
    const fn = { accountId: 'a', region: 'r', name: 'f', version: '$LATEST' } as Parameters<WarmTracker['run']>[0];
    assert.equal(w.idle('a/r/f/$LATEST'), 0);
    await w.run(fn, async () => assert.equal(w.load(), 1));
    assert.equal(w.idle('a/r/f/$LATEST'), 1);
    assert.deepEqual([...w.warmFunctions()], [['a/r/f', 1]]);
    now = 2000;
    assert.equal(w.idle('a/r/f/$LATEST'), 0, 'the keep-alive window passed');
  });
});
