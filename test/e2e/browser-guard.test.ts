/**
 * A web page must not drive Nimbus (issue: cross-origin and DNS-rebinding requests). With plain
 * HTTP, exactly as a browser would send them: a cross-origin "simple" POST, a request under a
 * foreign Host (DNS rebinding), `Sec-Fetch-Site: cross-site` without Origin. Each is refused with
 * Lambda's error shape and changes nothing; AWS clients (the JS SDK, the AWS CLI v2, boto3), which
 * send neither Origin nor Sec-Fetch-Site, keep working, and function URLs keep their own CORS.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateFunctionUrlConfigCommand, GetFunctionConfigurationCommand, InvokeCommand, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { request } from '../helpers/http.js';
import { deployNode, makeZip, payloadJson, ROLE, startTestNimbus } from '../helpers/nimbus.js';

const CI = process.env['CI'] === 'true';
/** Async: Nimbus runs in this process, so a synchronous child would block it. */
const run = async (cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string; missing: boolean }> => {
  try {
    const { stdout, stderr } = await promisify(execFile)(cmd, args, { env, encoding: 'utf8' });
    return { code: 0, stdout, stderr, missing: false };
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e), missing: err.code === 'ENOENT' };
  }
};

async function createBody(name: string): Promise<string> {
  const zip = await makeZip({ 'index.js': 'exports.handler = async () => "pwned";' });
  return JSON.stringify({ FunctionName: name, Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zip.toString('base64') } });
}

