/**
 * The shared store suite, part six: the APIs a stack's routes are served under, and stack records.
 * Run by store.case.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { A, A2, B, api, fn, open, route, stack, type NewStore } from './fixtures.js';

export function stackCases(newStore: NewStore): void {
  describe('APIs', () => {
    it('replaceStack with APIs stores them with their routes, and lists them by scope, stack and logical id', async (t) => {
      const store = open(t, newStore);
      const cors = { AllowOrigins: ['https://example.com'], MaxAge: 60 };
      await store.routes.replaceStack(A, 'web', [route(A, 'web', 'GET', '/a', 'f', 'aaaaaaaaaa'), route(A, 'web', 'GET', '/a', 'g', 'bbbbbbbbbb')], [
        api(A, 'web', 'ServerlessRestApi', 'bbbbbbbbbb', { type: 'REST', stage: 'Prod' }),
        api(A, 'web', 'HttpApi', 'aaaaaaaaaa', { cors }),
      ]);
      await store.routes.replaceStack(B, 'web', [], [api(B, 'web', 'Api', 'cccccccccc')]);
      assert.deepEqual(await store.routes.apis(), [
        api(A, 'web', 'HttpApi', 'aaaaaaaaaa', { cors }),
        api(A, 'web', 'ServerlessRestApi', 'bbbbbbbbbb', { type: 'REST', stage: 'Prod' }),
        api(B, 'web', 'Api', 'cccccccccc'),
      ]);
      // The same method and path on two APIs of one stack are two routes.
      assert.deepEqual((await store.routes.all()).map((r) => `${r.apiId} ${r.functionName}`), ['aaaaaaaaaa f', 'bbbbbbbbbb g']);
    });

    it('replaceStack without APIs keeps them; with an empty list removes them; other stacks and scopes keep theirs', async (t) => {
      const store = open(t, newStore);
      await store.routes.replaceStack(A, 'web', [route(A, 'web', 'GET', '/a', 'f')], [api(A, 'web', 'Api', 'api0000001')]);
      await store.routes.replaceStack(A, 'other', [], [api(A, 'other', 'Api', 'api0000002')]);
      await store.routes.replaceStack(A2, 'web', [], [api(A2, 'web', 'Api', 'api0000003')]);
      await store.routes.replaceStack(A, 'web', [route(A, 'web', 'GET', '/b', 'f')]);
      assert.deepEqual((await store.routes.apis()).map((a) => `${a.region} ${a.stack} ${a.apiId}`), ['eu-west-1 web api0000003', 'us-east-1 other api0000002', 'us-east-1 web api0000001']);
      await store.routes.replaceStack(A, 'web', [], []);
      assert.deepEqual((await store.routes.apis()).map((a) => a.apiId), ['api0000003', 'api0000002']);
      assert.deepEqual(await store.routes.all(), []);
    });

    it('an API keeps its Lambda authorizers and a route the one it runs first', async (t) => {
      const store = open(t, newStore);
      const authorizers = {
        Tok: { functionName: 'auth', payloadType: 'TOKEN' as const, payloadFormatVersion: '1.0' as const, simpleResponses: false, identitySource: ['$request.header.Authorization'], validationExpression: '^Bearer .+$', ttlSeconds: 300 },
        Req: { functionName: 'auth2:live', payloadType: 'REQUEST' as const, payloadFormatVersion: '2.0' as const, simpleResponses: true, identitySource: [], ttlSeconds: 0 },
      };
      const r = { ...route(A, 'web', 'GET', '/a', 'f'), authorizer: 'Tok' };
      await store.routes.replaceStack(A, 'web', [r, route(A, 'web', 'GET', '/open', 'f')], [api(A, 'web', 'Api', 'api0000001', { authorizers })]);
      assert.deepEqual(await store.routes.apis(), [api(A, 'web', 'Api', 'api0000001', { authorizers })]);
      assert.deepEqual((await store.routes.all()).map((x) => `${x.path} ${x.authorizer}`), ['/a Tok', '/open ']);
    });

    it('APIs come out as copies', async (t) => {
      const store = open(t, newStore);
      const given = api(A, 'web', 'Api', 'api0000001', { cors: { AllowOrigins: ['*'] } });
      await store.routes.replaceStack(A, 'web', [], [given]);
      given.cors!.AllowOrigins!.push('changed');
      (await store.routes.apis())[0]!.cors!.AllowOrigins!.push('changed');
      assert.deepEqual(await store.routes.apis(), [api(A, 'web', 'Api', 'api0000001', { cors: { AllowOrigins: ['*'] } })]);
    });
  });

  describe('stacks', () => {
    it('put, get, replace and delete a stack record', async (t) => {
      const store = open(t, newStore);
      assert.equal(await store.stacks.get(A, 'shop'), undefined);
      await store.stacks.put(stack(A, 'shop'));
      assert.deepEqual(await store.stacks.get(A, 'shop'), stack(A, 'shop'));
      const updated = stack(A, 'shop', {
        status: 'UPDATE_ROLLBACK_COMPLETE',
        statusReason: 'Fn2: MemorySize out of range',
        parameters: {},
        resources: [
          { logicalId: 'Fn', type: 'AWS::Lambda::Function', physicalId: 'shop-Fn-ABCDEFGHIJKL' },
          { logicalId: 'FnAliaslive', type: 'AWS::Lambda::Alias', physicalId: 'shop-Fn-ABCDEFGHIJKL:live' },
        ],
        updatedAt: 30,
      });
      await store.stacks.put(updated);
      assert.deepEqual(await store.stacks.get(A, 'shop'), updated);
      assert.equal(await store.stacks.delete(A, 'shop'), true);
      assert.equal(await store.stacks.delete(A, 'shop'), false);
      assert.equal(await store.stacks.get(A, 'shop'), undefined);
    });

    it('keeps the CloudFormation template a deployment came with, and drops it when the next one has none', async (t) => {
      const store = open(t, newStore);
      const deployedWith = { body: 'Resources: {}\n', capabilities: ['CAPABILITY_IAM'], tags: [{ Key: 'team', Value: 'a' }] };
      await store.stacks.put(stack(A, 'shop', { deployedWith }));
      assert.deepEqual((await store.stacks.get(A, 'shop'))?.deployedWith, deployedWith);
      assert.deepEqual((await store.stacks.list(A))[0]?.deployedWith, deployedWith);
      await store.stacks.put(stack(A, 'shop', { updatedAt: 40 }));
      const after = await store.stacks.get(A, 'shop');
      assert.equal(after?.updatedAt, 40);
      assert.equal(after?.deployedWith, undefined);
      assert.ok(!('deployedWith' in after!), 'a record without a template has no deployedWith key');
    });

    it('list is one scope in name order; the same name in another scope is another stack', async (t) => {
      const store = open(t, newStore);
      for (const [scope, name] of [[A, 'web'], [A, 'api'], [A2, 'web'], [B, 'web'], [A, 'Zed']] as const) await store.stacks.put(stack(scope, name));
      assert.deepEqual((await store.stacks.list(A)).map((s) => s.name), ['Zed', 'api', 'web']);
      assert.deepEqual((await store.stacks.list(A2)).map((s) => `${s.region} ${s.name}`), ['eu-west-1 web']);
      await store.stacks.delete(A, 'web');
      assert.equal((await store.stacks.get(B, 'web'))?.name, 'web');
      assert.equal((await store.stacks.get(A2, 'web'))?.name, 'web');
    });

    it('a stack outlives the functions it names (no foreign key), and records come out as copies', async (t) => {
      const store = open(t, newStore);
      await store.insertFunction(fn(A, 'shop-Fn-ABCDEFGHIJKL'));
      const given = stack(A, 'shop');
      await store.stacks.put(given);
      await store.deleteFunction(A, 'shop-Fn-ABCDEFGHIJKL');
      given.resources.push({ logicalId: 'X', type: 'T', physicalId: 'x' });
      given.parameters['Stage'] = 'changed';
      const got = (await store.stacks.get(A, 'shop'))!;
      got.outputs['Url'] = 'changed';
      assert.deepEqual(await store.stacks.get(A, 'shop'), stack(A, 'shop'));
      assert.deepEqual(await store.stacks.list(A), [stack(A, 'shop')]);
    });
  });
}
