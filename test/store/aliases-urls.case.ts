/**
 * The shared store suite, part three: aliases and function URL configs. Run by store.case.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { A, A2, B, alias, fn, open, scribble, url, type NewStore } from './fixtures.js';

export function aliasAndUrlCases(newStore: NewStore): void {
  describe('aliases', () => {
    it('insert adds an alias once; get reads it back whole', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      const live = alias(A, 'f', 'live', { description: 'prod', weights: { '2': 0.25 } });
      assert.equal(await store.aliases.insert(live), true);
      assert.deepEqual(await store.aliases.get(A, 'f', 'live'), live);
      assert.equal(await store.aliases.insert(alias(A, 'f', 'live', { functionVersion: '7' })), false);
      assert.equal((await store.aliases.get(A, 'f', 'live'))?.functionVersion, '1');
      assert.equal(await store.aliases.get(A, 'f', 'other'), undefined);
    });

    it('put replaces an alias (or adds it); delete says whether there was one', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      await store.aliases.insert(alias(A, 'f', 'live', { weights: { '2': 0.5 } }));
      const next = alias(A, 'f', 'live', { functionVersion: '3', revisionId: 'r2' });
      await store.aliases.put(next);
      assert.deepEqual(await store.aliases.get(A, 'f', 'live'), next);
      await store.aliases.put(alias(A, 'f', 'beta'));
      assert.equal((await store.aliases.get(A, 'f', 'beta'))?.name, 'beta');
      assert.equal(await store.aliases.delete(A, 'f', 'live'), true);
      assert.equal(await store.aliases.delete(A, 'f', 'live'), false);
      assert.equal(await store.aliases.get(A, 'f', 'live'), undefined);
    });

    it('list is in name order, paged after a name (exclusive), for one function of one scope', async (t) => {
      const store = open(t, newStore);
      for (const [scope, name] of [[A, 'f'], [A, 'g'], [A2, 'f'], [B, 'f']] as const) await store.insertFunction(fn(scope, name));
      for (const name of ['prod', 'beta', 'Canary', 'alpha', 'dev']) await store.aliases.insert(alias(A, 'f', name));
      await store.aliases.insert(alias(A, 'g', 'aaa'));
      await store.aliases.insert(alias(A2, 'f', 'aaa'));
      await store.aliases.insert(alias(B, 'f', 'aaa'));
      const names = async (after: string | undefined, limit: number): Promise<string[]> => (await store.aliases.list(A, 'f', after, limit)).map((a) => a.name);
      assert.deepEqual(await names(undefined, 50), ['Canary', 'alpha', 'beta', 'dev', 'prod']);
      assert.deepEqual(await names(undefined, 2), ['Canary', 'alpha']);
      assert.deepEqual(await names('alpha', 2), ['beta', 'dev']);
      assert.deepEqual(await names('c', 50), ['dev', 'prod']);
      assert.deepEqual(await names('prod', 50), []);
      assert.deepEqual(await names(undefined, 0), []);
      assert.deepEqual((await store.aliases.list(A2, 'f', undefined, 50)).map((a) => `${a.region}:${a.name}`), ['eu-west-1:aaa']);
      assert.deepEqual((await store.aliases.list(B, 'f', undefined, 50)).map((a) => `${a.accountId}:${a.name}`), ['222222222222:aaa']);
      assert.deepEqual(await store.aliases.list(A, 'nope', undefined, 50), []);
    });

    it('referencing finds the aliases that route to a version, as primary or weighted', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      await store.insertFunction(fn(A2, 'f'));
      await store.aliases.insert(alias(A, 'f', 'live', { functionVersion: '1' }));
      await store.aliases.insert(alias(A, 'f', 'canary', { functionVersion: '2', weights: { '1': 0.1 } }));
      await store.aliases.insert(alias(A, 'f', 'next', { functionVersion: '3' }));
      await store.aliases.insert(alias(A2, 'f', 'elsewhere', { functionVersion: '1' }));
      const names = async (version: string): Promise<string[]> => (await store.aliases.referencing(A, 'f', version)).map((a) => a.name).sort();
      assert.deepEqual(await names('1'), ['canary', 'live']);
      assert.deepEqual(await names('2'), ['canary']);
      assert.deepEqual(await names('4'), []);
      assert.deepEqual((await store.aliases.referencing(A2, 'f', '1')).map((a) => a.name), ['elsewhere']);
    });

    it('an alias of a function that does not exist is refused', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      await assert.rejects(async () => await store.aliases.insert(alias(A, 'ghost', 'live')));
      await assert.rejects(async () => await store.aliases.put(alias(A2, 'f', 'live')), 'f exists in another region only');
      assert.equal(await store.aliases.get(A, 'ghost', 'live'), undefined);
      assert.equal(await store.aliases.get(A2, 'f', 'live'), undefined);
    });

    it('aliases go in and come out as copies', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      const given = alias(A, 'f', 'live', { weights: { '2': 0.5 } });
      await store.aliases.insert(given);
      given.weights['3'] = 0.1;
      for (const a of [(await store.aliases.get(A, 'f', 'live'))!, ...await store.aliases.list(A, 'f', undefined, 9), ...await store.aliases.referencing(A, 'f', '1')]) {
        scribble(a.weights, () => (a.weights['9'] = 1));
        scribble(a, () => (a.functionVersion = '9'));
      }
      assert.deepEqual(await store.aliases.get(A, 'f', 'live'), alias(A, 'f', 'live', { weights: { '2': 0.5 } }));
    });
  });

  describe('function URL configs', () => {
    it('insert adds one config per function and qualifier; get and byUrlId read it back', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      const plain = url(A, 'f', '', 'u1', { cors: { AllowOrigins: ['*'], MaxAge: 60 } });
      assert.equal(await store.urls.insert(plain), true);
      assert.equal(await store.urls.insert(url(A, 'f', 'live', 'u2')), true, 'an alias has its own');
      assert.equal(await store.urls.insert(url(A, 'f', '', 'u3')), false, 'the unqualified function has one already');
      assert.deepEqual(await store.urls.get(A, 'f', ''), plain);
      assert.deepEqual(await store.urls.byUrlId(plain.urlId), plain);
      assert.equal((await store.urls.get(A, 'f', 'live'))?.cors, undefined);
      assert.equal(await store.urls.byUrlId(url(A, 'f', '', 'u3').urlId), undefined);
      assert.equal(await store.urls.get(A, 'f', 'other'), undefined);
    });

    it('a URL id names one config: inserting a second config with it is refused', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      await store.insertFunction(fn(B, 'g'));
      assert.equal(await store.urls.insert(url(A, 'f', '', 'same')), true);
      assert.equal(await store.urls.insert(url(B, 'g', '', 'same')), false);
      assert.equal(await store.urls.get(B, 'g', ''), undefined);
      assert.equal((await store.urls.byUrlId(url(A, 'f', '', 'same').urlId))?.functionName, 'f');
    });

    it('a put that would take another config\'s URL id is refused, and both configs stay', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      await store.insertFunction(fn(A, 'g'));
      await store.urls.insert(url(A, 'f', '', 'one'));
      await store.urls.insert(url(A, 'g', '', 'two'));
      await assert.rejects(async () => await store.urls.put(url(A, 'g', '', 'one')));
      assert.equal((await store.urls.get(A, 'f', ''))?.urlId, url(A, 'f', '', 'one').urlId);
      assert.equal((await store.urls.get(A, 'g', ''))?.urlId, url(A, 'g', '', 'two').urlId);
    });

    it('a record missing a required member is refused, never reported as already there', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      await assert.rejects(async () => await store.aliases.insert({ ...alias(A, 'f', 'live'), functionVersion: null } as never));
      await assert.rejects(async () => await store.urls.insert({ ...url(A, 'f', '', 'u1'), authType: null } as never));
      assert.equal(await store.aliases.get(A, 'f', 'live'), undefined);
    });

    it('byUrlId finds a config in any scope; get and list stay in theirs', async (t) => {
      const store = open(t, newStore);
      for (const scope of [A, A2, B]) await store.insertFunction(fn(scope, 'f'));
      await store.urls.insert(url(A, 'f', '', 'a'));
      await store.urls.insert(url(A2, 'f', '', 'b'));
      await store.urls.insert(url(B, 'f', '', 'c'));
      assert.deepEqual(await store.urls.byUrlId(url(B, 'f', '', 'c').urlId), url(B, 'f', '', 'c'));
      assert.equal((await store.urls.byUrlId(url(A2, 'f', '', 'b').urlId))?.region, A2.region);
      assert.equal((await store.urls.get(A2, 'f', ''))?.urlId, url(A2, 'f', '', 'b').urlId);
      assert.deepEqual((await store.urls.list(B, 'f')).map((u) => u.accountId), [B.accountId]);
    });

    it('put replaces a config: a changed member, CORS taken away', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      await store.urls.insert(url(A, 'f', '', 'u1', { cors: { AllowMethods: ['GET'] } }));
      const next = url(A, 'f', '', 'u1', { authType: 'AWS_IAM', invokeMode: 'RESPONSE_STREAM', cors: undefined, modifiedAt: 2 });
      await store.urls.put(next);
      assert.deepEqual(await store.urls.get(A, 'f', ''), next);
      assert.deepEqual(await store.urls.byUrlId(next.urlId), next);
    });

    it('list is in qualifier order; delete says whether there was a config', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      await store.insertFunction(fn(A, 'g'));
      await store.urls.insert(url(A, 'f', 'prod', 'u1'));
      await store.urls.insert(url(A, 'f', '', 'u2'));
      await store.urls.insert(url(A, 'f', 'beta', 'u3'));
      await store.urls.insert(url(A, 'g', '', 'u4'));
      assert.deepEqual((await store.urls.list(A, 'f')).map((u) => u.qualifier), ['', 'beta', 'prod']);
      assert.equal(await store.urls.delete(A, 'f', 'beta'), true);
      assert.equal(await store.urls.delete(A, 'f', 'beta'), false);
      assert.equal(await store.urls.byUrlId(url(A, 'f', 'beta', 'u3').urlId), undefined);
      assert.deepEqual((await store.urls.list(A, 'f')).map((u) => u.qualifier), ['', 'prod']);
      assert.deepEqual(await store.urls.list(A, 'nope'), []);
    });

    it('a config of a function that does not exist is refused', async (t) => {
      const store = open(t, newStore);
      await assert.rejects(async () => await store.urls.insert(url(A, 'ghost', '', 'u1')));
      await assert.rejects(async () => await store.urls.put(url(A, 'ghost', '', 'u1')));
      assert.equal(await store.urls.byUrlId(url(A, 'ghost', '', 'u1').urlId), undefined);
    });

    it('configs go in and come out as copies', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      const given = url(A, 'f', '', 'u1', { cors: { AllowOrigins: ['https://a.example'] } });
      await store.urls.insert(given);
      given.cors!.AllowOrigins!.push('https://b.example');
      for (const u of [(await store.urls.get(A, 'f', ''))!, (await store.urls.byUrlId(given.urlId))!, ...await store.urls.list(A, 'f')]) {
        scribble(u.cors!, () => (u.cors!.MaxAge = 5));
        scribble(u, () => (u.authType = 'AWS_IAM'));
      }
      assert.deepEqual(await store.urls.get(A, 'f', ''), url(A, 'f', '', 'u1', { cors: { AllowOrigins: ['https://a.example'] } }));
    });
  });
}
