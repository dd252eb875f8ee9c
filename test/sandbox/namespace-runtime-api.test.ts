/**
 * How runtimes reach the Runtime API without a network: built-in bootstraps use the Unix socket;
 * custom runtimes get AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 in their own network namespace,
 * forwarded to the socket. Here the Node bootstrap plays a custom runtime: without the socket
 * variable it speaks plain TCP to AWS_LAMBDA_RUNTIME_API, as curl or aws-lambda-ric would.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { nodejs } from '../../src/runtimes/node.js';
import type { RuntimeDescriptor } from '../../src/runtimes/types.js';
import { createSandboxFactory } from '../../src/sandbox/index.js';
import type { NamespaceSandboxFactory } from '../../src/sandbox/namespace/factory.js';
import { assertIsolation, call, codeDir, isolationSkip, rmrf, spec, tempDir } from './helpers.js';

// The Node.js bootstrap on the Node.js running the tests, presented as a custom runtime.
const tcpRuntime: RuntimeDescriptor = {
  ...nodejs,
  family: 'provided',
  ids: ['provided.al2023'],
  command: (paths, _runtime, handler) => nodejs.command(paths, `nodejs${process.versions.node.split('.')[0]}.x`, handler),
  hostPaths: () => nodejs.hostPaths(`nodejs${process.versions.node.split('.')[0]}.x`),
};

describe('namespace sandbox Runtime API transport', { skip: isolationSkip() }, () => {
  let dataDir: string;
  let code: string;
  let factory: NamespaceSandboxFactory;

  before(() => {
    assertIsolation();
    dataDir = tempDir('nimbus-rapi-');
    code = codeDir();
    factory = createSandboxFactory({ isolation: 'namespace', dataDir, hostPorts: [] }).factory as NamespaceSandboxFactory;
  });

  after(async () => {
    await factory?.close();
    for (const d of [dataDir, code]) if (d) rmrf(d);
  });

  it('serves a TCP runtime at AWS_LAMBDA_RUNTIME_API inside its own network namespace', async () => {
    const sb = factory.create(spec(code, { descriptor: tcpRuntime, runtime: 'provided.al2023' }));
    await sb.start(10_000);
    for (let i = 0; i < 3; i++) {
      const s = await call<{ env: Record<string, string> }>(sb, { op: 'status' });
      assert.equal(s.env['AWS_LAMBDA_RUNTIME_API'], '127.0.0.1:9001');
    }
    const curl = await call<{ stdout: string; status: number }>(sb, { op: 'sh', cmd: 'curl -s -o /dev/null -w "%{http_code}" http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/ping' });
    assert.equal(curl.stdout, '200');
    await sb.dispose();
  });

  it('gives built-in runtimes the socket only: nothing listens on 9001', async () => {
    const sb = factory.create(spec(code));
    await sb.start(10_000);
    const c = await call<{ ok: boolean; code?: string }>(sb, { op: 'connect', host: '127.0.0.1', port: 9001 });
    assert.deepEqual(c, { ok: false, code: 'ECONNREFUSED' });
    await sb.dispose();
  });
});
