/**
 * The pure parts of CloudFormation's API (api/cloudformation): reading Query lists and
 * structures, where a TemplateURL points in S3, the template checks CloudFormation makes before a
 * change set exists, and the capabilities a template needs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkCapabilities, requiredCapabilities } from '../../src/api/cloudformation/capabilities.js';
import { CfnError } from '../../src/api/cloudformation/errors.js';
import { QueryParams } from '../../src/api/cloudformation/query.js';
import { localOutput } from '../../src/api/cloudformation/shapes.js';
import { readTemplate, templateLocation } from '../../src/api/cloudformation/translate.js';

test('Query lists and structures come back in member order, whatever the field order', () => {
  const p = new QueryParams(
    new URLSearchParams('Parameters.member.2.ParameterKey=B&Capabilities.member.1=CAPABILITY_IAM&Parameters.member.1.ParameterKey=A&Parameters.member.1.ParameterValue=1&Parameters.member.2.UsePreviousValue=true&Capabilities.member.2=CAPABILITY_AUTO_EXPAND'),
  );
  assert.deepEqual(p.structs('Parameters'), [{ ParameterKey: 'A', ParameterValue: '1' }, { ParameterKey: 'B', UsePreviousValue: 'true' }]);
  assert.deepEqual(p.list('Capabilities'), ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND']);
  assert.deepEqual(p.structs('Tags'), []);
  assert.throws(() => p.required('StackName'), (e: CfnError) => e.code === 'ValidationError' && /Value null at 'stackName'/.test(e.message));
});

test('a TemplateURL names its bucket and key, path style or virtual-hosted', () => {
  assert.deepEqual(templateLocation('http://127.0.0.1:9000/bucket/dir/t.template'), { bucket: 'bucket', key: 'dir/t.template' });
  assert.deepEqual(templateLocation('https://s3.us-east-1.amazonaws.com/b/k?versionId=3'), { bucket: 'b', key: 'k', versionId: '3' });
  assert.deepEqual(templateLocation('https://my-bucket.s3.amazonaws.com/a%20b.yaml'), { bucket: 'my-bucket', key: 'a b.yaml' });
  assert.deepEqual(templateLocation('https://my-bucket.s3-eu-west-1.amazonaws.com/k'), { bucket: 'my-bucket', key: 'k' });
  assert.throws(() => templateLocation('not a url'), /TemplateURL must be a supported URL/);
  assert.throws(() => templateLocation('http://127.0.0.1:9000/only-bucket'), /TemplateURL must be a supported URL/);
});

test("templates are refused as CloudFormation refuses them before a change set exists", () => {
  const refused = (body: string, message: RegExp) => assert.throws(() => readTemplate(body), (e: CfnError) => e.code === 'ValidationError' && message.test(e.message));
  refused('Resources: [', /^Template format error: /);
  refused('Description: x\n', /^Template format error: .*no Resources/);
  refused('Resources:\n  A: { Type: AWS::DynamoDB::Table }\n  B: { Type: AWS::DynamoDB::Table }\n', /^Template format error: Unrecognized resource types: \[AWS::DynamoDB::Table\]$/);
  refused('Transform: AWS::Include\nResources:\n  Q: { Type: AWS::SQS::Queue }\n', /Unsupported transform: AWS::Include/);
  assert.equal(Object.keys(readTemplate('Resources:\n  Q: { Type: AWS::SQS::Queue }\n  B: { Type: AWS::S3::Bucket }\n  F: { Type: AWS::Lambda::Function }\n').resources).length, 3);
});

test('capabilities: SAM functions without a Role and IAM resources need CAPABILITY_IAM, named ones CAPABILITY_NAMED_IAM', () => {
  const t = (body: string) => readTemplate(body);
  const fn = 'Resources:\n  F: { Type: AWS::Serverless::Function, Properties: { InlineCode: x, Handler: a.b, Runtime: nodejs20.x } }\n';
  assert.deepEqual(requiredCapabilities(t(fn)).capabilities, ['CAPABILITY_IAM']);
  assert.deepEqual(requiredCapabilities(t('Resources:\n  F: { Type: AWS::Serverless::Function, Properties: { Role: arn:aws:iam::1:role/r } }\n')).capabilities, []);
  assert.deepEqual(requiredCapabilities(t('Resources:\n  R: { Type: AWS::IAM::Role, Properties: { RoleName: r } }\n')).capabilities, ['CAPABILITY_NAMED_IAM']);
  assert.throws(() => checkCapabilities(t(fn), []), (e: CfnError) => e.code === 'InsufficientCapabilitiesException' && e.message === 'Requires capabilities : [CAPABILITY_IAM]');
  checkCapabilities(t(fn), ['CAPABILITY_NAMED_IAM']);
});

test("an output that is one of the stack's API URLs is given where Nimbus serves that API", () => {
  const ids = new Set(['abcdefghij']);
  assert.equal(localOutput('https://abcdefghij.execute-api.us-east-1.amazonaws.com/Prod/hi', ids, '9000'), 'http://abcdefghij.execute-api.us-east-1.localhost:9000/Prod/hi');
  assert.equal(localOutput('https://zzzzzzzzzz.execute-api.us-east-1.amazonaws.com/Prod', ids, '9000'), 'https://zzzzzzzzzz.execute-api.us-east-1.amazonaws.com/Prod');
  assert.equal(localOutput('arn:aws:lambda:us-east-1:0:function:f', ids, '9000'), 'arn:aws:lambda:us-east-1:0:function:f');
});
