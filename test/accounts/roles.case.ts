/**
 * The role half of the account store contract (src/auth/roles.ts), run against SQLite and
 * PostgreSQL by accounts.case.ts: roles per account, inline and attached policies, IAM's refusals,
 * the policies authentication reads, and a change made through another handle (the CLI, another
 * node) seen within the store's bound.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoleError } from '../../src/auth/roles.js';
import type { AccountDb } from './accounts.case.js';
import type { AccountStore } from '../../src/accounts/store.js';

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
const SEND_A = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: 'arn:aws:sqs:us-east-1:000000000000:a' }] });
const A = '000000000000';

const code = (c: string) => (e: unknown): boolean => e instanceof RoleError && e.code === c;

export function runRoleSuite(fresh: (t: { after: (fn: () => Promise<void>) => void }) => Promise<{ db: AccountDb; s: AccountStore }>): void {
  test('roles: create, get, list, delete, with IAM refusals', async (t) => {
    const { s } = await fresh(t);
    const r = await s.createRole(A, { name: 'Worker', path: '/app/', trustPolicy: TRUST, description: 'd' });
    assert.match(r.roleId, /^AROA[A-Z2-7]{17}$/);
    assert.equal(r.arn, 'arn:aws:iam::000000000000:role/app/Worker');
    assert.equal(r.maxSessionDuration, 3600);
    assert.deepEqual(await s.getRole(A, 'Worker'), r);
    assert.deepEqual(await s.getRole(A, 'worker'), r, 'role names are case-insensitive');
    await assert.rejects(s.createRole(A, { name: 'WORKER', trustPolicy: TRUST }), code('EntityAlreadyExists'));
    await assert.rejects(s.createRole(A, { name: 'bad name', trustPolicy: TRUST }), code('ValidationError'));
    await assert.rejects(s.createRole(A, { name: 'x', trustPolicy: '{nope' }), code('MalformedPolicyDocument'));
    const other = (await s.createAccount('other')).accountId;
    assert.equal(await s.getRole(other, 'Worker'), undefined, 'roles are per account');
    await s.createRole(other, { name: 'Worker', trustPolicy: TRUST });
    assert.deepEqual((await s.listRoles(A)).map((x) => x.name), ['Worker']);
    await s.deleteRole(A, 'Worker');
    await assert.rejects(s.deleteRole(A, 'Worker'), code('NoSuchEntity'));
    assert.deepEqual((await s.listRoles(other)).map((x) => x.name), ['Worker']);
  });

  test('roles: inline and attached policies; deleting a role with policies is a DeleteConflict', async (t) => {
    const { s } = await fresh(t);
    await s.createRole(A, { name: 'fn', trustPolicy: TRUST });
    assert.equal(await s.rolePolicies(A, 'fn').then((p) => p?.length), 0);
    assert.equal(await s.rolePolicies(A, 'missing'), null);
    await s.putRolePolicy(A, 'fn', 'send', SEND_A);
    await assert.rejects(s.putRolePolicy(A, 'fn', 'bad', '{"Statement":[{"Effect":"Maybe","Action":"*","Resource":"*"}]}'), code('MalformedPolicyDocument'));
    await assert.rejects(s.putRolePolicy(A, 'nope', 'send', SEND_A), code('NoSuchEntity'));
    assert.equal(await s.getRolePolicy(A, 'fn', 'send'), SEND_A);
    assert.equal(await s.getRolePolicy(A, 'fn', 'other'), undefined);
    assert.deepEqual(await s.listRolePolicies(A, 'fn'), ['send']);
    await s.attachRolePolicy(A, 'fn', 'arn:aws:iam::aws:policy/AmazonSNSFullAccess');
    await s.attachRolePolicy(A, 'fn', 'arn:aws:iam::aws:policy/AmazonSNSFullAccess');
    await assert.rejects(s.attachRolePolicy(A, 'fn', 'arn:aws:iam::aws:policy/NoSuchPolicy'), code('NoSuchEntity'));
    assert.deepEqual(await s.listAttachedRolePolicies(A, 'fn'), ['arn:aws:iam::aws:policy/AmazonSNSFullAccess']);
    const docs = await s.rolePolicies(A, 'fn');
    assert.equal(docs?.length, 2);
    await assert.rejects(s.deleteRole(A, 'fn'), (e) => code('DeleteConflict')(e) && /delete policies first/.test((e as Error).message));
    await s.deleteRolePolicy(A, 'fn', 'send');
    await assert.rejects(s.deleteRolePolicy(A, 'fn', 'send'), code('NoSuchEntity'));
    await assert.rejects(s.deleteRole(A, 'fn'), (e) => code('DeleteConflict')(e) && /detach all policies first/.test((e as Error).message));
    await s.detachRolePolicy(A, 'fn', 'arn:aws:iam::aws:policy/AmazonSNSFullAccess');
    await assert.rejects(s.detachRolePolicy(A, 'fn', 'arn:aws:iam::aws:policy/AmazonSNSFullAccess'), code('NoSuchEntity'));
    await s.deleteRole(A, 'fn');
    assert.deepEqual(await s.rolePolicies(A, 'fn'), [], 'a deleted role grants nothing (it does not fall back to the administrator)');
    await s.createRole(A, { name: 'fn', trustPolicy: TRUST });
    await s.putRolePolicy(A, 'fn', 'send', SEND_A);
    assert.equal((await s.rolePolicies(A, 'fn'))?.length, 1, 'created again, it has its new policies');
  });

  test("roles: another handle's change reaches the cached policies within the store's bound", async (t) => {
    const { db, s } = await fresh(t);
    const other = await db.open();
    t.after(async () => await other.close());
    await s.createRole(A, { name: 'fn', trustPolicy: TRUST });
    assert.deepEqual(await s.rolePolicies(A, 'fn'), []);
    // Warm: the store may now answer from memory (PostgreSQL's only once its listener is current).
    await db.settle();
    assert.deepEqual(await s.rolePolicies(A, 'fn'), []);
    assert.ok([undefined, 0].includes(s.cachedRolePolicies?.(A, 'fn')?.length), 'no policies, cached or not');
    await other.putRolePolicy(A, 'fn', 'send', SEND_A);
    await db.settle();
    const cached = s.cachedRolePolicies?.(A, 'fn');
    assert.ok(cached === undefined || cached?.length === 1, 'the cache no longer answers with the old policies');
    assert.equal((await s.rolePolicies(A, 'fn'))?.length, 1);
    await other.deleteRolePolicy(A, 'fn', 'send');
    await other.deleteRole(A, 'fn');
    await db.settle();
    assert.deepEqual(await s.rolePolicies(A, 'fn'), []);
    assert.equal(await s.rolePolicies(A, 'never'), null);
  });
}
