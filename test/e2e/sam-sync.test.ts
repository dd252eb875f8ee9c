/**
 * `sam sync` (SAM Accelerate) against Nimbus's endpoint, unchanged: the infrastructure sync goes
 * through CloudFormation's API (the managed bucket, a change set), and `sam sync --code` updates the
 * function's code through Lambda's API alone; the function answers with the new code each time.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { awsCliHome } from '../helpers/aws-cli.js';
import { startTestNimbus } from '../helpers/nimbus.js';
import { samBuildEnv, samOrSkip } from '../helpers/sam-cli.js';

/** `sam sync` asks to confirm a development stack on stdin; it gets "Y". */
function samSync(sam: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(sam, ['sync', ...args], { cwd, env });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.stdin.end('Y\n');
    const timer = setTimeout(() => p.kill('SIGKILL'), 8 * 60_000);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out });
    });
  });
}

test('sam sync: infrastructure through CloudFormation, then code alone through Lambda', async (t) => {
  const sam = await samOrSkip(t);
  if (!sam) return;
  const nimbus = await startTestNimbus(t);
  const cli = awsCliHome(t, 'nimbus-sam-sync-');
  const dir = cli.home;
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'package.json'), '{"name":"hello","version":"1.0.0"}\n');
  writeFileSync(join(dir, 'src', 'app.js'), 'exports.handler = async () => "v1";\n');
  writeFileSync(
    join(dir, 'template.yaml'),
    `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: app.handler, CodeUri: src/, Timeout: 30, FunctionName: synced-hello }
`,
  );
  const env = { ...samBuildEnv(), ...cli.env({ AWS_ENDPOINT_URL: nimbus.url, SAM_CLI_TELEMETRY: '0' }) };
  const call = async (): Promise<unknown> => {
    const r = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'synced-hello' }));
    assert.equal(r.FunctionError, undefined, Buffer.from(r.Payload ?? []).toString());
    return JSON.parse(Buffer.from(r.Payload!).toString('utf8'));
  };

  const infra = await samSync(sam, ['--stack-name', 'synced', '--no-watch', '--no-dependency-layer'], dir, env);
  assert.equal(infra.code, 0, infra.out);
  assert.match(infra.out, /Stack creation succeeded\. Sync infra completed\./);
  assert.equal(await call(), 'v1');

  writeFileSync(join(dir, 'src', 'app.js'), 'exports.handler = async () => "v2";\n');
  const code = await samSync(sam, ['--stack-name', 'synced', '--no-watch', '--code', '--no-dependency-layer'], dir, env);
  assert.equal(code.code, 0, code.out);
  assert.match(code.out, /Finished syncing Lambda Function Hello/);
  assert.equal(await call(), 'v2');
});
