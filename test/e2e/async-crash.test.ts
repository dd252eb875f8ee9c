/**
 * The async queue's durability under faults (docs/reference/reliability-and-isolation.md §5 rows 10, 11, 16-18,
 * 20): SIGKILL at random moments while events are accepted and run, the fsync before the 202
 * (under strace), SIGTERM re-queueing attempts cut short, and a full disk.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { startNimbus } from '../../src/app.js';
import { LEDGER_HANDLER, readLedger, waitFor, waitForAsync, ledgerDir } from '../helpers/ledger.js';
import { fillDisk, smallDisk } from '../helpers/small-disk.js';
import { deployNode, sdkClient } from '../helpers/nimbus.js';
import { NIMBUS_BIN, serve } from '../helpers/serve.js';

/** A small seeded generator, so a failing run can be replayed from the seed in its message. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function createLedgerFunction(url: string, name: string, ledger: string, code = LEDGER_HANDLER): Promise<void> {
  const lambda = sdkClient(url);
  try {
    await deployNode(lambda, name, { 'index.js': code }, { Timeout: 60, Environment: { Variables: { LEDGER: ledger } } });
  } finally {
    lambda.destroy();
  }
}

const postEvent = (url: string, name: string, payload: unknown): Promise<Response> =>
  fetch(`${url}/2015-03-31/functions/${name}/invocations`, {
    method: 'POST',
    headers: { 'x-amz-invocation-type': 'Event' },
    body: JSON.stringify(payload),
  });

/**
 * The functions record executions in a ledger file on the host, so these servers use process
 * isolation (a namespace sandbox has its own /tmp and cannot write there).
 */
const PROCESS = { NIMBUS_ISOLATION: 'process' };

const tempDir = (t: TestContext, prefix: string): string => {
  const d = ledgerDir(prefix);
  t.after(() => rmSync(d, { recursive: true, force: true }));
  return d;
};

test('SIGKILL at random moments: every event that got a 202 runs at least once, with its request id, and none stays stuck', async (t) => {
  const seed = Number(process.env['NIMBUS_CHAOS_SEED'] ?? Date.now() % 100_000);
  const random = rng(seed);
  const tmp = tempDir(t, 'nimbus-chaos-');
  const dataDir = join(tmp, 'data');
  const ledger = join(tmp, 'ledger');
  mkdirSync(dataDir);
  const acked = new Map<number, string>();
  let n = 0;
  const rounds = 6;
  for (let round = 0; round < rounds; round++) {
    const s = await serve(t, { dataDir, env: PROCESS });
    if (round === 0) await createLedgerFunction(s.url, 'chaos', ledger);
    let stop = false;
    // Eight clients send events back to back; some events sleep so that attempts are running at the kill.
    const clients = Array.from({ length: 8 }, async () => {
      while (!stop) {
        const i = n++;
        try {
          const r = await postEvent(s.url, 'chaos', { n: i, ms: random() < 0.3 ? 50 : 0 });
          if (r.status === 202) acked.set(i, r.headers.get('x-amzn-requestid')!);
          await r.arrayBuffer();
        } catch {
          // Cut off by the kill: not acknowledged, so nothing is promised.
          return;
        }
      }
    });
    // Kill after a random number of acknowledgements plus a random 0-50 ms, so that the kill
    // lands at a random point of accepting and running whatever the machine's speed.
    const target = acked.size + 10 + Math.floor(random() * 30);
    await waitFor(() => acked.size >= target, 15_000);
    await new Promise((r) => setTimeout(r, random() * 50));
    s.child.kill('SIGKILL');
    stop = true;
    await s.exited;
    await Promise.all(clients);
  }
  assert.ok(acked.size >= 50, `enough events were acknowledged to mean something: ${acked.size}`);

  const final = await serve(t, { dataDir, env: PROCESS });
  const ran = (): Map<string, number> => {
    const m = new Map<string, number>();
    for (const l of readLedger(ledger)) m.set(l.id, (m.get(l.id) ?? 0) + 1);
    return m;
  };
  await waitFor(() => [...acked.values()].every((id) => ran().has(id)), 30_000);
  const done = ran();
  const lost = [...acked.entries()].filter(([, id]) => !done.has(id));
  assert.deepEqual(lost, [], `seed ${seed}: acknowledged events that never ran`);
  // The request id the 202 returned is the one the function saw, and each ran with its own payload.
  for (const l of readLedger(ledger)) {
    const i = l.event['n'] as number;
    if (acked.has(i)) assert.equal(l.id, acked.get(i), `seed ${seed}: event ${i} ran with another request id`);
  }
  // Nothing stays queued, running or retrying once the work is done.
  const unfinished = async (): Promise<unknown[]> =>
    ((await (await fetch(`${final.url}/nimbus/v1/events?limit=10000`)).json()) as { events: { status: string }[] }).events.filter((e) => e.status !== 'succeeded');
  const stuck = await waitForAsync(unfinished, (u) => u.length === 0, 10_000);
  assert.deepEqual(stuck, [], `seed ${seed}: events not finished`);
});

