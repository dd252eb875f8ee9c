/**
 * `AWS::SSM::Parameter` and `AWS::SecretsManager::Secret` resources in a template deployed through
 * CloudFormation's API: created in Nimbus's Parameter Store and Secrets Manager, their Ref and
 * GetAtt values and a dynamic reference to the generated secret reach a function, an update gives
 * the parameter a new version while the generated secret keeps its value, a failed update restores
 * the parameter, and deleting the stack deletes both.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
  waitUntilStackCreateComplete,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { DescribeSecretCommand, GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, GetParameterHistoryCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startTestNimbus } from '../helpers/nimbus.js';

const WAIT = { maxWaitTime: 120, minDelay: 1, maxDelay: 2 };

const template = (color: string, memory = 128) => `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Color:
    Type: AWS::SSM::Parameter
    Properties:
      Name: /shop/color
      Type: String
      Value: ${color}
      Description: the shop's color
      Tags: { team: web }
  Unnamed:
    Type: AWS::SSM::Parameter
    Properties: { Type: StringList, Value: 'a,b' }
  DbSecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      Description: database credentials
      GenerateSecretString:
        SecretStringTemplate: '{"username":"shop"}'
        GenerateStringKey: password
        PasswordLength: 20
        ExcludePunctuation: true
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Timeout: 30
      MemorySize: ${memory}
      InlineCode: |
        exports.handler = async () => ({ color: process.env.COLOR, name: process.env.NAME, unnamed: process.env.UNNAMED, secret: process.env.SECRET_ARN, password: process.env.PASSWORD });
      Environment:
        Variables:
          COLOR: !GetAtt Color.Value
          NAME: !Ref Color
          UNNAMED: !Ref Unnamed
          SECRET_ARN: !Ref DbSecret
          PASSWORD: !Sub '{{resolve:secretsmanager:\${DbSecret}:SecretString:password}}'
Outputs:
  ReaderName: { Value: !Ref Reader }
  SecretArn: { Value: !Ref DbSecret }
`;

test('SSM parameters and Secrets Manager secrets as stack resources', async (t) => {
  const nimbus = await startTestNimbus(t);
  const cfg = { endpoint: nimbus.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
  const cfn = new CloudFormationClient(cfg);
  const ssm = new SSMClient(cfg);
  const sm = new SecretsManagerClient(cfg);
  t.after(() => [cfn, ssm, sm].forEach((c) => c.destroy()));

  await cfn.send(new CreateStackCommand({ StackName: 'shop', TemplateBody: template('blue'), Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'] }));
  await waitUntilStackCreateComplete({ client: cfn, ...WAIT }, { StackName: 'shop' });
  const outputs = Object.fromEntries((await cfn.send(new DescribeStacksCommand({ StackName: 'shop' }))).Stacks![0]!.Outputs!.map((o) => [o.OutputKey, o.OutputValue]));
  const secretArn = outputs['SecretArn']!;
  assert.match(secretArn, /^arn:aws:secretsmanager:us-east-1:000000000000:secret:shop-DbSecret-[A-Za-z0-9]+-[A-Za-z0-9]{6}$/);

  const call = async (): Promise<Record<string, string>> => {
    const r = await nimbus.lambda.send(new InvokeCommand({ FunctionName: outputs['ReaderName']! }));
    assert.equal(r.FunctionError, undefined, Buffer.from(r.Payload ?? []).toString());
    return JSON.parse(Buffer.from(r.Payload!).toString('utf8')) as Record<string, string>;
  };
  const env = await call();
  assert.equal(env['color'], 'blue');
  assert.equal(env['name'], '/shop/color');
  assert.match(env['unnamed']!, /^shop-Unnamed-/);
  assert.equal(env['secret'], secretArn);
  const secret = JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString!) as { username: string; password: string };
  assert.equal(secret.username, 'shop');
  assert.match(secret.password, /^[A-Za-z0-9]{20}$/);
  assert.equal(env['password'], secret.password, 'the dynamic reference read the generated secret');
  const color = (await ssm.send(new GetParameterCommand({ Name: '/shop/color' }))).Parameter!;
  assert.deepEqual([color.Value, color.Version], ['blue', 1]);
  assert.equal((await ssm.send(new GetParameterCommand({ Name: env['unnamed']! }))).Parameter!.Type, 'StringList');

  // An update: the parameter gets a new version; the generated secret keeps its value.
  await cfn.send(new UpdateStackCommand({ StackName: 'shop', TemplateBody: template('green'), Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'] }));
  await waitUntilStackUpdateComplete({ client: cfn, ...WAIT }, { StackName: 'shop' });
  assert.equal((await call())['color'], 'green');
  assert.deepEqual((await ssm.send(new GetParameterHistoryCommand({ Name: '/shop/color' }))).Parameters!.map((p) => p.Value), ['blue', 'green']);
  assert.equal(JSON.parse((await sm.send(new GetSecretValueCommand({ SecretId: secretArn }))).SecretString!).password, secret.password);

  // A failing update (Lambda refuses 64 MB) is rolled back: the parameter's value is green again.
  await cfn.send(new UpdateStackCommand({ StackName: 'shop', TemplateBody: template('red', 64), Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_AUTO_EXPAND'] }));
  await assert.rejects(waitUntilStackUpdateComplete({ client: cfn, ...WAIT }, { StackName: 'shop' }));
  assert.equal((await ssm.send(new GetParameterCommand({ Name: '/shop/color' }))).Parameter!.Value, 'green');

  // Deleting the stack deletes both, the secret without a recovery window.
  await cfn.send(new DeleteStackCommand({ StackName: 'shop' }));
  await waitUntilStackDeleteComplete({ client: cfn, ...WAIT }, { StackName: 'shop' });
  await assert.rejects(ssm.send(new GetParameterCommand({ Name: '/shop/color' })), (e: Error) => e.name === 'ParameterNotFound');
  await assert.rejects(sm.send(new DescribeSecretCommand({ SecretId: secretArn })), (e: Error) => e.name === 'ResourceNotFoundException');
});
