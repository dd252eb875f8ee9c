/**
 * Row 19 of docs/reference/reliability-and-isolation.md §5: simulated power loss. An LD_PRELOAD shim
 * (test/fixtures/powerloss/shim.c, built here with gcc) keeps a copy of each data file as of its
 * last fsync; "power loss" is a SIGKILL of `nimbus serve` followed by replacing the data directory
 * with those copies, so every write that was not fsynced is gone. Repeated at random moments while
 * events are accepted and run: no event that got a 202 is lost, and no partly written event is
 * ever visible. The model and its limits are described in docs/async.md.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { childPids } from '../helpers/chaos-soak.js';
import { LEDGER_HANDLER, readLedger, waitFor, waitForAsync, ledgerDir } from '../helpers/ledger.js';
import { deployNode, sdkClient } from '../helpers/nimbus.js';
import { serve } from '../helpers/serve.js';

const SHIM_SOURCE = fileURLToPath(new URL('../../../test/fixtures/powerloss/shim.c', import.meta.url));
const PROCESS = { NIMBUS_ISOLATION: 'process' };

/** Compiles the shim; fails (never skips) under CI when there is no C compiler. */
function buildShim(t: TestContext, dir: string): string | undefined {
  const out = join(dir, 'powerloss.so');
  const r = spawnSync('gcc', ['-shared', '-fPIC', '-O2', '-Wall', '-Wno-format-truncation', '-o', out, SHIM_SOURCE, '-ldl', '-lpthread'], { encoding: 'utf8' });
  if (r.status === 0) return out;
  const why = r.error ? r.error.message : r.stderr;
  if (process.env['CI'] === 'true') throw new Error(`cannot build the power-loss shim (gcc is needed): ${why}`);
  t.skip(`needs gcc to build the power-loss shim: ${why}`);
  return undefined;
}

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

/**
 * The power cut: the data directory becomes exactly its durable copy. Returns how many files lost
 * writes (content that differed, or files that were never synced), to show the model bites.
 */
function cutPower(dataDir: string, durableDir: string): number {
  let lost = 0;
  const durable = new Set(filesUnder(durableDir).filter((f) => !f.endsWith('.plshim-tmp')));
  for (const f of filesUnder(dataDir)) {
    const p = join(dataDir, f);
    if (!durable.has(f)) {
      rmSync(p);
      if (!f.endsWith('-shm')) lost++;
    } else if (!readFileSync(p).equals(readFileSync(join(durableDir, f)))) {
      copyFileSync(join(durableDir, f), p);
      lost++;
    }
  }
  for (const f of durable) {
    const p = join(dataDir, f);
    if (!existsSync(p)) {
      mkdirSync(dirname(p), { recursive: true });
      copyFileSync(join(durableDir, f), p);
    }
  }
  return lost;
}

