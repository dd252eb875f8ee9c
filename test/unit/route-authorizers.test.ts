/**
 * Lambda authorizers of API routes: the stack API's checks of `Authorizers` and a route's
 * `Authorizer`, where the identity comes from, and how an authorizer's answer is read.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RouteService } from '../../src/api/http-routes/service.js';
import { NimbusError } from '../../src/core/errors.js';
import type { AuthorizerConfig } from '../../src/core/model.js';
import { methodArn, readAnswer, readIdentity, tokenValid } from '../../src/httpapi/authorizer.js';
import type { HttpRequestInfo } from '../../src/httpapi/request.js';
import { MemoryStore } from '../../src/store/memory.js';

const scope = { accountId: '123456789012', region: 'eu-west-1' };
const service = new RouteService(new MemoryStore());
const apiWith = (type: 'REST' | 'HTTP', authorizers: unknown, routeAuthorizer?: unknown): unknown[] => [
  {
    LogicalId: 'Api',
    ApiId: 'abcdefghij',
    Type: type,
    StageName: type === 'REST' ? 'Prod' : '$default',
    Authorizers: authorizers,
    Routes: [{ Method: 'GET', Path: '/a', FunctionName: 'f', ...(routeAuthorizer !== undefined ? { Authorizer: routeAuthorizer } : {}) }],
  },
];

test('the stack API takes Lambda authorizers with API Gateway defaults and refuses what API Gateway refuses', () => {
  const ok = service.parse(scope, 's', apiWith('REST', { Tok: { FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:auth' } }, 'Tok'));
  assert.deepEqual(ok.apis[0]!.authorizers, {
    Tok: { functionName: 'auth', payloadType: 'TOKEN', payloadFormatVersion: '1.0', simpleResponses: false, identitySource: ['$request.header.Authorization'], ttlSeconds: 300 },
  });
  assert.equal(ok.routes[0]!.authorizer, 'Tok');
  const http = service.parse(scope, 's', apiWith('HTTP', { S: { FunctionName: 'auth:live', PayloadFormatVersion: '2.0', EnableSimpleResponses: true } }));
  assert.deepEqual(http.apis[0]!.authorizers!['S'], { functionName: 'auth:live', payloadType: 'REQUEST', payloadFormatVersion: '2.0', simpleResponses: true, identitySource: [], ttlSeconds: 0 });
  assert.equal(http.routes[0]!.authorizer, '');
  const refused = (type: 'REST' | 'HTTP', a: unknown, route: unknown, message: RegExp): void =>
    assert.throws(() => service.parse(scope, 's', apiWith(type, a, route)), (e: Error) => e instanceof NimbusError && message.test(e.message));
  refused('REST', { Tok: { FunctionName: 'auth' } }, 'Other', /Member must be AWS_IAM or name one of API Api's Authorizers/);
  refused('HTTP', { S: { FunctionName: 'auth' } }, undefined, /payloadFormatVersion.*Member must satisfy enum value set: \[1\.0, 2\.0\]/);
  refused('HTTP', { S: { FunctionName: 'auth', PayloadType: 'TOKEN', PayloadFormatVersion: '1.0' } }, undefined, /Member must satisfy enum value set: \[REQUEST\]/);
  refused('HTTP', { S: { FunctionName: 'auth', PayloadFormatVersion: '1.0', EnableSimpleResponses: true } }, undefined, /Simple responses need payload format 2\.0/);
  refused('REST', { T: { FunctionName: 'auth', IdentitySource: ['$request.querystring.t'] } }, undefined, /A TOKEN authorizer takes exactly one header/);
  refused('REST', { T: { FunctionName: 'auth', PayloadType: 'REQUEST' } }, undefined, /Keeping results needs an IdentitySource/);
  refused('REST', { T: { FunctionName: 'auth', ValidationExpression: '(' } }, undefined, /valid regular expression/);
  refused('REST', { T: { FunctionName: 'auth', IdentitySource: ['header.x'] } }, undefined, /\$request\.header\.\*/);
  refused('REST', { T: { FunctionName: 'auth', ResultTtlInSeconds: 3601 } }, undefined, /between 0 and 3600/);
});

const request = (rawHeaders: string[], rawQuery = ''): HttpRequestInfo => ({ method: 'GET', rawPath: '/a', rawQuery, rawHeaders, body: Buffer.alloc(0), sourceIp: '10.0.0.1', protocol: 'HTTP/1.1', time: 0 });
const cfg = (over: Partial<AuthorizerConfig>): AuthorizerConfig => ({ functionName: 'auth', payloadType: 'REQUEST', payloadFormatVersion: '2.0', simpleResponses: false, identitySource: [], ttlSeconds: 0, ...over });

test('identity sources: headers by any case, query strings, $context; a missing or empty one is a 401', () => {
  const c = cfg({ identitySource: ['$request.header.Authorization', '$request.querystring.tenant', '$context.sourceIp'] });
  assert.deepEqual(readIdentity(c, request(['authorization', 'tok'], 'tenant=acme'), { sourceIp: '10.0.0.1' }), { ok: true, values: ['tok', 'acme', '10.0.0.1'] });
  assert.deepEqual(readIdentity(c, request(['Authorization', 'tok']), { sourceIp: '10.0.0.1' }), { ok: false });
  assert.deepEqual(readIdentity(c, request(['Authorization', ''], 'tenant=acme'), { sourceIp: '10.0.0.1' }), { ok: false });
  assert.deepEqual(readIdentity(cfg({ identitySource: ['$stageVariables.x'] }), request([]), {}), { ok: false });
  assert.equal(tokenValid(cfg({ validationExpression: 'Bearer .+' }), 'Bearer abc'), true);
  assert.equal(tokenValid(cfg({ validationExpression: 'Bearer .+' }), 'xBearer abc'), false, 'the whole token must match');
  assert.equal(methodArn('eu-west-1', '123456789012', 'abcdefghij', 'Prod', 'GET', '/users/7'), 'arn:aws:execute-api:eu-west-1:123456789012:abcdefghij/Prod/GET/users/7');
});

test("an authorizer's answer: simple responses, policies, and what is refused as malformed", () => {
  const j = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
  assert.deepEqual(readAnswer(cfg({ simpleResponses: true }), false, j({ isAuthorized: true, context: { a: { nested: 1 } } })), { isAuthorized: true, context: { a: { nested: 1 } } });
  assert.equal(readAnswer(cfg({ simpleResponses: true }), false, j({ context: {} })), 'a simple response needs isAuthorized (boolean)');
  const policy = { Version: '2012-10-17', Statement: [] };
  assert.deepEqual(readAnswer(cfg({ payloadType: 'TOKEN' }), true, j({ principalId: 'u', policyDocument: policy, context: { n: 1 } })), { policyDocument: policy, principalId: 'u', context: { n: 1 } });
  assert.match(String(readAnswer(cfg({}), true, j({ principalId: 'u', policyDocument: policy, context: { o: {} } }))), /context value o is not a string, number or boolean/);
  assert.equal(readAnswer(cfg({}), true, j({ policyDocument: policy })), 'the authorizer answered no principalId');
  assert.equal(readAnswer(cfg({}), false, j({ principalId: 'u' })), 'the authorizer answered no policyDocument');
  assert.equal(readAnswer(cfg({}), false, Buffer.from('not json')), 'the authorizer did not answer JSON');
});