test('the fsync of the queue file precedes the write of every 202 (strace)', async (t) => {
  if (spawnSync('strace', ['-V']).error) {
    if (process.env['CI'] === 'true') assert.fail('strace is not installed; .ci/run installs it');
    t.skip('strace not found (apt-get install strace)');
    return;
  }
  const tmp = tempDir(t, 'nimbus-strace-');
  const trace = join(tmp, 'trace.txt');
  const ledger = join(tmp, 'ledger');
  const child = spawn(
    'strace',
    ['-f', '-y', '-s', '100', '-e', 'trace=fsync,fdatasync,read,recvfrom,write,writev,sendto,sendmsg', '-o', trace, process.execPath, NIMBUS_BIN, 'serve', '--port', '0', '--data-dir', join(tmp, 'data')],
    // No stem cells: one booting during an exchange would interleave its syscalls with the server's in the trace.
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...PROCESS, NIMBUS_STEM_CELLS: '0' } },
  );
  const exited = new Promise((r) => child.once('exit', r));
  t.after(async () => {
    if (child.exitCode === null) child.kill('SIGKILL');
    await exited;
  });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  assert.ok(await waitFor(() => /listening on (http:\/\/\S+)/.test(err), 30_000), `nimbus under strace did not start: ${err}`);
  const url = /listening on (http:\/\/\S+)/.exec(err)![1]!;
  await createLedgerFunction(url, 'fsyncfn', ledger);
  for (let i = 0; i < 5; i++) {
    const r = await postEvent(url, 'fsyncfn', { i });
    assert.equal(r.status, 202);
    // One event at a time, each finished before the next: no other queue commit can fall in between.
    assert.ok(await waitFor(() => readLedger(ledger).length === i + 1, 10_000));
    await new Promise((res) => setTimeout(res, 100));
  }
  // Stop Nimbus itself (strace's child); strace exits with it once the trace is written.
  const nimbusPid = Number(execFileSync('pgrep', ['-P', String(child.pid)]).toString().trim().split('\n')[0]);
  process.kill(nimbusPid, 'SIGTERM');
  await exited;
  const lines = readFileSync(trace, 'utf8').split('\n');
  // Each Event request read from a client socket, and the 202 written back on that same socket
  // (the Runtime API's own 202s to sandboxes go to other sockets).
  const fdOf = (l: string): string | undefined => /^\d+\s+\w+\((\d+<[^>]*>)/.exec(l)?.[1];
  // A read that strace split because another thread made a call meanwhile shows its data on the
  // "<... read resumed>" line: the request then starts at that thread's "<unfinished ...>" line.
  const POST = 'POST /2015-03-31/functions/fsyncfn/invocations';
  const requests = lines
    .map((l, i) => {
      if (/(read|recvfrom)\(/.test(l) && l.includes(POST) && !/resumed>/.test(l)) return i;
      const resumed = /^(\d+)\s+<\.\.\. (read|recvfrom) resumed>/.exec(l);
      if (!resumed || !l.includes(POST)) return -1;
      for (let j = i - 1; j >= 0; j--) if (lines[j]!.startsWith(`${resumed[1]} `) && /(read|recvfrom)\(.*<unfinished \.\.\.>$/.test(lines[j]!)) return j;
      return -1;
    })
    .filter((i) => i >= 0);
  assert.equal(requests.length, 5, 'five Event requests read');
  for (const [k, start] of requests.entries()) {
    const fd = fdOf(lines[start]!);
    assert.ok(fd, `the socket of request ${k}: ${lines[start]}`);
    const end = lines.findIndex((l, i) => i > start && fdOf(l) === fd && /(write|writev|sendto|sendmsg)\(.*HTTP\/1\.1 202/.test(l));
    assert.ok(end > start, `the 202 of request ${k} was written`);
    const between = lines.slice(start, end);
    // On the thread that read the request (strace -f prefixes each line with it): a finished
    // fsync, or one that strace split into "<unfinished ...>" and "<... resumed>" because another
    // thread (the store's checkpointer) made a call meanwhile.
    const tid = /^(\d+)\s/.exec(lines[start]!)?.[1];
    const synced = between.some((l, i) => {
      if (!l.startsWith(`${tid} `) || !/(fsync|fdatasync)\(\d+<[^>]*queue\.db(-wal)?>/.test(l)) return false;
      if (/\) = 0$/.test(l)) return true;
      return /<unfinished \.\.\.>$/.test(l) && between.slice(i + 1).some((r) => r.startsWith(`${tid} `) && /<\.\.\. (fsync|fdatasync) resumed>\) += 0$/.test(r));
    });
    assert.ok(synced, `an fsync of queue.db between reading event ${k} and writing its 202:\n${between.join('\n')}`);
  }
});

const SLOW_ONCE = `const fs = require('fs');
process.umask(0);
exports.handler = async (event, context) => {
  const seen = fs.existsSync(process.env.LEDGER) && fs.readFileSync(process.env.LEDGER, 'utf8').includes(context.awsRequestId);
  fs.appendFileSync(process.env.LEDGER, JSON.stringify({ id: context.awsRequestId, event }) + '\\n');
  // The first attempt outlasts the shutdown grace period; the retry after the restart is quick.
  if (!seen) await new Promise((r) => setTimeout(r, 40000));
  return 'ok';
};`;

test('SIGTERM re-queues attempts it has to cut short; they run again after the restart with the same request id', async (t) => {
  const tmp = tempDir(t, 'nimbus-term-');
  const dataDir = join(tmp, 'data');
  const ledger = join(tmp, 'ledger');
  mkdirSync(dataDir);
  const s = await serve(t, { dataDir, env: PROCESS });
  await createLedgerFunction(s.url, 'slow', ledger, SLOW_ONCE);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await postEvent(s.url, 'slow', { i })).headers.get('x-amzn-requestid')!);
  assert.ok(await waitFor(() => readLedger(ledger).length === 5, 15_000), 'all five are running');
  s.child.kill('SIGTERM');
  const exit = await s.exited;
  assert.equal(exit.code, 0, s.stderr());

  const db = new Database(join(dataDir, 'queue.db'), { readonly: true });
  const rows = db.prepare('SELECT id, status, function_errors FROM events').all() as { id: string; status: string; function_errors: number }[];
  db.close();
  assert.deepEqual(rows.map((r) => r.status).sort(), Array(5).fill('retrying'), 'cut short, back in line, not failed and not left running');
  assert.ok(rows.every((r) => r.function_errors === 0), 'a shutdown does not use up a retry');

  const again = await serve(t, { dataDir, env: PROCESS });
  assert.ok(await waitFor(() => readLedger(ledger).length === 10, 20_000), 'each ran again');
  const perId = new Map<string, number>();
  for (const l of readLedger(ledger)) perId.set(l.id, (perId.get(l.id) ?? 0) + 1);
  assert.deepEqual([...perId.keys()].sort(), [...ids].sort());
  assert.ok([...perId.values()].every((c) => c === 2));
  const events = (await (await fetch(`${again.url}/nimbus/v1/events`)).json()) as { events: { status: string; attempts: number }[] };
  await waitFor(() => false, 300);
  assert.ok(events.events.every((e) => e.attempts === 2));
});

