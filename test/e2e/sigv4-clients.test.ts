/**
 * Real clients against the SigV4 verifier: a small capture server on 127.0.0.1 records each
 * request exactly as Node hands it over (method, raw target, rawHeaders, body) and answers a
 * Lambda-shaped 404; every captured request must verify, and must fail with a wrong secret.
 * Clients: the JS SDK (@aws-sdk/client-lambda), the AWS CLI v2 (/usr/bin/aws), boto3, and plain
 * Node HTTP carrying smithy signatures with repeated headers, odd spacing and a presigned URL.
 * The CLI and boto3 are CI dependencies (.ci/run installs awscli and python3-boto3): with CI=true
 * their absence fails the test; elsewhere it skips with a message.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { CreateFunctionCommand, InvokeCommand, LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import type { SigV4Request } from '../../src/auth/sigv4.js';
import { signer, smithyRequest, verifier } from '../helpers/sigv4.js';

const run = promisify(execFile);
const KEY = 'AKIDREALCLIENTS00001';
const SECRET = 'real/clients+secret/abcdefghijklmnopqrstuv';
const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:my-fn';
const MARKER = 'a b+c/d=e&f~g*';
const ZIP = Buffer.from('PK\x05\x06' + '\0'.repeat(18), 'latin1');

interface Captured extends SigV4Request {
  readonly body: Buffer;
}

/** Records every request; answers as Lambda does for a missing function. */
class CaptureServer {
  readonly requests: Captured[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      this.requests.push({ method: req.method ?? '', rawUrl: req.url ?? '', rawHeaders: req.rawHeaders.slice(), payloadSha256: createHash('sha256').update(body).digest('hex'), body });
      const reply = JSON.stringify({ Type: 'User', Message: `Function not found: ${ARN}` });
      res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-ErrorType': 'ResourceNotFoundException', 'x-amzn-RequestId': 'capture' });
      res.end(reply);
    });
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The requests recorded while `fn` ran. */
  async during(fn: () => Promise<unknown>): Promise<Captured[]> {
    const from = this.requests.length;
    await fn();
    return this.requests.slice(from);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const good = verifier({ allowPresigned: true }, { [KEY]: SECRET });
const wrong = verifier({ allowPresigned: true }, { [KEY]: `${SECRET}-wrong` });

/** Each request verifies now, and a verifier holding another secret for the key refuses it. */
function assertVerifies(reqs: readonly Captured[], who: string): void {
  assert.ok(reqs.length > 0, `${who} sent nothing`);
  for (const r of reqs) {
    const ok = good.verify(r, Date.now());
    assert.ok(ok.ok, `${who} ${r.method} ${r.rawUrl}: ${ok.ok ? '' : ok.message}`);
    assert.equal(ok.accessKeyId, KEY);
    const bad = wrong.verify(r, Date.now());
    assert.equal(bad.ok, false);
    if (!bad.ok) assert.equal(bad.errorType, 'InvalidSignatureException');
  }
}

const find = (reqs: readonly Captured[], method: string, path: string | RegExp) => {
  const r = reqs.find((x) => x.method === method && (typeof path === 'string' ? x.rawUrl.split('?')[0] === path : path.test(x.rawUrl.split('?')[0]!)));
  assert.ok(r, `no ${method} ${path} among ${reqs.map((x) => `${x.method} ${x.rawUrl}`).join(', ')}`);
  return r;
};
/** The SDK lists at `/2015-03-31/functions`, botocore at `/2015-03-31/functions/`. */
const LIST_PATH = /^\/2015-03-31\/functions\/?$/;
const INVOKE_PATH = `/2015-03-31/functions/${encodeURIComponent(ARN)}/invocations`;

/** A tool CI must have: fail under CI=true, skip elsewhere. */
function missing(t: TestContext, what: string, install: string): void {
  if (process.env['CI'] === 'true') assert.fail(`${what} is not installed; .ci/run installs ${install}`);
  t.skip(`${what} not found (apt-get install ${install})`);
}

describe('SigV4: real clients verify', () => {
  const cap = new CaptureServer();
  const home = mkdtempSync(join(tmpdir(), 'nimbus-sigv4-'));
  before(() => cap.start());
  after(async () => {
    await cap.close();
    rmSync(home, { recursive: true, force: true });
  });

  test('JS SDK v3: Invoke by ARN with a qualifier, ListFunctions with a Marker, CreateFunction with a body', async () => {
    const client = new LambdaClient({ endpoint: cap.url, region: 'us-east-1', credentials: { accessKeyId: KEY, secretAccessKey: SECRET }, maxAttempts: 1 });
    const reqs = await cap.during(async () => {
      await client.send(new InvokeCommand({ FunctionName: ARN, Qualifier: 'prod', Payload: new TextEncoder().encode('{"x":1}') })).catch(() => undefined);
      await client.send(new ListFunctionsCommand({ Marker: MARKER, MaxItems: 5 })).catch(() => undefined);
      await client.send(new CreateFunctionCommand({ FunctionName: 'f', Runtime: 'nodejs20.x', Role: 'arn:aws:iam::123456789012:role/r', Handler: 'index.handler', Code: { ZipFile: ZIP } })).catch(() => undefined);
    });
    client.destroy();
    assertVerifies(reqs, 'JS SDK');
    assert.match(find(reqs, 'POST', INVOKE_PATH).rawUrl, /\?Qualifier=prod$/);
    assert.ok(find(reqs, 'GET', LIST_PATH).rawUrl.includes('Marker=a%20b%2Bc%2Fd%3De%26f~g%2A'));
    assert.ok(find(reqs, 'POST', '/2015-03-31/functions').body.length > 0);
  });

  test('JS SDK v3 with temporary credentials (a session token)', async () => {
    const v = verifier({ secretFor: (id, token) => (id === KEY && token === 'session-token-1' ? { secret: SECRET, name: 'temp' } : undefined) });
    const client = new LambdaClient({ endpoint: cap.url, region: 'us-east-1', credentials: { accessKeyId: KEY, secretAccessKey: SECRET, sessionToken: 'session-token-1' }, maxAttempts: 1 });
    const reqs = await cap.during(() => client.send(new ListFunctionsCommand({})).catch(() => undefined));
    client.destroy();
    const r = v.verify(reqs[0]!, Date.now());
    assert.ok(r.ok && r.sessionToken === 'session-token-1', r.ok ? '' : r.message);
  });

  test('AWS CLI v2: invoke an ARN with --qualifier, list-functions --marker, create-function', async (t) => {
    const aws = await findAwsV2();
    if (!aws) return missing(t, 'AWS CLI v2', 'awscli');
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: SECRET, AWS_DEFAULT_REGION: 'us-east-1', AWS_PAGER: '', AWS_MAX_ATTEMPTS: '1', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: join(home, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'none') };
    const zip = join(home, 'f.zip');
    writeFileSync(zip, ZIP);
    const cli = (...args: string[]) => run(aws, ['--endpoint-url', cap.url, 'lambda', ...args], { env, cwd: home }).catch(() => undefined);
    const reqs = await cap.during(async () => {
      await cli('invoke', '--function-name', ARN, '--qualifier', 'prod', '--cli-binary-format', 'raw-in-base64-out', '--payload', '{"x":1}', join(home, 'out.json'));
      await cli('list-functions', '--no-paginate', '--marker', MARKER);
      await cli('create-function', '--function-name', 'f', '--runtime', 'nodejs20.x', '--role', 'arn:aws:iam::123456789012:role/r', '--handler', 'index.handler', '--zip-file', `fileb://${zip}`);
    });
    assertVerifies(reqs, 'AWS CLI v2');
    find(reqs, 'POST', INVOKE_PATH);
    find(reqs, 'GET', LIST_PATH);
    assert.ok(find(reqs, 'POST', '/2015-03-31/functions').body.length > 0);
  });

  test('boto3: invoke an ARN with a Qualifier, list_functions with a Marker, create_function', async (t) => {
    const python = await findBoto3Python();
    if (!python) return missing(t, 'boto3', 'python3-boto3');
    const script = [
      'import os, boto3',
      'from botocore.config import Config',
      "c = boto3.client('lambda', endpoint_url=os.environ['EP'], region_name='us-east-1', aws_access_key_id=os.environ['K'], aws_secret_access_key=os.environ['S'], config=Config(retries={'max_attempts': 1, 'mode': 'standard'}))",
      'calls = [',
      "  lambda: c.invoke(FunctionName=os.environ['ARN'], Qualifier='prod', Payload=b'{\"x\":1}'),",
      "  lambda: c.list_functions(Marker=os.environ['MARKER']),",
      "  lambda: c.create_function(FunctionName='f', Runtime='python3.12', Role='arn:aws:iam::123456789012:role/r', Handler='h.h', Code={'ZipFile': b'PK\\x05\\x06' + bytes(18)}),",
      ']',
      'for call in calls:',
      '  try: call()',
      '  except c.exceptions.ResourceNotFoundException: pass',
    ].join('\n');
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, EP: cap.url, K: KEY, S: SECRET, ARN, MARKER, AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: join(home, 'none') };
    const reqs = await cap.during(() => run(python, ['-c', script], { env }));
    assertVerifies(reqs, 'boto3');
    find(reqs, 'POST', INVOKE_PATH);
    assert.ok(find(reqs, 'GET', LIST_PATH).rawUrl.includes('Marker='));
    assert.ok(find(reqs, 'POST', '/2015-03-31/functions').body.length > 0);
  });

  test('plain Node HTTP: repeated headers and odd spacing after Node parsing; a presigned URL', async () => {
    const url = new URL(cap.url);
    const s = signer({ accessKeyId: KEY, secret: SECRET });
    const body = new TextEncoder().encode('{"odd":true}');
    const unsigned = smithyRequest({ method: 'POST', path: '/2015-03-31/functions/my-fn%3A%24LATEST/invocations', headers: { 'x-multi': 'one,two three', 'x-odd': 'a  \t b' }, body });
    unsigned.headers = { ...unsigned.headers, host: url.host };
    const signed = await s.sign(unsigned, { signingDate: new Date() });
    const presigned = await s.presign({ ...smithyRequest({ method: 'GET', path: '/2015-03-31/functions/my-fn/url', query: { q: 'x y' } }), headers: { host: url.host } }, { expiresIn: 300 });
    const send = (method: string, path: string, headers: http.OutgoingHttpHeaders, payload?: Uint8Array) =>
      new Promise<void>((resolve, reject) => {
        const req = http.request({ host: url.hostname, port: url.port, method, path, headers }, (res) => res.resume().on('end', resolve));
        req.on('error', reject);
        req.end(payload);
      });
    const reqs = await cap.during(async () => {
      const { 'x-multi': _m, 'x-odd': _o, host: _h, ...rest } = signed.headers;
      await send('POST', signed.path, { ...rest, 'X-Multi': ['one', 'two three'], 'X-Odd': '  a \t\t b  ' }, body);
      const q = Object.entries(presigned.query ?? {})
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
        .join('&');
      await send('GET', `${presigned.path}?${q}`, {});
    });
    assert.deepEqual(reqs[0]!.rawHeaders.filter((_, i, a) => i % 2 === 1 && a[i - 1] === 'X-Multi'), ['one', 'two three']);
    assertVerifies(reqs, 'Node HTTP');
    const p = good.verify(reqs[1]!, Date.now());
    assert.ok(p.ok && p.presigned);
  });
});

/** AWS CLI v2: Debian's /usr/bin/aws first (a pyenv `aws` on PATH may be v1). */
async function findAwsV2(): Promise<string | null> {
  for (const bin of ['/usr/bin/aws', '/usr/local/bin/aws', 'aws']) {
    if (bin.startsWith('/') && !existsSync(bin)) continue;
    const out = await run(bin, ['--version']).catch(() => undefined);
    if (out && /aws-cli\/2\./.test(out.stdout + out.stderr)) return bin;
  }
  return null;
}

/** A python3 with boto3: Debian's python3-boto3 lives at /usr/bin/python3, PATH may be pyenv's. */
async function findBoto3Python(): Promise<string | null> {
  for (const bin of ['/usr/bin/python3', 'python3']) {
    if (bin.startsWith('/') && !existsSync(bin)) continue;
    if (await run(bin, ['-c', 'import boto3']).then(() => true, () => false)) return bin;
  }
  return null;
}
