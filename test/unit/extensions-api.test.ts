/**
 * The Extensions and Telemetry APIs' wire contract (docs/extensions.md), over real HTTP: the
 * register answer, AWS's 403 error types, the INVOKE event's shape and the wait for `next`, a
 * crash, telemetry validation and batches reaching a real listener, and the Logs API's records.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { ExtensionFailure, ExtensionsApi } from '../../src/sandbox/extensions/extensions-api.js';
import { loopbackTransport } from '../../src/sandbox/extensions/telemetry.js';

async function serve(t: { after: (f: () => void) => void }, ext: ExtensionsApi): Promise<string> {
  const server = http.createServer((req, res) => {
    if (!ext.route(req, res)) {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    ext.close();
    server.closeAllConnections();
    server.close();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const options = { functionName: 'fn', functionVersion: '$LATEST', handler: 'index.handler', accountId: '123456789012', transport: loopbackTransport };

async function register(base: string, name: string, events: string[], extra: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/2020-01-01/extension/register`, { method: 'POST', headers: { 'Lambda-Extension-Name': name, ...extra }, body: JSON.stringify({ events }) });
}

describe('Extensions API', () => {
  it('register answers the function and an identifier; errors are 403 with AWS types', async (t) => {
    const ext = new ExtensionsApi({ ...options, names: ['agent'] });
    const base = await serve(t, ext);
    const noName = await fetch(`${base}/2020-01-01/extension/register`, { method: 'POST', body: '{"events":[]}' });
    assert.equal(noName.status, 403);
    assert.equal(((await noName.json()) as { errorType: string }).errorType, 'Extension.InvalidExtensionName');
    const badEvent = await register(base, 'agent', ['INVOKE', 'FREEZE']);
    assert.equal(badEvent.status, 403);
    assert.equal(((await badEvent.json()) as { errorType: string }).errorType, 'Extension.InvalidEventType');
    const badJson = await fetch(`${base}/2020-01-01/extension/register`, { method: 'POST', headers: { 'Lambda-Extension-Name': 'agent' }, body: '{' });
    assert.equal(((await badJson.json()) as { errorType: string }).errorType, 'InvalidRequestFormat');

    const ok = await register(base, 'agent', ['INVOKE', 'SHUTDOWN'], { 'Lambda-Extension-Accept-Feature': 'accountId' });
    assert.equal(ok.status, 200);
    assert.match(ok.headers.get('lambda-extension-identifier') ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(await ok.json(), { functionName: 'fn', functionVersion: '$LATEST', handler: 'index.handler', accountId: '123456789012' });
    await ext.registered;
    const again = await register(base, 'agent', ['INVOKE']);
    assert.equal(((await again.json()) as { errorType: string }).errorType, 'Extension.InvalidExtensionState');

    const noId = await fetch(`${base}/2020-01-01/extension/event/next`);
    assert.equal(((await noId.json()) as { errorType: string }).errorType, 'Extension.MissingExtensionIdentifier');
    const unknown = await fetch(`${base}/2020-01-01/extension/event/next`, { headers: { 'Lambda-Extension-Identifier': 'nope' } });
    assert.equal(unknown.status, 403);
    assert.equal(((await unknown.json()) as { errorType: string }).errorType, 'Extension.UnknownExtensionIdentifier');
  });

  it('INVOKE reaches a waiting extension and the phase ends only at its next `next`', async (t) => {
    const ext = new ExtensionsApi({ ...options, names: ['agent'] });
    const base = await serve(t, ext);
    const id = (await register(base, 'agent', ['INVOKE'])).headers.get('lambda-extension-identifier')!;
    const next = (): Promise<Response> => fetch(`${base}/2020-01-01/extension/event/next`, { headers: { 'Lambda-Extension-Identifier': id } });
    const first = next();
    await ext.initDone;
    ext.endInit();
    ext.invoke({ requestId: 'r1', deadlineMs: 42, invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn', traceId: 'Root=1-a-b' });
    let done = false;
    const phase = ext.invokeDone().then(() => (done = true));
    const res = await first;
    assert.match(res.headers.get('lambda-extension-event-identifier') ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(await res.json(), {
      eventType: 'INVOKE',
      deadlineMs: 42,
      requestId: 'r1',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:fn',
      tracing: { type: 'X-Amzn-Trace-Id', value: 'Root=1-a-b' },
    });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(done, false, 'the phase waits for the extension');
    const parked = next();
    await phase;
    assert.equal(done, true);
    // Registration is closed after init.
    const late = await register(base, 'late', ['INVOKE']);
    assert.equal(((await late.json()) as { errorType: string }).errorType, 'Extension.RegistrationClosed');
    ext.close();
    await parked.catch(() => undefined);
  });

  it('an extension that exits before registering fails init with Extension.Crash', async (t) => {
    const ext = new ExtensionsApi({ ...options, names: ['agent'] });
    await serve(t, ext);
    ext.exited('agent', 'exit status 3');
    await assert.rejects(ext.registered, (e: unknown) => e instanceof ExtensionFailure && e.errorType === 'Extension.Crash' && /exit status 3/.test(e.message));
  });

  it('init/error needs its header and fails init with Extension.InitError', async (t) => {
    const ext = new ExtensionsApi({ ...options, names: ['agent'] });
    const base = await serve(t, ext);
    const id = (await register(base, 'agent', [])).headers.get('lambda-extension-identifier')!;
    const missing = await fetch(`${base}/2020-01-01/extension/init/error`, { method: 'POST', headers: { 'Lambda-Extension-Identifier': id }, body: '{}' });
    assert.equal(((await missing.json()) as { errorType: string }).errorType, 'Extension.MissingHeader');
    const ok = await fetch(`${base}/2020-01-01/extension/init/error`, { method: 'POST', headers: { 'Lambda-Extension-Identifier': id, 'Lambda-Extension-Function-Error-Type': 'Extension.Bad' }, body: '{}' });
    assert.equal(ok.status, 202);
    await assert.rejects(ext.initDone, (e: unknown) => e instanceof ExtensionFailure && e.errorType === 'Extension.InitError');
  });
});

describe('Telemetry API', () => {
  it('validates subscriptions and delivers batches of records to the listener', async (t) => {
    const ext = new ExtensionsApi({ ...options, names: ['agent'] });
    const base = await serve(t, ext);
    const id = (await register(base, 'agent', ['INVOKE'])).headers.get('lambda-extension-identifier')!;
    const batches: { type: string; record: unknown }[][] = [];
    let got: () => void = () => undefined;
    const listener = http.createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        batches.push(JSON.parse(b) as { type: string; record: unknown }[]);
        res.end();
        got();
      });
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    t.after(() => listener.close());
    const port = (listener.address() as AddressInfo).port;
    const put = (body: unknown): Promise<Response> =>
      fetch(`${base}/2022-07-01/telemetry`, { method: 'PUT', headers: { 'Lambda-Extension-Identifier': id, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const good = { schemaVersion: '2022-12-13', destination: { protocol: 'HTTP', URI: `http://sandbox.localdomain:${port}/t` }, types: ['platform', 'function'], buffering: { timeoutMs: 25 } };
    for (const bad of [
      { ...good, schemaVersion: '2019-01-01' },
      { ...good, types: ['platform', 'metrics'] },
      { ...good, buffering: { maxItems: 5 } },
      { ...good, destination: { protocol: 'HTTP', URI: 'http://example.com:1/' } },
    ]) {
      const r = await put(bad);
      assert.equal(r.status, 400, JSON.stringify(bad));
      assert.equal(((await r.json()) as { errorType: string }).errorType, 'ValidationError');
    }
    ext.telemetry.emit('platform', 'platform.initStart', { phase: 'init' });
    const arrived = new Promise<void>((r) => (got = r));
    const ok = await put(good);
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), 'OK');
    ext.telemetry.lines('function', 'one\ntwo\n');
    ext.telemetry.lines('extension', 'not subscribed\n');
    await arrived;
    while (batches.flat().length < 5) await new Promise<void>((r) => (got = r));
    const types = batches.flat().map((r) => r.type);
    // Records from before the subscription (during init) come first; `extension` lines were not subscribed to.
    assert.deepEqual(types, ['platform.extension', 'platform.initStart', 'platform.telemetrySubscription', 'function', 'function']);
    assert.deepEqual(batches.flat().slice(3).map((r) => r.record), ['one', 'two']);
  });

  it('the Logs API subscribes too, and gets its own record types (platform.end, no init records)', async (t) => {
    const ext = new ExtensionsApi({ ...options, names: ['agent'] });
    const base = await serve(t, ext);
    const id = (await register(base, 'agent', ['INVOKE'])).headers.get('lambda-extension-identifier')!;
    const records: { type: string; record: unknown }[] = [];
    let got: () => void = () => undefined;
    const listener = http.createServer((req, res) => {
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        records.push(...(JSON.parse(b) as { type: string; record: unknown }[]));
        res.end();
        got();
      });
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    t.after(() => listener.close());
    const port = (listener.address() as AddressInfo).port;
    ext.telemetry.emit('platform', 'platform.initStart', { phase: 'init' });
    const r = await fetch(`${base}/2020-08-15/logs`, {
      method: 'PUT',
      headers: { 'Lambda-Extension-Identifier': id },
      body: JSON.stringify({ destination: { protocol: 'HTTP', URI: `http://sandbox:${port}` }, types: ['platform'], buffering: { timeoutMs: 25 } }),
    });
    assert.equal(r.status, 200);
    ext.endInit();
    ext.telemetry.emit('platform', 'platform.start', { requestId: 'r1', version: '$LATEST' });
    ext.telemetry.emit('platform', 'platform.runtimeDone', { requestId: 'r1', status: 'success' });
    while (records.length < 5) await new Promise<void>((res) => (got = res));
    assert.deepEqual(
      records.map((x) => x.type),
      ['platform.extension', 'platform.logsSubscription', 'platform.start', 'platform.runtimeDone', 'platform.end'],
    );
    assert.deepEqual(records[4]!.record, { requestId: 'r1' });
  });
});
