/**
 * A user's very first `nimbus serve`: the runtime SDKs are not installed yet and are installed in
 * the background. A function that imports the AWS SDK, created and invoked at once, waits for the
 * install instead of failing with Runtime.ImportModuleError (the install started before the
 * invocation and ended after it was sent). The install needs the npm registry, as `npm install` does.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CreateFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2 } from '@aws-sdk/client-lambda';
import { makeZip, ROLE, sdkClient } from '../helpers/nimbus.js';
import { serve } from '../helpers/serve.js';

test("the first invocation after a first start waits for the runtime's SDK being installed, and imports it", async (t) => {
  const empty = mkdtempSync(join(tmpdir(), 'nimbus-no-store-'));
  t.after(() => rmSync(empty, { recursive: true, force: true }));
  // No shared store: this data directory's runtimes/ is all there is, and it is empty.
  const nimbus = await serve(t, { env: { NIMBUS_RUNTIMES_PATH: empty }, startMs: 30_000 });
  const lambda = sdkClient(nimbus.url);
  t.after(() => lambda.destroy());
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'uses-sdk',
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      Role: ROLE,
      Timeout: 30,
      Code: { ZipFile: await makeZip({ 'index.mjs': "import { STSClient } from '@aws-sdk/client-sts';\nexport const handler = async () => typeof STSClient;\n" }) },
    }),
  );
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 60, minDelay: 1, maxDelay: 1 }, { FunctionName: 'uses-sdk' });
  const installedBefore = /AWS SDK for JavaScript [\d.]+: installed/.test(nimbus.stderr());
  const r = await lambda.send(new InvokeCommand({ FunctionName: 'uses-sdk' }));
  assert.equal(r.FunctionError, undefined, `${Buffer.from(r.Payload ?? []).toString()}\n${nimbus.stderr()}`);
  assert.equal(JSON.parse(Buffer.from(r.Payload!).toString('utf8')), 'function');
  assert.match(nimbus.stderr(), /AWS SDK for JavaScript [\d.]+: npm ci from/, 'the server installed the SDK itself');
  if (installedBefore) t.diagnostic('the SDK was installed before the invocation was sent: this run did not exercise the wait');
});
