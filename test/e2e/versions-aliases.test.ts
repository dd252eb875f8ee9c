/** Versions and aliases through the real AWS SDK: publish, list, qualifiers, weighted routing. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  paginateListVersionsByFunction,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  ListFunctionsCommand,
  paginateListFunctions,
} from '@aws-sdk/client-lambda';
import { makeZip, payloadJson, ROLE, startTestNimbus } from '../helpers/nimbus.js';
import { rejects } from '../helpers/aws-errors.js';

const code = (tag: string): Promise<Buffer> => makeZip({ 'index.js': `exports.handler = async () => ${JSON.stringify(tag)};` });

test('versions and aliases with @aws-sdk/client-lambda', async (t) => {
  const nimbus = await startTestNimbus(t);
  const { lambda } = nimbus;
  const arn = 'arn:aws:lambda:us-east-1:000000000000:function:shop';
  const invoke = async (q?: string) => {
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'shop', ...(q ? { Qualifier: q } : {}) }));
    return { body: payloadJson(r.Payload), version: r.ExecutedVersion };
  };

  await t.test('CreateFunction with Publish returns version 1 with an unqualified ARN', async () => {
    const c = await lambda.send(
      new CreateFunctionCommand({ FunctionName: 'shop', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await code('v1') }, Publish: true }),
    );
    assert.equal(c.Version, '1');
    assert.equal(c.FunctionArn, arn);
  });

  await t.test('PublishVersion is idempotent while nothing changed', async () => {
    const p = await lambda.send(new PublishVersionCommand({ FunctionName: 'shop' }));
    assert.equal(p.Version, '1');
    assert.equal(p.FunctionArn, `${arn}:1`);
  });

  await t.test('a new version snapshots code and configuration; old versions keep theirs', async () => {
    const u = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'shop', ZipFile: await code('v2') }));
    await rejects(
      lambda.send(new PublishVersionCommand({ FunctionName: 'shop', CodeSha256: 'AAAA' })),
      'InvalidParameterValueException',
      `CodeSHA256 (AAAA) is different from current CodeSHA256 in $LATEST (${u.CodeSha256!}). Please try again with the CodeSHA256 in $LATEST.`,
    );
    await rejects(
      lambda.send(new PublishVersionCommand({ FunctionName: 'shop', RevisionId: 'nope' })),
      'PreconditionFailedException',
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
    const p = await lambda.send(new PublishVersionCommand({ FunctionName: 'shop', CodeSha256: u.CodeSha256!, Description: 'second' }));
    assert.equal(p.Version, '2');
    assert.equal(p.Description, 'second');
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'shop', MemorySize: 256 }));
    const v1 = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'shop', Qualifier: '1' }));
    assert.equal(v1.Version, '1');
    assert.equal(v1.FunctionArn, `${arn}:1`);
    assert.equal(v1.MemorySize, 128);
    const g = await lambda.send(new GetFunctionCommand({ FunctionName: 'shop:2' }));
    assert.equal(g.Configuration?.Version, '2');
    assert.deepEqual(await invoke('1'), { body: 'v1', version: '1' });
    assert.deepEqual(await invoke('2'), { body: 'v2', version: '2' });
    assert.deepEqual(await invoke(), { body: 'v2', version: '$LATEST' });
    const u3 = await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'shop', ZipFile: await code('v3'), Publish: true }));
    assert.equal(u3.Version, '3');
    assert.deepEqual(await invoke('3'), { body: 'v3', version: '3' });
  });

  await t.test('ListVersionsByFunction lists $LATEST then versions, with qualified ARNs and pages', async () => {
    const all = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'shop' }));
    assert.deepEqual(all.Versions?.map((v) => v.Version), ['$LATEST', '1', '2', '3']);
    assert.deepEqual(all.Versions?.map((v) => v.FunctionArn), [`${arn}:$LATEST`, `${arn}:1`, `${arn}:2`, `${arn}:3`]);
    assert.equal(all.NextMarker, undefined);
    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateListVersionsByFunction({ client: lambda, pageSize: 3 }, { FunctionName: 'shop' })) {
      pages++;
      seen.push(...(page.Versions ?? []).map((v) => v.Version!));
    }
    assert.equal(pages, 2);
    assert.deepEqual(seen, ['$LATEST', '1', '2', '3']);
  });

  await t.test('ListFunctions with FunctionVersion=ALL lists every version, across pages', async () => {
    const listed: string[] = [];
    for await (const page of paginateListFunctions({ client: lambda, pageSize: 2 }, { FunctionVersion: 'ALL' })) {
      listed.push(...(page.Functions ?? []).map((f) => f.FunctionArn!));
    }
    assert.deepEqual(listed, [`${arn}:$LATEST`, `${arn}:1`, `${arn}:2`, `${arn}:3`]);
    const latestOnly = await lambda.send(new ListFunctionsCommand({}));
    assert.deepEqual(latestOnly.Functions?.map((f) => f.FunctionArn), [arn]);
  });

  await t.test('aliases: create, get, list, update, errors', async () => {
    const a = await lambda.send(new CreateAliasCommand({ FunctionName: 'shop', Name: 'live', FunctionVersion: '1', Description: 'prod' }));
    assert.equal(a.AliasArn, `${arn}:live`);
    assert.equal(a.FunctionVersion, '1');
    assert.equal(a.RoutingConfig, undefined);
    await rejects(
      lambda.send(new CreateAliasCommand({ FunctionName: 'shop', Name: 'live', FunctionVersion: '1' })),
      'ResourceConflictException',
      `Alias already exists: ${arn}:live`,
    );
    await rejects(
      lambda.send(new CreateAliasCommand({ FunctionName: 'shop', Name: '2024', FunctionVersion: '1' })),
      'ValidationException',
      "1 validation error detected: Value '2024' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)",
    );
    await rejects(lambda.send(new GetAliasCommand({ FunctionName: 'shop', Name: 'nope' })), 'ResourceNotFoundException', `Cannot find alias arn: ${arn}:nope`);
    await rejects(
      lambda.send(new UpdateAliasCommand({ FunctionName: 'shop', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1, '3': 0.1 } } })),
      'InvalidParameterValueException',
      'Number of items in AdditionalVersionWeights cannot be greater than 1',
    );
    await rejects(
      lambda.send(new UpdateAliasCommand({ FunctionName: 'shop', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '1': 0.5 } } })),
      'InvalidParameterValueException',
      'Invalid function version 1. Function version 1 is already included in routing configuration.',
    );
    await rejects(
      lambda.send(new UpdateAliasCommand({ FunctionName: 'shop', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '2': 2 } } })),
      'ValidationException',
      "1 validation error detected: Value '{2=2.0}' at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]",
    );
    await rejects(
      lambda.send(new CreateAliasCommand({ FunctionName: 'shop', Name: 'edge', FunctionVersion: '$LATEST', RoutingConfig: { AdditionalVersionWeights: { '2': 0.5 } } })),
      'InvalidParameterValueException',
      '$LATEST is not supported for an alias pointing to more than 1 version',
    );
    await rejects(
      lambda.send(new UpdateAliasCommand({ FunctionName: 'shop', Name: 'live', RevisionId: 'stale' })),
      'PreconditionFailedException',
    );
    await rejects(lambda.send(new UpdateAliasCommand({ FunctionName: 'shop', Name: 'ghost' })), 'ResourceNotFoundException', `Alias not found: ${arn}:ghost`);
    await lambda.send(new CreateAliasCommand({ FunctionName: 'shop', Name: 'beta', FunctionVersion: '3' }));
    const list = await lambda.send(new ListAliasesCommand({ FunctionName: 'shop' }));
    assert.deepEqual(list.Aliases?.map((x) => x.Name), ['beta', 'live']);
    const only3 = await lambda.send(new ListAliasesCommand({ FunctionName: 'shop', FunctionVersion: '3' }));
    assert.deepEqual(only3.Aliases?.map((x) => x.Name), ['beta']);
    assert.deepEqual(await invoke('beta'), { body: 'v3', version: '3' });
    const got = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'shop', Qualifier: 'beta' }));
    assert.equal(got.Version, '3');
  });

  await t.test('a version used by an alias cannot be deleted; an unused one can', async () => {
    await rejects(lambda.send(new DeleteFunctionCommand({ FunctionName: 'shop', Qualifier: '3' })), 'ResourceConflictException', /beta/);
    await rejects(
      lambda.send(new DeleteFunctionCommand({ FunctionName: 'shop', Qualifier: '$LATEST' })),
      'InvalidParameterValueException',
      '$LATEST version cannot be deleted without deleting the function.',
    );
    await lambda.send(new DeleteAliasCommand({ FunctionName: 'shop', Name: 'beta' }));
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'shop', Qualifier: '3' }));
    await rejects(lambda.send(new InvokeCommand({ FunctionName: 'shop', Qualifier: '3' })), 'ResourceNotFoundException', `Function not found: ${arn}:3`);
    const all = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'shop' }));
    assert.deepEqual(all.Versions?.map((v) => v.Version), ['$LATEST', '1', '2']);
    // Version numbers are never reused.
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'shop', ZipFile: await code('v4') }));
    const p = await lambda.send(new PublishVersionCommand({ FunctionName: 'shop' }));
    assert.equal(p.Version, '4');
  });

  await t.test('a 30% weight gets between 25% and 35% of 2,000 invocations', async () => {
    const u = await lambda.send(new UpdateAliasCommand({ FunctionName: 'shop', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '2': 0.3 } } }));
    assert.deepEqual(u.RoutingConfig?.AdditionalVersionWeights, { '2': 0.3 });
    const counts = new Map<string, number>();
    const bodies = new Map<string, unknown>();
    const worker = async (n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const r = await invoke('live');
        counts.set(r.version!, (counts.get(r.version!) ?? 0) + 1);
        bodies.set(r.version!, r.body);
      }
    };
    await Promise.all(Array.from({ length: 4 }, () => worker(500)));
    const v2 = counts.get('2') ?? 0;
    assert.equal(v2 + (counts.get('1') ?? 0), 2000);
    assert.ok(v2 >= 500 && v2 <= 700, `version 2 ran ${v2} of 2000 times`);
    // The executed version is the one that really ran.
    assert.deepEqual(Object.fromEntries(bodies), { '1': 'v1', '2': 'v2' });
  });
});

test('alias routing uses the injected randomness', async (t) => {
  let next = 0;
  const nimbus = await startTestNimbus(t, { random: () => next });
  const { lambda } = nimbus;
  await lambda.send(
    new CreateFunctionCommand({ FunctionName: 'pick', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await code('a') }, Publish: true }),
  );
  await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'pick', ZipFile: await code('b'), Publish: true }));
  await lambda.send(new CreateAliasCommand({ FunctionName: 'pick', Name: 'split', FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.25 } } }));
  const run = async (r: number) => {
    next = r;
    return (await lambda.send(new InvokeCommand({ FunctionName: 'pick:split' }))).ExecutedVersion;
  };
  assert.equal(await run(0.1), '2');
  assert.equal(await run(0.2499), '2');
  assert.equal(await run(0.25), '1');
  assert.equal(await run(0.9), '1');
});
