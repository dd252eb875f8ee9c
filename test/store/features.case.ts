/**
 * The shared store suite, part four: routes, reserved and provisioned concurrency, policy state,
 * and what deleting a function takes with it. Run by store.case.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { A, A2, B, alias, fn, open, provisioned, route, url, type NewStore } from './fixtures.js';
import type { ReservedConcurrency } from '../../src/store/records.js';

const byKey = (r: ReservedConcurrency): string => `${r.region}/${r.name}`;

export function featureCases(newStore: NewStore): void {
  describe('routes', () => {
    it('all lists every scope by account, region, stack, path, method', async (t) => {
      const store = open(t, newStore);
      await store.routes.replaceStack(B, 's', [route(B, 's', 'GET', '/a', 'f')]);
      await store.routes.replaceStack(A, 'web', [route(A, 'web', 'POST', '/items', 'f'), route(A, 'web', 'GET', '/items', 'f'), route(A, 'web', 'ANY', '$default', 'g'), route(A, 'web', 'DELETE', '/z', 'g')]);
      await store.routes.replaceStack(A, 'api', [{ ...route(A, 'api', 'GET', '/{proxy+}', 'h'), qualifier: 'live', payloadFormatVersion: '1.0' }]);
      await store.routes.replaceStack(A2, 'api', [route(A2, 'api', 'GET', '/', 'f')]);
      const keys = (await store.routes.all()).map((r) => `${r.accountId}|${r.region}|${r.stack}|${r.path}|${r.method}`);
      assert.deepEqual(keys, [
        '111111111111|eu-west-1|api|/|GET',
        '111111111111|us-east-1|api|/{proxy+}|GET',
        '111111111111|us-east-1|web|$default|ANY',
        '111111111111|us-east-1|web|/items|GET',
        '111111111111|us-east-1|web|/items|POST',
        '111111111111|us-east-1|web|/z|DELETE',
        '222222222222|us-east-1|s|/a|GET',
      ]);
      assert.deepEqual((await store.routes.all())[1], { ...route(A, 'api', 'GET', '/{proxy+}', 'h'), qualifier: 'live', payloadFormatVersion: '1.0' });
    });

    it('replaceStack replaces one stack of one scope whole, and an empty list removes it', async (t) => {
      const store = open(t, newStore);
      await store.routes.replaceStack(A, 'web', [route(A, 'web', 'GET', '/old', 'f'), route(A, 'web', 'GET', '/kept', 'f')]);
      await store.routes.replaceStack(A, 'other', [route(A, 'other', 'GET', '/x', 'f')]);
      await store.routes.replaceStack(A2, 'web', [route(A2, 'web', 'GET', '/old', 'f')]);
      await store.routes.replaceStack(A, 'web', [route(A, 'web', 'GET', '/kept', 'g'), route(A, 'web', 'PUT', '/new', 'g')]);
      const keys = async (): Promise<string[]> => (await store.routes.all()).map((r) => `${r.region}|${r.stack}|${r.method} ${r.path}->${r.functionName}`);
      assert.deepEqual(await keys(), ['eu-west-1|web|GET /old->f', 'us-east-1|other|GET /x->f', 'us-east-1|web|GET /kept->g', 'us-east-1|web|PUT /new->g']);
      await store.routes.replaceStack(A, 'web', []);
      assert.deepEqual(await keys(), ['eu-west-1|web|GET /old->f', 'us-east-1|other|GET /x->f']);
    });

    it('the same method and path twice in one stack keeps the last', async (t) => {
      const store = open(t, newStore);
      await store.routes.replaceStack(A, 'web', [route(A, 'web', 'GET', '/a', 'first'), route(A, 'web', 'GET', '/a', 'second')]);
      assert.deepEqual((await store.routes.all()).map((r) => r.functionName), ['second']);
    });

    it('routes may name a function that does not exist, and outlive one that is deleted', async (t) => {
      const store = open(t, newStore);
      await store.routes.replaceStack(A, 'web', [route(A, 'web', 'GET', '/a', 'later')]);
      await store.insertFunction(fn(A, 'f'));
      await store.routes.replaceStack(A, 'api', [route(A, 'api', 'GET', '/b', 'f')]);
      await store.deleteFunction(A, 'f');
      assert.deepEqual((await store.routes.all()).map((r) => r.functionName), ['f', 'later']);
    });

    it('routes come out as copies', async (t) => {
      const store = open(t, newStore);
      const given = route(A, 'web', 'GET', '/a', 'f');
      await store.routes.replaceStack(A, 'web', [given]);
      given.functionName = 'changed';
      const [r] = await store.routes.all();
      r!.path = '/changed';
      assert.deepEqual(await store.routes.all(), [route(A, 'web', 'GET', '/a', 'f')]);
    });
  });

  describe('reserved concurrency', () => {
    it('set, replace, read back and remove a reservation', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      assert.equal(await store.concurrency.get(A, 'f'), undefined);
      await store.concurrency.set(A, 'f', 10);
      assert.equal(await store.concurrency.get(A, 'f'), 10);
      await store.concurrency.set(A, 'f', 0);
      assert.equal(await store.concurrency.get(A, 'f'), 0, 'zero is a reservation (the function is throttled), not none');
      await store.concurrency.set(A, 'f', undefined);
      assert.equal(await store.concurrency.get(A, 'f'), undefined);
      await store.concurrency.set(A, 'f', undefined);
      assert.equal(await store.concurrency.get(A, 'f'), undefined, 'removing twice is fine');
    });

    it('all lists an account in every region, and no other account', async (t) => {
      const store = open(t, newStore);
      for (const [scope, name] of [[A, 'f'], [A, 'g'], [A, 'h'], [A2, 'f'], [B, 'f']] as const) await store.insertFunction(fn(scope, name));
      await store.concurrency.set(A, 'g', 2);
      await store.concurrency.set(A, 'f', 1);
      await store.concurrency.set(A2, 'f', 3);
      await store.concurrency.set(B, 'f', 4);
      assert.deepEqual((await store.concurrency.all(A.accountId)).sort((a, b) => byKey(a).localeCompare(byKey(b))), [
        { ...A2, name: 'f', reserved: 3 },
        { ...A, name: 'f', reserved: 1 },
        { ...A, name: 'g', reserved: 2 },
      ]);
      assert.deepEqual(await store.concurrency.all(B.accountId), [{ ...B, name: 'f', reserved: 4 }]);
      assert.deepEqual(await store.concurrency.all('333333333333'), []);
      assert.equal(await store.concurrency.get(A2, 'g'), undefined);
    });

    it('a reservation for a function that does not exist is refused', async (t) => {
      const store = open(t, newStore);
      await assert.rejects(async () => await store.concurrency.set(A, 'ghost', 5));
      assert.deepEqual(await store.concurrency.all(A.accountId), []);
    });
  });

  describe('provisioned concurrency', () => {
    it('put adds or replaces a config; get reads it; delete says whether there was one', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      assert.equal(await store.provisioned.get(A, 'f', '1'), undefined);
      await store.provisioned.put(provisioned(A, 'f', '1', 5));
      assert.deepEqual(await store.provisioned.get(A, 'f', '1'), provisioned(A, 'f', '1', 5));
      await store.provisioned.put({ ...provisioned(A, 'f', '1', 8), lastModified: 9 });
      assert.deepEqual(await store.provisioned.get(A, 'f', '1'), { ...provisioned(A, 'f', '1', 8), lastModified: 9 });
      assert.equal(await store.provisioned.delete(A, 'f', '1'), true);
      assert.equal(await store.provisioned.delete(A, 'f', '1'), false);
      assert.equal(await store.provisioned.get(A, 'f', '1'), undefined);
    });

    it('list is one function in qualifier order; all is an account by region, function, qualifier', async (t) => {
      const store = open(t, newStore);
      for (const [scope, name] of [[A, 'f'], [A, 'e'], [A2, 'z'], [B, 'f']] as const) await store.insertFunction(fn(scope, name));
      await store.provisioned.put(provisioned(A, 'f', 'live', 1));
      await store.provisioned.put(provisioned(A, 'f', '2', 2));
      await store.provisioned.put(provisioned(A, 'f', '10', 3));
      await store.provisioned.put(provisioned(A, 'e', '1', 4));
      await store.provisioned.put(provisioned(A2, 'z', '1', 5));
      await store.provisioned.put(provisioned(B, 'f', '1', 6));
      assert.deepEqual((await store.provisioned.list(A, 'f')).map((c) => c.qualifier), ['10', '2', 'live'], 'qualifiers are text');
      assert.deepEqual(await store.provisioned.list(A, 'nope'), []);
      assert.deepEqual(await store.provisioned.list(A2, 'f'), []);
      assert.deepEqual((await store.provisioned.all(A.accountId)).map((c) => `${c.region}/${c.functionName}:${c.qualifier}=${c.requested}`), [
        'eu-west-1/z:1=5',
        'us-east-1/e:1=4',
        'us-east-1/f:10=3',
        'us-east-1/f:2=2',
        'us-east-1/f:live=1',
      ]);
      assert.deepEqual(await store.provisioned.all(B.accountId), [provisioned(B, 'f', '1', 6)]);
    });

    it('a config for a function that does not exist is refused', async (t) => {
      const store = open(t, newStore);
      await assert.rejects(async () => await store.provisioned.put(provisioned(A, 'ghost', '1', 1)));
      assert.deepEqual(await store.provisioned.all(A.accountId), []);
    });

    it('configs go in and come out as copies', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      const given = provisioned(A, 'f', '1', 5);
      await store.provisioned.put(given);
      given.requested = 50;
      for (const c of [(await store.provisioned.get(A, 'f', '1'))!, ...await store.provisioned.list(A, 'f'), ...await store.provisioned.all(A.accountId)]) c.requested = 99;
      assert.equal((await store.provisioned.get(A, 'f', '1'))?.requested, 5);
    });
  });

  describe('policy state', () => {
    it('stores one JSON document per name, replaced by the next put, read back as a copy', async (t) => {
      const store = open(t, newStore);
      assert.equal(await store.policyState.get('histogram'), undefined);
      const state = { bins: [0, 3, 1], fns: { 'a/b/f': { idleMs: 1500 } } };
      await store.policyState.put('histogram', state, 1);
      await store.policyState.put('fixed', 42, 1);
      state.bins.push(9);
      assert.deepEqual(await store.policyState.get('histogram'), { bins: [0, 3, 1], fns: { 'a/b/f': { idleMs: 1500 } } });
      const read = (await store.policyState.get('histogram')) as { bins: number[] };
      read.bins.length = 0;
      assert.deepEqual(((await store.policyState.get('histogram')) as { bins: number[] }).bins, [0, 3, 1]);
      await store.policyState.put('histogram', { bins: [] }, 2);
      assert.deepEqual(await store.policyState.get('histogram'), { bins: [] });
      assert.equal(await store.policyState.get('fixed'), 42);
    });
  });

  describe('deleting a function', () => {
    it('takes its aliases, URL configs, reservation and provisioned configs, and no one else’s', async (t) => {
      const store = open(t, newStore);
      for (const [scope, name] of [[A, 'f'], [A, 'g'], [A2, 'f']] as const) {
        await store.insertFunction(fn(scope, name));
        await store.aliases.insert(alias(scope, name, 'live'));
        await store.urls.insert(url(scope, name, '', `${scope.region}-${name}`));
        await store.concurrency.set(scope, name, 2);
        await store.provisioned.put(provisioned(scope, name, 'live', 1));
      }
      await store.appendLogs([{ ...A, functionName: 'f', version: '$LATEST', requestId: 'r', timestamp: 1, text: 'hello\n' }]);
      await store.policyState.put('p', { keep: true }, 1);
      await store.deleteFunction(A, 'f');
      assert.equal(await store.aliases.get(A, 'f', 'live'), undefined);
      assert.deepEqual(await store.aliases.list(A, 'f', undefined, 10), []);
      assert.equal(await store.urls.get(A, 'f', ''), undefined);
      assert.equal(await store.urls.byUrlId(url(A, 'f', '', 'us-east-1-f').urlId), undefined);
      assert.equal(await store.concurrency.get(A, 'f'), undefined);
      assert.deepEqual(await store.provisioned.list(A, 'f'), []);
      // The same names elsewhere are untouched.
      for (const [scope, name] of [[A, 'g'], [A2, 'f']] as const) {
        assert.ok(await store.aliases.get(scope, name, 'live'));
        assert.ok(await store.urls.get(scope, name, ''));
        assert.equal(await store.concurrency.get(scope, name), 2);
        assert.ok(await store.provisioned.get(scope, name, 'live'));
      }
      assert.deepEqual((await store.concurrency.all(A.accountId)).map(byKey).sort(), ['eu-west-1/f', 'us-east-1/g']);
      // Logs and policy state are not the function's rows.
      assert.equal((await store.readLogs(A, 'f', 0, 10)).length, 1);
      assert.deepEqual(await store.policyState.get('p'), { keep: true });
    });

    it('a function created again under the name starts with none of them', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'f'));
      await store.aliases.insert(alias(A, 'f', 'live'));
      await store.urls.insert(url(A, 'f', '', 'u1'));
      await store.concurrency.set(A, 'f', 2);
      await store.provisioned.put(provisioned(A, 'f', '1', 1));
      await store.deleteFunction(A, 'f');
      await store.insertFunction(fn(A, 'f'));
      assert.deepEqual(await store.aliases.list(A, 'f', undefined, 10), []);
      assert.deepEqual(await store.urls.list(A, 'f'), []);
      assert.equal(await store.concurrency.get(A, 'f'), undefined);
      assert.deepEqual(await store.provisioned.list(A, 'f'), []);
      assert.equal(await store.urls.insert(url(A, 'f', '', 'u1')), true, 'the URL id is free again');
    });
  });
}
