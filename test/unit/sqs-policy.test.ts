/**
 * Queue-policy decisions (src/sqs/policy.ts) for the cases the end-to-end test does not reach:
 * EventBridge's service principal, batch operations authorised as their single action, the
 * operations no policy can grant another account, and a policy that is not a policy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkQueueAccess, serviceSendRefusal } from '../../src/sqs/policy.js';
import type { QueueRecord } from '../../src/sqs/types.js';

const A = '111111111111';
const B = '222222222222';
const ARN = `arn:aws:sqs:us-east-1:${A}:q`;
const queue = (policy?: object | string): QueueRecord => ({
  id: 1,
  accountId: A,
  region: 'us-east-1',
  name: 'q',
  fifo: false,
  attributes: policy === undefined ? {} : { Policy: typeof policy === 'string' ? policy : JSON.stringify(policy) },
  tags: {},
  createdAt: 0,
  modifiedAt: 0,
  purgedAt: null,
});
const bob = { accountId: B, arn: `arn:aws:iam::${B}:user/bob` };
const alice = { accountId: A, arn: `arn:aws:iam::${A}:user/alice` };
const refusedWith = (f: () => void): string => {
  try {
    f();
  } catch (e) {
    return (e as Error).name;
  }
  return 'allowed';
};

test('events.amazonaws.com sends for the rules the policy names; another account needs a statement', () => {
  const rule = `arn:aws:events:us-east-1:${B}:rule/r`;
  assert.match(serviceSendRefusal(queue(), 'events.amazonaws.com', rule) ?? '', /does not allow events.amazonaws.com/);
  assert.equal(serviceSendRefusal(queue(), 'events.amazonaws.com', `arn:aws:events:us-east-1:${A}:rule/own`), undefined, 'own account, no policy');
  const q = queue({ Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: ARN, Condition: { ArnEquals: { 'aws:SourceArn': rule } } }] });
  assert.equal(serviceSendRefusal(q, 'events.amazonaws.com', rule), undefined);
  assert.match(serviceSendRefusal(q, 'events.amazonaws.com', `${rule}2`) ?? '', /does not allow/);
  assert.match(serviceSendRefusal(q, 'sns.amazonaws.com', rule) ?? '', /does not allow/, 'another service');
  const deny = queue({ Statement: [{ Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage', Resource: ARN }] });
  assert.match(serviceSendRefusal(deny, 'sns.amazonaws.com', `arn:aws:sns:us-east-1:${A}:t`) ?? '', /denies/, 'a Deny holds within the account');
});

test('batches count as their single action; configuration is never granted across accounts', () => {
  const q = queue({ Statement: [{ Effect: 'Allow', Principal: { AWS: B }, Action: ['sqs:SendMessage', 'sqs:SetQueueAttributes', 'sqs:DeleteQueue'], Resource: ARN }] });
  assert.equal(refusedWith(() => checkQueueAccess(q, 'SendMessageBatch', bob)), 'allowed');
  assert.equal(refusedWith(() => checkQueueAccess(q, 'ReceiveMessage', bob)), 'AccessDeniedException');
  assert.equal(refusedWith(() => checkQueueAccess(q, 'SetQueueAttributes', bob)), 'AccessDeniedException');
  assert.equal(refusedWith(() => checkQueueAccess(q, 'DeleteQueue', bob)), 'AccessDeniedException');
  assert.equal(refusedWith(() => checkQueueAccess(q, 'SetQueueAttributes', alice)), 'allowed', 'the owner');
});

test('a Policy that is not a policy document grants nothing and refuses nobody of the account', () => {
  for (const p of ['{}', '{"Statement":"x"}', 'not json']) {
    assert.equal(refusedWith(() => checkQueueAccess(queue(p), 'SendMessage', bob)), 'AccessDeniedException');
    assert.equal(refusedWith(() => checkQueueAccess(queue(p), 'SendMessage', alice)), 'allowed');
  }
});

test("the global keys aws:PrincipalAccount and aws:PrincipalArn are set: a sample's 'deny other accounts' statement lets the owner through", () => {
  // As serverless-patterns sqs-lambda-tenant-isolation-sam-py writes it: StringNotEquals on a missing key would deny everyone.
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 'sqs:*', Resource: ARN, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      { Sid: 'AllowSameAccount', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sqs:SendMessage', Resource: ARN },
      { Sid: 'DenyExternal', Effect: 'Deny', Principal: '*', Action: 'sqs:SendMessage', Resource: ARN, Condition: { StringNotEquals: { 'aws:PrincipalAccount': A } } },
      { Sid: 'DenyMallory', Effect: 'Deny', Principal: '*', Action: 'sqs:ReceiveMessage', Resource: ARN, Condition: { StringLike: { 'aws:PrincipalArn': '*:user/mallory' } } },
    ],
  };
  assert.equal(refusedWith(() => checkQueueAccess(queue(policy), 'SendMessage', alice)), 'allowed');
  assert.equal(refusedWith(() => checkQueueAccess(queue(policy), 'SendMessage', bob)), 'AccessDeniedException');
  assert.equal(refusedWith(() => checkQueueAccess(queue(policy), 'ReceiveMessage', { accountId: A, arn: `arn:aws:iam::${A}:user/mallory` })), 'AccessDeniedException');
  assert.equal(refusedWith(() => checkQueueAccess(queue(policy), 'ReceiveMessage', alice)), 'allowed');
});
