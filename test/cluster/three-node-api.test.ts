/**
 * The acceptance "the AWS CLI and SDK tests of the single-node suite pass against a 3-node cluster
 * through any node": control-plane and invoke flows with the SDK and the AWS CLI v2, every call
 * through the next of three nodes (round-robin, test/helpers/cluster.ts).
 *
 * The whole single-node files also run against a cluster as they are (single-node-suites.test.ts).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  ListFunctionsCommand,
  PublishVersionCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { AWS_CLI, awsCliHome } from '../helpers/aws-cli.js';
import { roundRobinLambda, skipWithoutCluster, startTestCluster } from '../helpers/cluster.js';
import { makeZip, ROLE } from '../helpers/nimbus.js';

const skip = skipWithoutCluster();
const run = promisify(execFile);
const AWS = AWS_CLI;

describe('3-node cluster: the SDK and the AWS CLI through any node', { skip }, () => {
  it('SDK: create, read, configure, publish, alias, invoke (sync and async) and delete, each call through the next node', async (t) => {
    const c = await startTestCluster(t, 3);
    const lambda = roundRobinLambda(c);
    t.after(() => lambda.destroy());
    const zip = await makeZip({ 'index.js': "exports.handler = async (e) => ({ hello: e.name ?? 'world', v: process.env.VV ?? '0' });" });
    const created = await lambda.send(new CreateFunctionCommand({ FunctionName: 'hello', Runtime: 'nodejs20.x', Role: ROLE, Handler: 'index.handler', Code: { ZipFile: zip } }));
    assert.equal(created.State, 'Active');
    for (let i = 0; i < 3; i++) assert.equal((await lambda.send(new GetFunctionCommand({ FunctionName: 'hello' }))).Configuration?.Handler, 'index.handler');
    assert.ok((await lambda.send(new ListFunctionsCommand({}))).Functions?.some((f) => f.FunctionName === 'hello'));
    await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'hello', Environment: { Variables: { VV: '1' } } }));
    const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: 'hello' }));
    assert.equal(v1.Version, '1');
    await lambda.send(new CreateAliasCommand({ FunctionName: 'hello', Name: 'live', FunctionVersion: '1' }));
    for (const q of [undefined, '1', 'live']) {
      for (let i = 0; i < 3; i++) {
        const r = await lambda.send(new InvokeCommand({ FunctionName: 'hello', Qualifier: q, Payload: Buffer.from('{"name":"cluster"}') }));
        assert.equal(r.FunctionError, undefined);
        assert.deepEqual(JSON.parse(Buffer.from(r.Payload!).toString('utf8')), { hello: 'cluster', v: '1' });
      }
    }
    const ev = await lambda.send(new InvokeCommand({ FunctionName: 'hello', InvocationType: 'Event', Payload: Buffer.from('{}') }));
    assert.equal(ev.StatusCode, 202);
    await lambda.send(new DeleteFunctionCommand({ FunctionName: 'hello' }));
    for (let i = 0; i < 3; i++) {
      await assert.rejects(lambda.send(new GetFunctionCommand({ FunctionName: 'hello' })), (e: Error) => e.name === 'ResourceNotFoundException');
    }
  });

  it('AWS CLI v2: create-function, get-function, invoke, list-functions, delete-function, each through the next node', async (t) => {
    if (!existsSync(AWS)) assert.fail(`the AWS CLI v2 is required (${AWS})`);
    const c = await startTestCluster(t, 3);
    const { home, env } = awsCliHome(t, 'nimbus-cluster-cli-');
    const ok = async (...args: string[]): Promise<Record<string, unknown>> => {
      const r = await run(AWS, ['--endpoint-url', c.next(), '--output', 'json', 'lambda', ...args], { env: env(), cwd: home });
      return r.stdout.trim() ? (JSON.parse(r.stdout) as Record<string, unknown>) : {};
    };
    const zip = join(home, 'hello.zip');
    writeFileSync(zip, await makeZip({ 'index.js': "exports.handler = async (e) => ({ hello: e.name ?? 'world' });" }));
    const created = await ok('create-function', '--function-name', 'hello', '--runtime', 'nodejs20.x', '--handler', 'index.handler', '--zip-file', `fileb://${zip}`, '--role', ROLE);
    assert.equal(created['State'], 'Active');
    await ok('wait', 'function-active-v2', '--function-name', 'hello');
    assert.equal(((await ok('get-function', '--function-name', 'hello'))['Configuration'] as Record<string, unknown>)['Handler'], 'index.handler');
    for (let i = 0; i < 3; i++) {
      const out = join(home, `out${i}.json`);
      const inv = await ok('invoke', '--function-name', 'hello', '--cli-binary-format', 'raw-in-base64-out', '--payload', '{"name":"cli"}', out);
      assert.equal(inv['StatusCode'], 200);
      assert.deepEqual(JSON.parse(readFileSync(out, 'utf8')), { hello: 'cli' });
    }
    const listed = (await ok('list-functions'))['Functions'] as { FunctionName: string }[];
    assert.ok(listed.some((f) => f.FunctionName === 'hello'));
    await ok('delete-function', '--function-name', 'hello');
  });
});
