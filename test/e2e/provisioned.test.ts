/**
 * Provisioned concurrency through the real AWS SDK against a real Nimbus: configs on versions
 * and aliases, READY once the sandboxes are initialized, warm first calls, AWS's errors and
 * limits, and configs that survive a restart.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CreateAliasCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  DeleteProvisionedConcurrencyConfigCommand,
  GetAccountSettingsCommand,
  GetProvisionedConcurrencyConfigCommand,
  InvokeCommand,
  ListProvisionedConcurrencyConfigsCommand,
  PutFunctionConcurrencyCommand,
  PutProvisionedConcurrencyConfigCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  type GetProvisionedConcurrencyConfigCommandOutput,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { startNimbus } from '../../src/app.js';
import { deployNode, makeZip, payloadJson, sdkClient, startTestNimbus } from '../helpers/nimbus.js';
import { rejects } from '../helpers/aws-errors.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function';
const HANDLER = {
  'index.js': `exports.handler = async () => ({ init: process.env.AWS_LAMBDA_INITIALIZATION_TYPE, version: process.env.AWS_LAMBDA_FUNCTION_VERSION });`,
};

/** Polls Get until the config leaves IN_PROGRESS (sandboxes start in the background). */
async function settled(lambda: LambdaClient, FunctionName: string, Qualifier: string): Promise<GetProvisionedConcurrencyConfigCommandOutput> {
  for (let i = 0; ; i++) {
    const r = await lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName, Qualifier }));
    if (r.Status !== 'IN_PROGRESS' || i >= 600) return r;
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** Invokes with the log tail and tells whether the call was a cold start (an Init Duration). */
async function invokeTail(lambda: LambdaClient, FunctionName: string, Qualifier?: string): Promise<{ body: unknown; cold: boolean }> {
  const r = await lambda.send(new InvokeCommand({ FunctionName, LogType: 'Tail', ...(Qualifier ? { Qualifier } : {}) }));
  const log = Buffer.from(r.LogResult ?? '', 'base64').toString('utf8');
  assert.match(log, /REPORT RequestId/);
  return { body: payloadJson(r.Payload), cold: log.includes('Init Duration') };
}

