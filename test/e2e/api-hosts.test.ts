/**
 * Issue 14, item 1: a stack's APIs live apart from the Lambda API. A SAM app with a catch-all
 * `$default` route (HTTP API) and an `ANY /{proxy+}` route (REST API) is deployed with the real
 * CLI; then Lambda API operations that once fell through to such routes (tag-resource,
 * add-permission, publish-layer-version) from the AWS CLI v2 and the JS SDK must be answered by
 * Lambda's API, random unknown paths must get Lambda's 404 UnknownOperationException, and neither
 * function may run (their logs say so). The
 * routes answer on their API's host and on the path form, with the stage in the path as API
 * Gateway puts it, and an HTTP API with CORS answers preflights itself.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AddPermissionCommand, PublishLayerVersionCommand, TagResourceCommand } from '@aws-sdk/client-lambda';
import { readStack } from '../helpers/apps/deploy-output.js';
import { request } from '../helpers/http.js';
import { makeZip, startTestNimbus } from '../helpers/nimbus.js';
import { nimbusCli } from '../helpers/serve.js';

const CI = process.env['CI'] === 'true';
const AWS = '/usr/bin/aws';

const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Resources:
  CatchAll:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: |
        exports.handler = async (event) => {
          console.log('ran for', event.requestContext.http.method, event.rawPath);
          return { statusCode: 200, body: JSON.stringify({ fn: 'catch-all', routeKey: event.routeKey, rawPath: event.rawPath, stage: event.requestContext.stage, apiId: event.requestContext.apiId }) };
        };
      Events:
        All:
          Type: HttpApi
          Properties: { ApiId: !Ref Site }
        Ping:
          Type: HttpApi
          Properties: { ApiId: !Ref Versioned, Path: /ping, Method: get }
  Proxy:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: |
        exports.handler = async (event) => {
          console.log('ran for', event.httpMethod, event.requestContext.path);
          return { statusCode: 200, body: JSON.stringify({ fn: 'proxy', resource: event.resource, path: event.path, requestPath: event.requestContext.path, stage: event.requestContext.stage, proxy: event.pathParameters && event.pathParameters.proxy }) };
        };
      Events:
        Any:
          Type: Api
          Properties: { Path: '/{proxy+}', Method: any }
  Site:
    Type: AWS::Serverless::HttpApi
  Versioned:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: v1
      CorsConfiguration: { AllowOrigins: [https://app.example.com], AllowMethods: [GET, POST], MaxAge: 300 }
`;

function awsCli(args: string[], endpoint: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1' };
  return new Promise((resolve) => {
    execFile(AWS, [...args, '--endpoint-url', endpoint], { env }, (e, stdout, stderr) => {
      const code = e ? (typeof (e as { code?: unknown }).code === 'number' ? (e as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

test('unknown Lambda API calls never reach a catch-all route; routes answer on their API hosts', async (t) => {
  const nimbus = await startTestNimbus(t);
  const dir = mkdtempSync(join(tmpdir(), 'nimbus-api-hosts-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'template.yaml'), TEMPLATE);
  const deploy = await nimbusCli(['--endpoint', nimbus.url, 'deploy', '-t', join(dir, 'template.yaml'), '--stack-name', 'catch-all']);
  assert.equal(deploy.code, 0, deploy.stderr);
  const stack = await readStack(nimbus.url, 'catch-all');
  const site = stack.apis.get('Site')!;
  const rest = stack.apis.get('ServerlessRestApi')!;
  const versioned = stack.apis.get('Versioned')!;
  assert.ok(site && rest && versioned, JSON.stringify([...stack.apis.keys()]));
  const hostOf = (url: string): string => new URL(url).host;
  const idOf = (url: string): string => new URL(url).hostname.split('.')[0]!;
  assert.match(hostOf(site.url), /^[a-z0-9]{10}\.execute-api\.us-east-1\.localhost:\d+$/);
  assert.equal(new URL(rest.url).pathname, '/Prod');
  assert.equal(new URL(site.url).pathname, '/');
  assert.equal(new URL(versioned.url).pathname, '/v1');
  for (const a of [site, rest, versioned]) assert.equal(a.pathUrl, `${nimbus.url}/nimbus/v1/apis/${idOf(a.url)}${new URL(a.url).pathname}`);
  let ran = 0;
  const json = (body: Buffer): Record<string, unknown> => JSON.parse(body.toString('utf8')) as Record<string, unknown>;

  await t.test('routes answer on their own hosts and on the path form, stage in the path', async () => {
    const a = await request(nimbus.port, { path: '/anything/at/all?x=1', host: hostOf(site.url) });
    ran++;
    assert.equal(a.status, 200, a.body.toString());
    assert.deepEqual(json(a.body), { fn: 'catch-all', routeKey: '$default', rawPath: '/anything/at/all', stage: '$default', apiId: idOf(site.url) });
    // A Lambda API path on an API's host belongs to the API: the host decides, not the path.
    const onHost = await request(nimbus.port, { method: 'POST', path: '/2015-03-31/functions', host: hostOf(site.url), body: '{}' });
    ran++;
    assert.equal(json(onHost.body)['rawPath'], '/2015-03-31/functions');

    const p = await request(nimbus.port, { method: 'DELETE', path: '/Prod/orders/7', host: hostOf(rest.url) });
    ran++;
    assert.deepEqual(json(p.body), { fn: 'proxy', resource: '/{proxy+}', path: '/orders/7', requestPath: '/Prod/orders/7', stage: 'Prod', proxy: 'orders/7' });
    const viaPath = await fetch(`${rest.pathUrl}/orders/8`);
    ran++;
    assert.equal(((await viaPath.json()) as Record<string, unknown>)['path'], '/orders/8');
    // API Gateway's own answers: a REST API path outside its stage, an unknown API, another region.
    const noStage = await request(nimbus.port, { path: '/orders/7', host: hostOf(rest.url) });
    assert.deepEqual([noStage.status, json(noStage.body)], [403, { message: 'Forbidden' }]);
    const unknown = await request(nimbus.port, { path: '/x', host: `zzzzzzzzzz.execute-api.us-east-1.localhost:${nimbus.port}` });
    assert.deepEqual([unknown.status, json(unknown.body)], [404, { message: 'Not Found' }]);
    const region = await request(nimbus.port, { path: '/x', host: hostOf(site.url).replace('us-east-1', 'eu-west-1') });
    assert.equal(region.status, 404);

    const ping = await request(nimbus.port, { path: '/v1/ping', host: hostOf(versioned.url) });
    ran++;
    assert.deepEqual([ping.status, json(ping.body)['rawPath'], json(ping.body)['stage']], [200, '/v1/ping', 'v1']);
    const outside = await request(nimbus.port, { path: '/ping', host: hostOf(versioned.url) });
    assert.deepEqual([outside.status, json(outside.body)], [404, { message: 'Not Found' }]);
  });

  await t.test("an HTTP API with CORS answers preflights itself and sets its own headers; the browser guard does not apply", async () => {
    const origin = 'https://app.example.com';
    const pre = await request(nimbus.port, {
      method: 'OPTIONS',
      path: '/v1/ping',
      host: hostOf(versioned.url),
      headers: { origin, 'access-control-request-method': 'GET', 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers['access-control-allow-origin'], origin);
    assert.equal(pre.headers['access-control-allow-methods'], 'GET,POST');
    assert.equal(pre.headers['access-control-max-age'], '300');
    const get = await request(nimbus.port, { path: '/v1/ping', host: hostOf(versioned.url), headers: { origin, 'sec-fetch-site': 'cross-site' } });
    ran++;
    assert.equal(get.status, 200);
    assert.equal(get.headers['access-control-allow-origin'], origin);
    // The same browser request to the Lambda API is refused by the guard.
    const api = await request(nimbus.port, { path: '/2015-03-31/functions', host: `127.0.0.1:${nimbus.port}`, headers: { origin, 'sec-fetch-site': 'cross-site' } });
    assert.equal(api.status, 403);
  });

  const marker = (): string => randomBytes(6).toString('hex');
  const unknownPaths: string[] = [];

  // These operations once fell through to the catch-all route; now they are Lambda's own. Either
  // way they must be answered by Lambda's API, and the last subtest checks no function ran.
  await t.test("Lambda operations on the main host are answered by Lambda's API from the JS SDK", async () => {
    const arn = `arn:aws:lambda:us-east-1:000000000000:function:${stack.functions.get('CatchAll')!.name}`;
    const layerZip = await makeZip({ 'nodejs/x.js': 'module.exports = 1;' });
    const calls = [
      () => nimbus.lambda.send(new TagResourceCommand({ Resource: arn, Tags: { team: marker() } })),
      () => nimbus.lambda.send(new AddPermissionCommand({ FunctionName: arn, StatementId: `s${marker()}`, Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' })),
      () => nimbus.lambda.send(new PublishLayerVersionCommand({ LayerName: `layer-${marker()}`, Content: { ZipFile: layerZip } })),
    ];
    for (const call of calls) {
      const out = (await call()) as { $metadata: { httpStatusCode?: number } };
      assert.ok([200, 201, 204].includes(out.$metadata.httpStatusCode ?? 0), String(out.$metadata.httpStatusCode));
    }
  });

  await t.test('... and from the AWS CLI v2', async (tt) => {
    const version = await awsCli(['--version'], nimbus.url);
    if (!/aws-cli\/2\./.test(version.stdout + version.stderr)) {
      assert.ok(!CI, 'CI must have the AWS CLI v2 at /usr/bin/aws (.ci/run installs awscli)');
      tt.skip('the AWS CLI v2 is not at /usr/bin/aws');
      return;
    }
    const fn = stack.functions.get('Proxy')!.name;
    const layer = join(dir, 'layer.zip');
    writeFileSync(layer, await makeZip({ 'python/x.py': 'X = 1\n' }));
    const runs = [
      ['lambda', 'tag-resource', '--resource', `arn:aws:lambda:us-east-1:000000000000:function:${fn}`, '--tags', `team=${marker()}`],
      ['lambda', 'add-permission', '--function-name', fn, '--statement-id', `s${marker()}`, '--action', 'lambda:InvokeFunction', '--principal', 's3.amazonaws.com'],
      ['lambda', 'publish-layer-version', '--layer-name', `layer-${marker()}`, '--zip-file', `fileb://${layer}`],
      ['lambda', 'list-tags', '--resource', `arn:aws:lambda:us-east-1:000000000000:function:${fn}`],
    ];
    for (const args of runs) {
      const r = await awsCli(args, nimbus.url);
      assert.equal(r.code, 0, `aws ${args.join(' ')} failed: ${r.stderr}`);
    }
    const tags = JSON.parse((await awsCli(runs[3]!, nimbus.url)).stdout) as { Tags: Record<string, string> };
    assert.ok(tags.Tags['team'], 'the tag put through the CLI is listed');
  });

  await t.test('random unknown paths and methods on the main host are UnknownOperationException', async () => {
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
    const prefixes = ['', '/2015-03-31/functions/x/policy', '/2017-03-31/tags/arn%3Aaws%3Alambda', '/2018-10-31/layers/l/no-such-part', '/2020-06-30/functions/x/code-signing-config', '/Prod', '/v1', '/nimbus/v2'];
    for (let i = 0; i < 40; i++) {
      const m = marker();
      const path = `${prefixes[i % prefixes.length]}/${m}${i % 3 === 0 ? '/deeper' : ''}`;
      unknownPaths.push(m);
      const r = await fetch(`${nimbus.url}${path}`, { method: methods[i % methods.length]!, body: i % 2 && methods[i % methods.length] !== 'GET' ? `{"m":"${m}"}` : null });
      assert.equal(r.status, 404, `${path}: ${r.status}`);
      assert.equal(r.headers.get('x-amzn-errortype'), 'UnknownOperationException', path);
      assert.match(((await r.json()) as { message: string }).message, /^Unknown operation: /);
    }
  });

  await t.test('neither function ever ran for any of it: their logs hold only the route calls', async () => {
    // One last call through each API, then their logs are complete up to it.
    const last = marker();
    await request(nimbus.port, { path: `/${last}`, host: hostOf(site.url) });
    await fetch(`${rest.pathUrl}/${last}`);
    ran += 2;
    const logs = async (logical: string): Promise<string> => {
      const name = stack.functions.get(logical)!.name;
      for (;;) {
        const r = (await (await fetch(`${nimbus.url}/nimbus/v1/functions/${encodeURIComponent(name)}/logs?limit=1000`)).json()) as { events: { text: string }[] };
        const text = r.events.map((e) => e.text).join('\n');
        if (text.includes(last)) return text;
        await new Promise((res) => setTimeout(res, 100));
      }
    };
    const text = (await logs('CatchAll')) + (await logs('Proxy'));
    assert.equal(text.match(/^START RequestId/gm)?.length, ran, text);
    assert.equal(text.match(/ran for /g)?.length, ran);
    for (const m of unknownPaths) assert.equal(text.includes(m), false, `${m} reached a function`);
    assert.doesNotMatch(text, /tag-resource|TagResource|2017-03-31\/tags|layers/);
  });
});
