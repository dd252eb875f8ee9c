/** The pure HTTP mapping: events (2.0 and 1.0), response mapping, CORS and route matching. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { preflightHeaders, responseCorsHeaders } from '../../src/httpapi/cors.js';
import { eventV1 } from '../../src/httpapi/event-v1.js';
import { eventV2 } from '../../src/httpapi/event-v2.js';
import { clfTime, encodeBody, type HttpRequestInfo } from '../../src/httpapi/request.js';
import { responseV1, responseV2 } from '../../src/httpapi/response.js';
import { checkRoutePath, compileRoute, matchRoute } from '../../src/httpapi/route-match.js';
import { pickVersion } from '../../src/api/versions/weighted.js';

const req = (o: Partial<HttpRequestInfo> = {}): HttpRequestInfo => ({
  method: 'GET',
  rawPath: '/p',
  rawQuery: '',
  rawHeaders: [],
  body: Buffer.alloc(0),
  sourceIp: '10.0.0.1',
  protocol: 'HTTP/1.1',
  time: Date.UTC(2020, 2, 12, 19, 3, 58, 390),
  ...o,
});

const v2ctx = { accountId: '000000000000', apiId: 'id', domainName: 'd', domainPrefix: 'd', requestId: 'r', routeKey: '$default', stage: '$default', pathParameters: undefined, extraHeaders: {} };

test('responseV2 infers 200 JSON from bare values, as recorded from AWS', () => {
  const cases: [unknown, string][] = [['hello', 'hello'], [3, '3'], [3.1, '3.1'], [true, 'true'], [['hello', 3, true], '["hello",3,true]'], [{ hello: 'world' }, '{"hello":"world"}'], [null, 'null']];
  for (const [value, body] of cases) {
    const r = responseV2(Buffer.from(JSON.stringify(value)))!;
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.body.toString(), body);
  }
});

test('responseV2 maps statusCode, headers, cookies and base64 bodies', () => {
  const r = responseV2(Buffer.from(JSON.stringify({ statusCode: 201, headers: { 'X-A': 1, 'Content-Length': '99' }, cookies: ['a=1', 'b=2'], body: 'AAEC', isBase64Encoded: true })))!;
  assert.equal(r.status, 201);
  assert.equal(r.headers['x-a'], '1');
  assert.equal(r.headers['content-length'], undefined);
  assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
  assert.deepEqual(r.body, Buffer.from([0, 1, 2]));
  assert.equal(responseV2(Buffer.from('{"statusCode":200,"body":"{\\"hello\\": \\"world\\"}"}'))!.body.toString(), '{"hello": "world"}');
  assert.equal(responseV2(Buffer.from('{"statusCode":"x"}')), undefined);
  assert.equal(responseV2(Buffer.from('{"statusCode":200,"cookies":"a=1"}')), undefined);
  assert.equal(responseV2(Buffer.from('not json')), undefined);
});

test('a response Node cannot send is unmappable (a 502), not a crash or a 500: CR/LF in a header, a bad header name, a 1xx status', () => {
  const bad = [
    { statusCode: 200, headers: { 'x-a': 'a\r\nSet-Cookie: evil=1' } },
    { statusCode: 200, headers: { 'bad name': 'v' } },
    { statusCode: 200, cookies: ['a=b\r\nX-Injected: 1'] },
    { statusCode: 101, body: 'x' },
    { statusCode: 199, body: 'x' },
  ];
  for (const v of bad) {
    assert.equal(responseV2(Buffer.from(JSON.stringify(v))), undefined, JSON.stringify(v));
    // Format 1.0 has no `cookies` member: there the cookie case is an ordinary response.
    if (!('cookies' in v)) assert.equal(responseV1(Buffer.from(JSON.stringify(v))), undefined, JSON.stringify(v));
  }
  assert.equal(responseV1(Buffer.from(JSON.stringify({ statusCode: 200, multiValueHeaders: { 'x-m': ['ok', 'a\nb'] } }))), undefined);
  // Latin-1 and tabs are legal header text; they still pass.
  assert.equal(responseV2(Buffer.from(JSON.stringify({ statusCode: 200, headers: { 'x-a': 'caf\u00e9\tok' } })))?.headers['x-a'], 'caf\u00e9\tok');
});

test('responseV1 infers nothing and lets multiValueHeaders win', () => {
  assert.equal(responseV1(Buffer.from('"hello"')), undefined);
  assert.equal(responseV1(Buffer.from('{"hello":"world"}')), undefined);
  const r = responseV1(Buffer.from(JSON.stringify({ statusCode: 200, headers: { a: 'x' }, multiValueHeaders: { a: ['y', 'z'], 'Set-Cookie': ['c=1', 'd=2'] }, body: 'ok' })))!;
  assert.equal(r.headers['a'], 'y,z');
  assert.deepEqual(r.headers['set-cookie'], ['c=1', 'd=2']);
  assert.equal(r.body.toString(), 'ok');
});

test('eventV2 joins repeated headers and query keys, moves cookies, omits empty members', () => {
  const e = eventV2(
    req({ method: 'POST', rawPath: '/a%2Fb', rawQuery: 'k=1&k=2', rawHeaders: ['X-A', '1', 'x-a', '2', 'Cookie', 'a=1; b=2', 'Content-Type', 'application/json'], body: Buffer.from('{"x":1}') }),
    v2ctx,
  );
  assert.deepEqual(e['headers'], { 'x-a': '1,2', 'content-type': 'application/json' });
  assert.deepEqual(e['cookies'], ['a=1', 'b=2']);
  assert.deepEqual(e['queryStringParameters'], { k: '1,2' });
  assert.equal(e['body'], '{"x":1}');
  assert.equal(e['isBase64Encoded'], false);
  const ctx = e['requestContext'] as { time: string; timeEpoch: number; http: { path: string } };
  assert.equal(ctx.time, '12/Mar/2020:19:03:58 +0000');
  assert.equal(ctx.http.path, '/a/b');
  const empty = eventV2(req(), v2ctx);
  assert.equal('queryStringParameters' in empty, false);
  assert.equal('body' in empty, false);
  assert.equal('cookies' in empty, false);
});

test('eventV1 keeps single and multi-value forms', () => {
  const e = eventV1(req({ rawQuery: 'k=1&k=2', rawHeaders: ['A', '1', 'A', '2'] }), {
    accountId: '0', apiId: 'id', domainName: 'd', requestId: 'r', resource: '/p', stage: 'Prod', pathParameters: { id: '1' },
  });
  assert.deepEqual(e['headers'], { a: '2' });
  assert.deepEqual(e['multiValueHeaders'], { a: ['1', '2'] });
  assert.deepEqual(e['queryStringParameters'], { k: '2' });
  assert.deepEqual(e['multiValueQueryStringParameters'], { k: ['1', '2'] });
  assert.deepEqual(e['pathParameters'], { id: '1' });
  assert.equal(e['body'], null);
});

test('bodies are text only for textual content types with valid UTF-8', () => {
  assert.deepEqual(encodeBody(Buffer.from('hé'), 'text/plain; charset=utf-8'), { body: 'hé', isBase64Encoded: false });
  assert.deepEqual(encodeBody(Buffer.from([0xff, 0xfe]), 'text/plain'), { body: '//4=', isBase64Encoded: true });
  assert.deepEqual(encodeBody(Buffer.from('abc'), 'image/png'), { body: 'YWJj', isBase64Encoded: true });
  assert.deepEqual(encodeBody(Buffer.from('abc'), undefined), { body: 'YWJj', isBase64Encoded: true });
  assert.equal(clfTime(Date.UTC(2021, 0, 5, 1, 2, 3)), '05/Jan/2021:01:02:03 +0000');
});

test('CORS: allowed origins echoed, wildcard without credentials, others get nothing', () => {
  const cors = { AllowOrigins: ['https://a.example'], AllowMethods: ['GET'], MaxAge: 5, ExposeHeaders: ['x-e'], AllowCredentials: true };
  assert.deepEqual(preflightHeaders(cors, 'https://a.example'), {
    'access-control-allow-origin': 'https://a.example',
    'access-control-allow-methods': 'GET',
    'access-control-max-age': '5',
    'access-control-allow-credentials': 'true',
    vary: 'Origin',
  });
  assert.deepEqual(preflightHeaders(cors, 'https://b.example'), {});
  assert.deepEqual(responseCorsHeaders({ AllowOrigins: ['*'] }, 'https://b.example'), { 'access-control-allow-origin': '*' });
  assert.deepEqual(responseCorsHeaders({ AllowOrigins: ['*'] }, undefined), {});
});

test('routes: the most specific wins; greedy and $default catch the rest', () => {
  const routes = [
    compileRoute('GET', '/items/{id}', 'item'),
    compileRoute('GET', '/items/special', 'special'),
    compileRoute('ANY', '/items/{id}', 'any-item'),
    compileRoute('ANY', '/{proxy+}', 'proxy'),
    compileRoute('GET', '/', 'root'),
    compileRoute('ANY', '$default', 'default'),
  ];
  const m = (method: string, path: string) => matchRoute(routes, method, path);
  assert.deepEqual(m('GET', '/items/7'), { value: 'item', pathParameters: { id: '7' }, routeKey: 'GET /items/{id}' });
  assert.equal(m('GET', '/items/special')?.value, 'special');
  assert.equal(m('POST', '/items/7')?.value, 'any-item');
  assert.deepEqual(m('GET', '/a/b%20c'), { value: 'proxy', pathParameters: { proxy: 'a/b c' }, routeKey: 'ANY /{proxy+}' });
  assert.equal(m('GET', '/')?.value, 'root');
  assert.equal(m('POST', '/')?.routeKey, '$default');
  assert.equal(m('GET', '/items/7/')?.value, 'item');
  assert.equal(matchRoute([compileRoute('GET', '/x', 1)], 'GET', '/y'), undefined);
  assert.equal(checkRoutePath('/a/{b+}/c'), "route path '/a/{b+}/c': a greedy parameter must be the last segment");
  assert.equal(checkRoutePath('items'), "route path 'items' must start with '/'");
  assert.equal(checkRoutePath('/a/{b}'), undefined);
});

test('pickVersion sends the weight share to the additional version', () => {
  const alias = { functionVersion: '1', weights: { '2': 0.3 } };
  assert.equal(pickVersion(alias, () => 0.29), '2');
  assert.equal(pickVersion(alias, () => 0.3), '1');
  assert.equal(pickVersion({ functionVersion: '1', weights: {} }, () => 0), '1');
  let seed = 1;
  const lcg = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  let n = 0;
  for (let i = 0; i < 10000; i++) if (pickVersion(alias, lcg) === '2') n++;
  assert.ok(n > 2800 && n < 3200, `${n}`);
});
