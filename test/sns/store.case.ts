/**
 * The SNS store's contract, run on one node's SQLite file (store-sqlite.test.ts) and on a
 * cluster's PostgreSQL (store-postgres.test.ts): topics and subscriptions by ARN and by scope, in
 * order, replaced in place, and a topic deleted with its subscriptions.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { SnsStoreApi, SubscriptionRecord, TopicRecord } from '../../src/sns/store.js';

const A = { accountId: '111111111111', region: 'us-east-1' };
const B = { accountId: '222222222222', region: 'us-east-1' };

const topic = (scope: typeof A, name: string, createdAt: number): TopicRecord => ({ ...scope, arn: `arn:aws:sns:${scope.region}:${scope.accountId}:${name}`, name, attributes: { DisplayName: name }, tags: { t: '1' }, createdAt });
const subOf = (t: TopicRecord, id: string, createdAt: number): SubscriptionRecord => ({
  accountId: t.accountId,
  region: t.region,
  arn: `${t.arn}:${id}`,
  topicArn: t.arn,
  protocol: 'sqs',
  endpoint: `arn:aws:sqs:us-east-1:${t.accountId}:${id}`,
  attributes: { RawMessageDelivery: 'true' },
  createdAt,
});

export function runSnsStoreSuite(name: string, open: (t: TestContext) => Promise<SnsStoreApi>): void {
  test(`${name}: topics and subscriptions round-trip, scoped, ordered, replaced and deleted together`, async (t) => {
    const s = await open(t);
    const beta = topic(A, 'beta', 2);
    const alpha = topic(A, 'alpha', 3);
    await s.putTopic(beta);
    await s.putTopic(alpha);
    await s.putTopic(topic(B, 'other', 1));
    assert.deepEqual(await s.topic(alpha.arn), alpha);
    assert.equal(await s.topic('arn:aws:sns:us-east-1:111111111111:none'), undefined);
    assert.deepEqual((await s.topics(A)).map((x) => x.name), ['alpha', 'beta']);
    await s.putTopic({ ...alpha, attributes: { DisplayName: 'changed' } });
    assert.equal((await s.topic(alpha.arn))?.attributes['DisplayName'], 'changed');

    const s2 = subOf(alpha, 'second', 20);
    const s1 = subOf(alpha, 'first', 10);
    const sb = subOf(beta, 'onbeta', 15);
    for (const x of [s2, s1, sb]) await s.putSubscription(x);
    assert.deepEqual(await s.subscription(s1.arn), s1);
    assert.deepEqual((await s.subscriptionsOf(alpha.arn)).map((x) => x.arn), [s1.arn, s2.arn]);
    assert.deepEqual((await s.subscriptions(A)).map((x) => x.arn), [s1.arn, sb.arn, s2.arn]);
    assert.deepEqual(await s.subscriptions(B), []);
    await s.putSubscription({ ...s1, attributes: { RawMessageDelivery: 'false' } });
    assert.equal((await s.subscription(s1.arn))?.attributes['RawMessageDelivery'], 'false');

    assert.equal(await s.deleteSubscription(s2.arn), true);
    assert.equal(await s.deleteSubscription(s2.arn), false);
    await s.deleteTopic(alpha.arn);
    assert.equal(await s.topic(alpha.arn), undefined);
    assert.equal(await s.subscription(s1.arn), undefined, 'a topic goes with its subscriptions');
    assert.deepEqual((await s.subscriptions(A)).map((x) => x.arn), [sb.arn]);
  });
}
