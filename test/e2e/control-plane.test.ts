/** The control plane through the real AWS SDK: every operation, its errors, and the waiters. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListFunctionsCommand,
  paginateListFunctions,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionActiveV2,
  waitUntilFunctionExists,
  waitUntilFunctionUpdatedV2,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { makeZip, payloadJson, ROLE, sdkClient, startTestNimbus } from '../helpers/nimbus.js';
import { rejects } from '../helpers/aws-errors.js';

const handler = (v: string): Promise<Buffer> => makeZip({ 'index.js': `exports.handler = async () => (${JSON.stringify(v)});` });

async function create(lambda: LambdaClient, name: string, extra: Record<string, unknown> = {}) {
  return lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: ROLE,
      Code: { ZipFile: await handler(name) },
      ...extra,
    }),
  );
}

test('control plane with @aws-sdk/client-lambda', async (t) => {
  const nimbus = await startTestNimbus(t);
  const { lambda } = nimbus;

  await t.test('CreateFunction returns the FunctionConfiguration AWS returns', async () => {
    const zip = await handler('hello');
    const c = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'hello',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: ROLE,
        Code: { ZipFile: zip },
        Description: 'greets',
        Publish: false,
      }),
    );
    assert.equal(c.$metadata.httpStatusCode, 201);
    assert.equal(c.FunctionName, 'hello');
    assert.equal(c.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:hello');
    assert.equal(c.CodeSha256, createHash('sha256').update(zip).digest('base64'));
    assert.equal(c.CodeSize, zip.length);
    assert.match(c.LastModified ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    assert.equal(c.Version, '$LATEST');
    assert.equal(c.State, 'Active');
    assert.equal(c.LastUpdateStatus, 'Successful');
    assert.equal(c.Timeout, 3);
    assert.equal(c.MemorySize, 128);
    assert.equal(c.Description, 'greets');
    assert.deepEqual(c.Environment, { Variables: {} });
    assert.deepEqual(c.Architectures, ['x86_64']);
    assert.deepEqual(c.EphemeralStorage, { Size: 512 });
    assert.equal(c.PackageType, 'Zip');
    assert.match(c.RevisionId ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(c.LoggingConfig?.LogGroup, '/aws/lambda/hello');
  });

  await t.test('the waiters succeed', async () => {
    const w = { client: lambda, maxWaitTime: 10 };
    assert.equal((await waitUntilFunctionExists(w, { FunctionName: 'hello' })).state, 'SUCCESS');
    assert.equal((await waitUntilFunctionActiveV2(w, { FunctionName: 'hello' })).state, 'SUCCESS');
    assert.equal((await waitUntilFunctionUpdatedV2(w, { FunctionName: 'hello' })).state, 'SUCCESS');
  });

  await t.test('GetFunction and GetFunctionConfiguration, by name, ARN and $LATEST', async () => {
    const g = await lambda.send(new GetFunctionCommand({ FunctionName: 'hello' }));
    assert.equal(g.Configuration?.FunctionName, 'hello');
    assert.equal(g.Code?.RepositoryType, 'S3');
    const download = Buffer.from(await (await fetch(g.Code?.Location ?? '')).arrayBuffer());
    assert.equal(createHash('sha256').update(download).digest('base64'), g.Configuration?.CodeSha256);
    const byArn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:hello' }));
    assert.equal(byArn.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:hello');
    const latest = await lambda.send(new GetFunctionCommand({ FunctionName: 'hello', Qualifier: '$LATEST' }));
    assert.equal(latest.Configuration?.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:hello:$LATEST');
  });

  await t.test('UpdateFunctionCode replaces the code that runs', async () => {
    const before = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'hello' }));
    const r1 = await lambda.send(new InvokeCommand({ FunctionName: 'hello' }));
    assert.equal(payloadJson(r1.Payload), 'hello');
    const zip = await handler('v2');
    const u = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'hello', ZipFile: zip }));
    assert.equal(u.CodeSha256, createHash('sha256').update(zip).digest('base64'));
    assert.notEqual(u.RevisionId, before.RevisionId);
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 10 }, { FunctionName: 'hello' });
    const r2 = await lambda.send(new InvokeCommand({ FunctionName: 'hello' }));
    assert.equal(payloadJson(r2.Payload), 'v2');
    const dry = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'hello', ZipFile: await handler('dry'), DryRun: true }));
    assert.notEqual(dry.CodeSha256, u.CodeSha256);
    const after = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'hello' }));
    assert.equal(after.CodeSha256, u.CodeSha256, 'DryRun must not change the function');
  });

  await t.test('UpdateFunctionConfiguration changes settings and checks RevisionId', async () => {
    const u = await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'hello',
        MemorySize: 256,
        Timeout: 10,
        Environment: { Variables: { STAGE: 'dev' } },
        Description: 'changed',
      }),
    );
    assert.equal(u.MemorySize, 256);
    assert.equal(u.Timeout, 10);
    assert.deepEqual(u.Environment, { Variables: { STAGE: 'dev' } });
    const g = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'hello' }));
    assert.equal(g.Description, 'changed');
    await rejects(
      lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'hello', Timeout: 5, RevisionId: '00000000-0000-0000-0000-000000000000' })),
      'PreconditionFailedException',
      /does not match the latest Revision Id/,
    );
    const ok = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'hello', Timeout: 5, RevisionId: g.RevisionId }));
    assert.equal(ok.Timeout, 5);
  });

  await t.test('ListFunctions pages with Marker/MaxItems and the SDK paginator', async () => {
    for (const n of ['fn-a', 'fn-b', 'fn-c', 'fn-d']) await create(lambda, n);
    const first = await lambda.send(new ListFunctionsCommand({ MaxItems: 2 }));
    assert.equal(first.Functions?.length, 2);
    assert.ok(first.NextMarker);
    assert.equal(first.Functions?.[0]?.State, undefined, 'ListFunctions omits State');
    const names: string[] = [];
    for await (const page of paginateListFunctions({ client: lambda, pageSize: 2 }, {})) {
      names.push(...(page.Functions ?? []).map((f) => f.FunctionName ?? ''));
    }
    assert.deepEqual(names, ['fn-a', 'fn-b', 'fn-c', 'fn-d', 'hello']);
    const all = await lambda.send(new ListFunctionsCommand({ FunctionVersion: 'ALL' }));
    assert.equal(all.Functions?.[0]?.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:fn-a:$LATEST');
  });

  await t.test('GetAccountSettings reports usage', async () => {
    const s = await lambda.send(new GetAccountSettingsCommand({}));
    assert.equal(s.AccountUsage?.FunctionCount, 5);
    assert.ok((s.AccountUsage?.TotalCodeSize ?? 0) > 0);
    assert.equal(s.AccountLimit?.CodeSizeZipped, 52428800);
  });

  await t.test('functions are scoped by region', async () => {
    const eu = sdkClient(nimbus.url, 'eu-west-1');
    try {
      const l = await eu.send(new ListFunctionsCommand({}));
      assert.deepEqual(l.Functions, []);
      const c = await create(eu, 'hello');
      assert.equal(c.FunctionArn, 'arn:aws:lambda:eu-west-1:000000000000:function:hello');
    } finally {
      eu.destroy();
    }
  });

  await t.test('DeleteFunction, then ResourceNotFoundException everywhere', async () => {
    const d = await lambda.send(new DeleteFunctionCommand({ FunctionName: 'fn-a' }));
    assert.equal(d.$metadata.httpStatusCode, 204);
    const msg = 'Function not found: arn:aws:lambda:us-east-1:000000000000:function:fn-a';
    await rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'fn-a' })), 'ResourceNotFoundException', msg);
    await rejects(lambda.send(new DeleteFunctionCommand({ FunctionName: 'fn-a' })), 'ResourceNotFoundException', msg);
    await rejects(lambda.send(new InvokeCommand({ FunctionName: 'fn-a' })), 'ResourceNotFoundException', msg);
    await rejects(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'fn-a', ZipFile: await handler('x') })), 'ResourceNotFoundException');
    await rejects(
      lambda.send(new DeleteFunctionCommand({ FunctionName: 'hello', Qualifier: '$LATEST' })),
      'InvalidParameterValueException',
      '$LATEST version cannot be deleted without deleting the function.',
    );
  });

  await t.test('bad input gets AWS error types', async () => {
    await rejects(create(lambda, 'hello'), 'ResourceConflictException', 'Function already exist: hello');
    await rejects(create(lambda, 'x'.repeat(65)), 'InvalidParameterValueException', /Member must have length less than or equal to 64/);
    await rejects(create(lambda, 'bad name!'), 'ValidationException', /regular expression pattern/);
    await rejects(create(lambda, 'r1', { Runtime: 'cobol85' as never }), 'InvalidParameterValueException', /at 'runtime' failed to satisfy constraint/);
    await rejects(create(lambda, 'r2', { Runtime: 'nodejs14.x' }), 'InvalidParameterValueException', /no longer supported/);
    await rejects(create(lambda, 'r3', { MemorySize: 64 }), 'ValidationException', /greater than or equal to 128/);
    await rejects(create(lambda, 'r4', { MemorySize: 20000 }), 'ValidationException', /less than or equal to 10240/);
    await rejects(create(lambda, 'r5', { Timeout: 901 }), 'ValidationException', /less than or equal to 900/);
    await rejects(create(lambda, 'r6', { Timeout: 0 }), 'ValidationException', /greater than or equal to 1/);
    await rejects(create(lambda, 'r7', { Role: 'r1' }), 'ValidationException', /at 'role' failed to satisfy constraint/);
    await rejects(create(lambda, 'r8', { Handler: 'nodot' }), 'InvalidParameterValueException', /Bad handler/);
    await rejects(
      create(lambda, 'r9', { Environment: { Variables: { AWS_REGION: 'x' } } }),
      'InvalidParameterValueException',
      /reserved keys .* AWS_REGION/,
    );
    await rejects(
      create(lambda, 'r10', { Environment: { Variables: { BIG: 'x'.repeat(5000) } } }),
      'InvalidParameterValueException',
      /exceeded the 4KB limit/,
    );
    await rejects(
      lambda.send(new CreateFunctionCommand({ FunctionName: 'r11', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: Buffer.from('not a zip') } })),
      'InvalidParameterValueException',
      /Could not unzip uploaded file/,
    );
    await rejects(lambda.send(new ListFunctionsCommand({ MaxItems: 0 })), 'ValidationException', /greater than or equal to 1/);
    const l = await lambda.send(new ListFunctionsCommand({}));
    assert.ok(!l.Functions?.some((f) => /^r\d+$/.test(f.FunctionName ?? '')), 'nothing half-created');
  });

  await t.test('an oversized package is RequestEntityTooLargeException', async () => {
    const { randomBytes } = await import('node:crypto');
    const zip = await makeZip({ 'blob.bin': randomBytes(52_428_800 + 1024) });
    await rejects(
      lambda.send(new CreateFunctionCommand({ FunctionName: 'huge', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip } })),
      'RequestEntityTooLargeException',
      /smaller than 52428800 bytes/,
    );
  });
});
