/**
 * A custom runtime is code the function's author controls, and it talks to Nimbus's Runtime API.
 * The one in test/fixtures/hostile-runtime sends that API garbage before its first `next`
 * (random bytes, bogus frames, malformed HTTP, posts for unknown request ids, an oversized body
 * cut off midway, idle connections), then behaves. Nimbus must survive all of it, serve the
 * runtime's real invocations afterwards, answer a post for a wrong request id with 400, turn a
 * 7 MB response into Lambda's Function.ResponseSizeTooLarge, and keep serving other functions.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CreateFunctionCommand, InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { deployNode, makeZip, payloadJson, ROLE, startTestNimbus } from '../helpers/nimbus.js';

const BOOTSTRAP = readFileSync(new URL('../../../test/fixtures/hostile-runtime/bootstrap', import.meta.url));

/** A provided.al2023 function whose package is just `bootstrap`. */
async function createCustom(lambda: LambdaClient, name: string, bootstrap: string | Buffer, timeout = 3): Promise<void> {
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Runtime: 'provided.al2023',
      Handler: 'unused',
      Role: ROLE,
      Timeout: timeout,
      Code: { ZipFile: await makeZip({ bootstrap: { content: bootstrap, mode: 0o100755 } }) },
    }),
  );
}

test('a hostile custom runtime cannot break the Runtime API, its own later invocations, or anyone else', async (t) => {
  const nimbus = await startTestNimbus(t);
  await createCustom(nimbus.lambda, 'hostile', BOOTSTRAP, 120);
  await deployNode(nimbus.lambda, 'bystander', { 'index.js': 'exports.handler = async (e) => ({ fine: e.n });' });
  const invoke = (name: string, payload: unknown) =>
    nimbus.lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)), LogType: 'Tail' }));
  /** What a failed call returned and logged, for the assertion message. */
  const why = (r: { Payload?: Uint8Array; LogResult?: string }): string =>
    `${Buffer.from(r.Payload ?? []).toString()}\n${Buffer.from(r.LogResult ?? '', 'base64').toString()}`;

  // The first call starts the runtime: its garbage phase runs while the bystander keeps answering.
  const first = invoke('hostile', {});
  for (let n = 0; n < 5; n++) assert.deepEqual(payloadJson((await invoke('bystander', { n })).Payload), { fine: n });
  const r1 = await first;
  assert.equal(r1.FunctionError, undefined, why(r1));
  assert.equal((payloadJson(r1.Payload) as { survived?: boolean }).survived, true);

  const r2 = await invoke('hostile', { wrongId: true });
  assert.equal(r2.FunctionError, undefined, why(r2));
  const p2 = payloadJson(r2.Payload) as { survived?: boolean; wrongIdStatus?: number };
  assert.equal(p2.survived, true);
  assert.equal(p2.wrongIdStatus, 400, 'a post for another request id is refused');

  const r3 = await invoke('hostile', { big: true });
  assert.equal(r3.FunctionError, 'Unhandled');
  assert.equal((payloadJson(r3.Payload) as { errorType?: string }).errorType, 'Function.ResponseSizeTooLarge');

  const r4 = await invoke('hostile', {});
  assert.equal(r4.FunctionError, undefined, why(r4));
  assert.equal((payloadJson(r4.Payload) as { survived?: boolean }).survived, true);

  assert.equal((await fetch(`${nimbus.url}/nimbus/v1/health`)).status, 200);
  assert.deepEqual(payloadJson((await invoke('bystander', { n: 99 })).Payload), { fine: 99 });
});

/** Serves one event, then exits a little later: the naive custom runtime, one event per process. */
const ONE_SHOT = `#!/usr/bin/env python3
import json, os, time, urllib.request
api = 'http://%s/2018-06-01/runtime' % os.environ['AWS_LAMBDA_RUNTIME_API']
with urllib.request.urlopen(api + '/invocation/next') as r:
    rid = r.headers['Lambda-Runtime-Aws-Request-Id']
    event = json.loads(r.read())
body = json.dumps({'n': event['n'], 'process': os.urandom(8).hex()}).encode()
urllib.request.urlopen(urllib.request.Request(api + '/invocation/' + rid + '/response', data=body, method='POST')).read()
print('served one event, leaving', flush=True)
time.sleep(0.3)
`;

test('a runtime that exits after answering: the next call, which it never took, runs on a fresh sandbox', async (t) => {
  const nimbus = await startTestNimbus(t);
  await createCustom(nimbus.lambda, 'one-shot', ONE_SHOT);
  const processes = new Set<string>();
  for (let n = 0; n < 4; n++) {
    // Sent as soon as the previous answer arrives: the sandbox looks idle, its runtime is leaving.
    const r = await nimbus.lambda.send(new InvokeCommand({ FunctionName: 'one-shot', Payload: Buffer.from(JSON.stringify({ n })), LogType: 'Tail' }));
    const log = Buffer.from(r.LogResult ?? '', 'base64').toString();
    assert.equal(r.FunctionError, undefined, `${Buffer.from(r.Payload ?? []).toString()}\n${log}`);
    const out = payloadJson(r.Payload) as { n: number; process: string };
    assert.equal(out.n, n);
    processes.add(out.process);
    // Every call after the first starts a runtime again, and its log shows that init.
    if (n > 0) assert.match(log, /INIT_START/);
  }
  assert.equal(processes.size, 4, 'one runtime process per event');
});
