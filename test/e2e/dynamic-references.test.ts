/**
 * CloudFormation's dynamic references (`{{resolve:ssm:...}}`, `{{resolve:ssm-secure:...}}`,
 * `{{resolve:secretsmanager:...}}`) in a template deployed through CloudFormation's API: the
 * function's environment gets the values when the stack is applied, GetTemplate keeps the
 * references, a missing parameter rolls the deployment back, and a new parameter version is
 * picked up by the next deployment.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
  GetTemplateCommand,
  UpdateStackCommand,
  waitUntilStackCreateComplete,
  waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startTestNimbus } from '../helpers/nimbus.js';

const WAIT = { maxWaitTime: 120, minDelay: 1, maxDelay: 2 };

const template = (host: string) => `AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Reader:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: config-reader
      Runtime: nodejs20.x
      Handler: index.handler
      Timeout: 30
      Role: arn:aws:iam::000000000000:role/lambda-role
      Code:
        ZipFile: |
          exports.handler = async () => ({ host: process.env.DB_HOST, token: process.env.TOKEN, password: process.env.DB_PASSWORD, url: process.env.URL });
      Environment:
        Variables:
          DB_HOST: '${host}'
          TOKEN: '{{resolve:ssm-secure:/app/token}}'
          DB_PASSWORD: '{{resolve:secretsmanager:prod/db:SecretString:password}}'
          URL: 'postgres://{{resolve:ssm:/app/db/host}}:{{resolve:ssm:/app/db/port}}/app'
`;

test('dynamic references take Parameter Store and Secrets Manager values when the stack is applied', async (t) => {
  const nimbus = await startTestNimbus(t);
  const cfg = { endpoint: nimbus.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
  const ssm = new SSMClient(cfg);
  const sm = new SecretsManagerClient(cfg);
  const cfn = new CloudFormationClient(cfg);
  t.after(() => [ssm, sm, cfn].forEach((c) => c.destroy()));
  await ssm.send(new PutParameterCommand({ Name: '/app/db/host', Value: 'db.internal', Type: 'String' }));
  await ssm.send(new PutParameterCommand({ Name: '/app/db/port', Value: '5432', Type: 'String' }));
  await ssm.send(new PutParameterCommand({ Name: '/app/token', Value: 'tok-secret', Type: 'SecureString' }));
  await sm.send(new CreateSecretCommand({ Name: 'prod/db', SecretString: JSON.stringify({ user: 'app', password: 'pw-from-secrets-manager' }) }));

  const body = template('{{resolve:ssm:/app/db/host}}');
  await cfn.send(new CreateStackCommand({ StackName: 'config', TemplateBody: body }));
  await waitUntilStackCreateComplete({ client: cfn, ...WAIT }, { StackName: 'config' });
  const call = async (): Promise<Record<string, string>> => {
    const r = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'config-reader' }));
    assert.equal(r.FunctionError, undefined, Buffer.from(r.Payload ?? []).toString());
    return JSON.parse(Buffer.from(r.Payload!).toString('utf8')) as Record<string, string>;
  };
  assert.deepEqual(await call(), { host: 'db.internal', token: 'tok-secret', password: 'pw-from-secrets-manager', url: 'postgres://db.internal:5432/app' });
  // The template keeps its references.
  assert.equal((await cfn.send(new GetTemplateCommand({ StackName: 'config' }))).TemplateBody, body);

  // A new version of the parameter reaches the function with the next deployment (a version pinned: that one).
  await ssm.send(new PutParameterCommand({ Name: '/app/db/host', Value: 'db2.internal', Overwrite: true }));
  await cfn.send(new UpdateStackCommand({ StackName: 'config', TemplateBody: template('{{resolve:ssm:/app/db/host:1}}-pinned') }));
  await waitUntilStackUpdateComplete({ client: cfn, ...WAIT }, { StackName: 'config' });
  const after = await call();
  assert.equal(after.host, 'db.internal-pinned');
  assert.equal(after.url, 'postgres://db2.internal:5432/app');

  // A reference to nothing fails the update, which is rolled back: the function keeps its values.
  await cfn.send(new UpdateStackCommand({ StackName: 'config', TemplateBody: template('{{resolve:ssm:/app/missing}}') }));
  await assert.rejects(waitUntilStackUpdateComplete({ client: cfn, ...WAIT }, { StackName: 'config' }));
  const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'config' }))).Stacks![0]!;
  assert.equal(stack.StackStatus, 'UPDATE_ROLLBACK_COMPLETE');
  assert.match(stack.StackStatusReason!, /\{\{resolve:ssm:\/app\/missing\}\} cannot be resolved/);
  assert.equal((await call()).host, 'db.internal-pinned');
});