test('provisioned concurrency with @aws-sdk/client-lambda', async (t) => {
  const { lambda, url } = await startTestNimbus(t, { accountConcurrency: 300 });
  await deployNode(lambda, 'pc', HANDLER, { Publish: true });
  const poolStats = async (): Promise<{ provisioned: number }> => ((await (await fetch(`${url}/nimbus/v1/stats`)).json()) as { pool: { provisioned: number } }).pool;

  await t.test('Put on a version answers 202 IN_PROGRESS, then Get turns READY with every sandbox allocated', async () => {
    const put = await lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1', ProvisionedConcurrentExecutions: 2 }));
    assert.equal(put.$metadata.httpStatusCode, 202);
    assert.equal(put.Status, 'IN_PROGRESS');
    assert.equal(put.RequestedProvisionedConcurrentExecutions, 2);
    assert.ok(put.LastModified && !Number.isNaN(Date.parse(put.LastModified)));
    const got = await settled(lambda, 'pc', '1');
    assert.equal(got.Status, 'READY');
    assert.equal(got.AllocatedProvisionedConcurrentExecutions, 2);
    assert.equal(got.AvailableProvisionedConcurrentExecutions, 2);
    assert.equal(got.StatusReason, undefined);
    assert.equal((await poolStats()).provisioned, 2);
  });

  await t.test('the first invocation after READY is warm, in a provisioned-concurrency environment', async () => {
    const first = await invokeTail(lambda, 'pc', '1');
    assert.equal(first.cold, false, 'no Init Duration');
    assert.deepEqual(first.body, { init: 'provisioned-concurrency', version: '1' });
    const latest = await invokeTail(lambda, 'pc');
    assert.equal(latest.cold, true, '$LATEST has no provisioned sandboxes');
    assert.deepEqual(latest.body, { init: 'on-demand', version: '$LATEST' });
  });

  await t.test("AWS's errors: $LATEST, missing version, alias or config, bad values", async () => {
    await rejects(
      lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '$LATEST', ProvisionedConcurrentExecutions: 1 })),
      'InvalidParameterValueException',
      'Provisioned Concurrency Configs cannot be applied to unpublished function versions.',
      400,
    );
    await rejects(
      lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '$LATEST' })),
      'InvalidParameterValueException',
      'The function resource provided must be an alias or a published version.',
    );
    await rejects(lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '10' })), 'ResourceNotFoundException', `Function not found: ${ARN}:pc:10`, 404);
    await rejects(
      lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'nope', Qualifier: 'noalias' })),
      'ResourceNotFoundException',
      `Cannot find alias arn: ${ARN}:nope:noalias`,
    );
    await rejects(lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException', `Function not found: ${ARN}:nope`);
    await rejects(
      lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1', ProvisionedConcurrentExecutions: 0 })),
      'ValidationException',
      "1 validation error detected: Value '0' at 'provisionedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    // Different code, so Publish makes version 2 (the same bytes would just return version 1, and
    // a zip of the same files built within the same 2-second DOS timestamp is the same bytes).
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'pc', ZipFile: await makeZip({ ...HANDLER, 'VERSION': '2' }), Publish: true }));
    await rejects(
      lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '2' })),
      'ProvisionedConcurrencyConfigNotFoundException',
      'No Provisioned Concurrency Config found for this function',
      404,
    );
    const raw = await fetch(`${url}/2019-09-30/functions/pc/provisioned-concurrency?Qualifier=2`);
    assert.equal(raw.headers.get('x-amzn-errortype'), 'ProvisionedConcurrencyConfigNotFoundException');
    assert.deepEqual(await raw.json(), { Type: 'User', message: 'No Provisioned Concurrency Config found for this function' });
    // Deleting a config that does not exist is not an error on AWS either.
    const del = await lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '2' }));
    assert.equal(del.$metadata.httpStatusCode, 204);
  });

  await t.test('updating $LATEST leaves the provisioned sandboxes of version 1 alone', async () => {
    assert.equal((await poolStats()).provisioned, 2);
    const again = await invokeTail(lambda, 'pc', '1');
    assert.equal(again.cold, false);
  });

  await t.test('a version and an alias pointing at it cannot both have a config', async () => {
    await lambda.send(new CreateAliasCommand({ FunctionName: 'pc', Name: 'live', FunctionVersion: '1' }));
    await rejects(
      lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'live', ProvisionedConcurrentExecutions: 1 })),
      'ResourceConflictException',
      "Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version",
      409,
    );
    await lambda.send(new DeleteProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1' }));
    await rejects(lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1' })), 'ProvisionedConcurrencyConfigNotFoundException');
    assert.equal((await poolStats()).provisioned, 0, 'released on delete');
    await lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'live', ProvisionedConcurrentExecutions: 1 }));
    await rejects(
      lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1', ProvisionedConcurrentExecutions: 1 })),
      'ResourceConflictException',
      'Version is pointed by a Provisioned Concurrency alias',
    );
    assert.equal((await settled(lambda, 'pc', 'live')).Status, 'READY');
    const viaAlias = await invokeTail(lambda, 'pc', 'live');
    assert.equal(viaAlias.cold, false, 'the alias resolves to the provisioned version');
    assert.deepEqual(viaAlias.body, { init: 'provisioned-concurrency', version: '1' });
  });

  await t.test('the config follows its alias to another version', async () => {
    await lambda.send(new UpdateAliasCommand({ FunctionName: 'pc', Name: 'live', FunctionVersion: '2' }));
    assert.equal((await settled(lambda, 'pc', 'live')).Status, 'READY');
    const moved = await invokeTail(lambda, 'pc', 'live');
    assert.equal(moved.cold, false);
    assert.deepEqual(moved.body, { init: 'provisioned-concurrency', version: '2' });
    assert.equal((await poolStats()).provisioned, 1, 'version 1 released');
  });

  await t.test('ListProvisionedConcurrencyConfigs', async () => {
    await lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '1', ProvisionedConcurrentExecutions: 1 }));
    const all = await lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc' }));
    assert.deepEqual(
      all.ProvisionedConcurrencyConfigs?.map((c) => [c.FunctionArn, c.RequestedProvisionedConcurrentExecutions]),
      [
        [`${ARN}:pc:1`, 1],
        [`${ARN}:pc:live`, 1],
      ],
    );
    const page = await lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc', MaxItems: 1 }));
    assert.equal(page.ProvisionedConcurrencyConfigs?.length, 1);
    const rest = await lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc', Marker: page.NextMarker }));
    assert.deepEqual(rest.ProvisionedConcurrencyConfigs?.map((c) => c.FunctionArn), [`${ARN}:pc:live`]);
    assert.equal(rest.NextMarker, undefined);
  });

  await t.test('deleting the alias removes its config', async () => {
    await lambda.send(new DeleteAliasCommand({ FunctionName: 'pc', Name: 'live' }));
    await rejects(lambda.send(new GetProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: 'live' })), 'ResourceNotFoundException', `Cannot find alias arn: ${ARN}:pc:live`);
    const all = await lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc' }));
    assert.deepEqual(all.ProvisionedConcurrencyConfigs?.map((c) => c.FunctionArn), [`${ARN}:pc:1`]);
  });

  await t.test('limits: within reserved concurrency, and out of the unreserved pool', async () => {
    await lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'pc', ReservedConcurrentExecutions: 2 }));
    await rejects(
      lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '2', ProvisionedConcurrentExecutions: 2 })),
      'InvalidParameterValueException',
      'Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function',
    );
    await rejects(
      lambda.send(new PutFunctionConcurrencyCommand({ FunctionName: 'pc', ReservedConcurrentExecutions: 0 })),
      'InvalidParameterValueException',
      " ReservedConcurrentExecutions  0 should not be lower than function's total provisioned concurrency [1].",
    );
    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'pc' }));
    // Account limit 300; version 1 of pc holds 1 of the unreserved pool.
    const settings = await lambda.send(new GetAccountSettingsCommand({}));
    assert.equal(settings.AccountLimit?.UnreservedConcurrentExecutions, 299);
    await rejects(
      lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '2', ProvisionedConcurrentExecutions: 300 })),
      'InvalidParameterValueException',
      "Specified ConcurrentExecutions for function is greater than account's unreserved concurrency [299].",
    );
    await rejects(
      lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '2', ProvisionedConcurrentExecutions: 250 })),
      'InvalidParameterValueException',
      "Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
    );
  });

  await t.test('an init failure turns the config FAILED with AWS status reason', async () => {
    await deployNode(lambda, 'broken', { 'index.js': 'throw new Error("no init for you");' }, { Publish: true });
    await lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'broken', Qualifier: '1', ProvisionedConcurrentExecutions: 1 }));
    const got = await settled(lambda, 'broken', '1');
    assert.equal(got.Status, 'FAILED');
    assert.equal(got.StatusReason, 'FUNCTION_ERROR_INIT_FAILURE');
    assert.equal(got.AllocatedProvisionedConcurrentExecutions, 0);
  });

  await t.test('deleting a version or the function removes its configs and sandboxes', async () => {
    assert.equal((await poolStats()).provisioned, 1);
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'pc', Qualifier: '1' }));
    assert.equal((await poolStats()).provisioned, 0, 'version 1 released');
    assert.deepEqual((await lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc' }))).ProvisionedConcurrencyConfigs, []);
    await lambda.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'pc', Qualifier: '2', ProvisionedConcurrentExecutions: 1 }));
    assert.equal((await settled(lambda, 'pc', '2')).Status, 'READY');
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'pc' }));
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'broken' }));
    assert.equal((await poolStats()).provisioned, 0);
    await deployNode(lambda, 'pc', HANDLER, { Publish: true });
    assert.deepEqual((await lambda.send(new ListProvisionedConcurrencyConfigsCommand({ FunctionName: 'pc' }))).ProvisionedConcurrencyConfigs, []);
  });
});

test('provisioned configs survive a restart and their sandboxes are initialized again', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'nimbus-test-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const first = await startNimbus({ port: 0, dataDir, log: () => undefined, shutdownGraceMs: 2000 });
  const a = sdkClient(first.url);
  try {
    await deployNode(a, 'keep', HANDLER, { Publish: true });
    await a.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: 'keep', Qualifier: '1', ProvisionedConcurrentExecutions: 1 }));
    assert.equal((await settled(a, 'keep', '1')).Status, 'READY');
  } finally {
    a.destroy();
    await first.close();
  }
  const second = await startNimbus({ port: 0, dataDir, log: () => undefined, shutdownGraceMs: 2000 });
  const b = sdkClient(second.url);
  try {
    const got = await settled(b, 'keep', '1');
    assert.equal(got.Status, 'READY');
    assert.equal(got.RequestedProvisionedConcurrentExecutions, 1);
    const r = await invokeTail(b, 'keep', '1');
    assert.equal(r.cold, false, 'initialized at start-up, before the first call');
  } finally {
    b.destroy();
    await second.close();
  }
});