test('a full disk: Event invokes get a 5xx, never a 202; acknowledged events survive; Nimbus recovers by itself', async (t) => {
  const mnt = smallDisk(t);
  if (!mnt) return;
  const tmp = tempDir(t, 'nimbus-full-');
  const ledger = join(tmp, 'ledger');
  const nimbus = await startNimbus({ port: 0, isolation: 'process', dataDir: join(mnt, 'data'), log: () => undefined, shutdownGraceMs: 2000 });
  t.after(() => nimbus.close());
  await createLedgerFunction(nimbus.url, 'disk', ledger);
  const lambda = sdkClient(nimbus.url);
  t.after(() => lambda.destroy());
  await lambda.send(new InvokeCommand({ FunctionName: 'disk', Payload: Buffer.from('{"warm":true}') }));
  const before = await postEvent(nimbus.url, 'disk', { phase: 'before' });
  assert.equal(before.status, 202);
  assert.ok(await waitFor(() => readLedger(ledger).some((l) => l.event['phase'] === 'before'), 10_000));

  // Fill the filesystem.
  const filler = fillDisk(mnt);

  const statuses: number[] = [];
  const ackedWhileFull: string[] = [];
  const big = 'x'.repeat(200_000);
  for (let i = 0; i < 40 && !statuses.some((s) => s >= 500); i++) {
    const r = await postEvent(nimbus.url, 'disk', { phase: 'full', i, big });
    statuses.push(r.status);
    if (r.status === 202) ackedWhileFull.push(r.headers.get('x-amzn-requestid')!);
    else {
      assert.equal(r.headers.get('x-amzn-errortype'), 'ServiceException');
      assert.match(((await r.json()) as { Message: string }).Message, /could not store the event durably/);
    }
  }
  assert.ok(statuses.some((s) => s === 503), `a full disk refuses events with 503: ${statuses.join(',')}`);
  assert.ok(statuses.every((s) => s === 202 || s === 503), `only 202 (stored) or 503 (refused): ${statuses.join(',')}`);

  unlinkSync(filler);
  const after = await postEvent(nimbus.url, 'disk', { phase: 'after' });
  assert.equal(after.status, 202, 'accepted again once space is back, without a restart');
  const afterId = after.headers.get('x-amzn-requestid')!;
  const want = [...ackedWhileFull, afterId];
  assert.ok(
    await waitFor(() => want.every((id) => readLedger(ledger).some((l) => l.id === id)), 30_000),
    'every event acknowledged around the full disk ran',
  );
  const check = new Database(join(mnt, 'data', 'queue.db'), { readonly: true });
  try {
    assert.equal((check.pragma('integrity_check') as { integrity_check: string }[])[0]!.integrity_check, 'ok');
  } finally {
    check.close();
  }
});
