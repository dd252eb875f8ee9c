/** SAM template reading and planning: intrinsic tags, Globals, events, and what is reported. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SamError } from '../../src/sam/errors.js';
import { generatedName } from '../../src/sam/names.js';
import { mergeGlobals, planDeployment } from '../../src/sam/plan.js';
import { parseTemplate } from '../../src/sam/template.js';

const opts = { stack: 'app', stackId: 'arn:aws:cloudformation:eu-west-1:000000000000:stack/app/1', region: 'eu-west-1', accountId: '000000000000', baseDir: '/proj' };

test('intrinsic short tags parse into their long forms', () => {
  const t = parseTemplate(`Resources:
  R:
    Type: X
    Properties:
      A: !Ref Foo
      B: !Sub "\${AWS::Region}-x"
      C: !GetAtt Fn.Arn
      D: !Join [",", [a, !Ref Foo]]
      E: !If [Cond, 1, 2]
      F: !Select [0, !Split [",", "a,b"]]
      G: !ImportValue shared
`);
  assert.deepEqual(t.resources['R']!.Properties, {
    A: { Ref: 'Foo' },
    B: { 'Fn::Sub': '${AWS::Region}-x' },
    C: { 'Fn::GetAtt': ['Fn', 'Arn'] },
    D: { 'Fn::Join': [',', ['a', { Ref: 'Foo' }]] },
    E: { 'Fn::If': ['Cond', 1, 2] },
    F: { 'Fn::Select': [0, { 'Fn::Split': [',', 'a,b'] }] },
    G: { 'Fn::ImportValue': 'shared' },
  });
});

test('a plan merges Globals, resolves what it can and reports the rest', () => {
  const t = parseTemplate(`Transform: AWS::Serverless-2016-10-31
Parameters:
  Env: { Type: String, Default: dev }
Globals:
  Function:
    Runtime: python3.12
    Timeout: 10
    Environment: { Variables: { A: global, B: global } }
Resources:
  Api:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: api/
      Handler: app.handler
      Timeout: 20
      Environment: { Variables: { B: !Sub "\${Env}-\${AWS::Region}", C: !ImportValue x } }
      Events:
        Root: { Type: HttpApi }
        One: { Type: Api, Properties: { Path: "/one/{id}", Method: any } }
        Q: { Type: S3, Properties: { Bucket: !Ref Bucket, Events: "s3:ObjectCreated:*", Filter: { S3Key: { Rules: [{ Name: suffix, Value: .csv }] } } } }
  Bucket: { Type: AWS::S3::Bucket }
`);
  const plan = planDeployment(t, { ...opts, parameterOverrides: { Env: 'prod' } });
  assert.equal(plan.functions.length, 1);
  const f = plan.functions[0]!;
  assert.equal(f.name, generatedName('app', 'Api', opts.stackId, 64));
  assert.deepEqual(f.code, { kind: 'folder', path: '/proj/api/' });
  assert.equal(f.runtime, 'python3.12');
  assert.equal(f.timeout, 20);
  assert.deepEqual(f.environment, { A: 'global', B: 'prod-eu-west-1' });
  assert.deepEqual(
    plan.apis.map((a) => [a.logicalId, a.routes]),
    [
      ['ServerlessRestApi', [{ Method: 'ANY', Path: '/one/{id}', PayloadFormatVersion: '1.0', FunctionName: f.name }]],
      ['ServerlessHttpApi', [{ Method: 'ANY', Path: '$default', PayloadFormatVersion: '2.0', FunctionName: f.name }]],
    ],
  );
  assert.ok(plan.warnings.some((w) => w.includes('Fn::ImportValue is not evaluated locally')));
  // A bucket is a resource of the stack, named as CloudFormation names buckets (lower case); SAM's S3 event is its notification.
  assert.deepEqual(plan.buckets, [
    {
      logicalId: 'Bucket',
      name: generatedName('app', 'Bucket', opts.stackId, 63).toLowerCase(),
      notification: { Functions: [{ Id: 'ApiQ', Arn: `arn:aws:lambda:eu-west-1:000000000000:function:${f.name}`, Events: ['s3:ObjectCreated:*'], Suffix: '.csv' }], Queues: [], Topics: [] },
    },
  ]);
});

test('template errors are SamErrors that say where', () => {
  const bad = (text: string, message: RegExp): void => {
    assert.throws(() => planDeployment(parseTemplate(text), opts), (e: Error) => e instanceof SamError && message.test(e.message));
  };
  bad('Resources: [', /not valid YAML/);
  bad('- a\n- b\n', /must be a mapping/);
  bad('Resources:\n  F: { Properties: {} }\n', /resource F has no Type/);
  bad('Resources:\n  F: { Type: AWS::Serverless::Function, Properties: { Handler: a.b, Runtime: nodejs20.x, MemorySize: big } }\n', /F\.MemorySize must be a whole number/);
  bad('Resources:\n  F: { Type: AWS::Serverless::Function, Properties: { Handler: a.b, Runtime: nodejs20.x, PackageType: Image } }\n', /PackageType Image needs ImageUri/);
  bad('Parameters:\n  P: { Type: String }\nResources:\n  F: { Type: AWS::Serverless::Function, Properties: { Handler: a.b, Runtime: nodejs20.x } }\n', /parameter P has no Default/);
  bad(
    'Resources:\n  F: { Type: AWS::Serverless::Function, Properties: { Handler: a.b, Runtime: nodejs20.x, Events: { A: { Type: Api, Properties: { Path: /x } } } } }\n',
    /an Api event needs Path and Method/,
  );
});

test('mergeGlobals: own values win, maps merge', () => {
  assert.deepEqual(mergeGlobals({ a: 1, m: { x: 1, y: 1 } }, { a: 2, m: { y: 2 } }), { a: 2, m: { x: 1, y: 2 } });
});
