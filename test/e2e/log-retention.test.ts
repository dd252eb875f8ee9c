/**
 * Function logs stay bounded and are read as a stream (docs/logging.md, "Retention"): many calls
 * printing large output keep the database within the per-function size cap, and a large
 * `logs?tail=N` is written page by page, so a health check is answered between its pages
 * (asserted by the order of events, never by timing) and the server does not hold the response.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { SqliteStore } from '../../src/store/sqlite.js';
import { deployNode, startTestNimbus } from '../helpers/nimbus.js';

const MB = 2 ** 20;
/** Prints `mb` megabytes per call, as lines of 64 KB. */
const LOUD = { 'index.js': "exports.handler = async (e) => { const line = 'x'.repeat(65536); for (let i = 0; i < e.mb * 16; i++) console.log(line); return e.n; };\n" };

async function callLoudly(lambda: Parameters<typeof deployNode>[0], calls: number, mb: number): Promise<void> {
  for (let n = 0; n < calls; n++) {
    const r = await lambda.send(new InvokeCommand({ FunctionName: 'loud', Payload: JSON.stringify({ n, mb }) }));
    assert.equal(r.FunctionError, undefined);
  }
}

test('many calls printing large output keep the database within the retention cap; the newest logs stay', async (t) => {
  const n = await startTestNimbus(t, { isolation: 'process', logRetention: { maxBytes: 3 * MB } });
  await deployNode(n.lambda, 'loud', LOUD, { Timeout: 30 });
  await callLoudly(n.lambda, 30, 1);
  const r = await fetch(`${n.url}/nimbus/v1/functions/loud/logs?tail=1000`);
  const body = (await r.json()) as { events: { text: string }[]; next: number };
  const kept = body.events.reduce((s, e) => s + Buffer.byteLength(e.text), 0);
  assert.ok(kept <= 3 * MB, `kept ${kept} bytes of logs`);
  assert.ok(kept > 2 * MB, `the newest logs stay: ${kept} bytes`);
  assert.ok(body.events.every((e) => Buffer.byteLength(e.text) <= 256 * 1024), 'no entry past 256 KB');
  assert.match(body.events.at(-1)!.text, /REPORT RequestId/);
  // 30 MB were printed; the file keeps about the cap (freed pages are reused, not grown).
  const db = statSync(join(n.dataDir, 'nimbus.db')).size;
  assert.ok(db < 10 * MB, `nimbus.db is ${(db / MB).toFixed(1)} MB`);
});

test('a large tail is streamed: a health check is answered between its pages, and the server holds little of it', async (t) => {
  const n = await startTestNimbus(t, { isolation: 'process' });
  await deployNode(n.lambda, 'loud', LOUD, { Timeout: 30 });
  await callLoudly(n.lambda, 96, 1);

  // The order of events: each page the log reader takes from the store, and the health answer.
  const order: string[] = [];
  const readLogs = SqliteStore.prototype.readLogs;
  SqliteStore.prototype.readLogs = function (this: SqliteStore, ...args: Parameters<typeof readLogs>) {
    order.push('page');
    return readLogs.apply(this, args);
  };
  t.after(() => {
    SqliteStore.prototype.readLogs = readLogs;
  });

  // The log store writes on its own thread: wait until every entry of the calls is written, so
  // that batches still on their way are not counted against (or for) the tail.
  let last = -1;
  for (;;) {
    const tail = (await (await fetch(`${n.url}/nimbus/v1/functions/loud/logs?tail=1`)).json()) as { next: number };
    if (tail.next === last) break;
    last = tail.next;
    await new Promise((r) => setTimeout(r, 200));
  }
  const mem = (): number => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const before = mem();
  const u = new URL(n.url);
  let received = 0;
  let heldAtPause = 0;
  const done = new Promise<number>((resolve, reject) => {
    const req = http.get({ host: u.hostname, port: u.port, path: '/nimbus/v1/functions/loud/logs?tail=1000' }, (res) => {
      res.once('data', (c: Buffer) => {
        received += c.length;
        // The client stops reading: the server must wait for it, not build the rest meanwhile.
        res.pause();
        void (async () => {
          const h = await fetch(`${n.url}/nimbus/v1/health`);
          assert.equal(h.status, 200);
          order.push('health');
          heldAtPause = mem() - before;
          res.on('data', (d: Buffer) => (received += d.length));
          res.on('end', () => resolve(received));
          res.resume();
        })().catch(reject);
      });
    });
    req.on('error', reject);
  });
  const total = await done;
  // 96 MB were printed; what the tail carries must far exceed what the server may hold meanwhile
  // (24 MB: this process's heap also moves with the test's own work and the collector's timing).
  assert.ok(total > 32 * MB, `the tail carried ${(total / MB).toFixed(1)} MB`);
  const health = order.indexOf('health');
  assert.ok(health > 0, 'pages were read before the health check');
  assert.ok(order.slice(health + 1).includes('page'), `pages were read after the health check was answered: ${order.join(',')}`);
  assert.ok(heldAtPause < 24 * MB, `memory grew by ${(heldAtPause / MB).toFixed(1)} MB while the client paused`);
});
