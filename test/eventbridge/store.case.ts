/**
 * The EventBridge store's contract, run on one node's SQLite file (store-sqlite.test.ts) and on a
 * cluster's PostgreSQL (store-postgres.test.ts): buses once each, rules and targets by scope and
 * bus, in order, replaced in place, and a bus deleted with its rules and targets.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { EventBridgeStoreApi, RuleRecord, TargetRecord } from '../../src/eventbridge/store.js';

const A = { accountId: '111111111111', region: 'us-east-1' };
const B = { accountId: '222222222222', region: 'us-east-1' };

const ruleOf = (bus: string, name: string, over: Partial<RuleRecord> = {}): RuleRecord => ({
  ...A,
  bus,
  name,
  eventPattern: '{"source":["app"]}',
  scheduleExpression: undefined,
  state: 'ENABLED',
  description: undefined,
  roleArn: undefined,
  createdAt: 5,
  ...over,
});
const targetOf = (bus: string, rule: string, id: string): TargetRecord => ({ ...A, bus, rule, id, arn: `arn:aws:sqs:us-east-1:111111111111:${id}`, input: undefined });

export function runEventBridgeStoreSuite(name: string, open: (t: TestContext) => Promise<EventBridgeStoreApi>): void {
  test(`${name}: buses, rules and targets round-trip, scoped, ordered, replaced and deleted with their bus`, async (t) => {
    const s = await open(t);
    assert.equal(await s.insertBus({ ...A, name: 'orders', description: 'd', createdAt: 7 }), true);
    assert.equal(await s.insertBus({ ...A, name: 'orders', description: 'again', createdAt: 8 }), false, 'a bus is created once');
    await s.insertBus({ ...A, name: 'audit', description: undefined, createdAt: 9 });
    await s.insertBus({ ...B, name: 'theirs', description: undefined, createdAt: 9 });
    assert.deepEqual(await s.bus(A, 'orders'), { ...A, name: 'orders', description: 'd', createdAt: 7 });
    assert.deepEqual((await s.buses(A)).map((b) => b.name), ['audit', 'orders']);

    await s.putRule(ruleOf('orders', 'zeta'));
    await s.putRule(ruleOf('orders', 'alpha', { scheduleExpression: 'rate(1 minute)', eventPattern: undefined, roleArn: 'arn:aws:iam::111111111111:role/r' }));
    await s.putRule(ruleOf('default', 'other'));
    assert.deepEqual(await s.rule(A, 'orders', 'alpha'), ruleOf('orders', 'alpha', { scheduleExpression: 'rate(1 minute)', eventPattern: undefined, roleArn: 'arn:aws:iam::111111111111:role/r' }));
    assert.deepEqual((await s.rules(A, 'orders')).map((r) => r.name), ['alpha', 'zeta']);
    assert.equal((await s.allRules()).length, 3);
    await s.putRule(ruleOf('orders', 'zeta', { state: 'DISABLED' }));
    assert.equal((await s.rule(A, 'orders', 'zeta'))?.state, 'DISABLED');

    await s.putTargets([targetOf('orders', 'zeta', 't2'), targetOf('orders', 'zeta', 't1')]);
    await s.putTargets([{ ...targetOf('orders', 'zeta', 't2'), input: '{"Input":"{}"}' }]);
    assert.deepEqual((await s.targets(A, 'orders', 'zeta')).map((x) => [x.id, x.input]), [['t1', undefined], ['t2', '{"Input":"{}"}']]);
    await s.deleteTargets(A, 'orders', 'zeta', ['t1']);
    assert.deepEqual((await s.targets(A, 'orders', 'zeta')).map((x) => x.id), ['t2']);
    assert.equal(await s.deleteRule(A, 'default', 'other'), true);
    assert.equal(await s.deleteRule(A, 'default', 'other'), false);

    await s.deleteBus(A, 'orders');
    assert.equal(await s.bus(A, 'orders'), undefined);
    assert.deepEqual(await s.rules(A, 'orders'), [], 'rules go with their bus');
    assert.deepEqual(await s.targets(A, 'orders', 'zeta'), [], 'targets go with their bus');
    assert.deepEqual((await s.buses(B)).map((b) => b.name), ['theirs']);
  });
}
