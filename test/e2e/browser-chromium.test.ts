/**
 * The attack as a browser makes it: headless Chromium (Debian's `chromium`, driven by
 * playwright-core) opens a page served from another site, which fires `no-cors` POSTs at Nimbus
 * to create and invoke a function. Nimbus must create and run nothing. The same page against a
 * Nimbus that allows the page's origin does create the function, which shows the page really
 * reaches Nimbus and the first result is the guard's doing, not the browser's.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { makeZip, ROLE, startTestNimbus } from '../helpers/nimbus.js';

const CHROMIUM = '/usr/bin/chromium';

/** A page that tries, without CORS, to create a function and invoke it. */
function attackPage(nimbusPort: number, zipBase64: string): string {
  const create = JSON.stringify({ FunctionName: 'planted', Runtime: 'nodejs20.x', Handler: 'index.handler', Role: ROLE, Code: { ZipFile: zipBase64 } });
  return `<!doctype html><title>cat pictures</title><script>
  const base = 'http://127.0.0.1:${nimbusPort}';
  (async () => {
    const results = [];
    for (const [path, body] of [['/2015-03-31/functions', ${JSON.stringify(create)}], ['/2015-03-31/functions/planted/invocations', '{}']]) {
      try { const r = await fetch(base + path, { method: 'POST', mode: 'no-cors', body }); results.push(r.type); }
      catch (e) { results.push('error: ' + e.message); }
    }
    document.title = 'done ' + results.join(',');
  })();
  </script>`;
}

/** A page server whose page is set once Nimbus's port is known (the page's origin must be known first). */
async function servePage(): Promise<{ port: number; set: (html: string) => void; close: () => Promise<void> }> {
  let html = '';
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(html);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, set: (h) => (html = h), close: () => new Promise((r) => server.close(() => r())) };
}

test('a page on another site cannot create or invoke functions through the browser', async (t) => {
  if (!existsSync(CHROMIUM)) {
    assert.ok(process.env['CI'] !== 'true', `CI must have Chromium at ${CHROMIUM} (apt-get install chromium)`);
    t.skip(`no ${CHROMIUM}: apt-get install chromium`);
    return;
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // The flags keep Chromium from phoning home on a machine whose network is closed.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.after(() => browser.close());
  const zip = (await makeZip({ 'index.js': 'exports.handler = async () => "planted";' })).toString('base64');

  const attack = async (allowPageOrigin: boolean): Promise<{ title: string; names: string[]; refusals: number; ran: boolean }> => {
    const page = await servePage();
    t.after(page.close);
    // *.localhost resolves to loopback in Chromium: another site than 127.0.0.1, as a real attacker's would be.
    const origin = `http://evil.localhost:${page.port}`;
    const lines: string[] = [];
    const nimbus = await startTestNimbus(t, { log: (l) => lines.push(l), ...(allowPageOrigin ? { allowOrigins: [origin] } : {}) });
    page.set(attackPage(nimbus.port, zip));
    const tab = await browser.newPage();
    await tab.goto(`${origin}/`);
    // A string: the test build has no DOM types, and the expression runs in the page anyway.
    await tab.waitForFunction("document.title.startsWith('done')", undefined, { timeout: 30_000 });
    const title = await tab.title();
    await tab.close();
    const names = ((await nimbus.lambda.send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName!);
    const logs = names.length ? await (await fetch(`${nimbus.url}/nimbus/v1/functions/planted/logs`)).text() : '';
    return { title, names, refusals: lines.filter((l) => l.startsWith('refused POST')).length, ran: /START RequestId/.test(logs) };
  };

  const guarded = await attack(false);
  assert.deepEqual(guarded.names, [], `nothing was created (${guarded.title})`);
  assert.ok(guarded.refusals >= 1, 'the requests reached Nimbus and were refused there');

  // Control: the same page with its origin allowed does create and run the function, so the
  // page does reach Nimbus, and the first result is the guard's doing, not the browser's.
  const allowed = await attack(true);
  assert.deepEqual(allowed.names, ['planted'], allowed.title);
  assert.equal(allowed.ran, true, 'the planted function ran');
});
