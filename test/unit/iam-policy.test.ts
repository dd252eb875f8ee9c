/** The IAM policy subset (src/auth/iam-policy.ts): wildcards, Deny over Allow, principals, conditions. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluate, parsePolicyDocument, wildcardMatch, type PolicyDocument } from '../../src/auth/iam-policy.js';

const FN = 'arn:aws:lambda:us-east-1:111111111111:function:orders';

test('wildcards: * any run, ? one character; actions ignore case, resources do not', () => {
  assert.ok(wildcardMatch('lambda:Get*', 'lambda:GetFunction'));
  assert.ok(wildcardMatch('LAMBDA:getfunction', 'lambda:GetFunction', true));
  assert.ok(!wildcardMatch('LAMBDA:getfunction', 'lambda:GetFunction'));
  assert.ok(wildcardMatch('arn:aws:lambda:*:111111111111:function:order?', FN));
  assert.ok(!wildcardMatch('arn:aws:lambda:*:111111111111:function:order?', `${FN}x`));
  assert.ok(wildcardMatch('a.b', 'a.b') && !wildcardMatch('a.b', 'axb'), 'regex characters are literal');
});

test('identity policies: an explicit Deny wins, no Allow is no decision', () => {
  const doc: PolicyDocument = {
    Statement: [
      { Effect: 'Allow', Action: 'lambda:*', Resource: '*' },
      { Effect: 'Deny', Action: ['lambda:DeleteFunction'], Resource: FN },
    ],
  };
  assert.equal(evaluate([doc], { action: 'lambda:InvokeFunction', resource: FN }), 'allow');
  assert.equal(evaluate([doc], { action: 'lambda:DeleteFunction', resource: FN }), 'deny');
  assert.equal(evaluate([doc], { action: 'sqs:SendMessage', resource: '*' }), 'none');
  const notAction: PolicyDocument = { Statement: { Effect: 'Allow', NotAction: 'lambda:Delete*', Resource: '*' } };
  assert.equal(evaluate([notAction], { action: 'lambda:DeleteAlias', resource: FN }), 'none');
  assert.equal(evaluate([notAction], { action: 'lambda:GetAlias', resource: FN }), 'allow');
});

test('resource policies: account root, user ARN, service principals, and conditions', () => {
  const doc: PolicyDocument = {
    Statement: [
      { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::222222222222:root' }, Action: 'lambda:InvokeFunction', Resource: FN },
      { Effect: 'Allow', Principal: { AWS: ['333333333333'] }, Action: 'lambda:GetFunction', Resource: FN },
      {
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'lambda:InvokeFunction',
        Resource: FN,
        Condition: { ArnLike: { 'AWS:SourceArn': 'arn:aws:sns:us-east-1:222222222222:news*' } },
      },
    ],
  };
  assert.equal(evaluate([doc], { action: 'lambda:InvokeFunction', resource: FN, principal: { accountId: '222222222222', arn: 'arn:aws:iam::222222222222:user/bob' } }), 'allow');
  assert.equal(evaluate([doc], { action: 'lambda:InvokeFunction', resource: FN, principal: { accountId: '333333333333' } }), 'none');
  assert.equal(evaluate([doc], { action: 'lambda:GetFunction', resource: FN, principal: { accountId: '333333333333' } }), 'allow');
  const sns = (sourceArn: string) => evaluate([doc], { action: 'lambda:InvokeFunction', resource: FN, principal: { service: 'sns.amazonaws.com' }, context: { 'aws:SourceArn': sourceArn } });
  assert.equal(sns('arn:aws:sns:us-east-1:222222222222:news-eu'), 'allow');
  assert.equal(sns('arn:aws:sns:us-east-1:999999999999:news'), 'none');
  assert.equal(evaluate([doc], { action: 'lambda:InvokeFunction', resource: FN, principal: { service: 'sns.amazonaws.com' } }), 'none', 'a missing context key fails the condition');
});

test('an unknown condition operator never widens access: Allow does not apply, Deny does', () => {
  const allow: PolicyDocument = { Statement: { Effect: 'Allow', Action: '*', Resource: '*', Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01' } } } };
  const deny: PolicyDocument = { Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: '*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }] };
  assert.equal(evaluate([allow], { action: 'lambda:GetFunction', resource: FN }), 'none');
  assert.equal(evaluate([deny], { action: 'lambda:GetFunction', resource: FN }), 'deny');
});

test('parsePolicyDocument refuses what is not a policy', () => {
  assert.throws(() => parsePolicyDocument('{'), /not JSON/);
  assert.throws(() => parsePolicyDocument('{}'), /needs a Statement/);
  assert.throws(() => parsePolicyDocument('{"Statement":{"Effect":"Maybe","Action":"*","Resource":"*"}}'), /Effect must be Allow or Deny/);
  assert.throws(() => parsePolicyDocument('{"Statement":{"Effect":"Allow","Resource":"*"}}'), /Action or NotAction/);
  assert.deepEqual(parsePolicyDocument('{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}').Statement, [{ Effect: 'Allow', Action: '*', Resource: '*' }]);
});

test('aws:PrincipalAccount and aws:PrincipalArn are set for an AWS principal in every policy, and never for a service principal', () => {
  // The samples' usual guard: deny anyone outside the account (a missing key satisfies StringNotEquals).
  const doc: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: '*', Action: 'lambda:InvokeFunction', Resource: '*' },
      { Effect: 'Deny', Principal: '*', Action: '*', Resource: '*', Condition: { StringNotEquals: { 'aws:PrincipalAccount': '111111111111' } } },
      { Effect: 'Deny', Principal: '*', Action: 'lambda:GetPolicy', Resource: '*', Condition: { StringLike: { 'aws:PrincipalArn': '*:role/blocked' } } },
    ],
  };
  const ask = (principal: { accountId?: string; arn?: string; service?: string }, action = 'lambda:InvokeFunction') => evaluate([doc], { action, resource: 'arn:aws:lambda:us-east-1:111111111111:function:f', principal });
  assert.equal(ask({ accountId: '111111111111', arn: 'arn:aws:iam::111111111111:user/owner' }), 'allow');
  assert.equal(ask({ accountId: '222222222222', arn: 'arn:aws:iam::222222222222:user/other' }), 'deny');
  assert.equal(ask({ accountId: '111111111111', arn: 'arn:aws:iam::111111111111:role/blocked' }, 'lambda:GetPolicy'), 'deny');
  // A service principal has no principal account: the guard denies it, as on AWS.
  assert.equal(ask({ service: 'sns.amazonaws.com' }), 'deny');
  // A key the caller passes itself wins.
  assert.equal(evaluate([doc], { action: 'lambda:InvokeFunction', resource: '*', principal: { accountId: '222222222222' }, context: { 'aws:PrincipalAccount': '111111111111' } }), 'allow');
});
