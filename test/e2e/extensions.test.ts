/**
 * External extensions delivered as layers (docs/extensions.md): a bash extension and a Node.js
 * extension of our own register with the Extensions API, receive INVOKE and SHUTDOWN, hold the
 * environment until they are done, and subscribe to the Telemetry API; extensions that crash or
 * report an init error fail the invocation with Lambda's error types. Every case runs under
 * namespace and process isolation, on a real Nimbus with @aws-sdk/client-lambda.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InvokeCommand, PublishLayerVersionCommand, UpdateFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { deployNode, makeZip, payloadJson } from '../helpers/nimbus.js';
import { startTestNimbus } from '../helpers/nimbus.js';
import { nodejs } from '../../src/runtimes/node.js';
import { createSandboxFactory } from '../../src/sandbox/index.js';
import { NamespaceSandboxFactory } from '../../src/sandbox/namespace/factory.js';
import { checkTool, failIfMissing, needs, repoRoot } from '../runtimes/helpers.js';
import { rmrf, tempDir } from '../sandbox/helpers.js';

const namespace = process.getuid?.() === 0 ? checkTool('bwrap', ['--version']) : 'namespace isolation needs root';
const curl = checkTool('curl', ['--version']);
const fixture = (f: string): string => readFileSync(join(repoRoot, 'test/fixtures/extensions', f), 'utf8');
const exe = (content: string): { content: string; mode: number } => ({ content, mode: 0o100755 });

async function layer(lambda: LambdaClient, name: string, files: Parameters<typeof makeZip>[0]): Promise<string> {
  const p = await lambda.send(new PublishLayerVersionCommand({ LayerName: name, Content: { ZipFile: await makeZip(files) } }));
  return p.LayerVersionArn!;
}

async function invoke(lambda: LambdaClient, name: string, payload: unknown = {}): Promise<{ body: unknown; error: string | undefined; requestId: string; log: string }> {
  const r = await lambda.send(new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify(payload)), LogType: 'Tail' }));
  return { body: payloadJson(r.Payload), error: r.FunctionError, requestId: r.$metadata.requestId ?? '', log: Buffer.from(r.LogResult ?? '', 'base64').toString() };
}

/** Waits for a log entry of `fn` outside any invocation (the Shutdown phase's output) that contains `text`. */
async function shutdownLog(url: string, fn: string, text: string): Promise<string> {
  let after = 0;
  for (;;) {
    const res = await fetch(`${url}/nimbus/v1/functions/${fn}/logs?after=${after}&wait=5`);
    const body = (await res.json()) as { events: { requestId: string; text: string }[]; next: number };
    after = body.next;
    const mine = body.events.find((e) => e.requestId === '' && e.text.includes(text));
    if (mine) return mine.text;
  }
}

const READ_TMP = `const fs = require('fs'); const os = require('os'); const path = require('path');
const read = (f) => { try { return fs.readFileSync(path.join(os.tmpdir(), f), 'utf8'); } catch { return null; } };
exports.handler = async (event, context) => {
  console.log('hello from ' + context.awsRequestId);
  return { requestId: context.awsRequestId, events: read('bash-ext.events'), register: read('bash-ext.register'), telemetry: read('telemetry.jsonl') };
};`;

