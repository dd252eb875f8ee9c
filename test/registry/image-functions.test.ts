/**
 * Container-image functions end to end (docs/images.md): images laid out like AWS's Node.js base
 * image, built with umoci and pushed with skopeo to Nimbus's own registry (and to a second Nimbus
 * acting as another registry), created with the SDK (client-ecr + client-lambda) and the AWS CLI,
 * then invoked in namespace sandboxes whose root is the image. Running needs root and bubblewrap:
 * under CI these tests fail rather than skip.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { CreateRepositoryCommand, ECRClient, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { AWS_CLI, awsCliHome } from '../helpers/aws-cli.js';
import { ROLE, startTestNimbus, type TestNimbus } from '../helpers/nimbus.js';
import { imageToolsOr, pushImage } from '../helpers/oci-image.js';
import { nimbusCli } from '../helpers/serve.js';
import { awsRicPresent, nodeFunctionImage } from '../helpers/node-image.js';
import { pythonFunctionImage, pythonPresent } from '../helpers/python-image.js';

const run = promisify(execFile);

const HANDLER = `
const fs = require('node:fs');
exports.handler = async (event) => {
  let rootWritable = true;
  try { fs.writeFileSync('/var/task/x', 'x'); } catch { rootWritable = false; }
  fs.writeFileSync('/tmp/ok', 'ok');
  return {
    event,
    cwd: process.cwd(),
    uid: process.getuid(),
    env: { FROM_IMAGE: process.env.FROM_IMAGE, OVERRIDDEN: process.env.OVERRIDDEN, HANDLER: process.env._HANDLER, TASK: process.env.LAMBDA_TASK_ROOT, API: process.env.AWS_LAMBDA_RUNTIME_API, NAME: process.env.AWS_LAMBDA_FUNCTION_NAME, PATH: process.env.PATH },
    rootWritable,
    tmp: fs.readFileSync('/tmp/ok', 'utf8'),
    osRelease: fs.readFileSync('/etc/os-release', 'utf8').trim(),
    hostApt: fs.existsSync('/usr/bin/apt-get'),
    sbxUser: fs.readFileSync('/etc/passwd', 'utf8').includes('sbx_user1051'),
  };
};
`;

function namespaceOr(t: TestContext, nimbus: TestNimbus): boolean {
  if (nimbus.isolation === 'namespace') return true;
  if (process.env['CI'] === 'true') assert.fail(`image functions need namespace isolation under CI, got ${nimbus.isolation}: ${nimbus.warning ?? ''}`);
  t.skip(`namespace isolation unavailable here: ${nimbus.warning ?? ''}`);
  return false;
}

function ecrClient(url: string): ECRClient {
  return new ECRClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
}

const payload = (r: { Payload?: Uint8Array }): Record<string, unknown> => JSON.parse(Buffer.from(r.Payload ?? []).toString('utf8')) as Record<string, unknown>;

describe('container-image functions', () => {
  it('creates, describes, invokes and updates an image function (SDK: client-ecr + client-lambda)', async (t) => {
    if (!imageToolsOr(t)) return;
    const nimbus = await startTestNimbus(t);
    if (!namespaceOr(t, nimbus)) return;
    const ecr = ecrClient(nimbus.url);
    t.after(() => ecr.destroy());
    const repo = (await ecr.send(new CreateRepositoryCommand({ repositoryName: 'fn/node' }))).repository!;
    const auth = (await ecr.send(new GetAuthorizationTokenCommand({}))).authorizationData![0]!;
    const creds = Buffer.from(auth.authorizationToken!, 'base64').toString('utf8');
    const host = new URL(nimbus.url).host;
    const layout = await nodeFunctionImage(t, { '/var/task/index.js': HANDLER, '/var/task/other.js': 'exports.run = async () => "other handler";\n' });
    await pushImage(layout, `${host}/fn/node:v1`, creds);

    const uri = `${repo.repositoryUri!}:v1`;
    const created = await nimbus.lambda.send(
      new CreateFunctionCommand({ FunctionName: 'img', PackageType: 'Image', Code: { ImageUri: uri }, Role: ROLE, Environment: { Variables: { OVERRIDDEN: 'function' } } }),
    );
    assert.equal(created.PackageType, 'Image');
    assert.equal(created.Runtime, undefined);
    assert.equal(created.Handler, undefined);
    const got = await nimbus.lambda.send(new GetFunctionCommand({ FunctionName: 'img' }));
    assert.equal(got.Code?.RepositoryType, 'ECR');
    assert.equal(got.Code?.ImageUri, uri);
    assert.match(got.Code?.ResolvedImageUri ?? '', new RegExp(`^${repo.repositoryUri!}@sha256:${got.Configuration!.CodeSha256!}$`));

    const r = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'img', Payload: Buffer.from('{"hello":"image"}'), LogType: 'Tail' }));
    assert.equal(r.FunctionError, undefined, Buffer.from(r.Payload ?? []).toString());
    const out = payload(r);
    assert.deepEqual(out['event'], { hello: 'image' });
    assert.equal(out['cwd'], '/var/task');
    assert.notEqual(out['uid'], 0);
    const env = out['env'] as Record<string, string>;
    assert.equal(env['FROM_IMAGE'], 'image', 'the image ENV reaches the function');
    assert.equal(env['OVERRIDDEN'], 'function', "the function's Environment wins over the image's");
    assert.equal(env['HANDLER'], 'index.handler');
    assert.equal(env['TASK'], '/var/task');
    assert.equal(env['API'], '127.0.0.1:9001');
    assert.equal(env['NAME'], 'img');
    assert.equal(env['PATH'], '/var/lang/bin:/usr/local/bin:/usr/bin:/bin', "the image's PATH, not the platform default");
    assert.equal(out['rootWritable'], false, 'the image root is read-only');
    assert.equal(out['tmp'], 'ok', '/tmp is writable');
    assert.equal(out['osRelease'], 'NAME="Nimbus test image"', "/etc is the image's");
    assert.equal(out['hostApt'], false, "the host's /usr is not the sandbox's");
    assert.equal(out['sbxUser'], true);
    const tail = Buffer.from(r.LogResult ?? '', 'base64').toString('utf8');
    assert.match(tail, /REPORT RequestId: \S+\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms/);

    // ImageConfig: another CMD (handler) for the same image.
    const cfg = await nimbus.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'img', ImageConfig: { Command: ['other.run'] } }));
    assert.deepEqual(cfg.ImageConfigResponse?.ImageConfig, { Command: ['other.run'] });
    await waitUntilFunctionUpdatedV2({ client: nimbus.lambda, maxWaitTime: 30 }, { FunctionName: 'img' });
    assert.equal(payload(await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'img' }))) as unknown, 'other handler');

    // New code: a new tag, resolved to its digest at update.
    const v2 = await nodeFunctionImage(t, { '/var/task/index.js': HANDLER, '/var/task/other.js': 'exports.run = async () => "version two";\n' });
    await pushImage(v2, `${host}/fn/node:v2`, creds);
    const updated = await nimbus.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'img', ImageUri: `${repo.repositoryUri!}:v2` }));
    assert.notEqual(updated.CodeSha256, got.Configuration!.CodeSha256);
    assert.equal(payload(await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'img' }))) as unknown, 'version two');

    // Lambda's errors: a missing image, a zip update of an image function.
    await assert.rejects(
      nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: 'img2', PackageType: 'Image', Code: { ImageUri: `${repo.repositoryUri!}:nope` }, Role: ROLE })),
      (e: Error & { name: string }) => e.name === 'InvalidParameterValueException' && /Source image .*:nope does not exist/.test(e.message),
    );
    await assert.rejects(
      nimbus.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'img', ZipFile: Buffer.from('PK') })),
      (e: Error & { name: string }) => e.name === 'InvalidParameterValueException' && e.message === 'Please provide ImageUri when updating a function with packageType Image.',
    );
  });

  it('the AWS CLI creates an image function from an image in another registry (a second Nimbus), copied at create', async (t) => {
    if (!imageToolsOr(t)) return;
    const nimbus = await startTestNimbus(t);
    if (!namespaceOr(t, nimbus)) return;
    const other = await startTestNimbus(t);
    const otherHost = new URL(other.url).host;
    const layout = await nodeFunctionImage(t, { '/var/task/index.js': 'exports.handler = async (e) => ({ from: "elsewhere", e });\n' });
    await pushImage(layout, `${otherHost}/shared/app:1.0`);
    const home = awsCliHome(t, 'nimbus-img-cli-');
    const created = await run(
      AWS_CLI,
      ['--endpoint-url', nimbus.url, '--output', 'json', 'lambda', 'create-function', '--function-name', 'far', '--package-type', 'Image', '--code', `ImageUri=${otherHost}/shared/app:1.0`, '--role', ROLE],
      { env: home.env() },
    );
    const cfg = JSON.parse(created.stdout) as { PackageType: string; CodeSha256: string };
    assert.equal(cfg.PackageType, 'Image');
    // The other registry is gone: the function runs from Nimbus's copy.
    await other.close();
    const out = JSON.parse((await run(AWS_CLI, ['--endpoint-url', nimbus.url, 'lambda', 'invoke', '--function-name', 'far', '--cli-binary-format', 'raw-in-base64-out', '--payload', '{"n":1}', `${home.home}/out.json`], { env: home.env() })).stdout) as { StatusCode: number };
    assert.equal(out.StatusCode, 200);
    const { readFileSync } = await import('node:fs');
    assert.deepEqual(JSON.parse(readFileSync(`${home.home}/out.json`, 'utf8')), { from: 'elsewhere', e: { n: 1 } });
  });

  it('a SAM template with PackageType Image deploys through CloudFormation (aws cloudformation deploy)', async (t) => {
    if (!imageToolsOr(t)) return;
    const nimbus = await startTestNimbus(t);
    if (!namespaceOr(t, nimbus)) return;
    const host = new URL(nimbus.url).host;
    const layout = await nodeFunctionImage(t, { '/var/task/app.js': 'exports.go = async (e) => ({ stack: true, n: e.n * 2 });\n' });
    await pushImage(layout, `${host}/stacks/app:live`);
    const home = awsCliHome(t, 'nimbus-img-cfn-');
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(
      `${home.home}/template.yaml`,
      `Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: stack-image
      PackageType: Image
      ImageUri: 000000000000.dkr.ecr.us-east-1.amazonaws.com/stacks/app:live
      ImageConfig:
        Command: [app.go]
      Timeout: 10
`,
    );
    const deployed = await run(AWS_CLI, ['--endpoint-url', nimbus.url, 'cloudformation', 'deploy', '--template-file', `${home.home}/template.yaml`, '--stack-name', 'imgstack', '--capabilities', 'CAPABILITY_IAM'], { env: home.env() });
    assert.match(deployed.stdout, /Successfully created\/updated stack - imgstack/);
    const got = await nimbus.lambda.send(new GetFunctionCommand({ FunctionName: 'stack-image' }));
    assert.equal(got.Configuration?.PackageType, 'Image');
    assert.deepEqual(got.Configuration?.ImageConfigResponse?.ImageConfig, { Command: ['app.go'] });
    assert.deepEqual(payload(await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'stack-image', Payload: Buffer.from('{"n":21}') }))), { stack: true, n: 42 });

    // The same template through `nimbus deploy -t` (nothing to build for an image), then a Dockerfile-only one.
    writeFileSync(`${home.home}/cli.yaml`, readFileSync(`${home.home}/template.yaml`, 'utf8').replace('stack-image', 'cli-image'));
    const viaCli = await nimbusCli(['--endpoint', nimbus.url, 'deploy', '-t', `${home.home}/cli.yaml`, '--stack-name', 'cliimg']);
    assert.equal(viaCli.code, 0, viaCli.stderr + viaCli.stdout);
    assert.deepEqual(payload(await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'cli-image', Payload: Buffer.from('{"n":2}') }))), { stack: true, n: 4 });
    writeFileSync(
      `${home.home}/docker.yaml`,
      'Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: { PackageType: Image }\n    Metadata: { Dockerfile: Dockerfile, DockerContext: ./app, DockerTag: v1 }\n',
    );
    const docker = await nimbusCli(['--endpoint', nimbus.url, 'deploy', '-t', `${home.home}/docker.yaml`, '--stack-name', 'dockerimg']);
    assert.notEqual(docker.code, 0);
    assert.match(docker.stderr + docker.stdout, /Nimbus does not build Dockerfiles/);
  });

  it('limits as for zip functions: a timeout ends the invocation, the memory limit kills a hog (Runtime.OutOfMemory)', async (t) => {
    if (!imageToolsOr(t)) return;
    const nimbus = await startTestNimbus(t);
    if (!namespaceOr(t, nimbus)) return;
    const host = new URL(nimbus.url).host;
    const layout = await nodeFunctionImage(t, {
      '/var/task/index.js': `exports.handler = async (e) => {
  if (e.sleep) await new Promise((r) => setTimeout(r, e.sleep));
  const kept = [];
  for (let i = 0; i < (e.mb || 0); i++) kept.push(Buffer.alloc(1 << 20, 1));
  return { ok: kept.length };
};
`,
    });
    await pushImage(layout, `${host}/limits:v1`);
    await nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: 'lim', PackageType: 'Image', Code: { ImageUri: `${host}/limits:v1` }, Role: ROLE, Timeout: 1, MemorySize: 128 }));
    const slow = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'lim', Payload: Buffer.from('{"sleep":5000}'), LogType: 'Tail' }));
    assert.equal(slow.FunctionError, 'Unhandled');
    assert.match((payload(slow)['errorMessage'] as string) ?? '', /Task timed out after 1\.00 seconds$/);
    await nimbus.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'lim', Timeout: 60 }));
    await waitUntilFunctionUpdatedV2({ client: nimbus.lambda, maxWaitTime: 30 }, { FunctionName: 'lim' });
    const hog = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'lim', Payload: Buffer.from('{"mb":400}'), LogType: 'Tail' }));
    assert.equal(hog.FunctionError, 'Unhandled');
    assert.equal(payload(hog)['errorType'], 'Runtime.OutOfMemory');
    const used = Number(/Max Memory Used: (\d+) MB/.exec(Buffer.from(hog.LogResult ?? '', 'base64').toString())?.[1]);
    assert.ok(used > 64 && used <= 128, `peak ${used} MB within the 128 MB limit`);
    assert.deepEqual(payload(await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'lim', Payload: Buffer.from('{"mb":8}') }))), { ok: 8 });
  });

  it("AWS's own runtime interface client (aws-lambda-ric) in the image, started by AWS's entrypoint", async (t) => {
    if (!imageToolsOr(t)) return;
    if (!awsRicPresent()) {
      if (process.env['CI'] === 'true') assert.fail('aws-lambda-ric is not built (npm ci --prefix test-tools)');
      return void t.skip('aws-lambda-ric is not built (npm ci --prefix test-tools)');
    }
    const nimbus = await startTestNimbus(t);
    if (!namespaceOr(t, nimbus)) return;
    const host = new URL(nimbus.url).host;
    const layout = await nodeFunctionImage(
      t,
      {
        '/var/task/index.mjs': `console.log('index.mjs loaded');
export const handler = async (event, context) => { console.log('handling', event.name); return { hello: event.name, fn: context.functionName, remaining: context.getRemainingTimeInMillis() > 0 }; };
export const fail = async () => { throw new TypeError('some_error_msg'); };
`,
      },
      { cmd: ['index.handler'] },
      { awsRic: true },
    );
    await pushImage(layout, `${host}/ric/node:v1`);
    await nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: 'ric', PackageType: 'Image', Code: { ImageUri: `${host}/ric/node:v1` }, Role: ROLE }));
    const r = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'ric', Payload: Buffer.from('{"name":"image"}'), LogType: 'Tail' }));
    assert.equal(r.FunctionError, undefined, Buffer.from(r.Payload ?? []).toString());
    assert.deepEqual(payload(r), { hello: 'image', fn: 'ric', remaining: true });
    const tail = Buffer.from(r.LogResult ?? '', 'base64').toString();
    assert.match(tail, /index\.mjs loaded/);
    assert.match(tail, new RegExp(`\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\t${r.$metadata.requestId ?? '[0-9a-f-]+'}\\tINFO\\thandling image\\n`));
    await nimbus.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'ric', ImageConfig: { Command: ['index.fail'] } }));
    await waitUntilFunctionUpdatedV2({ client: nimbus.lambda, maxWaitTime: 30 }, { FunctionName: 'ric' });
    const failed = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'ric' }));
    assert.equal(failed.FunctionError, 'Unhandled');
    const body = payload(failed);
    assert.equal(body['errorType'], 'TypeError');
    assert.equal(body['errorMessage'], 'some_error_msg');
    assert.ok(Array.isArray(body['trace']));
  });

  it("a Python image with AWS's runtime interface client from PyPI (awslambdaric)", async (t) => {
    if (!imageToolsOr(t)) return;
    if (!pythonPresent()) {
      if (process.env['CI'] === 'true') assert.fail('the pyenv Python 3.13 the runtime tests use is missing');
      return void t.skip('pyenv Python 3.13 is not installed');
    }
    const nimbus = await startTestNimbus(t);
    if (!namespaceOr(t, nimbus)) return;
    const host = new URL(nimbus.url).host;
    const layout = await pythonFunctionImage(t, {
      '/var/task/app.py': `import os, sys
print("app loaded")
def handler(event, context):
    print("handling", event["name"])
    return {"hello": event["name"], "fn": context.function_name, "python": sys.version_info[:2], "task": os.environ["LAMBDA_TASK_ROOT"]}
`,
    });
    await pushImage(layout, `${host}/py/app:v1`);
    await nimbus.lambda.send(new CreateFunctionCommand({ FunctionName: 'py', PackageType: 'Image', Code: { ImageUri: `${host}/py/app:v1` }, Role: ROLE, Timeout: 30 }));
    const r = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'py', Payload: Buffer.from('{"name":"snake"}'), LogType: 'Tail' }));
    const tail = Buffer.from(r.LogResult ?? '', 'base64').toString();
    assert.equal(r.FunctionError, undefined, Buffer.from(r.Payload ?? []).toString() + tail);
    assert.deepEqual(payload(r), { hello: 'snake', fn: 'py', python: [3, 13], task: '/var/task' });
    assert.match(tail, /app loaded/);
    assert.match(tail, /handling snake/);
  });
});