const names = async (lambda: import('@aws-sdk/client-lambda').LambdaClient): Promise<string[]> =>
  ((await lambda.send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName!).sort();

test('browser requests and foreign hosts are refused; AWS clients are not', async (t) => {
  const lines: string[] = [];
  const nimbus = await startTestNimbus(t, { log: (l) => lines.push(l) });
  const { lambda, port } = nimbus;
  await deployNode(lambda, 'victim', { 'index.js': 'exports.handler = async (e) => ({ got: e });' });
  const plain = { 'content-type': 'text/plain;charset=UTF-8' };

  await t.test('a cross-origin simple POST (CreateFunction) is refused and creates nothing', async () => {
    const r = await request(port, { method: 'POST', path: '/2015-03-31/functions', headers: { ...plain, origin: 'http://evil.example' }, body: await createBody('evil') });
    assert.equal(r.status, 403);
    assert.equal(r.headers['x-amzn-errortype'], 'AccessDeniedException');
    assert.match(JSON.parse(r.body.toString()).Message, /Origin 'http:\/\/evil\.example' is not allowed/);
    assert.deepEqual(await names(lambda), ['victim']);
    assert.ok(lines.some((l) => /refused POST \/2015-03-31\/functions/.test(l)), 'the operator sees the refusal');
  });

  await t.test('Invoke and an egress switch with a foreign Origin are refused: nothing runs, nothing changes', async () => {
    const inv = await request(port, { method: 'POST', path: '/2015-03-31/functions/victim/invocations', headers: { ...plain, origin: 'https://attacker.test' }, body: '{}' });
    assert.equal(inv.status, 403);
    const upd = await request(port, {
      method: 'PUT',
      path: '/2015-03-31/functions/victim/configuration',
      headers: { ...plain, origin: 'null' },
      body: JSON.stringify({ Environment: { Variables: { NIMBUS_NETWORK: 'egress' } } }),
    });
    assert.equal(upd.status, 403);
    const cfg = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'victim' }));
    assert.equal(cfg.Environment?.Variables?.['NIMBUS_NETWORK'], undefined);
    const logs = await fetch(`${nimbus.url}/nimbus/v1/functions/victim/logs`);
    assert.equal(logs.status, 200);
    assert.doesNotMatch(await logs.text(), /START RequestId/, 'the function never ran');
  });

  await t.test('a foreign Host (DNS rebinding) is refused, even for reads', async () => {
    for (const host of [`evil.example:${port}`, 'evil.example', `localhost.evil.example:${port}`, `127.0.0.1.nip.io:${port}`]) {
      const r = await request(port, { path: '/2015-03-31/functions/victim/configuration', host });
      assert.equal(r.status, 403, host);
      assert.equal(r.headers['x-amzn-errortype'], 'AccessDeniedException');
      assert.match(JSON.parse(r.body.toString()).Message, /not served by this Nimbus/);
    }
    const create = await request(port, { method: 'POST', path: '/2015-03-31/functions', host: 'rebind.example', headers: plain, body: await createBody('rebound') });
    assert.equal(create.status, 403);
    assert.deepEqual(await names(lambda), ['victim']);
  });

  await t.test('the loopback names answer with any port (a forward) or none', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost', `LOCALHOST:${port}`, 'localhost:8080', '127.0.0.1:9002']) {
      assert.equal((await request(port, { path: '/2015-03-31/functions', host })).status, 200, host);
    }
    for (const host of ['localhost.evil.example', '127.0.0.1.evil.example:8080', '[::1].evil']) {
      assert.equal((await request(port, { path: '/2015-03-31/functions', host })).status, 403, host);
    }
  });

  await t.test('Sec-Fetch-Site other than none, without an allowed Origin, is refused', async () => {
    for (const site of ['cross-site', 'same-site', 'same-origin']) {
      const r = await request(port, { path: '/2015-03-31/functions', headers: { 'sec-fetch-site': site } });
      assert.equal(r.status, 403, site);
    }
    const post = await request(port, { method: 'POST', path: '/2015-03-31/functions', headers: { ...plain, 'sec-fetch-site': 'cross-site' }, body: await createBody('sfs') });
    assert.equal(post.status, 403);
    // An address typed into the browser's bar (Sec-Fetch-Site: none) reads like curl.
    assert.equal((await request(port, { path: '/nimbus/v1/health', headers: { 'sec-fetch-site': 'none' } })).status, 200);
    assert.equal((await request(port, { path: '/nimbus/v1/health', headers: { origin: 'http://evil.example' } })).status, 403);
    assert.equal((await request(port, { path: '/metrics', headers: { 'sec-fetch-site': 'cross-site' } })).status, 403);
    assert.deepEqual(await names(lambda), ['victim']);
  });

  await t.test('function URLs keep their own CORS for browsers', async () => {
    const cfg = await lambda.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: 'victim', AuthType: 'NONE', Cors: { AllowOrigins: ['http://app.example'], AllowMethods: ['POST'] } }),
    );
    const urlHost = new URL(cfg.FunctionUrl!).host;
    const pre = await request(port, {
      method: 'OPTIONS',
      path: '/',
      host: urlHost,
      headers: { origin: 'http://app.example', 'access-control-request-method': 'POST', 'sec-fetch-site': 'cross-site' },
    });
    assert.equal(pre.status, 200);
    assert.equal(pre.headers['access-control-allow-origin'], 'http://app.example');
    const r = await request(port, { method: 'POST', path: '/hi', host: urlHost, headers: { origin: 'http://app.example', 'sec-fetch-site': 'cross-site' }, body: 'x' });
    assert.equal(r.status, 200);
    assert.equal(r.headers['access-control-allow-origin'], 'http://app.example');
    assert.equal(JSON.parse(r.body.toString()).got.rawPath, '/hi');
  });

  await t.test('the JS SDK, the AWS CLI v2 and boto3 work unchanged', async () => {
    const out = await lambda.send(new InvokeCommand({ FunctionName: 'victim', Payload: Buffer.from('{"a":1}') }));
    assert.deepEqual(payloadJson(out.Payload), { got: { a: 1 } });

    const env = { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '' };
    const cli = await run('/usr/bin/aws', ['lambda', 'get-function-configuration', '--endpoint-url', nimbus.url, '--function-name', 'victim'], env);
    if (cli.missing) assert.ok(!CI, 'CI must have the AWS CLI v2 at /usr/bin/aws');
    else {
      assert.equal(cli.code, 0, cli.stderr);
      assert.equal(JSON.parse(cli.stdout).FunctionName, 'victim');
    }

    let python: string | undefined;
    for (const p of ['python3', '/usr/bin/python3']) if (!python && (await run(p, ['-c', 'import boto3'], env)).code === 0) python = p;
    if (!python) {
      assert.ok(!CI, 'CI must have boto3 (python3-boto3)');
      t.diagnostic('boto3 not installed: skipped the boto3 check');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'nimbus-boto3-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, 'probe.py'),
      [
        'import json, sys, boto3',
        "c = boto3.client('lambda', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')",
        "r = c.invoke(FunctionName='victim', Payload=b'{\"b\":2}')",
        "print(json.dumps({'names': [f['FunctionName'] for f in c.list_functions()['Functions']], 'out': json.loads(r['Payload'].read())}))",
      ].join('\n'),
    );
    const probe = await run(python, [join(dir, 'probe.py'), nimbus.url], env);
    assert.equal(probe.code, 0, probe.stderr);
    const got = JSON.parse(probe.stdout) as { names: string[]; out: unknown };
    assert.deepEqual(got, { names: ['victim'], out: { got: { b: 2 } } });
  });
});

test('--allow-origin lets one dashboard origin in, and --public-host adds a name', async (t) => {
  const { lambda, port } = await startTestNimbus(t, { allowOrigins: ['http://dash.example:8080'], publicHosts: ['nimbus.internal', 'fixed.example:9443'] });
  const ok = await request(port, { method: 'POST', path: '/2015-03-31/functions', headers: { 'content-type': 'text/plain', origin: 'http://dash.example:8080' }, body: await createBody('fromdash') });
  assert.equal(ok.status, 201, ok.body.toString());
  assert.deepEqual(await names(lambda), ['fromdash']);
  assert.equal((await request(port, { path: '/2015-03-31/functions', headers: { origin: 'http://dash.example:8081' } })).status, 403);
  assert.equal((await request(port, { path: '/2015-03-31/functions', host: 'nimbus.internal:443' })).status, 200, 'a public name, any port (a proxy)');
  assert.equal((await request(port, { path: '/2015-03-31/functions', host: 'fixed.example:9443' })).status, 200);
  assert.equal((await request(port, { path: '/2015-03-31/functions', host: 'fixed.example:9444' })).status, 403, 'a name given with a port matches that port only');
});
