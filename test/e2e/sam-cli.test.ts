/**
 * Interop with AWS's own toolchain (issue 14, acceptance): apps built by `sam build` (aws-sam-cli
 * from PyPI, no containers) deploy with `nimbus deploy -t .aws-sam/build/template.yaml` as built
 * and answer on their APIs: Python with requirements.txt (python3.11, the interpreter sam build
 * finds on PATH here), Node.js with npm dependencies, Java with Maven against aws-lambda-java-core
 * and -events from Maven Central. Fails under CI=true when sam is missing (.ci/run installs it).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readStack } from '../helpers/apps/deploy-output.js';
import { startTestNimbus } from '../helpers/nimbus.js';
import { run, SAM_FIXTURES, samBuildEnv, samOrSkip } from '../helpers/sam-cli.js';
import { nimbusCli } from '../helpers/serve.js';

test('apps built by sam build deploy from .aws-sam/build/template.yaml and work', { timeout: 30 * 60_000 }, async (t) => {
  const sam = await samOrSkip(t);
  if (!sam) return;
  const nimbus = await startTestNimbus(t);
  const root = mkdtempSync(join(tmpdir(), 'nimbus-sam-cli-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));

  /** sam build in a copy of the fixture, then nimbus deploy of what it wrote; answers the stack's API base (path form). */
  const buildAndDeploy = async (app: string): Promise<{ base: string; stdout: string }> => {
    const dir = join(root, app);
    cpSync(join(SAM_FIXTURES, app), dir, { recursive: true });
    const built = await run(sam, ['build'], dir, samBuildEnv());
    assert.equal(built.code, 0, `sam build of ${app}:\n${built.stdout}\n${built.stderr}`);
    assert.match(built.stdout, /Build Succeeded/);
    const template = join(dir, '.aws-sam', 'build', 'template.yaml');
    assert.ok(existsSync(template));
    const deploy = await nimbusCli(['--endpoint', nimbus.url, 'deploy', '-t', template]);
    assert.equal(deploy.code, 0, `nimbus deploy of ${app}:\n${deploy.stdout}\n${deploy.stderr}`);
    assert.match(deploy.stdout, /Packaging 1 function as sam build built them/);
    // The stack is named after the project, not after .aws-sam/build.
    const stack = await readStack(nimbus.url, app);
    assert.equal(stack.apis.size, 1);
    return { base: [...stack.apis.values()][0]!.pathUrl.replace(/\/$/, ''), stdout: deploy.stdout };
  };

  await t.test('Python: requirements.txt installed by sam build (pip), python3.11', async () => {
    const { base } = await buildAndDeploy('python-hello');
    const r = await fetch(`${base}/hello`);
    assert.equal(r.status, 200, await r.clone().text());
    assert.match(r.headers.get('x-python-version') ?? '', /^3\.11\./);
    assert.deepEqual(await r.json(), { message: 'hello world', requests: '2.32.3', path: '/hello', stage: 'Prod' });
  });

  await t.test('Node.js: production dependencies installed by sam build (npm), devDependencies left out', async () => {
    const { base } = await buildAndDeploy('node-hello');
    const r = await fetch(`${base}/hello/2`);
    assert.equal(r.status, 200, await r.clone().text());
    assert.deepEqual(await r.json(), { message: 'hello world', millis: 172_800_000, routeKey: 'GET /hello/{days}', devDependency: false });
  });

  // sam build runs Maven itself; without it (a laptop) the Java app skips, CI installs one.
  const noMaven = process.env['CI'] !== 'true' && spawnSync('mvn', ['-v']).error ? 'Maven (mvn) is not installed' : false;
  await t.test('Java: Maven build against aws-lambda-java-core and -events, jars in lib/', { skip: noMaven }, async () => {
    const { base } = await buildAndDeploy('java-hello');
    const r = await fetch(`${base}/hello?name=sam`);
    assert.equal(r.status, 200, await r.clone().text());
    assert.match(r.headers.get('x-java-version') ?? '', /^17\./);
    const body = (await r.json()) as Record<string, unknown>;
    assert.equal(body['message'], 'hello sam');
    assert.equal(body['path'], '/hello');
    assert.equal(body['param1'], 'VALUE');
    assert.match(String(body['function']), /^java-hello-HelloWorldFunction-[A-Za-z0-9]{12}$/);
  });
});
