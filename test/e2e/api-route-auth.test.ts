/**
 * Authorization of API routes with `--auth keys`: an `AWS_IAM` route takes a request SigV4-signed
 * for `execute-api` by a key whose identity policy allows `execute-api:Invoke` on the method's ARN,
 * and refuses the unsigned, the wrongly signed, the key not allowed and another account's key with
 * API Gateway's 403s; a Lambda authorizer's result is kept for its TTL per identity and its policy
 * is evaluated again for each method. The API is put with the stack API, signed like the CLI.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { NewKey } from '../../src/accounts/store.js';
import { signRequest } from '../helpers/apps/sigv4.js';
import { deployNode, startTestNimbus } from '../helpers/nimbus.js';

const API = 'iamapi0001';
const ECHO = `exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ path: event.path, identity: event.requestContext.identity, authorizer: event.requestContext.authorizer ?? null }) });`;
// Counts its calls in /tmp of its sandbox; allows GET on /cached/* only, for the token 'good'.
const AUTHORIZER = `let calls = 0;
exports.handler = async (event) => {
  calls++;
  if (event.authorizationToken !== 'good') throw new Error('Unauthorized');
  const base = event.methodArn.split('/').slice(0, 2).join('/');
  return { principalId: 'p', policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: base + '/GET/cached/*' }] }, context: { calls } };
};`;

test('AWS_IAM routes and kept Lambda authorizer results with --auth keys', async (t) => {
  const nimbus = await startTestNimbus(t, { auth: 'keys' });
  const admin = await nimbus.accounts.createKey('default', { name: 'admin' });
  const allowArn = `arn:aws:execute-api:us-east-1:000000000000:${API}/Prod/GET/open`;
  const limited = await nimbus.accounts.createKey('default', {
    name: 'limited',
    policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: allowArn }] }),
  });
  await nimbus.accounts.createAccount('team-b');
  const other = await nimbus.accounts.createKey('team-b', { name: 'bob' });
  const creds = (k: NewKey) => ({ accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey });
  const lambda = new LambdaClient({ endpoint: nimbus.url, region: 'us-east-1', credentials: creds(admin), maxAttempts: 1 });
  t.after(() => lambda.destroy());
  await deployNode(lambda, 'echo', { 'index.js': ECHO });
  await deployNode(lambda, 'auth', { 'index.js': AUTHORIZER });

  const signed = async (k: NewKey, service: string, method: string, url: string, body?: string): Promise<Response> => {
    const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
    const sig = signRequest(method, url, headers, body, { service, region: 'us-east-1', credentials: creds(k) });
    return fetch(url, { method, headers: { ...headers, ...sig }, body });
  };
  const stack = {
    Functions: [],
    Apis: [
      {
        LogicalId: 'Api',
        ApiId: API,
        Type: 'REST',
        StageName: 'Prod',
        Authorizers: { Tok: { FunctionName: 'auth', ResultTtlInSeconds: 300 } },
        Routes: [
          { Method: 'GET', Path: '/open', FunctionName: 'echo', PayloadFormatVersion: '1.0', Authorizer: 'AWS_IAM' },
          { Method: 'GET', Path: '/closed', FunctionName: 'echo', PayloadFormatVersion: '1.0', Authorizer: 'AWS_IAM' },
          { Method: 'GET', Path: '/cached/{id}', FunctionName: 'echo', PayloadFormatVersion: '1.0', Authorizer: 'Tok' },
          { Method: 'POST', Path: '/cached/{id}', FunctionName: 'echo', PayloadFormatVersion: '1.0', Authorizer: 'Tok' },
        ],
      },
    ],
  };
  const put = await signed(admin, 'lambda', 'PUT', `${nimbus.url}/nimbus/v1/stacks/web`, JSON.stringify(stack));
  assert.equal(put.status, 200, await put.text());
  const base = `${nimbus.url}/nimbus/v1/apis/${API}/Prod`;

  // AWS_IAM: unsigned, signed for another service, and by keys not allowed are API Gateway's 403s.
  const unsigned = await fetch(`${base}/open`);
  assert.equal(unsigned.status, 403);
  assert.equal(unsigned.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
  assert.deepEqual(await unsigned.json(), { message: 'Missing Authentication Token' });
  const wrongService = await signed(limited, 'lambda', 'GET', `${base}/open`);
  assert.equal(wrongService.status, 403, 'a signature for lambda is not one for execute-api');
  const ok = await signed(limited, 'execute-api', 'GET', `${base}/open`);
  assert.equal(ok.status, 200, await ok.clone().text());
  const body = (await ok.json()) as { identity: Record<string, unknown> };
  assert.equal(body.identity['accessKey'], limited.accessKeyId);
  assert.equal(body.identity['userArn'], 'arn:aws:iam::000000000000:user/limited');
  const closed = await signed(limited, 'execute-api', 'GET', `${base}/closed`);
  assert.equal(closed.status, 403);
  assert.equal(closed.headers.get('x-amzn-errortype'), 'AccessDeniedException');
  assert.deepEqual(await closed.json(), {
    Message: `User: arn:aws:iam::000000000000:user/limited is not authorized to perform: execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:000000000000:${API}/Prod/GET/closed`,
  });
  assert.equal((await signed(admin, 'execute-api', 'GET', `${base}/closed`)).status, 200, 'the account administrator may');
  assert.equal((await signed(other, 'execute-api', 'GET', `${base}/open`)).status, 403, 'another account has no way in: APIs have no resource policies');
  const tampered = signRequest('GET', `${base}/open`, {}, undefined, { service: 'execute-api', region: 'us-east-1', credentials: { ...creds(limited), secretAccessKey: 'wrong' } });
  const bad = await fetch(`${base}/open`, { headers: tampered });
  assert.equal(bad.status, 403);
  assert.equal(bad.headers.get('x-amzn-errortype'), 'InvalidSignatureException');

  // A Lambda authorizer's answer is kept for the token: the second call does not run it again;
  // the kept policy still allows only GET, so POST is refused without a new call.
  const get = async (path: string, token: string, method = 'GET'): Promise<Response> => fetch(`${base}${path}`, { method, headers: { authorization: token } });
  const first = (await (await get('/cached/1', 'good')).json()) as { authorizer: { calls: number } };
  const second = (await (await get('/cached/2', 'good')).json()) as { authorizer: { calls: number } };
  assert.equal(first.authorizer.calls, 1);
  assert.equal(second.authorizer.calls, 1, 'the kept result was used');
  const post = await get('/cached/3', 'good', 'POST');
  assert.equal(post.status, 403);
  assert.deepEqual(await post.json(), { message: 'User is not authorized to access this resource' });
  assert.equal((await get('/cached/1', 'bad')).status, 401, 'Unauthorized from the authorizer');
  assert.equal((await fetch(`${base}/cached/1`)).status, 401, 'no token: the authorizer is not called');
});
