/**
 * The layer operations through the real AWS SDK: publish, get (by name and by ARN), list with
 * filters and pages, delete, layer version permissions, and a function's `Layers` with AWS's
 * refusals (LS-SNAP `TestLambdaLayer` recorded these messages against AWS).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  AddLayerVersionPermissionCommand,
  CreateFunctionCommand,
  DeleteLayerVersionCommand,
  GetFunctionConfigurationCommand,
  GetLayerVersionByArnCommand,
  GetLayerVersionCommand,
  GetLayerVersionPolicyCommand,
  ListLayersCommand,
  ListLayerVersionsCommand,
  paginateListLayerVersions,
  PublishLayerVersionCommand,
  RemoveLayerVersionPermissionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { makeZip, ROLE, startTestNimbus } from '../helpers/nimbus.js';
import { rejects } from '../helpers/aws-errors.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:layer';

test('layer versions with @aws-sdk/client-lambda', async (t) => {
  const { lambda } = await startTestNimbus(t, { isolation: 'process' });
  const zip = await makeZip({ 'nodejs/node_modules/greeting/index.js': 'module.exports = () => "hi";' });
  const code = () => makeZip({ 'index.js': 'exports.handler = async () => 1;' });

  await t.test('PublishLayerVersion stores the zip and answers AWS shape: version 1, ARNs, content hash and size, 201', async () => {
    const p = await lambda.send(
      new PublishLayerVersionCommand({ LayerName: 'shared', Description: 'd', LicenseInfo: 'MIT', CompatibleRuntimes: ['nodejs20.x', 'python3.11'], CompatibleArchitectures: ['x86_64'], Content: { ZipFile: zip } }),
    );
    assert.equal(p.$metadata.httpStatusCode, 201);
    assert.equal(p.Version, 1);
    assert.equal(p.LayerArn, `${ARN}:shared`);
    assert.equal(p.LayerVersionArn, `${ARN}:shared:1`);
    assert.equal(p.Content?.CodeSha256, createHash('sha256').update(zip).digest('base64'));
    assert.equal(p.Content?.CodeSize, zip.length);
    assert.deepEqual([p.Description, p.LicenseInfo, p.CompatibleRuntimes, p.CompatibleArchitectures], ['d', 'MIT', ['nodejs20.x', 'python3.11'], ['x86_64']]);
    assert.match(p.CreatedDate ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    // Content.Location downloads the zip as uploaded.
    const download = Buffer.from(await (await fetch(p.Content!.Location!)).arrayBuffer());
    assert.deepEqual(download, zip);
  });

  await t.test('a publish without compatibility lists omits them; numbers go on', async () => {
    const p = await lambda.send(new PublishLayerVersionCommand({ LayerName: 'shared', Content: { ZipFile: zip } }));
    assert.equal(p.Version, 2);
    assert.equal(p.CompatibleRuntimes, undefined);
    assert.equal(p.LicenseInfo, undefined);
    assert.equal(p.Description, '');
  });

  await t.test('GetLayerVersion and GetLayerVersionByArn answer the published version', async () => {
    const g = await lambda.send(new GetLayerVersionCommand({ LayerName: 'shared', VersionNumber: 1 }));
    assert.equal(g.LayerVersionArn, `${ARN}:shared:1`);
    assert.deepEqual(g.CompatibleRuntimes, ['nodejs20.x', 'python3.11']);
    const byArn = await lambda.send(new GetLayerVersionByArnCommand({ Arn: `${ARN}:shared:2` }));
    assert.equal(byArn.Version, 2);
    const byLayerArn = await lambda.send(new GetLayerVersionCommand({ LayerName: `${ARN}:shared`, VersionNumber: 2 }));
    assert.equal(byLayerArn.Content?.CodeSize, zip.length);
  });

  await t.test('missing versions and bad numbers get AWS errors', async () => {
    await rejects(lambda.send(new GetLayerVersionCommand({ LayerName: 'shared', VersionNumber: 9 })), 'ResourceNotFoundException', 'The resource you requested does not exist.');
    await rejects(lambda.send(new GetLayerVersionCommand({ LayerName: 'nope', VersionNumber: 1 })), 'ResourceNotFoundException');
    await rejects(lambda.send(new GetLayerVersionCommand({ LayerName: 'shared', VersionNumber: 0 })), 'InvalidParameterValueException', 'Layer Version Cannot be less than 1');
    await rejects(lambda.send(new GetLayerVersionByArnCommand({ Arn: `${ARN}:shared` })), 'ValidationException', /at 'arn' failed to satisfy constraint: Member must satisfy regular expression pattern/);
    await rejects(lambda.send(new GetLayerVersionByArnCommand({ Arn: `${ARN}:shared:7` })), 'ResourceNotFoundException');
  });

  await t.test('publish refusals: invalid runtimes and architectures (both at once), S3 content, a bad zip', async () => {
    await rejects(
      lambda.send(new PublishLayerVersionCommand({ LayerName: 'x', CompatibleRuntimes: ['invalidruntime'] as never, CompatibleArchitectures: ['invalidarch'] as never, Content: { ZipFile: zip } })),
      'ValidationException',
      /^2 validation errors detected: Value '\[invalidruntime\]' at 'compatibleRuntimes' failed to satisfy constraint: Member must satisfy enum value set: \[.*\]; Value '\[invalidarch\]' at 'compatibleArchitectures' failed to satisfy constraint: Member must satisfy constraint: \[Member must satisfy enum value set: \[x86_64, arm64\], Member must not be null\]$/,
    );
    await rejects(lambda.send(new PublishLayerVersionCommand({ LayerName: 'x', Content: { S3Bucket: 'no-such-bucket', S3Key: 'k' } })), 'InvalidParameterValueException', /S3 Error Code: NoSuchBucket/);
    await rejects(lambda.send(new PublishLayerVersionCommand({ LayerName: 'x', Content: { ZipFile: Buffer.from('not a zip') } })), 'InvalidParameterValueException', /^Could not unzip uploaded file/);
  });

  await t.test('ListLayers shows each layer with its newest matching version; filters and pages', async () => {
    await lambda.send(new PublishLayerVersionCommand({ LayerName: 'arm-only', CompatibleArchitectures: ['arm64'], CompatibleRuntimes: ['python3.11'], Content: { ZipFile: zip } }));
    const all = await lambda.send(new ListLayersCommand({}));
    assert.deepEqual(all.Layers?.map((l) => [l.LayerName, l.LatestMatchingVersion?.Version]), [['arm-only', 1], ['shared', 2]]);
    assert.equal(all.Layers?.[1]?.LayerArn, `${ARN}:shared`);
    // Version 2 names no runtime, so the newest node-compatible version is 1.
    const node = await lambda.send(new ListLayersCommand({ CompatibleRuntime: 'nodejs20.x' }));
    assert.deepEqual(node.Layers?.map((l) => [l.LayerName, l.LatestMatchingVersion?.Version]), [['shared', 1]]);
    const arm = await lambda.send(new ListLayersCommand({ CompatibleArchitecture: 'arm64' }));
    assert.deepEqual(arm.Layers?.map((l) => l.LayerName), ['arm-only']);
    const first = await lambda.send(new ListLayersCommand({ MaxItems: 1 }));
    assert.equal(first.Layers?.length, 1);
    const second = await lambda.send(new ListLayersCommand({ MaxItems: 1, Marker: first.NextMarker }));
    assert.deepEqual(second.Layers?.map((l) => l.LayerName), ['shared']);
    assert.equal(second.NextMarker, undefined);
    await rejects(lambda.send(new ListLayersCommand({ CompatibleRuntime: 'runtimedoesnotexist' as never })), 'ValidationException', /at 'compatibleRuntime' failed to satisfy constraint/);
    await rejects(lambda.send(new ListLayersCommand({ MaxItems: 51 })), 'ValidationException', /less than or equal to 50/);
  });

  await t.test('ListLayerVersions: newest first, paged; a layer that does not exist lists none', async () => {
    const pages = [];
    for await (const page of paginateListLayerVersions({ client: lambda, pageSize: 1 }, { LayerName: 'shared' })) pages.push(page.LayerVersions?.map((v) => v.Version));
    assert.deepEqual(pages, [[2], [1]]);
    assert.deepEqual((await lambda.send(new ListLayerVersionsCommand({ LayerName: 'nothing-here' }))).LayerVersions, []);
  });

  await t.test('layer version permissions: add, read back exactly, duplicate, stale revision, remove', async () => {
    await rejects(lambda.send(new GetLayerVersionPolicyCommand({ LayerName: 'shared', VersionNumber: 1 })), 'ResourceNotFoundException', 'No policy is associated with the given resource.');
    const add = await lambda.send(new AddLayerVersionPermissionCommand({ LayerName: 'shared', VersionNumber: 1, StatementId: 'xaccount', Action: 'lambda:GetLayerVersion', Principal: '223456789012' }));
    assert.equal(add.$metadata.httpStatusCode, 201);
    const statement = { Sid: 'xaccount', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::223456789012:root' }, Action: 'lambda:GetLayerVersion', Resource: `${ARN}:shared:1` };
    assert.deepEqual(JSON.parse(add.Statement!), statement);
    const org = await lambda.send(
      new AddLayerVersionPermissionCommand({ LayerName: 'shared', VersionNumber: 1, StatementId: 'org', Action: 'lambda:GetLayerVersion', Principal: '*', OrganizationId: 'o-abcdefghij', RevisionId: add.RevisionId }),
    );
    assert.notEqual(org.RevisionId, add.RevisionId);
    const policy = await lambda.send(new GetLayerVersionPolicyCommand({ LayerName: 'shared', VersionNumber: 1 }));
    assert.equal(policy.RevisionId, org.RevisionId);
    assert.deepEqual(JSON.parse(policy.Policy!), {
      Version: '2012-10-17',
      Id: 'default',
      Statement: [statement, { Sid: 'org', Effect: 'Allow', Principal: '*', Action: 'lambda:GetLayerVersion', Resource: `${ARN}:shared:1`, Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-abcdefghij' } } }],
    });
    await rejects(
      lambda.send(new AddLayerVersionPermissionCommand({ LayerName: 'shared', VersionNumber: 1, StatementId: 'org', Action: 'lambda:GetLayerVersion', Principal: '*' })),
      'ResourceConflictException',
      'The statement id (org) provided already exists. Please provide a new statement id, or remove the existing statement.',
    );
    await rejects(
      lambda.send(new AddLayerVersionPermissionCommand({ LayerName: 'shared', VersionNumber: 1, StatementId: 's3', Action: 'lambda:GetLayerVersion', Principal: '*', RevisionId: add.RevisionId })),
      'PreconditionFailedException',
      'The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id',
    );
    await rejects(
      lambda.send(new AddLayerVersionPermissionCommand({ LayerName: 'shared', VersionNumber: 1, StatementId: 's4', Action: '*', Principal: '*' })),
      'ValidationException',
      "1 validation error detected: Value '*' at 'action' failed to satisfy constraint: Member must satisfy regular expression pattern: lambda:GetLayerVersion",
    );
    await rejects(
      lambda.send(new AddLayerVersionPermissionCommand({ LayerName: 'shared', VersionNumber: 5, StatementId: 's5', Action: 'lambda:GetLayerVersion', Principal: '*' })),
      'ResourceNotFoundException',
      `Layer version ${ARN}:shared:5 does not exist.`,
    );
    await rejects(lambda.send(new RemoveLayerVersionPermissionCommand({ LayerName: 'shared', VersionNumber: 1, StatementId: 'nope' })), 'ResourceNotFoundException', 'Statement nope is not found in resource policy.');
    await lambda.send(new RemoveLayerVersionPermissionCommand({ LayerName: 'shared', VersionNumber: 1, StatementId: 'org' }));
    const after = await lambda.send(new GetLayerVersionPolicyCommand({ LayerName: 'shared', VersionNumber: 1 }));
    assert.deepEqual((JSON.parse(after.Policy!) as { Statement: unknown[] }).Statement, [statement]);
  });

  await t.test("a function's Layers: AWS's refusals, then [{Arn, CodeSize}] in its configuration", async () => {
    const create = async (layers: string[], name = 'fn') =>
      lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await code() }, Layers: layers }));
    await rejects(create(Array.from({ length: 6 }, () => `${ARN}:shared:1`)), 'InvalidParameterValueException', 'Cannot reference more than 5 layers.');
    await rejects(create([`${ARN}:shared`]), 'ValidationException', new RegExp(`^1 validation error detected: Value '\\[${ARN}:shared\\]' at 'layers' failed to satisfy constraint`));
    await rejects(create(['arn:aws:lambda:eu-west-1:000000000000:layer:shared:1']), 'InvalidParameterValueException', 'Layers are not in the same region as the function. Layers are expected to be in region us-east-1.');
    await rejects(create([`${ARN}:shared:9`]), 'InvalidParameterValueException', `Layer version ${ARN}:shared:9 does not exist.`);
    await rejects(
      create([`${ARN}:shared:1`, `${ARN}:shared:2`]),
      'InvalidParameterValueException',
      `Two different versions of the same layer are not allowed to be referenced in the same function. ${ARN}:shared:1 and ${ARN}:shared:2 are versions of the same layer.`,
    );
    const c = await create([`${ARN}:shared:2`, `${ARN}:arm-only:1`]);
    assert.deepEqual(c.Layers, [{ Arn: `${ARN}:shared:2`, CodeSize: zip.length }, { Arn: `${ARN}:arm-only:1`, CodeSize: zip.length }]);
    const u = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn', Layers: [`${ARN}:shared:1`] }));
    assert.deepEqual(u.Layers, [{ Arn: `${ARN}:shared:1`, CodeSize: zip.length }]);
    const none = await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn', Layers: [] }));
    assert.equal(none.Layers, undefined);
  });

  await t.test('DeleteLayerVersion: gone from the API (idempotent), still on the functions that use it, never renumbered', async () => {
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn', Layers: [`${ARN}:shared:1`] }));
    const del = await lambda.send(new DeleteLayerVersionCommand({ LayerName: 'shared', VersionNumber: 1 }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    await lambda.send(new DeleteLayerVersionCommand({ LayerName: 'shared', VersionNumber: 1 }));
    await rejects(lambda.send(new GetLayerVersionCommand({ LayerName: 'shared', VersionNumber: 1 })), 'ResourceNotFoundException');
    const fn = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn' }));
    assert.deepEqual(fn.Layers, [{ Arn: `${ARN}:shared:1`, CodeSize: zip.length }]);
    await rejects(
      lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'fn', Layers: [`${ARN}:shared:1`] })),
      'InvalidParameterValueException',
      `Layer version ${ARN}:shared:1 does not exist.`,
    );
    await lambda.send(new DeleteLayerVersionCommand({ LayerName: 'shared', VersionNumber: 2 }));
    const p = await lambda.send(new PublishLayerVersionCommand({ LayerName: 'shared', Content: { ZipFile: zip } }));
    assert.equal(p.Version, 3);
  });

  await t.test("the function's code and its layers together stay within Lambda's 250 MB unzipped", async () => {
    // Zeros compress a thousandfold: 130 MB + 135 MB unzipped, from zips of a few hundred KB.
    const big = await makeZip({ 'data/zeros.bin': Buffer.alloc(135 * 2 ** 20) });
    const l = await lambda.send(new PublishLayerVersionCommand({ LayerName: 'big', Content: { ZipFile: big } }));
    const fnZip = await makeZip({ 'index.js': 'exports.handler = async () => 1;', 'blob.bin': Buffer.alloc(130 * 2 ** 20) });
    await rejects(
      lambda.send(new CreateFunctionCommand({ FunctionName: 'too-big', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: fnZip }, Layers: [l.LayerVersionArn!] })),
      'InvalidParameterValueException',
      /^Function code combined with layers exceeds the maximum allowed size of 262144000 bytes\. The actual size is 27\d{7} bytes\.$/,
    );
  });
});
