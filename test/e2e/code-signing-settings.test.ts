/**
 * Code signing configs and the per-function settings infrastructure-as-code reads back, through
 * the real AWS SDK: configs stored and returned (LS-SNAP `TestCodeSigningConfig`), Enforce refusing
 * unsigned code with Lambda's error, recursion and runtime management configs, and the refusals
 * of what Nimbus does not run (function scaling configs, capacity providers); durable functions
 * answer as Lambda does for an execution that does not exist (docs/durable.md).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CreateCodeSigningConfigCommand,
  CreateFunctionCommand,
  DeleteCodeSigningConfigCommand,
  DeleteFunctionCodeSigningConfigCommand,
  GetCodeSigningConfigCommand,
  GetDurableExecutionCommand,
  GetFunctionCodeSigningConfigCommand,
  GetFunctionRecursionConfigCommand,
  GetFunctionScalingConfigCommand,
  GetRuntimeManagementConfigCommand,
  ListCapacityProvidersCommand,
  ListCodeSigningConfigsCommand,
  ListFunctionsByCodeSigningConfigCommand,
  ListTagsCommand,
  PublishVersionCommand,
  PutFunctionCodeSigningConfigCommand,
  PutFunctionRecursionConfigCommand,
  PutFunctionScalingConfigCommand,
  PutRuntimeManagementConfigCommand,
  UpdateCodeSigningConfigCommand,
  UpdateFunctionCodeCommand,
} from '@aws-sdk/client-lambda';
import { makeZip, ROLE, startTestNimbus } from '../helpers/nimbus.js';
import { rejects } from '../helpers/aws-errors.js';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function';
const PROFILE = 'arn:aws:signer:us-east-1:000000000000:/signing-profiles/test';

test('code signing configs, recursion and runtime management configs, and what is refused', async (t) => {
  const { lambda } = await startTestNimbus(t, { isolation: 'process' });
  const zip = await makeZip({ 'index.js': 'exports.handler = async () => 1;' });
  const fn = (name: string, extra: object = {}) =>
    lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip }, ...extra }));
  let warn = '';
  let enforce = '';

  await t.test('CreateCodeSigningConfig stores the config; Get, List and Update return it as AWS shows it', async () => {
    const c = await lambda.send(
      new CreateCodeSigningConfigCommand({ Description: 'test', AllowedPublishers: { SigningProfileVersionArns: [PROFILE] }, CodeSigningPolicies: { UntrustedArtifactOnDeployment: 'Warn' }, Tags: { k: 'v' } }),
    );
    assert.equal(c.$metadata.httpStatusCode, 201);
    const cfg = c.CodeSigningConfig!;
    assert.match(cfg.CodeSigningConfigId!, /^csc-[a-z0-9]{17}$/);
    assert.equal(cfg.CodeSigningConfigArn, `arn:aws:lambda:us-east-1:000000000000:code-signing-config:${cfg.CodeSigningConfigId}`);
    assert.deepEqual([cfg.Description, cfg.AllowedPublishers, cfg.CodeSigningPolicies], ['test', { SigningProfileVersionArns: [PROFILE] }, { UntrustedArtifactOnDeployment: 'Warn' }]);
    warn = cfg.CodeSigningConfigArn!;
    assert.deepEqual((await lambda.send(new GetCodeSigningConfigCommand({ CodeSigningConfigArn: warn }))).CodeSigningConfig, cfg);
    assert.deepEqual((await lambda.send(new ListTagsCommand({ Resource: warn }))).Tags, { k: 'v' });
    const e = await lambda.send(new CreateCodeSigningConfigCommand({ AllowedPublishers: { SigningProfileVersionArns: [PROFILE] }, CodeSigningPolicies: { UntrustedArtifactOnDeployment: 'Enforce' } }));
    enforce = e.CodeSigningConfig!.CodeSigningConfigArn!;
    const u = await lambda.send(new UpdateCodeSigningConfigCommand({ CodeSigningConfigArn: warn, Description: 'changed' }));
    assert.equal(u.CodeSigningConfig?.Description, 'changed');
    assert.equal(u.CodeSigningConfig?.CodeSigningPolicies?.UntrustedArtifactOnDeployment, 'Warn');
    const list = await lambda.send(new ListCodeSigningConfigsCommand({}));
    assert.deepEqual(list.CodeSigningConfigs?.map((x) => x.CodeSigningConfigArn).sort(), [warn, enforce].sort());
  });

  await t.test('a function with a Warn config deploys unsigned code; its config is read back and listed', async () => {
    await fn('signed', { CodeSigningConfigArn: warn });
    assert.deepEqual(await lambda.send(new GetFunctionCodeSigningConfigCommand({ FunctionName: 'signed' })).then((r) => [r.CodeSigningConfigArn, r.FunctionName]), [warn, 'signed']);
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'signed', ZipFile: zip }));
    assert.deepEqual((await lambda.send(new ListFunctionsByCodeSigningConfigCommand({ CodeSigningConfigArn: warn }))).FunctionArns, [`${FN}:signed`]);
  });

  await t.test('Enforce: Lambda refuses unsigned code (and Nimbus never has signed code), at create and at each code update', async () => {
    const refusal = (name: string) =>
      `Lambda cannot deploy the function. The function or layer might be signed using a signature that the client is not configured to accept. Check the provided signature for ${FN}:${name}.`;
    await rejects(fn('strict', { CodeSigningConfigArn: enforce }), 'CodeVerificationFailedException', refusal('strict'));
    await fn('later');
    const put = await lambda.send(new PutFunctionCodeSigningConfigCommand({ FunctionName: 'later', CodeSigningConfigArn: enforce }));
    assert.deepEqual([put.CodeSigningConfigArn, put.FunctionName], [enforce, 'later']);
    await rejects(lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'later', ZipFile: zip })), 'CodeVerificationFailedException', refusal('later'));
    await rejects(lambda.send(new DeleteCodeSigningConfigCommand({ CodeSigningConfigArn: enforce })), 'ResourceConflictException');
    await lambda.send(new DeleteFunctionCodeSigningConfigCommand({ FunctionName: 'later' }));
    assert.deepEqual(await lambda.send(new GetFunctionCodeSigningConfigCommand({ FunctionName: 'later' })).then((r) => [r.CodeSigningConfigArn, r.FunctionName]), [undefined, undefined]);
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'later', ZipFile: zip }));
    const del = await lambda.send(new DeleteCodeSigningConfigCommand({ CodeSigningConfigArn: enforce }));
    assert.equal(del.$metadata.httpStatusCode, 204);
  });

  await t.test("code signing's not-found errors are AWS's", async () => {
    const missing = 'arn:aws:lambda:us-east-1:000000000000:code-signing-config:csc-0000000000000000a';
    await rejects(lambda.send(new GetCodeSigningConfigCommand({ CodeSigningConfigArn: missing })), 'ResourceNotFoundException', `The Lambda code signing configuration ${missing} can not be found.`);
    await rejects(
      lambda.send(new PutFunctionCodeSigningConfigCommand({ FunctionName: 'nope', CodeSigningConfigArn: missing })),
      'CodeSigningConfigNotFoundException',
      `The code signing configuration cannot be found. Check that the provided configuration is not deleted: ${missing}.`,
    );
    await rejects(lambda.send(new PutFunctionCodeSigningConfigCommand({ FunctionName: 'nope', CodeSigningConfigArn: warn })), 'ResourceNotFoundException', `Function not found: ${FN}:nope`);
    await rejects(lambda.send(new GetFunctionCodeSigningConfigCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException', `Function not found: ${FN}:nope`);
    assert.deepEqual((await lambda.send(new ListFunctionsByCodeSigningConfigCommand({ CodeSigningConfigArn: warn }))).FunctionArns, [`${FN}:signed`]);
  });

  await t.test('recursion config: Terminate by default, Allow stored, bad values refused', async () => {
    assert.equal((await lambda.send(new GetFunctionRecursionConfigCommand({ FunctionName: 'signed' }))).RecursiveLoop, 'Terminate');
    assert.equal((await lambda.send(new PutFunctionRecursionConfigCommand({ FunctionName: 'signed', RecursiveLoop: 'Allow' }))).RecursiveLoop, 'Allow');
    assert.equal((await lambda.send(new GetFunctionRecursionConfigCommand({ FunctionName: `${FN}:signed` }))).RecursiveLoop, 'Allow');
    await rejects(
      lambda.send(new PutFunctionRecursionConfigCommand({ FunctionName: 'signed', RecursiveLoop: 'InvalidValue' as never })),
      'ValidationException',
      "1 validation error detected: Value 'InvalidValue' at 'recursiveLoop' failed to satisfy constraint: Member must satisfy enum value set: [Terminate, Allow]",
    );
    await rejects(lambda.send(new GetFunctionRecursionConfigCommand({ FunctionName: 'nope' })), 'ResourceNotFoundException');
  });

  await t.test('runtime management: Auto by default, per version; Manual only for the runtime version Nimbus runs', async () => {
    const get = await lambda.send(new GetRuntimeManagementConfigCommand({ FunctionName: 'signed' }));
    assert.deepEqual([get.UpdateRuntimeOn, get.FunctionArn, get.RuntimeVersionArn], ['Auto', `${FN}:signed:$LATEST`, undefined]);
    const put = await lambda.send(new PutRuntimeManagementConfigCommand({ FunctionName: 'signed', UpdateRuntimeOn: 'FunctionUpdate' }));
    assert.equal(put.UpdateRuntimeOn, 'FunctionUpdate');
    await lambda.send(new PublishVersionCommand({ FunctionName: 'signed' }));
    assert.equal((await lambda.send(new GetRuntimeManagementConfigCommand({ FunctionName: 'signed', Qualifier: '1' }))).UpdateRuntimeOn, 'Auto');
    const runs = 'arn:aws:lambda:us-east-1::runtime:nimbus-nodejs20.x';
    const manual = await lambda.send(new PutRuntimeManagementConfigCommand({ FunctionName: 'signed', Qualifier: '1', UpdateRuntimeOn: 'Manual', RuntimeVersionArn: runs }));
    assert.deepEqual([manual.UpdateRuntimeOn, manual.RuntimeVersionArn, manual.FunctionArn], ['Manual', runs, `${FN}:signed:1`]);
    assert.equal((await lambda.send(new GetRuntimeManagementConfigCommand({ FunctionName: 'signed', Qualifier: '1' }))).RuntimeVersionArn, runs);
    await rejects(
      lambda.send(new PutRuntimeManagementConfigCommand({ FunctionName: 'signed', UpdateRuntimeOn: 'Manual', RuntimeVersionArn: 'arn:aws:lambda:us-east-1::runtime:0123456789abcdef' })),
      'InvalidParameterValueException',
      /cannot pin/,
    );
    await rejects(lambda.send(new PutRuntimeManagementConfigCommand({ FunctionName: 'signed', UpdateRuntimeOn: 'Sometimes' as never })), 'ValidationException');
  });

  await t.test('refused with Lambda\'s error for an unsupported setting: scaling configs, capacity providers; durable executions work', async () => {
    await rejects(lambda.send(new PutFunctionScalingConfigCommand({ FunctionName: 'signed', Qualifier: '1', FunctionScalingConfig: { MinExecutionEnvironments: 1 } })), 'InvalidParameterValueException', /no capacity provider/);
    await rejects(lambda.send(new GetFunctionScalingConfigCommand({ FunctionName: 'signed', Qualifier: '1' })), 'InvalidParameterValueException', /no capacity provider/);
    await rejects(lambda.send(new GetFunctionScalingConfigCommand({ FunctionName: 'signed', Qualifier: '7' })), 'ResourceNotFoundException');
    await rejects(lambda.send(new GetDurableExecutionCommand({ DurableExecutionArn: `${FN}:signed:1/durable-execution/x/y` })), 'ResourceNotFoundException', /Durable execution not found/);
    await rejects(lambda.send(new ListCapacityProvidersCommand({})), 'InvalidParameterValueException', /^ListCapacityProviders: Nimbus does not support Lambda Managed Instances/);
    // DurableConfig works on the runtimes AWS ships a durable SDK for (nodejs22.x/24.x, python3.13/3.14), not on this one.
    await rejects(fn('durable', { DurableConfig: { ExecutionTimeout: 60 } }), 'InvalidParameterValueException', /DurableConfig is not supported for runtime/);
  });
});
