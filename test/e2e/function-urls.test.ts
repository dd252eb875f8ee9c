/**
 * Function URLs end to end: the config operations through the SDK, and the URL itself through
 * plain HTTP, by Host header and by the /nimbus/v1/url path form.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  ListFunctionUrlConfigsCommand,
  PublishVersionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import { rawExchange, request, stalledClient } from '../helpers/http.js';
import { makeZip, ROLE, startTestNimbus } from '../helpers/nimbus.js';

const HANDLER = `
exports.handler = async (event) => {
  const p = event.rawPath;
  if (p.startsWith('/echo')) return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(event) };
  if (p === '/string') return 'hello';
  if (p === '/number') return 3.1;
  if (p === '/list') return ['hello', 3, true];
  if (p === '/object') return { hello: 'world' };
  if (p === '/raw') return { statusCode: 200, body: '{"hello": "world"}' };
  if (p === '/cookies') return { statusCode: 201, headers: { 'x-custom': 'yes', 'access-control-allow-origin': 'https://evil.example' }, cookies: ['a=1; Path=/', 'b=2'], body: 'made' };
  if (p === '/binary') return { statusCode: 200, headers: { 'content-type': 'application/octet-stream' }, isBase64Encoded: true, body: Buffer.from([0, 1, 2, 255]).toString('base64') };
  if (p === '/mirror') return { statusCode: 200, headers: { 'content-type': 'application/octet-stream' }, isBase64Encoded: event.isBase64Encoded, body: event.body };
  if (p === '/version') return process.env.AWS_LAMBDA_FUNCTION_VERSION;
  if (p === '/throw') throw new Error('boom');
  if (p === '/bad') return { statusCode: 'abc' };
  return { statusCode: 404, body: 'nope' };
};`;

// `any`: the assertions walk arbitrary event JSON, and a wrong path fails the assertion anyway.
const json = (b: Buffer): any => JSON.parse(b.toString("utf8"));

test('function URLs', async (t) => {
  const nimbus = await startTestNimbus(t);
  const { lambda, port } = nimbus;
  await lambda.send(
    new CreateFunctionCommand({ FunctionName: 'web', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: await makeZip({ 'index.js': HANDLER }) } }),
  );
  const created = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE' }));
  const url = new URL(created.FunctionUrl!);
  const urlId = url.hostname.split('.')[0]!;
  const viaHost = (path: string, o: Parameters<typeof request>[1] = {}) => request(port, { host: url.host, path, ...o });
  const viaPath = (path: string, init?: RequestInit) => fetch(`${nimbus.url}/nimbus/v1/url/${urlId}${path}`, init);

  await t.test('the config operations answer as Lambda does', async () => {
    assert.match(created.FunctionUrl!, new RegExp(`^http://[a-z0-9]{32}\\.lambda-url\\.us-east-1\\.localhost:${port}/$`));
    assert.equal(created.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:web');
    assert.equal(created.AuthType, 'NONE');
    assert.equal(created.InvokeMode, 'BUFFERED');
    await assert.rejects(lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE' })), (e: Error) => {
      assert.equal(e.name, 'ResourceConflictException');
      assert.equal(
        e.message,
        'Failed to create function url config for [functionArn = arn:aws:lambda:us-east-1:000000000000:function:web]. Error message:  FunctionUrlConfig exists for this Lambda function',
      );
      return true;
    });
    await assert.rejects(lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: '1', AuthType: 'NONE' })), {
      name: 'ValidationException',
      message: "1 validation error detected: Value '1' at 'qualifier' failed to satisfy constraint: Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)",
    });
    // AWS_IAM is enforced (test/e2e/auth-keys.test.ts): an unsigned request is then refused.
    const iam = await lambda.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'AWS_IAM' }));
    assert.equal(iam.AuthType, 'AWS_IAM');
    assert.equal((await viaPath('/')).status, 403);
    await lambda.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'web', AuthType: 'NONE' }));
    // Both invoke modes are served (RESPONSE_STREAM in test/e2e/function-url-streaming.test.ts).
    const streaming = await lambda.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'web', InvokeMode: 'RESPONSE_STREAM' }));
    assert.equal(streaming.InvokeMode, 'RESPONSE_STREAM');
    const buffered = await lambda.send(new UpdateFunctionUrlConfigCommand({ FunctionName: 'web', InvokeMode: 'BUFFERED' }));
    assert.equal(buffered.InvokeMode, 'BUFFERED');
    await assert.rejects(lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'nope' })), {
      name: 'ResourceNotFoundException',
      message: 'The resource you requested does not exist.',
    });
    const got = await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: 'web' }));
    assert.equal(got.FunctionUrl, created.FunctionUrl);
    assert.ok(got.LastModifiedTime);
    const list = await lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: 'web' }));
    assert.deepEqual(list.FunctionUrlConfigs?.map((c) => c.FunctionUrl), [created.FunctionUrl]);
  });

  await t.test('the event is payload format 2.0', async () => {
    const r = await viaHost('/echo/a%20b?x=1&x=2&y=&z=%C3%A9', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', 'X-Multi': ['one', 'two'], cookie: 'c1=v1; c2=v2', 'user-agent': 'tester' },
      body: 'Hello from client!',
    });
    assert.equal(r.status, 200);
    const e = json(r.body);
    assert.equal(e.version, '2.0');
    assert.equal(e.routeKey, '$default');
    assert.equal(e.rawPath, '/echo/a%20b');
    assert.equal(e.rawQueryString, 'x=1&x=2&y=&z=%C3%A9');
    assert.deepEqual(e.queryStringParameters, { x: '1,2', y: '', z: 'é' });
    assert.deepEqual(e.cookies, ['c1=v1', 'c2=v2']);
    assert.equal(e.headers.cookie, undefined);
    assert.equal(e.headers['x-multi'], 'one,two');
    assert.equal(e.headers['content-type'], 'text/plain');
    assert.equal(e.headers['x-forwarded-proto'], 'http');
    assert.match(e.headers['x-amzn-trace-id'], /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    assert.equal(e.body, 'Hello from client!');
    assert.equal(e.isBase64Encoded, false);
    assert.equal(e.requestContext.http.method, 'POST');
    assert.equal(e.requestContext.http.path, '/echo/a b');
    assert.equal(e.requestContext.http.userAgent, 'tester');
    assert.equal(e.requestContext.http.sourceIp, '127.0.0.1');
    assert.equal(e.requestContext.domainName, `${urlId}.lambda-url.us-east-1.localhost`);
    assert.equal(e.requestContext.apiId, urlId);
    assert.equal(e.requestContext.stage, '$default');
    assert.match(e.requestContext.time, /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    assert.equal(typeof e.requestContext.timeEpoch, 'number');
    assert.equal('pathParameters' in e, false);

    const g = json((await viaHost('/echo')).body);
    assert.equal(g.rawQueryString, '');
    assert.equal('queryStringParameters' in g, false);
    assert.equal('body' in g, false);
    assert.equal('cookies' in g, false);
  });

  await t.test('every method reaches the function, through both URL forms', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const r = await viaPath('/echo', { method });
      assert.equal(r.status, 200, method);
      assert.equal(((await r.json()) as { requestContext: { http: { method: string } } }).requestContext.http.method, method);
    }
    const head = await viaHost('/echo', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
  });

  await t.test('bare results become 200 JSON responses', async () => {
    for (const [path, body] of [
      ['/string', 'hello'],
      ['/number', '3.1'],
      ['/list', '["hello",3,true]'],
      ['/object', '{"hello":"world"}'],
      ['/raw', '{"hello": "world"}'],
    ] as const) {
      const r = await viaPath(path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers.get('content-type'), 'application/json', path);
      assert.equal(await r.text(), body, path);
    }
  });

  await t.test('status, headers and cookies come from a structured result', async () => {
    const r = await viaHost('/cookies');
    assert.equal(r.status, 201);
    assert.equal(r.headers['x-custom'], 'yes');
    assert.deepEqual(r.headers['set-cookie'], ['a=1; Path=/', 'b=2']);
    assert.equal(r.body.toString(), 'made');
    assert.ok(r.headers['x-amzn-requestid']);
  });

  await t.test('binary bodies travel base64-encoded both ways', async () => {
    const r = await viaPath('/binary');
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), Buffer.from([0, 1, 2, 255]));
    const bytes = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7) % 256));
    const e = json((await viaHost('/echo', { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes })).body);
    assert.equal(e.isBase64Encoded, true);
    assert.equal(e.body, bytes.toString('base64'));
    const m = await viaHost('/mirror', { method: 'POST', headers: { 'content-type': 'image/png' }, body: bytes });
    assert.deepEqual(m.body, bytes);
  });

  await t.test('function errors are 502, unknown URL ids 403', async () => {
    for (const path of ['/throw', '/bad']) {
      const r = await viaPath(path);
      assert.equal(r.status, 502, path);
      assert.equal(await r.text(), 'Internal Server Error');
    }
    const unknown = await request(port, { host: `${'0'.repeat(32)}.lambda-url.us-east-1.localhost:${port}`, path: '/' });
    assert.equal(unknown.status, 403);
    assert.equal(unknown.headers['x-amzn-errortype'], 'AccessDeniedException');
    assert.equal(unknown.body.toString(), '{"Message":null}');
    const unknownPath = await fetch(`${nimbus.url}/nimbus/v1/url/${'1'.repeat(32)}/x`);
    assert.equal(unknownPath.status, 403);
  });

  await t.test('CORS from the URL config: preflight answered, headers added', async () => {
    const u = await lambda.send(
      new UpdateFunctionUrlConfigCommand({
        FunctionName: 'web',
        Cors: { AllowOrigins: ['https://app.example'], AllowMethods: ['GET', 'POST'], AllowHeaders: ['x-token'], ExposeHeaders: ['x-custom'], MaxAge: 600 },
      }),
    );
    assert.deepEqual(u.Cors?.AllowOrigins, ['https://app.example']);
    const pre = await viaHost('/anything', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    // The function would have answered 404 'nope': the preflight never reaches it.
    assert.equal(pre.status, 200);
    assert.equal(pre.body.length, 0);
    assert.equal(pre.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(pre.headers['access-control-allow-methods'], 'GET,POST');
    assert.equal(pre.headers['access-control-allow-headers'], 'x-token');
    assert.equal(pre.headers['access-control-max-age'], '600');
    const r = await viaHost('/cookies', { headers: { origin: 'https://app.example' } });
    assert.equal(r.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(r.headers['access-control-expose-headers'], 'x-custom');
    const other = await viaHost('/cookies', { headers: { origin: 'https://other.example' } });
    assert.equal(other.headers['access-control-allow-origin'], undefined);
  });

  await t.test('a URL on an alias runs the alias version', async () => {
    await lambda.send(new PublishVersionCommand({ FunctionName: 'web' }));
    await lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'web', ZipFile: await makeZip({ 'index.js': HANDLER.replace("'hello'", "'changed'") }) }));
    await lambda.send(new CreateAliasCommand({ FunctionName: 'web', Name: 'live', FunctionVersion: '1' }));
    const a = await lambda.send(new CreateFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'live', AuthType: 'NONE' }));
    assert.equal(a.FunctionArn, 'arn:aws:lambda:us-east-1:000000000000:function:web:live');
    assert.notEqual(a.FunctionUrl, created.FunctionUrl);
    const host = new URL(a.FunctionUrl!).host;
    assert.equal((await request(port, { host, path: '/version' })).body.toString(), '1');
    assert.equal((await request(port, { host, path: '/string' })).body.toString(), 'hello');
    assert.equal((await viaHost('/string')).body.toString(), 'changed');
    await lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: 'web', Qualifier: 'live' }));
    assert.equal((await request(port, { host, path: '/version' })).status, 403);
  });

  await t.test('bad input gets clear errors and a stalled client stalls nobody', async () => {
    const big = await viaPath('/echo', { method: 'POST', body: Buffer.alloc(6_291_457, 97) });
    assert.equal(big.status, 413);
    assert.equal(big.headers.get('x-amzn-errortype'), 'RequestEntityTooLargeException');
    const huge = await rawExchange(port, `GET /nimbus/v1/url/${urlId}/echo HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    assert.match(huge, /^HTTP\/1\.1 431 /);
    const garbage = await rawExchange(port, 'THIS IS NOT HTTP\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.1 400 /);
    const closeHeaders = await stalledClient(port, `GET /nimbus/v1/url/${urlId}/echo HTTP/1.1\r\nHost: x\r\n`);
    const closeBody = await stalledClient(port, `POST /nimbus/v1/url/${urlId}/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc`);
    try {
      const r = await viaPath('/string');
      assert.equal(await r.text(), 'changed');
    } finally {
      closeHeaders();
      closeBody();
    }
  });
});
