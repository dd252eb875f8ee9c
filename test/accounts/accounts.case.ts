/**
 * The account store suite, written against the AccountStore contract (src/accounts/store.ts) and
 * run against each implementation (sqlite.test.ts, postgres.test.ts): accounts, keys and their
 * lifecycle, secrets sealed at rest, the audit log, and two handles on one database (the CLI and a
 * server, or two cluster nodes) seeing each other's changes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditEntry } from '../../src/auth/principal.js';
import { DEFAULT_ACCOUNT } from '../../src/auth/principal.js';
import type { AccountStore } from '../../src/accounts/store.js';
import { runRoleSuite } from './roles.case.js';

export interface AccountDb {
  /** A new handle on this database (another process, another node), its secrets sealed with the shared keyring. */
  open(): Promise<AccountStore>;
  /** What the database holds for a key's secret and the box it names, read around the store. */
  raw(accessKeyId: string): Promise<{ secret: Buffer | null; box: string }>;
  /** Writes a key row as stores did before secrets were sealed (box `plain`). */
  insertPlain(accessKeyId: string, accountId: string, secret: string): Promise<void>;
  /**
   * Waits until a change made through another handle must be visible, to `activeKey` and to
   * `cachedKey` (the store's documented staleness bound, and a little more).
   */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export type NewAccountDb = () => Promise<AccountDb>;

const entry = (i: number, accountId: string): AuditEntry => ({
  time: 1_700_000_000_000 + i,
  requestId: `req-${i}`,
  accountId,
  accessKeyId: 'NKIAEXAMPLEEXAMPLE00',
  principal: `arn:aws:iam::${accountId}:user/admin`,
  sourceIp: '127.0.0.1',
  action: 'lambda:ListFunctions',
  resource: '*',
  status: i % 2 ? 200 : 403,
  error: i % 2 ? '' : 'AccessDeniedException',
});