/** A small seeded generator, so a failing run can be replayed from the seed in its message. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test('the power-loss shim keeps what was fsynced and drops the rest', async (t) => {
  const tmp = mkdtempSync(join(tmpdir(), 'nimbus-plshim-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const shim = buildShim(t, tmp);
  if (!shim) return;
  const data = join(tmp, 'data');
  const durable = join(tmp, 'durable');
  mkdirSync(data);
  mkdirSync(durable);
  const script = `const fs = require('fs'); const d = ${JSON.stringify(data)};
    let fd = fs.openSync(d + '/synced', 'w'); fs.writeSync(fd, 'kept'); fs.fsyncSync(fd); fs.writeSync(fd, ' and lost'); fs.closeSync(fd);
    fd = fs.openSync(d + '/datasynced', 'w'); fs.writeSync(fd, 'abc'); fs.fdatasyncSync(fd); fs.ftruncateSync(fd, 1); fs.closeSync(fd);
    fs.writeFileSync(d + '/never', 'never synced');
    fd = fs.openSync(d + '/gone', 'w'); fs.fsyncSync(fd); fs.closeSync(fd); fs.unlinkSync(d + '/gone');
    fd = fs.openSync(d + '/old', 'w'); fs.writeSync(fd, 'moved'); fs.fsyncSync(fd); fs.closeSync(fd); fs.renameSync(d + '/old', d + '/new');
    if (process.env.LD_PRELOAD) throw new Error('LD_PRELOAD leaks to child processes');`;
  execFileSync(process.execPath, ['-e', script], { env: { ...process.env, LD_PRELOAD: shim, NIMBUS_POWERLOSS_DATA: data, NIMBUS_POWERLOSS_DURABLE: durable } });
  assert.equal(readFileSync(join(data, 'synced'), 'utf8'), 'kept and lost', 'before the cut, the file has everything');
  assert.equal(cutPower(data, durable), 3);
  assert.deepEqual(filesUnder(data).sort(), ['datasynced', 'new', 'synced']);
  assert.equal(readFileSync(join(data, 'synced'), 'utf8'), 'kept');
  assert.equal(readFileSync(join(data, 'datasynced'), 'utf8'), 'abc', 'a truncation not synced is undone');
  assert.equal(readFileSync(join(data, 'new'), 'utf8'), 'moved');
});

test('power loss at random moments while events are accepted and run: no acknowledged event is lost, no partly written event is visible', async (t) => {
  const tmp = ledgerDir('nimbus-powerloss-');
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const shim = buildShim(t, tmp);
  if (!shim) return;
  const seed = Number(process.env['NIMBUS_CHAOS_SEED'] ?? Date.now() % 100_000);
  const random = rng(seed);
  const dataDir = join(tmp, 'data');
  const durableDir = join(tmp, 'durable');
  const ledger = join(tmp, 'ledger');
  mkdirSync(dataDir);

  // Set up without the shim and stop cleanly: the function and its unpacked code are on disk
  // (their own durability is not what this test is about).
  const setup = await serve(t, { dataDir, env: PROCESS });
  const lambda = sdkClient(setup.url);
  await deployNode(lambda, 'pl', { 'index.js': LEDGER_HANDLER }, { Timeout: 60, Environment: { Variables: { LEDGER: ledger } } });
  await lambda.send(new InvokeCommand({ FunctionName: 'pl', Payload: Buffer.from('{"warm":true}') }));
  lambda.destroy();
  setup.child.kill('SIGTERM');
  assert.equal((await setup.exited).code, 0, setup.stderr());
  // Everything on disk now counts as durable.
  cpSync(dataDir, durableDir, { recursive: true });

  const sent = new Map<number, string>();
  const acked = new Map<number, string>();
  let n = 0;
  let lostWrites = 0;
  const rounds = 5;
  for (let round = 0; round < rounds; round++) {
    const s = await serve(t, { dataDir, env: { ...PROCESS, LD_PRELOAD: shim, NIMBUS_POWERLOSS_DATA: dataDir, NIMBUS_POWERLOSS_DURABLE: durableDir } });
    let stop = false;
    const clients = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const i = n++;
        // Varied sizes, up to several pages, so that a torn event would show in its payload.
        const body = JSON.stringify({ n: i, ms: random() < 0.3 ? 50 : 0, pad: 'x'.repeat(Math.floor(random() * 12_000)) });
        sent.set(i, body);
        try {
          const r = await fetch(`${s.url}/2015-03-31/functions/pl/invocations`, { method: 'POST', headers: { 'x-amz-invocation-type': 'Event' }, body });
          if (r.status === 202) acked.set(i, r.headers.get('x-amzn-requestid')!);
          await r.arrayBuffer();
        } catch {
          // Cut off by the power loss: never acknowledged, so nothing is promised.
          return;
        }
      }
    });
    const target = acked.size + 20 + Math.floor(random() * 60);
    assert.ok(await waitFor(() => acked.size >= target, 30_000), `round ${round}: events are accepted under the shim: ${s.stderr()}`);
    await new Promise((r) => setTimeout(r, random() * 50));
    const sandboxes = childPids(s.child.pid!);
    s.child.kill('SIGKILL');
    stop = true;
    await s.exited;
    await Promise.all(clients);
    // The machine lost power: its sandboxes are gone too.
    for (const p of sandboxes) {
      try {
        process.kill(-p, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (round === 0) assert.ok(existsSync(join(durableDir, 'queue.db-wal')), 'the shim saw the fsyncs of the queue (its WAL is durable)');
    lostWrites += cutPower(dataDir, durableDir);

    // What a restart would find: a sound file, every acknowledged event, no event half written.
    const db = new Database(join(dataDir, 'queue.db'), { readonly: true });
    try {
      assert.equal((db.pragma('integrity_check') as { integrity_check: string }[])[0]!.integrity_check, 'ok', `seed ${seed} round ${round}`);
      const rows = db.prepare(`SELECT id, function_name, payload, status FROM events`).all() as { id: string; function_name: string; payload: Buffer; status: string }[];
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const r of rows) {
        assert.equal(r.function_name, 'pl');
        assert.ok(['queued', 'running', 'retrying', 'succeeded', 'failed'].includes(r.status), `seed ${seed}: status ${r.status}`);
        const text = r.payload.toString('utf8');
        const i = (JSON.parse(text) as { n: number }).n;
        assert.equal(text, sent.get(i), `seed ${seed}: event ${r.id} holds exactly the payload that was sent`);
        if (acked.has(i)) assert.equal(acked.get(i), r.id, `seed ${seed}: event ${i} kept the request id of its 202`);
      }
      const missing = [...acked.entries()].filter(([, id]) => !byId.has(id));
      assert.deepEqual(missing, [], `seed ${seed} round ${round}: acknowledged events lost by the power cut`);
    } finally {
      db.close();
    }
    // The store's database went through the same cut.
    for (const store of filesUnder(dataDir).filter((f) => f.endsWith('.db') && f !== 'queue.db')) {
      const sdb = new Database(join(dataDir, store), { readonly: true });
      try {
        assert.equal((sdb.pragma('integrity_check') as { integrity_check: string }[])[0]!.integrity_check, 'ok', `${store} after the cut`);
      } finally {
        sdb.close();
      }
    }
  }
  assert.ok(acked.size >= 100, `enough events were acknowledged: ${acked.size}`);
  assert.ok(lostWrites > 0, 'the power cuts discarded writes that were not fsynced');

  // Power back for good: every acknowledged event runs, with its own request id, and none stays behind.
  const final = await serve(t, { dataDir, env: PROCESS });
  const ran = (): Set<string> => new Set(readLedger(ledger).map((l) => l.id));
  await waitFor(() => [...acked.values()].every((id) => ran().has(id)), 60_000);
  const done = ran();
  assert.deepEqual([...acked.entries()].filter(([, id]) => !done.has(id)), [], `seed ${seed}: acknowledged events that never ran`);
  for (const l of readLedger(ledger)) {
    const i = l.event['n'];
    if (typeof i === 'number' && acked.has(i)) assert.equal(l.id, acked.get(i), `seed ${seed}: event ${i} ran with another request id`);
  }
  const unfinished = async (): Promise<unknown[]> =>
    ((await (await fetch(`${final.url}/nimbus/v1/events?limit=10000`)).json()) as { events: { status: string }[] }).events.filter((e) => e.status !== 'succeeded');
  assert.deepEqual(await waitForAsync(unfinished, (u) => u.length === 0, 30_000), [], `seed ${seed}: events not finished`);
  t.diagnostic(`seed ${seed}: ${acked.size} acknowledged over ${rounds} power cuts; ${lostWrites} file(s) lost unsynced writes; ${statSync(join(dataDir, 'queue.db')).size} bytes of queue`);
});
