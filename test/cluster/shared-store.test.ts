/**
 * Two `nimbus serve --cluster` nodes on loopback, sharing a PostgreSQL and an etcd that the test
 * starts: the control plane is one. A function created through node 1 with the AWS SDK is read,
 * listed, published, aliased, updated and deleted through node 2, and every change made through
 * one node is what the other answers next.
 * Node 2 also runs a function created through node 1: its package comes from PostgreSQL.
 */
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListFunctionsCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  GetFunctionConcurrencyCommand,
  TagResourceCommand,
  ListTagsCommand,
  UpdateFunctionConfigurationCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { makeZip, payloadJson, ROLE, sdkClient } from '../helpers/nimbus.js';
import { serve } from '../helpers/serve.js';
import { clusterBackends, clusterNodeEnv, newMasterKey, skipWithoutCluster } from '../helpers/cluster.js';

const skip = skipWithoutCluster();

describe('cluster: one control plane in PostgreSQL', { skip }, () => {
  const backends = clusterBackends();

  // Every node opens what any node sealed: they share the key (another key-sharing scheme may replace this).
  const env = clusterNodeEnv(backends, { NIMBUS_MASTER_KEY: newMasterKey() });

  async function twoNodes(t: TestContext): Promise<[LambdaClient, LambdaClient]> {
    const [n1, n2] = await Promise.all([serve(t, { env: env('n1') }), serve(t, { env: env('n2') })]);
    const one = sdkClient(n1.url);
    const two = sdkClient(n2.url);
    t.after(() => {
      one.destroy();
      two.destroy();
    });
    return [one, two];
  }

  const zip = makeZip({ 'index.mjs': 'export const handler = async (e) => ({ doubled: e.n * 2, stage: process.env.STAGE });' });

  it('a function created through node 1 is read, changed and deleted through node 2, and node 1 sees each change', async (t) => {
    const [one, two] = await twoNodes(t);
    const created = await one.send(
      new CreateFunctionCommand({
        FunctionName: 'shared', Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: await zip },
        Environment: { Variables: { STAGE: 'one' } },
      }),
    );
    // Reads through the other node.
    const got = await two.send(new GetFunctionCommand({ FunctionName: 'shared' }));
    assert.equal(got.Configuration?.CodeSha256, created.CodeSha256);
    assert.equal(got.Configuration?.Handler, 'index.handler');
    assert.deepEqual(got.Configuration?.Environment?.Variables, { STAGE: 'one' });
    assert.deepEqual((await two.send(new ListFunctionsCommand({}))).Functions?.map((f) => f.FunctionName), ['shared']);

    // Invoke on the node that holds the code.
    const out = await one.send(new InvokeCommand({ FunctionName: 'shared', Payload: Buffer.from('{"n":21}') }));
    assert.equal(out.FunctionError, undefined);
    assert.deepEqual(payloadJson(out.Payload), { doubled: 42, stage: 'one' });

    // Writes through node 2, read through node 1.
    await two.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'shared', Environment: { Variables: { STAGE: 'two' } } }));
    assert.deepEqual((await one.send(new GetFunctionConfigurationCommand({ FunctionName: 'shared' }))).Environment?.Variables, { STAGE: 'two' });
    // Node 1's invoke path has the function cached since its Invoke: the update reaches it too.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const again = await one.send(new InvokeCommand({ FunctionName: 'shared', Payload: Buffer.from('{"n":1}') }));
      if ((payloadJson(again.Payload) as { stage: string }).stage === 'two') break;
      assert.ok(Date.now() < deadline, 'node 1 never invoked the configuration node 2 wrote');
      await new Promise((r) => setTimeout(r, 50));
    }

    // A reservation of 0 set through node 2 throttles the function on node 1 (which enforces it
    // from memory, reloaded when node 2's change is announced); removing it lets node 1 run it again.
    const invokeOnOne = (): Promise<string> =>
      one.send(new InvokeCommand({ FunctionName: 'shared', Payload: Buffer.from('{"n":1}') })).then(
        () => 'ran',
        (e: Error) => e.name,
      );
    await two.send(new PutFunctionConcurrencyCommand({ FunctionName: 'shared', ReservedConcurrentExecutions: 0 }));
    while ((await invokeOnOne()) !== 'TooManyRequestsException') {
      assert.ok(Date.now() < deadline + 10_000, 'node 1 never enforced the reservation node 2 set');
      await new Promise((r) => setTimeout(r, 50));
    }
    await two.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'shared' }));
    while ((await invokeOnOne()) !== 'ran') {
      assert.ok(Date.now() < deadline + 20_000, 'node 1 never dropped the reservation node 2 removed');
      await new Promise((r) => setTimeout(r, 50));
    }

    const [v1, v2] = await Promise.all([
      one.send(new PublishVersionCommand({ FunctionName: 'shared', Description: 'from one' })),
      two.send(new PublishVersionCommand({ FunctionName: 'shared', Description: 'from two' })),
    ]);
    // Published at once through both nodes: each publish is its own version (or, had one seen
    // the other's, the same unchanged one, as AWS returns), never two versions under one number.
    const published = [...new Set([v1.Version!, v2.Version!])].sort();
    const versions = (await two.send(new ListVersionsByFunctionCommand({ FunctionName: 'shared' }))).Versions ?? [];
    assert.deepEqual(versions.map((v) => v.Version), ['$LATEST', ...published.map((_, i) => String(i + 1))]);
    assert.deepEqual(published, published.map((_, i) => String(i + 1)));
    if (published.length === 2) assert.deepEqual(versions.slice(1).map((v) => v.Description).sort(), ['from one', 'from two']);

    await one.send(new CreateAliasCommand({ FunctionName: 'shared', Name: 'live', FunctionVersion: '1' }));
    assert.equal((await two.send(new GetAliasCommand({ FunctionName: 'shared', Name: 'live' }))).FunctionVersion, '1');
    await two.send(new PutFunctionConcurrencyCommand({ FunctionName: 'shared', ReservedConcurrentExecutions: 3 }));
    assert.equal((await one.send(new GetFunctionConcurrencyCommand({ FunctionName: 'shared' }))).ReservedConcurrentExecutions, 3);
    await one.send(new TagResourceCommand({ Resource: created.FunctionArn, Tags: { team: 'core' } }));
    assert.deepEqual((await two.send(new ListTagsCommand({ Resource: created.FunctionArn }))).Tags, { team: 'core' });

    // Deleted through node 2: gone for node 1's control plane and its invoke path.
    await two.send(new DeleteFunctionCommand({ FunctionName: 'shared' }));
    await assert.rejects(one.send(new GetFunctionCommand({ FunctionName: 'shared' })), { name: 'ResourceNotFoundException' });
    for (;;) {
      const gone = await one.send(new InvokeCommand({ FunctionName: 'shared', Payload: Buffer.from('{}') })).then(
        () => false,
        (e: Error) => e.name === 'ResourceNotFoundException',
      );
      if (gone) break;
      assert.ok(Date.now() < deadline + 30_000, 'node 1 still invokes a function node 2 deleted');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual((await one.send(new ListFunctionsCommand({}))).Functions, []);
  });

  it('Invoke through node 2 runs a function created through node 1', async (t) => {
    const [one, two] = await twoNodes(t);
    await one.send(new CreateFunctionCommand({ FunctionName: 'remote', Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: await zip } }));
    const out = await two.send(new InvokeCommand({ FunctionName: 'remote', Payload: Buffer.from('{"n":4}') }));
    assert.equal(out.FunctionError, undefined);
    assert.deepEqual(payloadJson(out.Payload), { doubled: 8 });
    // And follows a change made through node 1 on its invoke path (its cache is invalidated).
    await one.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'remote', Environment: { Variables: { STAGE: 'changed' } } }));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const again = await two.send(new InvokeCommand({ FunctionName: 'remote', Payload: Buffer.from('{"n":1}') }));
      if ((payloadJson(again.Payload) as { stage?: string }).stage === 'changed') break;
      assert.ok(Date.now() < deadline, 'node 2 kept invoking the configuration node 1 replaced');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});