for (const isolation of ['namespace', 'process'] as const) {
  describe(`extensions under ${isolation} isolation`, needs(isolation === 'namespace' ? namespace : curl), () => {
    it('a bash extension registers, gets INVOKE and SHUTDOWN, and the environment waits for it', async (t) => {
      failIfMissing(isolation === 'namespace' ? namespace : null);
      failIfMissing(curl);
      const { lambda, url } = await startTestNimbus(t, { isolation });
      const arn = await layer(lambda, 'bash-ext', { 'extensions/bash-ext': exe(fixture('bash-ext.sh')) });
      await deployNode(lambda, 'with-bash-ext', { 'index.js': READ_TMP }, { Layers: [arn], Timeout: 30 });

      const first = await invoke(lambda, 'with-bash-ext');
      assert.equal(first.error, undefined, JSON.stringify(first.body));
      const b1 = first.body as { requestId: string; events: string | null; register: string };
      // The register answer AWS documents (accountId because the extension asked for it).
      assert.deepEqual(JSON.parse(b1.register), { functionName: 'with-bash-ext', functionVersion: '$LATEST', handler: 'index.handler', accountId: '000000000000' });
      // The tail is written once the extension is done: its post-invoke output is part of the invocation.
      assert.match(first.log, /EXTENSION\tName: bash-ext\tState: Ready\tEvents: \[INVOKE,SHUTDOWN\]/);
      assert.match(first.log, new RegExp(`bash-ext finished ${b1.requestId}[\\s\\S]*END RequestId: ${b1.requestId}`));

      const second = await invoke(lambda, 'with-bash-ext');
      const b2 = second.body as { requestId: string; events: string };
      // The second invocation ran only after the extension finished the first (DONE is written after a pause).
      assert.ok(b2.events.startsWith(`INVOKE ${b1.requestId}\nDONE ${b1.requestId}\n`), b2.events);

      // A configuration change retires the environment: SHUTDOWN (spindown) reaches the extension.
      await lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'with-bash-ext', Description: 'retire' }));
      assert.match(await shutdownLog(url, 'with-bash-ext', 'SHUTDOWN'), /bash-ext SHUTDOWN spindown/);

      // A timed-out invocation ends the environment: the caller gets Sandbox.Timedout, the extension SHUTDOWN (timeout).
      await deployNode(lambda, 'slow-with-bash-ext', { 'index.js': 'exports.handler = () => new Promise((r) => setTimeout(r, 20000));' }, { Layers: [arn], Timeout: 2 });
      const slow = await lambda.send(new InvokeCommand({ FunctionName: 'slow-with-bash-ext', Payload: Buffer.from('{}') }));
      assert.equal(slow.FunctionError, 'Unhandled', Buffer.from(slow.Payload ?? new Uint8Array()).toString());
      assert.equal((payloadJson(slow.Payload) as { errorType: string }).errorType, 'Sandbox.Timedout');
      assert.match(await shutdownLog(url, 'slow-with-bash-ext', 'SHUTDOWN'), /bash-ext SHUTDOWN timeout/);
    });

    it('a Node.js extension receives platform, function and extension telemetry in lifecycle order', async (t) => {
      failIfMissing(isolation === 'namespace' ? namespace : null);
      const { lambda } = await startTestNimbus(t, { isolation });
      const arn = await layer(lambda, 'node-telemetry', {
        'extensions/node-telemetry': exe('#!/bin/bash\nexec node "$(dirname "$0")/../node-telemetry/index.js"\n'),
        'node-telemetry/index.js': fixture('node-telemetry.js'),
      });
      await deployNode(lambda, 'with-telemetry', { 'index.js': READ_TMP }, { Layers: [arn], Timeout: 30 });
      const ids: string[] = [];
      let last: { telemetry: string } | undefined;
      for (let i = 0; i < 3; i++) {
        const r = await invoke(lambda, 'with-telemetry');
        assert.equal(r.error, undefined, JSON.stringify(r.body));
        ids.push((r.body as { requestId: string }).requestId);
        if (process.env['DEBUG_EXT']) console.log(r.log);
        last = r.body as { telemetry: string };
      }
      const records = last!.telemetry
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { time: string; type: string; record: Record<string, unknown> | string });
      const at = (type: string, pred: (r: Record<string, unknown> | string) => boolean = () => true): number => records.findIndex((r) => r.type === type && pred(r.record));
      const of = (id: string) => (r: Record<string, unknown> | string) => typeof r === 'object' && r['requestId'] === id;
      const order = [
        at('platform.initStart'),
        at('platform.telemetrySubscription'),
        at('platform.initRuntimeDone'),
        at('platform.initReport'),
        at('platform.start', of(ids[0]!)),
        at('function', (r) => r === `hello from ${ids[0]}` || String(r).includes(`hello from ${ids[0]}`)),
        at('platform.runtimeDone', of(ids[0]!)),
        at('platform.report', of(ids[0]!)),
        at('platform.start', of(ids[1]!)),
      ];
      assert.ok(order.every((i) => i >= 0), `missing records: ${JSON.stringify(order)}\n${last!.telemetry}`);
      assert.deepEqual([...order].sort((a, b) => a - b), order, last!.telemetry);
      assert.ok(at('extension', (r) => String(r).includes(`node-telemetry got INVOKE ${ids[0]}`)) >= 0, 'the extension\'s own output arrives as extension records');
      // sandbox.localdomain resolves inside a namespace sandbox (its /etc/hosts), not on a process sandbox's host.
      const listening = isolation === 'namespace' ? 'sandbox.localdomain' : '127.0.0.1';
      assert.ok(at('extension', (r) => String(r).includes(`200 OK listening on ${listening}`)) >= 0, last!.telemetry);
      const init = records[at('platform.initStart')]!.record as Record<string, unknown>;
      assert.equal(init['functionName'], 'with-telemetry');
      assert.equal(init['phase'], 'init');
      const report = records[at('platform.report', of(ids[0]!))]!.record as { status: string; metrics: Record<string, number> };
      assert.equal(report.status, 'success');
      for (const k of ['durationMs', 'billedDurationMs', 'memorySizeMB', 'maxMemoryUsedMB', 'initDurationMs']) assert.equal(typeof report.metrics[k], 'number', k);
      const done = records[at('platform.runtimeDone', of(ids[0]!))]!.record as { status: string; metrics: Record<string, number> };
      assert.equal(done.status, 'success');
      assert.ok(done.metrics['producedBytes']! > 0);
      assert.ok(records.every((r) => !Number.isNaN(Date.parse(r.time))));
    });

    it('an extension that crashes or reports an init error fails the invocation with Lambda\'s error', async (t) => {
      failIfMissing(isolation === 'namespace' ? namespace : null);
      failIfMissing(curl);
      const { lambda } = await startTestNimbus(t, { isolation });
      const crash = await layer(lambda, 'crasher', { 'extensions/crasher': exe('#!/bin/bash\necho "crasher starting"\nexit 3\n') });
      await deployNode(lambda, 'with-crasher', { 'index.js': 'exports.handler = async () => "never";' }, { Layers: [crash], Timeout: 10 });
      const r1 = await invoke(lambda, 'with-crasher');
      assert.equal(r1.error, 'Unhandled');
      assert.equal((r1.body as { errorType: string }).errorType, 'Extension.Crash');

      const initError = await layer(lambda, 'init-error', {
        'extensions/init-error': exe(`#!/bin/bash
API="http://\${AWS_LAMBDA_RUNTIME_API}/2020-01-01/extension"
ID="$(curl -sS -D - -o /dev/null -X POST "$API/register" -H 'Lambda-Extension-Name: init-error' -d '{"events":[]}' | grep -i '^Lambda-Extension-Identifier:' | cut -d' ' -f2 | tr -d '\\r\\n')"
curl -sS -X POST "$API/init/error" -H "Lambda-Extension-Identifier: $ID" -H 'Lambda-Extension-Function-Error-Type: Extension.ConfigInvalid' -d '{"errorMessage":"bad config","errorType":"Extension.ConfigInvalid"}'
sleep 30
`),
      });
      await deployNode(lambda, 'with-init-error', { 'index.js': 'exports.handler = async () => "never";' }, { Layers: [initError], Timeout: 10 });
      const r2 = await invoke(lambda, 'with-init-error');
      assert.equal(r2.error, 'Unhandled');
      assert.equal((r2.body as { errorType: string }).errorType, 'Extension.InitError');
    });
  });
}

