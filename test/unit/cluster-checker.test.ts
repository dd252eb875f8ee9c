/**
 * The Jepsen-style checker: each anomaly is found on a history built to have exactly it, a clean
 * history is valid, and on generated histories the classes partition as their definitions say.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { check, parseJsonl, summary, type DeliveryRecord, type RequestRecord } from '../../src/cluster/checker.js';

const a = (id: string, outcome: RequestRecord['outcome']): RequestRecord => ({ id, kind: 'async', outcome });
const s = (id: string, outcome: RequestRecord['outcome'], reply: string | undefined = id): RequestRecord =>
  reply === undefined ? { id, kind: 'sync', outcome } : { id, kind: 'sync', outcome, reply };
const d = (...ids: string[]): DeliveryRecord[] => ids.map((id) => ({ id, node: 'n1' }));

describe('check', () => {
  it('a clean history is valid, with async duplicates counted but allowed', () => {
    const r = check([a('a1', 'ok'), a('a2', 'ok'), s('s1', 'ok')], d('a1', 'a2', 'a2', 's1'));
    assert.equal(r.valid, true);
    assert.deepEqual([...r.duplicatedAsync], [['a2', 2]]);
    assert.deepEqual(r.acknowledged, { async: 2, sync: 1, sqs: 0 });
    assert.match(summary(r), /^VALID: .*duplicated async 1 ids \(1 extra/);
  });

  it('an SQS message sent is acknowledged: lost if never delivered, duplicates allowed as for async', () => {
    const q = (id: string, outcome: RequestRecord['outcome']): RequestRecord => ({ id, kind: 'sqs', outcome });
    const ok = check([q('q1', 'ok'), q('q2', 'ok'), q('q3', 'fail')], d('q1', 'q2', 'q2'));
    assert.equal(ok.valid, true);
    assert.deepEqual(ok.acknowledged, { async: 0, sync: 0, sqs: 2 });
    assert.deepEqual(ok.requested, { async: 0, sync: 0, sqs: 3 });
    assert.deepEqual([...ok.duplicatedAsync], [['q2', 2]]);
    const lost = check([q('q1', 'ok'), q('q2', 'ok')], d('q1'));
    assert.equal(lost.valid, false);
    assert.deepEqual(lost.lost, ['q2']);
  });

  it('finds a lost async event and a lost sync reply', () => {
    const r = check([a('a1', 'ok'), a('a2', 'ok'), s('s1', 'ok')], d('a1'));
    assert.equal(r.valid, false);
    assert.deepEqual(r.lost, ['a2', 's1']);
  });

  it('finds unexpected deliveries: never requested, or refused definitely', () => {
    const r = check([a('a1', 'fail'), s('s1', 'fail', undefined)], d('a1', 's1', 'ghost'));
    assert.deepEqual(r.unexpected, ['a1', 'ghost', 's1']);
    assert.equal(r.valid, false);
  });

  it('an unknown outcome delivered is recovered, not unexpected; undelivered it is fine', () => {
    const r = check([a('a1', 'info'), s('s1', 'info', undefined), a('a2', 'info')], d('a1', 's1'));
    assert.equal(r.valid, true);
    assert.deepEqual(r.recovered, ['a1', 's1']);
  });

  it('a sync invoke run twice or answered with another reply is a failure', () => {
    assert.equal(check([s('s1', 'ok')], d('s1', 's1')).valid, false);
    const wrong = check([s('s1', 'ok', 's2'), s('s2', 'ok')], d('s1', 's2'));
    assert.deepEqual(wrong.wrongReplies, ['s1']);
    assert.equal(wrong.valid, false);
  });

  it('on any history: lost are exactly the acked ids never delivered, unexpected exactly the unrequested or refused delivered ids', () => {
    const id = fc.constantFrom<string>('x1', 'x2', 'x3', 'x4', 'x5', 'x6');
    fc.assert(
      fc.property(
        fc.array(fc.record({ id, kind: fc.constantFrom('async' as const, 'sync' as const, 'sqs' as const), outcome: fc.constantFrom('ok' as const, 'fail' as const, 'info' as const) })),
        fc.array(id),
        (reqs, dels) => {
          const withReply = reqs.map((r) => ({ ...r, reply: r.id }));
          const r = check(withReply, d(...dels));
          const final = new Map<string, RequestRecord>();
          for (const q of withReply) if (final.get(q.id)?.outcome !== 'ok') final.set(q.id, q);
          const delivered = new Set(dels);
          assert.deepEqual(r.lost, [...final.values()].filter((q) => q.outcome === 'ok' && !delivered.has(q.id)).map((q) => q.id).sort());
          assert.deepEqual(r.unexpected, [...delivered].filter((x) => !final.has(x) || final.get(x)!.outcome === 'fail').sort());
          for (const x of r.lost) assert.ok(!r.unexpected.includes(x));
        },
      ),
    );
  });
});

describe('parseJsonl', () => {
  it('drops a torn last line, skips blanks, refuses a bad line in the middle', () => {
    assert.deepEqual(parseJsonl('{"id":"a"}\n\n{"id":"b"}\n{"id":"c'), [{ id: 'a' }, { id: 'b' }]);
    assert.throws(() => parseJsonl('{"id":"a"}\n{oops\n{"id":"b"}\n'), /line 2/);
  });
});
