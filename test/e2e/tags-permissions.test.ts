/**
 * The read-backs infrastructure-as-code performs after a create, through the real AWS SDK: tags,
 * resource-based policies (AddPermission, RemovePermission, GetPolicy and the resource-policy
 * operations), with the RevisionId moving as AWS moves it (LS-SNAP `TestLambdaTag`,
 * `TestLambdaPermissions`, `test_function_revisions_permissions`).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  DeleteFunctionCommand,
  DeleteResourcePolicyCommand,
  GetFunctionCommand,
  GetPolicyCommand,
  GetResourcePolicyCommand,
  ListTagsCommand,
  PublishVersionCommand,
  PutResourcePolicyCommand,
  RemovePermissionCommand,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-lambda';
import { makeZip, ROLE, startTestNimbus } from '../helpers/nimbus.js';
import { rejects } from '../helpers/aws-errors.js';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function';

test('tags and resource-based policies with @aws-sdk/client-lambda', async (t) => {
  const { lambda } = await startTestNimbus(t, { isolation: 'process' });
  const zip = await makeZip({ 'index.js': 'exports.handler = async () => 1;' });
  const revision = async (q?: string) => (await lambda.send(new GetFunctionCommand({ FunctionName: 'app', ...(q ? { Qualifier: q } : {}) }))).Configuration!.RevisionId!;

  await t.test("Tags on CreateFunction come back in GetFunction and ListTags; GetFunction omits them when there are none", async () => {
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'app', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip }, Tags: { team: 'core', env: 'dev' } }));
    assert.deepEqual((await lambda.send(new GetFunctionCommand({ FunctionName: 'app' }))).Tags, { team: 'core', env: 'dev' });
    assert.deepEqual((await lambda.send(new ListTagsCommand({ Resource: `${FN}:app` }))).Tags, { team: 'core', env: 'dev' });
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'plain', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip } }));
    assert.equal((await lambda.send(new GetFunctionCommand({ FunctionName: 'plain' }))).Tags, undefined);
    assert.deepEqual((await lambda.send(new ListTagsCommand({ Resource: `${FN}:plain` }))).Tags, {});
  });

  await t.test('TagResource merges and overwrites, UntagResource removes (missing keys are fine), each moving the RevisionId', async () => {
    const before = await revision();
    const tag = await lambda.send(new TagResourceCommand({ Resource: `${FN}:app`, Tags: { env: 'prod', owner: 'me' } }));
    assert.equal(tag.$metadata.httpStatusCode, 204);
    assert.deepEqual((await lambda.send(new ListTagsCommand({ Resource: `${FN}:app` }))).Tags, { team: 'core', env: 'prod', owner: 'me' });
    const afterTag = await revision();
    assert.notEqual(afterTag, before);
    await lambda.send(new UntagResourceCommand({ Resource: `${FN}:app`, TagKeys: ['team', 'nope'] }));
    assert.deepEqual((await lambda.send(new ListTagsCommand({ Resource: `${FN}:app` }))).Tags, { env: 'prod', owner: 'me' });
    assert.notEqual(await revision(), afterTag);
  });

  await t.test('tag refusals are AWS\'s', async () => {
    await rejects(lambda.send(new TagResourceCommand({ Resource: `${FN}:app:1`, Tags: { a: 'b' } })), 'InvalidParameterValueException', 'Tags on function aliases and versions are not supported. Please specify a function ARN.');
    await rejects(lambda.send(new ListTagsCommand({ Resource: `${FN}:nope` })), 'ResourceNotFoundException', `Function not found: ${FN}:nope`);
    await rejects(lambda.send(new TagResourceCommand({ Resource: `${FN}:app`, Tags: {} })), 'InvalidParameterValueException', 'An error occurred and the request cannot be processed.');
    await rejects(lambda.send(new UntagResourceCommand({ Resource: `${FN}:app`, TagKeys: [] })), 'ValidationException', "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null");
    await rejects(lambda.send(new ListTagsCommand({ Resource: 'arn:aws:lambda:us-east-1:000000000000:foobar:x' })), 'ValidationException', /at 'resource' failed to satisfy constraint: Member must satisfy regular expression pattern/);
    const many = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v']));
    await rejects(lambda.send(new TagResourceCommand({ Resource: `${FN}:app`, Tags: many })), 'InvalidParameterValueException', 'Number of tags exceeds resource tag limit.');
    await rejects(
      lambda.send(new CreateFunctionCommand({ FunctionName: 'over', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip }, Tags: { ...many, a: '1', b: '2' } })),
      'InvalidParameterValueException',
      'Number of tags exceeds resource tag limit.',
    );
    await rejects(lambda.send(new ListTagsCommand({ Resource: 'arn:aws:lambda:us-east-1:000000000000:event-source-mapping:0b1a4a5e-1111-2222-3333-444455556666' })), 'ResourceNotFoundException', /^Event source mapping not found: /);
  });

  await t.test('AddPermission answers the statement as AWS shapes it, and GetPolicy the document, with the function\'s RevisionId', async () => {
    const before = await revision();
    const add = await lambda.send(
      new AddPermissionCommand({ FunctionName: 'app', StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: 's3.amazonaws.com', SourceArn: 'arn:aws:s3:::my-bucket', SourceAccount: '123456789012' }),
    );
    assert.equal(add.$metadata.httpStatusCode, 201);
    const s3 = {
      Sid: 's3',
      Effect: 'Allow',
      Principal: { Service: 's3.amazonaws.com' },
      Action: 'lambda:InvokeFunction',
      Resource: `${FN}:app`,
      Condition: { StringEquals: { 'AWS:SourceAccount': '123456789012' }, ArnLike: { 'AWS:SourceArn': 'arn:aws:s3:::my-bucket' } },
    };
    assert.equal(add.Statement, JSON.stringify(s3));
    await lambda.send(new AddPermissionCommand({ FunctionName: 'app', StatementId: 'url', Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' }));
    await lambda.send(new AddPermissionCommand({ FunctionName: 'app', StatementId: 'acct', Action: 'lambda:InvokeFunction', Principal: '223456789012', InvokedViaFunctionUrl: true }));
    const p = await lambda.send(new GetPolicyCommand({ FunctionName: 'app' }));
    assert.deepEqual(JSON.parse(p.Policy!), {
      Version: '2012-10-17',
      Id: 'default',
      Statement: [
        s3,
        { Sid: 'url', Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunctionUrl', Resource: `${FN}:app`, Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } } },
        { Sid: 'acct', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::223456789012:root' }, Action: 'lambda:InvokeFunction', Resource: `${FN}:app`, Condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } } },
      ],
    });
    // The policy's revision is the function's, and each change moved it.
    assert.equal(p.RevisionId, await revision());
    assert.notEqual(p.RevisionId, before);
  });

  await t.test('a stale RevisionId, a duplicate Sid, $LATEST, a bad principal and missing targets are refused as AWS refuses them', async () => {
    const rev = await revision();
    await rejects(
      lambda.send(new AddPermissionCommand({ FunctionName: 'app', StatementId: 'x', Action: 'lambda:InvokeFunction', Principal: '*', RevisionId: 'stale' })),
      'PreconditionFailedException',
      'The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id',
    );
    await rejects(
      lambda.send(new AddPermissionCommand({ FunctionName: 'app', StatementId: 's3', Action: 'lambda:InvokeFunction', Principal: '*' })),
      'ResourceConflictException',
      'The statement id (s3) provided already exists. Please provide a new statement id, or remove the existing statement.',
    );
    await rejects(lambda.send(new AddPermissionCommand({ FunctionName: 'app', Qualifier: '$LATEST', StatementId: 'x', Action: 'lambda:InvokeFunction', Principal: '*' })), 'InvalidParameterValueException', 'We currently do not support adding policies for $LATEST.');
    await rejects(lambda.send(new AddPermissionCommand({ FunctionName: 'app', StatementId: 'x', Action: 'lambda:InvokeFunction', Principal: 'invalid principal' })), 'ValidationException');
    await rejects(
      lambda.send(new AddPermissionCommand({ FunctionName: 'app', StatementId: 'x', Action: 'lambda:InvokeFunction', Principal: 'not-a-service' })),
      'InvalidParameterValueException',
      'The provided principal was invalid. Please check the principal and try again.',
    );
    await rejects(
      lambda.send(new AddPermissionCommand({ FunctionName: 'app', StatementId: 'example.com', Action: 'lambda:InvokeFunction', Principal: '*' })),
      'ValidationException',
      "1 validation error detected: Value 'example.com' at 'statementId' failed to satisfy constraint: Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)",
    );
    await rejects(lambda.send(new AddPermissionCommand({ FunctionName: 'nope', StatementId: 'x', Action: 'lambda:InvokeFunction', Principal: '*' })), 'ResourceNotFoundException', `Function not found: ${FN}:nope`);
    await rejects(lambda.send(new AddPermissionCommand({ FunctionName: 'app', Qualifier: 'live', StatementId: 'x', Action: 'lambda:InvokeFunction', Principal: '*' })), 'ResourceNotFoundException', `Cannot find alias arn: ${FN}:app:live`);
    await rejects(lambda.send(new GetPolicyCommand({ FunctionName: 'plain' })), 'ResourceNotFoundException', 'The resource you requested does not exist.');
    await rejects(lambda.send(new RemovePermissionCommand({ FunctionName: 'nope', StatementId: 'x' })), 'ResourceNotFoundException', `No policy found for: ${FN}:nope`);
    await rejects(lambda.send(new RemovePermissionCommand({ FunctionName: 'plain', StatementId: 'x' })), 'ResourceNotFoundException', 'No policy is associated with the given resource.');
    await rejects(lambda.send(new RemovePermissionCommand({ FunctionName: 'app', StatementId: 'nope' })), 'ResourceNotFoundException', 'Statement nope is not found in resource policy.');
    await rejects(
      lambda.send(new RemovePermissionCommand({ FunctionName: 'app', StatementId: 'url', RevisionId: 'stale' })),
      'PreconditionFailedException',
      'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
    );
    assert.equal(await revision(), rev, 'refusals change nothing');
  });

  await t.test('RemovePermission with the current RevisionId; the last statement takes the policy with it', async () => {
    await lambda.send(new RemovePermissionCommand({ FunctionName: 'app', StatementId: 'url', RevisionId: await revision() }));
    await lambda.send(new RemovePermissionCommand({ FunctionName: 'app', StatementId: 'acct' }));
    assert.deepEqual((JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: 'app' }))).Policy!) as { Statement: { Sid: string }[] }).Statement.map((s) => s.Sid), ['s3']);
    await lambda.send(new RemovePermissionCommand({ FunctionName: 'app', StatementId: 's3' }));
    await rejects(lambda.send(new GetPolicyCommand({ FunctionName: 'app' })), 'ResourceNotFoundException', 'The resource you requested does not exist.');
  });

  await t.test('versions and aliases have policies of their own; a new version starts without one; an alias\'s goes with it', async () => {
    await lambda.send(new AddPermissionCommand({ FunctionName: 'app', StatementId: 'latest', Action: 'lambda:InvokeFunction', Principal: '*' }));
    await lambda.send(new PublishVersionCommand({ FunctionName: 'app' }));
    await rejects(lambda.send(new GetPolicyCommand({ FunctionName: 'app', Qualifier: '1' })), 'ResourceNotFoundException');
    await lambda.send(new AddPermissionCommand({ FunctionName: 'app', Qualifier: '1', StatementId: 'v1', Action: 'lambda:InvokeFunction', Principal: '*' }));
    const v1 = JSON.parse((await lambda.send(new GetPolicyCommand({ FunctionName: 'app', Qualifier: '1' }))).Policy!) as { Statement: { Resource: string }[] };
    assert.equal(v1.Statement[0]!.Resource, `${FN}:app:1`);
    await lambda.send(new CreateAliasCommand({ FunctionName: 'app', Name: 'live', FunctionVersion: '1' }));
    await lambda.send(new AddPermissionCommand({ FunctionName: `${FN}:app:live`, StatementId: 'alias', Action: 'lambda:InvokeFunction', Principal: '*' }));
    const alias = await lambda.send(new GetPolicyCommand({ FunctionName: 'app', Qualifier: 'live' }));
    assert.match(alias.Policy!, /"Resource":"arn:aws:lambda:us-east-1:000000000000:function:app:live"/);
    await lambda.send(new DeleteAliasCommand({ FunctionName: 'app', Name: 'live' }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'app', Name: 'live', FunctionVersion: '1' }));
    await rejects(lambda.send(new GetPolicyCommand({ FunctionName: 'app', Qualifier: 'live' })), 'ResourceNotFoundException');
  });

  await t.test('PutResourcePolicy replaces the document, kept exactly; Get returns it; Delete removes it; RevisionIds are checked', async () => {
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'all', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 'lambda:InvokeFunction', Resource: `${FN}:app` }] }, null, 2);
    const put = await lambda.send(new PutResourcePolicyCommand({ ResourceArn: `${FN}:app`, Policy: doc }));
    assert.equal(put.Policy, doc);
    const got = await lambda.send(new GetResourcePolicyCommand({ ResourceArn: `${FN}:app` }));
    assert.equal(got.Policy, doc);
    assert.equal(got.RevisionId, put.RevisionId);
    // The same document GetPolicy reads: AddPermission appends to it.
    assert.equal((await lambda.send(new GetPolicyCommand({ FunctionName: 'app' }))).Policy, doc);
    await rejects(lambda.send(new PutResourcePolicyCommand({ ResourceArn: `${FN}:app`, Policy: doc, RevisionId: 'stale' })), 'PreconditionFailedException');
    await rejects(lambda.send(new PutResourcePolicyCommand({ ResourceArn: `${FN}:app`, Policy: 'not json' })), 'InvalidParameterValueException');
    const huge = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'x'.repeat(21_000) }] });
    await rejects(lambda.send(new PutResourcePolicyCommand({ ResourceArn: `${FN}:app`, Policy: huge })), 'PolicyLengthExceededException', /^The final policy size \(\d+\) is bigger than the limit \(20480\)\.$/);
    await lambda.send(new DeleteResourcePolicyCommand({ ResourceArn: `${FN}:app`, RevisionId: got.RevisionId }));
    await rejects(lambda.send(new GetResourcePolicyCommand({ ResourceArn: `${FN}:app` })), 'ResourceNotFoundException');
    await rejects(lambda.send(new GetResourcePolicyCommand({ ResourceArn: `${FN}:nope` })), 'ResourceNotFoundException', `Function not found: ${FN}:nope`);
  });

  await t.test('deleting a function takes its tags and policies with it', async () => {
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'app' }));
    await lambda.send(new CreateFunctionCommand({ FunctionName: 'app', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip } }));
    assert.deepEqual((await lambda.send(new ListTagsCommand({ Resource: `${FN}:app` }))).Tags, {});
    await rejects(lambda.send(new GetPolicyCommand({ FunctionName: 'app' })), 'ResourceNotFoundException');
  });
});