describe('extensions and namespace stem cells', needs(namespace ?? curl), () => {
  it('a function whose layer has an extension starts a fresh sandbox, never a stem cell (its runtime already runs)', async (t) => {
    failIfMissing(namespace);
    failIfMissing(curl);
    const dataDir = tempDir('nimbus-ext-stem-');
    const choice = createSandboxFactory({ isolation: 'namespace', dataDir, hostPorts: [], stemCells: 1, stemRuntimes: [nodejs] });
    t.after(async () => {
      await choice.factory.close?.();
      rmrf(dataDir);
    });
    assert.ok(choice.factory instanceof NamespaceSandboxFactory, choice.warning);
    const factory = choice.factory;
    const { lambda } = await startTestNimbus(t, { sandboxFactory: factory });
    const arn = await layer(lambda, 'bash-ext', { 'extensions/bash-ext': exe(fixture('bash-ext.sh')) });
    assert.equal(await factory.stemCellsReady(30_000), true);
    await deployNode(
      lambda,
      'ext-no-stem',
      {
        'index.js': `const fs = require('fs'); const os = require('os'); const path = require('path');
exports.handler = async () => ({
  stem: fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\\n').filter((l) => l.split(' ')[4] === '/var/task').length > 1,
  registered: fs.existsSync(path.join(os.tmpdir(), 'bash-ext.register')),
});`,
      },
      { Layers: [arn], Timeout: 30 },
    );
    const r = await invoke(lambda, 'ext-no-stem');
    assert.equal(r.error, undefined, JSON.stringify(r.body));
    assert.deepEqual(r.body, { stem: false, registered: true });
  });
});