export function runAccountSuite(name: string, newDb: NewAccountDb): void {
  describe(`account store contract: ${name}`, () => {
    async function fresh(t: { after: (fn: () => Promise<void>) => void }): Promise<{ db: AccountDb; s: AccountStore }> {
      const db = await newDb();
      const s = await db.open();
      t.after(async () => {
        await s.close();
        await db.close();
      });
      return { db, s };
    }

    runRoleSuite(fresh);

    test('the default account exists and cannot be removed; names and ids are checked', async (t) => {
      const { s } = await fresh(t);
      assert.deepEqual((await s.listAccounts()).map((a) => [a.accountId, a.name]), [[DEFAULT_ACCOUNT, 'default']]);
      assert.equal(await s.accountExists(DEFAULT_ACCOUNT), true);
      await assert.rejects(s.removeAccount('default'), /default account cannot be removed/);
      await assert.rejects(s.createAccount('bad name'), /must be 1-64/);
      await assert.rejects(s.createAccount('123456789012'), /not 12 digits/);
      await assert.rejects(s.createAccount('team', '12'), /must be 12 digits/);
      const a = await s.createAccount('team-a', '111111111111');
      assert.deepEqual([a.accountId, a.name, a.status], ['111111111111', 'team-a', 'Active']);
      await assert.rejects(s.createAccount('team-a'), /an account named 'team-a' exists/);
      await assert.rejects(s.createAccount('team-z', '111111111111'), /account 111111111111 exists/);
      const b = await s.createAccount('team-b');
      assert.match(b.accountId, /^\d{12}$/);
      assert.equal((await s.account('team-b'))?.accountId, b.accountId);
      assert.equal((await s.account(b.accountId))?.name, 'team-b');
      assert.equal(await s.account('nobody'), undefined);
      assert.deepEqual((await s.listAccounts()).map((x) => x.name).sort(), ['default', 'team-a', 'team-b']);
    });

    test('a key opens with its secret, is listed without it, rotates and revokes', async (t) => {
      const { s } = await fresh(t);
      await s.createAccount('team', '222222222222');
      const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'lambda:InvokeFunction', Resource: '*' }] });
      const k = await s.createKey('team', { name: 'deployer', policy });
      assert.match(k.accessKeyId, /^NKIA[A-Z2-7]{16}$/);
      assert.equal(k.accountId, '222222222222');
      const active = await s.activeKey(k.accessKeyId);
      assert.equal(active?.secret, k.secretAccessKey);
      assert.equal(active?.name, 'deployer');
      assert.ok(active?.policy, 'the policy comes with the key');
      const listed = await s.listKeys('team');
      assert.deepEqual(listed.map((x) => [x.accessKeyId, x.name, x.status, x.policy]), [[k.accessKeyId, 'deployer', 'Active', policy]]);
      assert.ok(!JSON.stringify(await s.listKeys()).includes(k.secretAccessKey), 'secrets are never listed');
      await assert.rejects(s.createKey('team', { name: 'no spaces' }), /key name/);
      await assert.rejects(s.createKey('team', { policy: '{"not":"a policy"}' }));
      await assert.rejects(s.createKey('nobody'), /no account 'nobody'/);

      const r = await s.rotateKey(k.accessKeyId);
      assert.notEqual(r.accessKeyId, k.accessKeyId);
      assert.deepEqual([r.accountId, r.name, r.policy], ['222222222222', 'deployer', policy]);
      assert.equal(await s.activeKey(k.accessKeyId), undefined, 'the rotated key is revoked');
      assert.equal((await s.activeKey(r.accessKeyId))?.secret, r.secretAccessKey);
      await s.revokeKey(r.accessKeyId);
      assert.equal(await s.activeKey(r.accessKeyId), undefined);
      await assert.rejects(s.revokeKey(r.accessKeyId), /no active key/);
      await assert.rejects(s.rotateKey('NKIAAAAAAAAAAAAAAAAA'), /no active key/);
      assert.deepEqual((await s.listKeys('team')).map((x) => x.status), ['Revoked', 'Revoked']);
    });

    test('removing an account revokes its keys; its name can be used again, its id never', async (t) => {
      const { s } = await fresh(t);
      const a = await s.createAccount('gone');
      const k = await s.createKey('gone');
      await s.removeAccount('gone');
      assert.equal(await s.activeKey(k.accessKeyId), undefined);
      assert.equal(await s.accountExists(a.accountId), false);
      assert.equal((await s.account(a.accountId))?.status, 'Removed');
      await assert.rejects(s.createKey(a.accountId), /no account/);
      await assert.rejects(s.removeAccount('gone'), /no account/);
      const again = await s.createAccount('gone');
      assert.notEqual(again.accountId, a.accountId);
      await assert.rejects(s.createAccount('other', a.accountId), /exists/);
    });

    test('secrets are sealed at rest; keys written before sealing still open', async (t) => {
      const { db, s } = await fresh(t);
      const k = await s.createKey('default');
      const raw = await db.raw(k.accessKeyId);
      assert.notEqual(raw.box, 'plain');
      assert.ok(raw.secret && !raw.secret.toString('latin1').includes(k.secretAccessKey), 'the secret is not in the clear');
      await db.insertPlain('NKIAPLAINPLAINPLAIN2', DEFAULT_ACCOUNT, 'old-plain-secret');
      assert.equal((await s.activeKey('NKIAPLAINPLAINPLAIN2'))?.secret, 'old-plain-secret');
      await s.revokeKey(k.accessKeyId);
      assert.equal((await db.raw(k.accessKeyId)).secret, null, 'a revoked key loses its secret');
    });

    test('the audit log keeps entries in order, newest n, per account', async (t) => {
      const { s } = await fresh(t);
      for (let i = 0; i < 6; i++) await s.record(entry(i, i < 4 ? DEFAULT_ACCOUNT : '333333333333'));
      const all = await s.audit();
      assert.deepEqual(all.map((e) => e.requestId), ['req-0', 'req-1', 'req-2', 'req-3', 'req-4', 'req-5']);
      assert.deepEqual(all[0], entry(0, DEFAULT_ACCOUNT));
      assert.deepEqual((await s.audit({ limit: 2 })).map((e) => e.requestId), ['req-4', 'req-5']);
      assert.deepEqual((await s.audit({ accountId: '333333333333' })).map((e) => e.requestId), ['req-4', 'req-5']);
      assert.deepEqual((await s.audit({ accountId: DEFAULT_ACCOUNT, limit: 1 })).map((e) => e.requestId), ['req-3']);
    });

    test('two handles on one database: keys, accounts and revocations made through one count at the other', async (t) => {
      const { db, s } = await fresh(t);
      const other = await db.open();
      t.after(async () => await other.close());
      const k = await other.createKey('default', { name: 'cli' });
      assert.equal((await s.activeKey(k.accessKeyId))?.secret, k.secretAccessKey, 'a new key counts at once');
      const acct = await other.createAccount('late');
      assert.equal(await s.accountExists(acct.accountId), true);
      await other.revokeKey(k.accessKeyId);
      await other.removeAccount('late');
      await db.settle();
      assert.equal(await s.activeKey(k.accessKeyId), undefined, 'a revocation counts');
      assert.equal(await s.accountExists(acct.accountId), false);
      await other.record(entry(9, DEFAULT_ACCOUNT));
      assert.deepEqual((await s.audit()).map((e) => e.requestId), ['req-9']);
    });

    test("a key warm in one handle's memory is dropped there when another handle revokes or rotates it, or removes its account", async (t) => {
      const { db, s } = await fresh(t);
      const other = await db.open();
      t.after(async () => await other.close());
      const acct = await other.createAccount('warm');
      const [revoked, rotated, removed] = [await other.createKey('default'), await other.createKey('default'), await other.createKey('warm')];
      // Warm: looked up until the store answers from memory (a PostgreSQL store first has to listen).
      const warm = async (id: string): Promise<void> => {
        for (let i = 0; i < 200 && s.cachedKey?.(id) === undefined; i++) {
          assert.ok(await s.activeKey(id));
          await new Promise((r) => setTimeout(r, 50));
        }
        assert.equal(s.cachedKey?.(id)?.accessKeyId, id, 'the key is served from memory');
      };
      for (const k of [revoked, rotated, removed]) await warm(k.accessKeyId);
      await other.revokeKey(revoked.accessKeyId);
      const fresh2 = await other.rotateKey(rotated.accessKeyId);
      await other.removeAccount(acct.accountId);
      await db.settle();
      for (const k of [revoked, rotated, removed]) {
        assert.equal(s.cachedKey?.(k.accessKeyId), undefined, `${k.accessKeyId} is no longer served from memory`);
        assert.equal(await s.activeKey(k.accessKeyId), undefined);
      }
      assert.equal((await s.activeKey(fresh2.accessKeyId))?.secret, fresh2.secretAccessKey);
      // Through the handle itself: at once.
      await warm(fresh2.accessKeyId);
      await s.revokeKey(fresh2.accessKeyId);
      assert.equal(s.cachedKey?.(fresh2.accessKeyId), undefined);
      assert.equal(await s.activeKey(fresh2.accessKeyId), undefined);
    });

    test('what is stored survives closing and reopening', async (t) => {
      const { db, s } = await fresh(t);
      const k = await s.createKey('default');
      await s.createAccount('kept', '444444444444');
      await s.record(entry(1, DEFAULT_ACCOUNT));
      await s.close();
      const again = await db.open();
      t.after(async () => await again.close());
      assert.equal((await again.activeKey(k.accessKeyId))?.secret, k.secretAccessKey);
      assert.equal((await again.account('kept'))?.accountId, '444444444444');
      assert.equal((await again.audit()).length, 1);
    });
  });
}
